/*
 * Worker loops, the main loop, timers and the blocking pool.
 * See include/zvonok/loop.h for the contract.
 *
 * DESIGN
 * Each loop is a libevent base driven by exactly one thread.  Posting
 * appends to a mutex-protected FIFO and writes the loop's eventfd once per
 * batch (only when the queue was empty), so a burst of posts costs one
 * wake-up.  The loop swaps the whole queue out under the lock and runs the
 * batch without it.  The blocking pool is a small set of plain threads
 * taking jobs from one queue; a finished job is posted back to the loop
 * that submitted it.
 */
#include <errno.h>
#include <event2/event.h>
#include <event2/event_struct.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define ZV_LOG_MODULE "core"
#include <zvonok/log.h>
#include <zvonok/loop.h>

#include "core/internal.h"

struct msg {
	struct msg *next;
	zv_loop_fn *fn;
	void *arg;
};

struct fini_hook {
	struct fini_hook *next;
	zv_loop_fn *fn;
	void *arg;
};

struct zv_loop {
	char name[16];
	struct event_base *base;
	struct event *wake_ev;
	int wake_fd;
	pthread_t thread;
	_Atomic int tid;
	pthread_mutex_t lock;
	struct msg *head, **tail;
	uint32_t qlen;
	bool stopped; /* guarded by lock */
	/* stats: written by the loop thread, read by anyone */
	_Atomic uint64_t posted, timers, wakeups;
	_Atomic uint32_t qmax;
	_Atomic uint64_t busy_ns;
	struct fini_hook *fini; /* zv_loop_on_fini(), newest first; own thread */
	struct zv_overload overload; /* the SIP layer feeds it; own thread */
	int fd_map_covered; /* zv_loop_fd_map_cover(); own thread */
};

static struct zv_loop main_loop;
static struct zv_loop *workers;
static unsigned nworkers;
static _Thread_local struct zv_loop *current_loop;
static uint64_t start_time_us;

/* blocking pool */
struct job {
	struct job *next;
	zv_loop_fn *work, *done;
	void *arg;
	struct zv_loop *origin;
};
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_cond = PTHREAD_COND_INITIALIZER;
static struct job *pool_head, **pool_tail = &pool_head;
static bool pool_stop;
static pthread_t *pool_threads;
static unsigned npool;

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

unsigned zv_workers_count(void)
{
	return nworkers;
}

struct zv_loop *zv_worker_peek(unsigned idx)
{
	return idx < nworkers ? &workers[idx] : NULL;
}

struct zv_loop *zv_worker_for_key(const void *key, size_t len)
{
	/* FNV-1a: stable across runs, good enough spread for Call-IDs. */
	const unsigned char *p = key;
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < len; i++) {
		h ^= p[i];
		h *= 16777619u;
	}
	return nworkers ? &workers[h % nworkers] : &main_loop;
}

struct zv_overload *zv__overload_current(void)
{
	return current_loop && current_loop != &main_loop ? &current_loop->overload : NULL;
}

struct zv_overload *zv__loop_overload(struct zv_loop *loop)
{
	return &loop->overload;
}

struct zv_loop *zv_main_loop(void)
{
	return &main_loop;
}

struct zv_loop *zv_loop_current(void)
{
	return current_loop;
}

bool zv_loop_is_current(const struct zv_loop *loop)
{
	return current_loop == loop;
}

const char *zv_loop_name(const struct zv_loop *loop)
{
	return loop->name;
}

#define FD_MAP_BATCH 512

static void fd_map_noop(evutil_socket_t fd, short what, void *arg)
{
}

/*
 * libevent keeps a small record (32 bytes with malloc's header) for every
 * descriptor number a base has watched, made the first time and kept until
 * the base is freed.  Made one by one as a load opens RTP sockets, they
 * land among the calls' memory in the worker's malloc arena and keep its
 * pages resident once the calls are gone (measured: ~1000 of them per
 * worker after 500 bridged calls held ~3 MB of each arena that
 * malloc_trim() could not return).  Past the highest number covered so
 * far, this covers the next FD_MAP_BATCH numbers at once, so their records
 * sit together: each free number in the batch is taken for a moment
 * (F_DUPFD of the loop's eventfd: the lowest free number from n, never one
 * in use), watched and unwatched, and closed.  It relies on libevent
 * keeping the records; were that to change, it only costs the syscalls.
 */
