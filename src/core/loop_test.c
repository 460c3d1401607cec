/*
 * Unit tests for worker loops, timers and the blocking pool
 * (src/core/loop.c).  The test thread is the main loop: each test starts
 * the loops with zv_loops_init(), runs the main loop until a callback calls
 * zv_main_loop_exit(), then checks what the callbacks recorded.  A guard
 * timer on the main loop ends a run that takes too long, so a lost message
 * fails the test instead of hanging it.
 *
 * State touched by loop threads is static (never on the test's stack): a
 * failing test may leave messages behind that run until teardown joins the
 * workers.
 */
#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <zvonok/loop.h>

#include "core/internal.h"

#define NWORKERS 4

static int setup(void **state)
{
	return zv_loops_init(NWORKERS);
}

static int teardown(void **state)
{
	zv_loops_fini();
	return 0;
}

static bool guard_fired;

static void guard_cb(void *arg)
{
	guard_fired = true;
	zv_main_loop_exit();
}

/* Run the main loop until something calls zv_main_loop_exit(); false when
 * the guard had to end it after ms. */
static bool run_main(uint32_t ms)
{
	struct zv_timer guard;
	guard_fired = false;
	assert_int_equal(zv_timer_init(&guard, zv_main_loop(), guard_cb, NULL), 0);
	assert_int_equal(zv_timer_start(&guard, ms, 0), 0);
	zv_main_loop_run();
	zv_timer_stop(&guard);
	zv_timer_fini(&guard);
	return !guard_fired;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {0, (long)ms * 1000000L};
	nanosleep(&ts, NULL);
}

/* ---- basics ---------------------------------------------------------- */

static void test_init_shape(void **state)
{
	assert_int_equal(zv_workers_count(), NWORKERS);
	assert_non_null(zv_main_loop());
	assert_string_equal(zv_loop_name(zv_main_loop()), "main");
	assert_ptr_equal(zv_loop_current(), zv_main_loop());
	assert_true(zv_loop_is_current(zv_main_loop()));
	assert_non_null(zv_loop_base(zv_main_loop()));
	for (unsigned i = 0; i < NWORKERS; i++) {
		struct zv_loop *w = zv_worker_peek(i);
		assert_non_null(w);
		assert_ptr_not_equal(w, zv_main_loop());
		assert_false(zv_loop_is_current(w));
		char name[16];
		snprintf(name, sizeof(name), "worker%u", i);
		assert_string_equal(zv_loop_name(w), name);
		for (unsigned j = 0; j < i; j++)
			assert_ptr_not_equal(w, zv_worker_peek(j));
	}
	assert_null(zv_worker_peek(NWORKERS));
	assert_null(zv_worker_peek(UINT32_MAX));
}

/* ---- zv_loop_post runs on the target's thread -------------------------- */

static struct {
	atomic_int ran, wrong_current, wrong_is_current, main_seen_current;
	atomic_int back_on_main;
	struct zv_loop *expect[NWORKERS + 1];
} on_loop;

static void back_on_main(void *arg)
{
	if (!zv_loop_is_current(zv_main_loop()))
		atomic_fetch_add(&on_loop.wrong_is_current, 1);
	if (atomic_fetch_add(&on_loop.back_on_main, 1) + 1 == NWORKERS + 1)
		zv_main_loop_exit();
}

static void where_am_i(void *arg)
{
	struct zv_loop *want = arg;
	atomic_fetch_add(&on_loop.ran, 1);
	if (zv_loop_current() != want)
		atomic_fetch_add(&on_loop.wrong_current, 1);
	if (!zv_loop_is_current(want))
		atomic_fetch_add(&on_loop.wrong_is_current, 1);
	if (want != zv_main_loop() && zv_loop_is_current(zv_main_loop()))
		atomic_fetch_add(&on_loop.main_seen_current, 1);
	/* Reply from the worker to the main loop. */
	if (zv_loop_post(zv_main_loop(), back_on_main, NULL) != 0)
		atomic_fetch_add(&on_loop.wrong_current, 100);
}

