/*
 * Worker loops: a fixed set of threads, each owning one libevent loop.
 *
 * DESIGN
 * A call lives on one worker: its SIP dialogs, channels, dialplan coroutine
 * and media control are all touched only from that worker's thread, so
 * none of them needs a lock.  Other threads talk to a worker by posting a
 * function to run on it (zv_worker_post()).  The main thread runs its own
 * loop ("main": signals, the control socket, CLI commands) with the same
 * API.  Blocking work (files, databases, LDAP, TTS) goes to the blocking
 * pool (zv_pool_submit()), which hands the result back to the submitting
 * loop.
 *
 * THREADS: unless stated otherwise a function may be called from any
 * thread.  Timers and event_base use belong to the loop's own thread.
 */
#ifndef ZVONOK_LOOP_H
#define ZVONOK_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct event_base;
struct zv_loop;

typedef void(zv_loop_fn)(void *arg);

/* Number of workers (not counting main); fixed after start-up. */
unsigned zv_workers_count(void);

/* Worker idx (0 .. count-1), or NULL. Borrowed: workers live until exit. */
struct zv_loop *zv_worker_peek(unsigned idx);

/* The worker chosen for a key (e.g. a Call-ID): the same key always maps to
 * the same worker, so retransmissions meet their transaction. */
struct zv_loop *zv_worker_for_key(const void *key, size_t len);

/* The main loop. */
struct zv_loop *zv_main_loop(void);

/* The loop whose thread is calling, or NULL (e.g. a pool thread). */
struct zv_loop *zv_loop_current(void);

/* True when called on loop's own thread. */
bool zv_loop_is_current(const struct zv_loop *loop);

const char *zv_loop_name(const struct zv_loop *loop);

/* The loop's libevent base, for its own thread's events. */
struct event_base *zv_loop_base(struct zv_loop *loop);

/*
 * Before watching descriptor fd on loop (its own thread): make libevent's
 * per-descriptor records for fd and the numbers around it at once, so
 * that those kept after a load sit together instead of pinning pages of
 * freed call memory (loop.c says why).  For sockets opened per call.
 * Does nothing when called from another thread.
 */
void zv_loop_fd_map_cover(struct zv_loop *loop, int fd);

/*
 * Run fn(arg) on loop's thread, after messages posted before it (FIFO per
 * poster).  Returns 0, -ENOMEM, or -ESHUTDOWN once the loop has stopped.
 * When it fails fn never runs, so the caller still owns arg.
 */
int zv_loop_post(struct zv_loop *loop, zv_loop_fn *fn, void *arg);

/*
 * Run fn(arg) when the calling thread's loop stops: on a worker's own
 * thread after its loop returns, for the main loop in zv_loops_fini();
 * either way before the loop's event base is freed, so a per-thread cache
 * can free the events it keeps on it.  Hooks run newest first.  Loop
 * thread only; 0, -EINVAL (not a loop thread) or -ENOMEM.
 */
int zv_loop_on_fini(zv_loop_fn *fn, void *arg);

/*
 * Per-thread scratch memory in place of a big _Thread_local array: every
 * thread of the process pays for static TLS (glibc zero-fills it at
 * thread creation, so it is resident), while only the threads that use a
 * buffer should.  *slot is the caller's _Thread_local pointer: NULL the
 * first time on a thread, when size zeroed bytes are allocated for it;
 * freed (and *slot cleared) when the thread exits.  NULL on ENOMEM (the
 * next call tries again).  Any thread.
 */
void *zv_thread_scratch(void **slot, size_t size);

/* Milliseconds of CLOCK_MONOTONIC (for durations and deadlines; any
 * thread). */
uint64_t zv_mono_ms(void);
/* The same clock in microseconds. */
uint64_t zv_mono_us(void);

/* One-shot or periodic timer on a loop.  Embed it in the owner's struct.
 * init/start/stop only on the loop's thread; a stopped timer never fires.
 * cb runs on the loop's thread. */
struct zv_timer {
	struct event *ev;
	zv_loop_fn *cb;
	void *arg;
	uint32_t period_ms; /* 0: one-shot */
};
int zv_timer_init(struct zv_timer *t, struct zv_loop *loop, zv_loop_fn *cb,
		  void *arg);
/* (Re)arm: fires after ms, then every period_ms if that is non-zero. */
int zv_timer_start(struct zv_timer *t, uint32_t ms, uint32_t period_ms);
void zv_timer_stop(struct zv_timer *t);
void zv_timer_fini(struct zv_timer *t);

/*
 * Blocking work: work(arg) runs on a pool thread, then done(arg) runs on
 * the loop that called zv_pool_submit() (which must be a loop thread).
 * Returns 0 or a negative errno (then neither callback runs).
 */
int zv_pool_submit(zv_loop_fn *work, zv_loop_fn *done, void *arg);

/* Loop statistics for `core show threads`. */
struct zv_loop_stats {
	uint64_t posted; /* messages run */
	uint64_t timers; /* timer callbacks run */
	uint64_t wakeups; /* times the loop woke for its queue */
	uint32_t queue_len; /* messages waiting now */
	uint32_t queue_max; /* longest queue seen */
	double busy_ms; /* time spent running posted work */
	int tid; /* kernel thread id */
};
void zv_loop_get_stats(struct zv_loop *loop, struct zv_loop_stats *st);

#endif