void zv_loop_fd_map_cover(struct zv_loop *loop, int fd)
{
	if (fd < loop->fd_map_covered || loop->wake_fd < 0 || current_loop != loop)
		return;
	int end = (fd / FD_MAP_BATCH + 1) * FD_MAP_BATCH;
	for (int n = loop->fd_map_covered; n < end;) {
		int d = fcntl(loop->wake_fd, F_DUPFD_CLOEXEC, n);
		if (d < 0)
			break;
		if (d < end) {
			struct event ev;
			event_assign(&ev, loop->base, d, EV_READ, fd_map_noop, NULL);
			if (event_add(&ev, NULL) == 0)
				event_del(&ev);
		}
		close(d);
		n = d + 1;
	}
	loop->fd_map_covered = end;
}

struct event_base *zv_loop_base(struct zv_loop *loop)
{
	return loop->base;
}

int zv_loop_post(struct zv_loop *loop, zv_loop_fn *fn, void *arg)
{
	struct msg *m = malloc(sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->next = NULL;
	m->fn = fn;
	m->arg = arg;
	pthread_mutex_lock(&loop->lock);
	if (loop->stopped) {
		pthread_mutex_unlock(&loop->lock);
		free(m);
		return -ESHUTDOWN;
	}
	bool was_empty = loop->head == NULL;
	*loop->tail = m;
	loop->tail = &m->next;
	uint32_t qlen = ++loop->qlen;
	pthread_mutex_unlock(&loop->lock);
	uint32_t seen = atomic_load_explicit(&loop->qmax, memory_order_relaxed);
	while (qlen > seen &&
	       !atomic_compare_exchange_weak_explicit(&loop->qmax, &seen, qlen,
						      memory_order_relaxed, memory_order_relaxed))
		;
	if (was_empty) {
		uint64_t one = 1;
		ssize_t r = write(loop->wake_fd, &one, sizeof(one));
		(void)r; /* EAGAIN means a wake-up is already pending */
	}
	return 0;
}

static void run_queue(evutil_socket_t fd, short what, void *arg)
{
	struct zv_loop *loop = arg;
	uint64_t v;
	ssize_t r = read(fd, &v, sizeof(v));
	(void)r;
	atomic_fetch_add_explicit(&loop->wakeups, 1, memory_order_relaxed);

	pthread_mutex_lock(&loop->lock);
	struct msg *m = loop->head;
	loop->head = NULL;
	loop->tail = &loop->head;
	loop->qlen = 0;
	pthread_mutex_unlock(&loop->lock);

	uint64_t t0 = now_ns(), n = 0;
	while (m) {
		struct msg *next = m->next;
		m->fn(m->arg);
		free(m);
		m = next;
		n++;
	}
	atomic_fetch_add_explicit(&loop->posted, n, memory_order_relaxed);
	atomic_fetch_add_explicit(&loop->busy_ns, now_ns() - t0, memory_order_relaxed);
}

static int loop_init(struct zv_loop *loop, const char *name)
{
	memset(loop, 0, sizeof(*loop));
	snprintf(loop->name, sizeof(loop->name), "%s", name);
	pthread_mutex_init(&loop->lock, NULL);
	loop->tail = &loop->head;
	loop->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (loop->wake_fd < 0)
		return -errno;
	loop->base = event_base_new();
	if (!loop->base)
		goto fail;
	loop->wake_ev = event_new(loop->base, loop->wake_fd, EV_READ | EV_PERSIST,
				  run_queue, loop);
	if (!loop->wake_ev || event_add(loop->wake_ev, NULL) < 0)
		goto fail;
	return 0;
fail:
	if (loop->wake_ev)
		event_free(loop->wake_ev);
	if (loop->base)
		event_base_free(loop->base);
	close(loop->wake_fd);
	return -ENOMEM;
}

/* The loop's zv_loop_on_fini() hooks, newest first, each once. */
static void run_fini_hooks(struct zv_loop *loop)
{
	while (loop->fini) {
		struct fini_hook *h = loop->fini;
		loop->fini = h->next;
		h->fn(h->arg);
		free(h);
	}
}

int zv_loop_on_fini(zv_loop_fn *fn, void *arg)
{
	struct zv_loop *loop = current_loop;
	if (!loop)
		return -EINVAL;
	struct fini_hook *h = malloc(sizeof(*h));
	if (!h)
		return -ENOMEM;
	*h = (struct fini_hook){loop->fini, fn, arg};
	loop->fini = h;
	return 0;
}

static void loop_fini(struct zv_loop *loop)
{
	run_fini_hooks(loop);
	pthread_mutex_lock(&loop->lock);
	loop->stopped = true;
	struct msg *m = loop->head;
	loop->head = NULL;
	pthread_mutex_unlock(&loop->lock);
	while (m) {
		struct msg *next = m->next;
		free(m);
		m = next;
	}
	if (loop->wake_ev)
		event_free(loop->wake_ev);
	if (loop->base)
		event_base_free(loop->base);
	if (loop->wake_fd >= 0)
		close(loop->wake_fd);
	/* Keep the lock and stopped = true: a late zv_loop_post() on a
	 * static loop (main) must get -ESHUTDOWN, not a crash. */
	loop->wake_ev = NULL;
	loop->base = NULL;
	loop->wake_fd = -1;
}

static void *worker_main(void *arg)
{
	struct zv_loop *loop = arg;
	current_loop = loop;
	atomic_store(&loop->tid, (int)syscall(SYS_gettid));
	char tname[16]; /* the kernel keeps 15 characters */
	snprintf(tname, sizeof(tname), "zv-%.12s", loop->name);
	pthread_setname_np(pthread_self(), tname);
	event_base_loop(loop->base, EVLOOP_NO_EXIT_ON_EMPTY);
	run_fini_hooks(loop); /* on this thread, its base still there */
	current_loop = NULL;
	return NULL;
}

static void *pool_main(void *arg)
{
	pthread_setname_np(pthread_self(), "zv-pool");
	for (;;) {
		pthread_mutex_lock(&pool_lock);
		while (!pool_head && !pool_stop)
			pthread_cond_wait(&pool_cond, &pool_lock);
		if (pool_stop) {
			pthread_mutex_unlock(&pool_lock);
			return NULL;
		}
		struct job *j = pool_head;
		pool_head = j->next;
		if (!pool_head)
			pool_tail = &pool_head;
		pthread_mutex_unlock(&pool_lock);

		j->work(j->arg);
		if (!j->done || zv_loop_post(j->origin, j->done, j->arg) < 0) {
			/* The origin loop is gone: shutting down. */
		}
		free(j);
	}
}

int zv_pool_submit(zv_loop_fn *work, zv_loop_fn *done, void *arg)
{
	if (!current_loop)
		return -EINVAL;
	struct job *j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->work = work;
	j->done = done;
	j->arg = arg;
	j->origin = current_loop;
	pthread_mutex_lock(&pool_lock);
	if (pool_stop) {
		pthread_mutex_unlock(&pool_lock);
		free(j);
		return -ESHUTDOWN;
	}
	*pool_tail = j;
	pool_tail = &j->next;
	pthread_cond_signal(&pool_cond);
	pthread_mutex_unlock(&pool_lock);
	return 0;
}

static void timer_fire(evutil_socket_t fd, short what, void *arg)
{
	struct zv_timer *t = arg;
	if (current_loop)
		atomic_fetch_add_explicit(&current_loop->timers, 1, memory_order_relaxed);
	if (t->period_ms) {
		struct timeval tv = {t->period_ms / 1000, (t->period_ms % 1000) * 1000};
		event_add(t->ev, &tv);
	}
	t->cb(t->arg);
}

int zv_timer_init(struct zv_timer *t, struct zv_loop *loop, zv_loop_fn *cb,
		  void *arg)
{
	memset(t, 0, sizeof(*t));
	t->cb = cb;
	t->arg = arg;
	t->ev = evtimer_new(loop->base, timer_fire, t);
	return t->ev ? 0 : -ENOMEM;
}

int zv_timer_start(struct zv_timer *t, uint32_t ms, uint32_t period_ms)
{
	t->period_ms = period_ms;
	/* libevent measures from the time it cached when the loop woke; a
	 * callback that ran long would otherwise get a timer that fires
	 * early.  Refresh the cache so ms counts from now. */
	event_base_update_cache_time(event_get_base(t->ev));
	struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
	return evtimer_add(t->ev, &tv) < 0 ? -EINVAL : 0;
}

void zv_timer_stop(struct zv_timer *t)
{
	if (t->ev)
		evtimer_del(t->ev);
}

void zv_timer_fini(struct zv_timer *t)
{
	if (t->ev)
		event_free(t->ev);
	t->ev = NULL;
}

void zv_loop_get_stats(struct zv_loop *loop, struct zv_loop_stats *st)
{
	st->posted = atomic_load(&loop->posted);
	st->timers = atomic_load(&loop->timers);
	st->wakeups = atomic_load(&loop->wakeups);
	pthread_mutex_lock(&loop->lock);
	st->queue_len = loop->qlen;
	pthread_mutex_unlock(&loop->lock);
	st->queue_max = atomic_load(&loop->qmax);
	st->busy_ms = (double)atomic_load(&loop->busy_ns) / 1e6;
	st->tid = atomic_load(&loop->tid);
}

uint64_t zv_loops_start_time_us(void)
{
	return start_time_us;
}

int zv_loops_init(unsigned n)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	start_time_us = (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000;
	if (!n) {
		long cores = sysconf(_SC_NPROCESSORS_ONLN);
		n = cores > 0 ? (unsigned)cores : 1;
	}
	int err = loop_init(&main_loop, "main");
	if (err)
		return err;
	current_loop = &main_loop;
	atomic_store(&main_loop.tid, (int)syscall(SYS_gettid));

	workers = calloc(n, sizeof(*workers));
	if (!workers)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++) {
		char name[16];
		snprintf(name, sizeof(name), "worker%u", i % 100000000u);
		err = loop_init(&workers[i], name);
		if (err)
			return err;
		if (pthread_create(&workers[i].thread, NULL, worker_main, &workers[i])) {
			event_base_free(workers[i].base);
			workers[i].base = NULL;
			return -EAGAIN;
		}
		nworkers = i + 1;
	}
	pthread_mutex_lock(&pool_lock);
	pool_stop = false;
	pthread_mutex_unlock(&pool_lock);
	npool = 2;
	pool_threads = calloc(npool, sizeof(*pool_threads));
	if (!pool_threads)
		return -ENOMEM;
	for (unsigned i = 0; i < npool; i++)
		if (pthread_create(&pool_threads[i], NULL, pool_main, NULL))
			return -EAGAIN;
	return 0;
}