static void test_post_runs_on_target_thread(void **state)
{
	memset(&on_loop, 0, sizeof(on_loop));
	for (unsigned i = 0; i < NWORKERS; i++)
		assert_int_equal(zv_loop_post(zv_worker_peek(i), where_am_i, zv_worker_peek(i)), 0);
	assert_int_equal(zv_loop_post(zv_main_loop(), where_am_i, zv_main_loop()), 0);
	/* Nothing ran on main yet: the main loop isn't running. */
	assert_true(run_main(2000));
	assert_int_equal(on_loop.ran, NWORKERS + 1);
	assert_int_equal(on_loop.back_on_main, NWORKERS + 1);
	assert_int_equal(on_loop.wrong_current, 0);
	assert_int_equal(on_loop.wrong_is_current, 0);
	assert_int_equal(on_loop.main_seen_current, 0);
}

/* ---- FIFO from one poster ------------------------------------------- */

#define FIFO_N 20000

static struct {
	unsigned next; /* only the target worker touches it */
	atomic_int out_of_order;
} fifo;

static void fifo_msg(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	if (i != fifo.next)
		atomic_fetch_add(&fifo.out_of_order, 1);
	fifo.next = i + 1;
	if (i == FIFO_N - 1)
		zv_main_loop_exit();
}

static void *fifo_poster(void *arg)
{
	struct zv_loop *target = arg;
	for (unsigned i = 0; i < FIFO_N; i++) {
		if (zv_loop_post(target, fifo_msg, (void *)(uintptr_t)i) != 0)
			atomic_fetch_add(&fifo.out_of_order, 1000000);
		if (i % 1000 == 0)
			sched_yield(); /* let the worker drain some batches */
	}
	return NULL;
}

static void test_fifo_one_poster(void **state)
{
	memset(&fifo, 0, sizeof(fifo));
	/* From a plain thread (not a loop) to a worker. */
	pthread_t th;
	assert_int_equal(pthread_create(&th, NULL, fifo_poster, zv_worker_peek(1)), 0);
	bool ok = run_main(3000);
	pthread_join(th, NULL);
	assert_true(ok);
	assert_int_equal(fifo.next, FIFO_N);
	assert_int_equal(fifo.out_of_order, 0);
}

/* The main loop also keeps FIFO order for posts it makes to itself. */
static unsigned self_next;
static int self_bad;

static void self_msg(void *arg)
{
	unsigned i = (unsigned)(uintptr_t)arg;
	if (i != self_next++)
		self_bad++;
	if (!zv_loop_is_current(zv_main_loop()))
		self_bad++;
	if (i == 999)
		zv_main_loop_exit();
}

static void test_fifo_main_self(void **state)
{
	self_next = 0;
	self_bad = 0;
	for (unsigned i = 0; i < 1000; i++)
		assert_int_equal(zv_loop_post(zv_main_loop(), self_msg, (void *)(uintptr_t)i), 0);
	assert_true(run_main(2000));
	assert_int_equal(self_next, 1000);
	assert_int_equal(self_bad, 0);
}

/* ---- many posters, each message exactly once --------------------------- */

#define NPOSTERS 8
#define PER_POSTER 2000

static struct {
	atomic_uchar hits[NPOSTERS * PER_POSTER];
	unsigned next[NPOSTERS]; /* per poster; only its target worker touches it */
	atomic_int total, out_of_order, wrong_loop;
} many;

static void many_msg(void *arg)
{
	unsigned id = (unsigned)(uintptr_t)arg;
	unsigned t = id / PER_POSTER, i = id % PER_POSTER;
	atomic_fetch_add(&many.hits[id], 1);
	if (!zv_loop_is_current(zv_worker_peek(t % NWORKERS)))
		atomic_fetch_add(&many.wrong_loop, 1);
	if (many.next[t] != i)
		atomic_fetch_add(&many.out_of_order, 1);
	many.next[t] = i + 1;
	if (atomic_fetch_add(&many.total, 1) + 1 == NPOSTERS * PER_POSTER)
		zv_main_loop_exit();
}

static pthread_barrier_t start_line;

static void *many_poster(void *arg)
{
	unsigned t = (unsigned)(uintptr_t)arg;
	struct zv_loop *target = zv_worker_peek(t % NWORKERS);
	pthread_barrier_wait(&start_line);
	for (unsigned i = 0; i < PER_POSTER; i++)
		if (zv_loop_post(target, many_msg, (void *)(uintptr_t)(t * PER_POSTER + i)) != 0)
			atomic_fetch_add(&many.wrong_loop, 1000000);
	return NULL;
}

static void test_many_posters_exactly_once(void **state)
{
	memset(&many, 0, sizeof(many));
	pthread_t th[NPOSTERS];
	assert_int_equal(pthread_barrier_init(&start_line, NULL, NPOSTERS), 0);
	for (unsigned t = 0; t < NPOSTERS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, many_poster, (void *)(uintptr_t)t), 0);
	bool ok = run_main(5000);
	for (unsigned t = 0; t < NPOSTERS; t++)
		pthread_join(th[t], NULL);
	pthread_barrier_destroy(&start_line);
	assert_true(ok);
	assert_int_equal(many.total, NPOSTERS * PER_POSTER);
	for (unsigned id = 0; id < NPOSTERS * PER_POSTER; id++)
		assert_int_equal(many.hits[id], 1);
	assert_int_equal(many.out_of_order, 0);
	assert_int_equal(many.wrong_loop, 0);
}

/* ---- zv_worker_for_key ------------------------------------------------ */

static void test_worker_for_key(void **state)
{
	unsigned used[NWORKERS] = {0};
	for (unsigned k = 0; k < 200; k++) {
		char key[64];
		int len = snprintf(key, sizeof(key), "a84b4c76e66710-%u@pc33.atlanta.com", k);
		struct zv_loop *w = zv_worker_for_key(key, (size_t)len);
		unsigned idx = NWORKERS;
		for (unsigned i = 0; i < NWORKERS; i++)
			if (zv_worker_peek(i) == w)
				idx = i;
		assert_true(idx < NWORKERS); /* a worker, never main */
		used[idx]++;
		/* Stable: the same bytes (another copy) give the same worker. */
		char copy[64];
		memcpy(copy, key, sizeof(copy));
		for (int rep = 0; rep < 3; rep++)
			assert_ptr_equal(zv_worker_for_key(copy, (size_t)len), w);
	}
	/* 200 Call-IDs spread over every worker. */
	for (unsigned i = 0; i < NWORKERS; i++)
		assert_true(used[i] > 0);

	/* Only len bytes count. */
	assert_ptr_equal(zv_worker_for_key("call-1XYZ", 6), zv_worker_for_key("call-1abc", 6));
	/* The empty key is valid too. */
	struct zv_loop *e = zv_worker_for_key("", 0);
	assert_ptr_equal(e, zv_worker_for_key(NULL, 0));
	assert_ptr_not_equal(e, zv_main_loop());
}

/* ---- timers ----------------------------------------------------------- */

static struct {
	struct zv_loop *loop;
	struct zv_timer one, periodic, cancelled, check;
	atomic_int one_fired, periodic_fired, cancelled_fired, wrong_thread;
	int periodic_at_check;
	int start_err;
} tm;

static void tm_check_thread(void)
{
	if (!zv_loop_is_current(tm.loop))
		atomic_fetch_add(&tm.wrong_thread, 1);
}

static void tm_one(void *arg)
{
	tm_check_thread();
	if (arg != &tm.one)
		atomic_fetch_add(&tm.wrong_thread, 100);
	atomic_fetch_add(&tm.one_fired, 1);
}

static void tm_cancelled(void *arg)
{
	atomic_fetch_add(&tm.cancelled_fired, 1);
}

static void tm_check(void *arg)
{
	tm_check_thread();
	tm.periodic_at_check = atomic_load(&tm.periodic_fired);
	zv_timer_fini(&tm.one);
	zv_timer_fini(&tm.periodic);
	zv_timer_fini(&tm.cancelled);
	zv_timer_fini(&tm.check);
	zv_main_loop_exit();
}

static void tm_periodic(void *arg)
{
	tm_check_thread();
	if (atomic_fetch_add(&tm.periodic_fired, 1) + 1 == 5) {
		zv_timer_stop(&tm.periodic);
		/* Give a stopped periodic timer time to (wrongly) fire again. */
		tm.start_err |= zv_timer_init(&tm.check, tm.loop, tm_check, NULL);
		tm.start_err |= zv_timer_start(&tm.check, 40, 0);
	}
}