void zv_main_loop_run(void)
{
	event_base_loop(main_loop.base, EVLOOP_NO_EXIT_ON_EMPTY);
}

static void exit_loop(void *arg)
{
	struct zv_loop *loop = arg;
	event_base_loopbreak(loop->base);
}

/* Last message a worker runs: later posts fail with -ESHUTDOWN (their
 * callers keep ownership) instead of being silently dropped. */
static void exit_worker(void *arg)
{
	struct zv_loop *loop = arg;
	pthread_mutex_lock(&loop->lock);
	loop->stopped = true;
	pthread_mutex_unlock(&loop->lock);
	event_base_loopbreak(loop->base);
}

void zv_main_loop_exit(void)
{
	if (zv_loop_post(&main_loop, exit_loop, &main_loop) < 0)
		event_base_loopbreak(main_loop.base);
}

void zv_loops_fini(void)
{
	pthread_mutex_lock(&pool_lock);
	pool_stop = true;
	pthread_cond_broadcast(&pool_cond);
	pthread_mutex_unlock(&pool_lock);
	for (unsigned i = 0; i < npool && pool_threads; i++)
		pthread_join(pool_threads[i], NULL);
	free(pool_threads);
	pool_threads = NULL;
	while (pool_head) {
		struct job *j = pool_head;
		pool_head = j->next;
		free(j);
	}
	pool_tail = &pool_head;

	for (unsigned i = 0; i < nworkers; i++)
		zv_loop_post(&workers[i], exit_worker, &workers[i]);
	for (unsigned i = 0; i < nworkers; i++) {
		pthread_join(workers[i].thread, NULL);
		loop_fini(&workers[i]);
	}
	free(workers);
	workers = NULL;
	nworkers = 0;
	loop_fini(&main_loop);
	current_loop = NULL;
}

uint64_t zv_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t zv_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* ---- per-thread scratch ------------------------------------------------ */

struct scratch {
	struct scratch *next;
	void **slot;
	void *mem;
};

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free_all(void *arg)
{
	for (struct scratch *s = arg, *next; s; s = next) {
		next = s->next;
		*s->slot = NULL;
		free(s->mem);
		free(s);
	}
}

static void scratch_key_init(void)
{
	pthread_key_create(&scratch_key, scratch_free_all);
}

void *zv_thread_scratch(void **slot, size_t size)
{
	if (*slot)
		return *slot;
	pthread_once(&scratch_once, scratch_key_init);
	struct scratch *s = malloc(sizeof(*s));
	void *mem = calloc(1, size);
	if (!s || !mem) {
		free(s);
		free(mem);
		return NULL;
	}
	s->slot = slot;
	s->mem = mem;
	s->next = pthread_getspecific(scratch_key);
	if (pthread_setspecific(scratch_key, s) != 0) {
		free(s);
		free(mem);
		return NULL;
	}
	*slot = mem;
	return mem;
}