static void tm_start(void *arg)
{
	tm.start_err |= zv_timer_init(&tm.one, tm.loop, tm_one, &tm.one);
	tm.start_err |= zv_timer_start(&tm.one, 15, 0);
	tm.start_err |= zv_timer_init(&tm.periodic, tm.loop, tm_periodic, NULL);
	tm.start_err |= zv_timer_start(&tm.periodic, 5, 5);
	/* Stopped before it is due: never fires. */
	tm.start_err |= zv_timer_init(&tm.cancelled, tm.loop, tm_cancelled, NULL);
	tm.start_err |= zv_timer_start(&tm.cancelled, 10, 10);
	zv_timer_stop(&tm.cancelled);
}

static void test_timers_on_worker(void **state)
{
	memset(&tm, 0, sizeof(tm));
	tm.loop = zv_worker_peek(2);
	struct zv_loop_stats before, after;
	zv_loop_get_stats(tm.loop, &before);
	assert_int_equal(zv_loop_post(tm.loop, tm_start, NULL), 0);
	assert_true(run_main(2000));
	zv_loop_get_stats(tm.loop, &after);
	assert_int_equal(tm.start_err, 0);
	assert_int_equal(tm.wrong_thread, 0);
	assert_int_equal(tm.one_fired, 1);
	assert_int_equal(tm.periodic_fired, 5);
	assert_int_equal(tm.periodic_at_check, 5);
	assert_int_equal(tm.cancelled_fired, 0);
	/* one + 5 periodic + check */
	assert_int_equal(after.timers - before.timers, 7);
}

static int main_ticks, main_tick_elsewhere;

static void main_tick(void *arg)
{
	struct zv_timer *t = arg;
	if (!zv_loop_is_current(zv_main_loop()))
		main_tick_elsewhere++;
	if (++main_ticks == 3) {
		zv_timer_stop(t);
		zv_main_loop_exit();
	}
}

/* A periodic timer on the main loop; re-arming one that is pending moves
 * its deadline instead of adding a second expiry. */
static void test_timer_on_main_loop(void **state)
{
	struct zv_timer t;
	main_ticks = 0;
	main_tick_elsewhere = 0;
	assert_int_equal(zv_timer_init(&t, zv_main_loop(), main_tick, &t), 0);
	assert_int_equal(zv_timer_start(&t, 1000, 0), 0);
	assert_int_equal(zv_timer_start(&t, 5, 5), 0);
	assert_true(run_main(1000));
	assert_int_equal(main_ticks, 3);
	assert_int_equal(main_tick_elsewhere, 0);
	/* Stopped: running the loop again for a while adds no tick. */
	assert_false(run_main(30));
	assert_int_equal(main_ticks, 3);
	zv_timer_fini(&t);
	zv_timer_fini(&t); /* idempotent */
}

/* ---- descriptor records ------------------------------------------------ */

#ifdef ZV_ASAN
size_t __sanitizer_get_current_allocated_bytes(void); /* libasan */
#endif

/* Bytes the heap has handed out (ASan has its own allocator). */
static size_t heap_in_use(void)
{
#ifdef ZV_ASAN
	return __sanitizer_get_current_allocated_bytes();
#else
	return mallinfo2().uordblks;
#endif
}

static unsigned open_fds(void)
{
	unsigned n = 0;
	for (int fd = 0; fd < 4096; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

static void pipe_readable(evutil_socket_t fd, short what, void *arg)
{
	char c;
	if (read(fd, &c, 1) == 1)
		(*(int *)arg)++;
	zv_main_loop_exit();
}

/* zv_loop_fd_map_cover() makes libevent's records for a batch of numbers
 * at once (the heap grows by at least 16 bytes a number: if libevent
 * stopped keeping them this fails), leaves no descriptor open, is a no-op
 * below what it covered, and the loop watches descriptors as before. */
static void test_fd_map_cover(void **state)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	unsigned fds = open_fds();
	size_t m0 = heap_in_use();
	zv_loop_fd_map_cover(zv_main_loop(), p[0] + 600); /* past the first 512 */
	size_t m1 = heap_in_use();
	assert_true(m1 >= m0 + 16 * 1024);
	assert_int_equal(open_fds(), fds);
	zv_loop_fd_map_cover(zv_main_loop(), p[0]);
	assert_int_equal(heap_in_use(), m1);
	static int got;
	got = 0;
	struct event *ev = event_new(zv_loop_base(zv_main_loop()), p[0], EV_READ | EV_PERSIST,
				     pipe_readable, &got);
	assert_non_null(ev);
	assert_int_equal(event_add(ev, NULL), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_true(run_main(1000));
	assert_int_equal(got, 1);
	event_free(ev);
	close(p[0]);
	close(p[1]);
}

/* ---- blocking pool ---------------------------------------------------- */

#define POOL_JOBS 50

struct job_rec {
	atomic_int work_runs, done_runs;
	struct zv_loop *origin;
	atomic_int bad;
};

static struct {
	struct job_rec jobs[POOL_JOBS + 1];
	atomic_int dones;
	int submit_err;
} pool;

static void pool_work(void *arg)
{
	struct job_rec *j = arg;
	/* A pool thread is no loop. */
	if (zv_loop_current() != NULL)
		atomic_fetch_add(&j->bad, 1);
	if (atomic_load(&j->done_runs))
		atomic_fetch_add(&j->bad, 10);
	atomic_fetch_add(&j->work_runs, 1);
}

static void pool_done(void *arg)
{
	struct job_rec *j = arg;
	if (!zv_loop_is_current(j->origin))
		atomic_fetch_add(&j->bad, 100);
	if (atomic_load(&j->work_runs) != 1)
		atomic_fetch_add(&j->bad, 1000);
	atomic_fetch_add(&j->done_runs, 1);
	if (atomic_fetch_add(&pool.dones, 1) + 1 == POOL_JOBS + 1)
		zv_main_loop_exit();
}

static void submit_from_worker(void *arg)
{
	struct job_rec *j = arg;
	j->origin = zv_loop_current();
	if (zv_pool_submit(pool_work, pool_done, j) != 0)
		pool.submit_err = 1;
}

static void *submit_from_plain_thread(void *arg)
{
	return (void *)(intptr_t)zv_pool_submit(pool_work, pool_done, arg);
}

static void test_pool_submit(void **state)
{
	memset(&pool, 0, sizeof(pool));
	/* From the main loop (the test thread). */
	for (unsigned i = 0; i < POOL_JOBS; i++) {
		pool.jobs[i].origin = zv_main_loop();
		assert_int_equal(zv_pool_submit(pool_work, pool_done, &pool.jobs[i]), 0);
	}
	/* From a worker: done comes back to that worker. */
	assert_int_equal(zv_loop_post(zv_worker_peek(3), submit_from_worker,
				      &pool.jobs[POOL_JOBS]), 0);
	assert_true(run_main(3000));
	assert_int_equal(pool.submit_err, 0);
	assert_int_equal(pool.dones, POOL_JOBS + 1);
	assert_ptr_equal(pool.jobs[POOL_JOBS].origin, zv_worker_peek(3));
	for (unsigned i = 0; i <= POOL_JOBS; i++) {
		assert_int_equal(pool.jobs[i].work_runs, 1);
		assert_int_equal(pool.jobs[i].done_runs, 1);
		assert_int_equal(pool.jobs[i].bad, 0);
	}

	/* Not from a loop thread: refused, nothing runs. */
	struct job_rec *stray = &pool.jobs[0];
	atomic_store(&stray->work_runs, 0);
	pthread_t th;
	void *ret;
	assert_int_equal(pthread_create(&th, NULL, submit_from_plain_thread, stray), 0);
	pthread_join(th, &ret);
	assert_int_equal((int)(intptr_t)ret, -EINVAL);
	sleep_ms(20);
	assert_int_equal(stray->work_runs, 0);
}

/* The daemon starts the loops once, but tests (and a future in-process
 * restart) run init/fini several times: the pool must work again after
 * zv_loops_fini() + zv_loops_init(). */
static void test_pool_after_reinit(void **state)
{
	zv_loops_fini();
	assert_int_equal(zv_loops_init(2), 0);
	memset(&pool, 0, sizeof(pool));
	/* Only one job this time: it ends the run on its own. */
	atomic_store(&pool.dones, POOL_JOBS);
	pool.jobs[0].origin = zv_main_loop();
	assert_int_equal(zv_pool_submit(pool_work, pool_done, &pool.jobs[0]), 0);
	assert_true(run_main(2000));
	assert_int_equal(pool.jobs[0].work_runs, 1);
	assert_int_equal(pool.jobs[0].done_runs, 1);
	assert_int_equal(pool.jobs[0].bad, 0);
}

/* ---- statistics ------------------------------------------------------- */

#define STATS_N 300

static struct {
	atomic_int ran;
	atomic_int tid;
} st_run;

static void stats_msg(void *arg)
{
	atomic_store(&st_run.tid, (int)syscall(SYS_gettid));
	if (atomic_fetch_add(&st_run.ran, 1) + 1 == STATS_N)
		zv_main_loop_exit();
}

static void test_stats_count_posts(void **state)
{
	memset(&st_run, 0, sizeof(st_run));
	struct zv_loop *w = zv_worker_peek(0);
	struct zv_loop_stats before, after = {0};
	zv_loop_get_stats(w, &before);
	for (unsigned i = 0; i < STATS_N; i++)
		assert_int_equal(zv_loop_post(w, stats_msg, NULL), 0);
	assert_true(run_main(2000));
	assert_int_equal(st_run.ran, STATS_N);

	/* The counters are bumped after a batch has run: wait for them. */
	for (int i = 0; i < 200; i++) {
		zv_loop_get_stats(w, &after);
		if (after.posted - before.posted >= STATS_N)
			break;
		sleep_ms(1);
	}
	assert_int_equal(after.posted - before.posted, STATS_N);
	assert_true(after.wakeups > before.wakeups);
	assert_true(after.wakeups - before.wakeups <= STATS_N);
	assert_true(after.queue_max >= 1);
	assert_int_equal(after.queue_len, 0);
	assert_true(after.busy_ms >= 0.0);
	assert_int_equal(after.tid, st_run.tid);

	struct zv_loop_stats m;
	zv_loop_get_stats(zv_main_loop(), &m);
	assert_int_equal(m.tid, (int)syscall(SYS_gettid));
	/* The exit message itself ran on main. */
	assert_true(m.posted >= 1);
}

/* ---- after zv_loops_fini() -------------------------------------------- */

static atomic_int late_ran;

static void late_msg(void *arg)
{
	atomic_fetch_add(&late_ran, 1);
}

/*
 * Contract (loop.h): zv_loop_post() returns -ESHUTDOWN once the loop has
 * stopped, and then fn never runs.  The workers are freed by fini (none is
 * reachable any more), but the main loop is static and stays reachable
 * through zv_main_loop() and zv_worker_for_key().  Run in a child process:
 * a crash there fails this test only.
 */
static void test_post_after_fini(void **state)
{
	zv_loops_fini();
	assert_int_equal(zv_workers_count(), 0);
	assert_null(zv_worker_peek(0));
	assert_null(zv_loop_current());
	assert_ptr_equal(zv_worker_for_key("x", 1), zv_main_loop());

	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* cmocka traps these to go on with the next test: here a crash
		 * must end the child. */
		signal(SIGSEGV, SIG_DFL);
		signal(SIGBUS, SIG_DFL);
		signal(SIGILL, SIG_DFL);
		signal(SIGFPE, SIG_DFL);
		signal(SIGABRT, SIG_DFL);
		int r = zv_loop_post(zv_main_loop(), late_msg, NULL);
		_exit(r == -ESHUTDOWN ? 0 : 1);
	}
	int status = 0;
	pid_t waited = waitpid(pid, &status, 0);
	/* Leave the loops running again for teardown. */
	assert_int_equal(zv_loops_init(NWORKERS), 0);
	assert_int_equal(waited, pid);
	if (WIFSIGNALED(status))
		fail_msg("zv_loop_post() after zv_loops_fini() died of signal %d",
			 WTERMSIG(status));
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(late_ran, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		/* First: see test_pool_after_reinit. */
		cmocka_unit_test_setup_teardown(test_pool_submit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_init_shape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_post_runs_on_target_thread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_one_poster, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_main_self, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_posters_exactly_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_worker_for_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timers_on_worker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timer_on_main_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fd_map_cover, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stats_count_posts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_after_reinit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_post_after_fini, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
