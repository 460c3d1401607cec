/*
 * Coroutines: sequential code (dialplan applications such as Dial, Read,
 * Playback) that waits without blocking its worker loop.
 *
 *   static void run(void *arg)
 *   {
 *           zv_coro_sleep(1000);          // the loop runs other calls
 *           int why = zv_coro_wait(5000); // until zv_coro_wake() or 5 s
 *   }
 *   struct zv_coro *co = zv_coro_alloc(run, arg, 0);
 *   zv_coro_start(co);                    // runs until its first wait
 *   ...
 *   co = zv_unref(co);                    // after it has finished
 *
 * DESIGN
 * A coroutine has its own stack (mmap'd, with a guard page below it; only
 * the pages it touches cost memory, so a channel parked in Wait() costs a
 * few KiB) and runs on the thread of the loop that started it, never
 * anywhere else.  It gives control back only in zv_coro_yield() and the
 * wait helpers built on it; per-packet media work never runs in a
 * coroutine.  Switching is a small stack switch of our own on x86-64
 * (ucontext elsewhere), with ASan fiber annotations.
 *
 * A coroutine is a refcounted object.  A wake-up posted to the loop holds
 * a reference, so dropping yours while a wake is in flight is safe; the
 * stack is released when the function has returned and the last reference
 * is gone.  Dropping the last reference of a coroutine that is suspended
 * (not finished) is a bug: the owner must first make it return (wake it
 * with a cancel code that its waits turn into an unwinding return).
 *
 * THREADS: every function here runs on the coroutine's loop thread.
 */
#ifndef ZVONOK_CORO_H
#define ZVONOK_CORO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zv_coro;
typedef void(zv_coro_fn)(void *arg);

/* Default stack size (virtual; touched pages only are resident). */
#define ZV_CORO_STACK_DEFAULT (256 * 1024)

/* A new, not yet started coroutine bound to the calling loop (refcount 1),
 * or NULL on ENOMEM.  stack_size 0 means the default. */
struct zv_coro *zv_coro_alloc(zv_coro_fn *fn, void *arg, size_t stack_size);

/* Run co until it waits or returns.  Call from loop code or from another
 * coroutine on the same loop.  Returns true while co is still alive. */
bool zv_coro_start(struct zv_coro *co);

/* The coroutine running now on this thread, or NULL in plain loop code. */
struct zv_coro *zv_coro_current(void);

bool zv_coro_finished(const struct zv_coro *co);

/*
 * Suspend the running coroutine until zv_coro_wake() or timeout_ms
 * (0: no timeout).  Returns the value given to zv_coro_wake(), or
 * -ETIMEDOUT.  A wake that arrives while the coroutine is running (not
 * waiting) is kept and returned by its next wait at once, so no wake-up
 * is lost between "check condition" and "wait".  Must be called inside a
 * coroutine.
 */
int zv_coro_wait(uint32_t timeout_ms);

/* zv_coro_wait() that ignores wakes with value 0 ("nothing to report")
 * until ms have passed; returns 0 after the full time, or the first
 * non-zero wake value (e.g. a hang-up) at once. */
int zv_coro_sleep(uint32_t ms);

/*
 * Make co's current or next wait return value (a later wake before it
 * runs overwrites an earlier one unless the earlier one is negative: a
 * negative value, such as a hang-up, is sticky until consumed).  The
 * coroutine resumes from the loop's queue, never inside this call, so it
 * may be called from anywhere on the loop, including from co itself or
 * from another coroutine.  Returns 0 or -ENOMEM.
 */
int zv_coro_wake(struct zv_coro *co, int value);

/*
 * Run work(arg) on the blocking pool while the calling coroutine waits
 * (its loop keeps running other calls).  Waits for the work to finish
 * even if the coroutine is woken meanwhile (e.g. by a hang-up), so arg
 * may live on the coroutine's stack.  Returns 0, or a negative errno when
 * the work could not be submitted (then it did not run).  Must be called
 * inside a coroutine on a loop thread.
 */
int zv_coro_blocking(void (*work)(void *arg), void *arg);

/*
 * Give back the stack pages of the running coroutine that lie wholly
 * below its current depth (MADV_DONTNEED: they read as zeros and cost a
 * page fault when touched again).  For a coroutine about to park for a
 * long time (Dial bridged, a long Wait(), music on hold): the deep frames
 * of its set-up (SIP, SDP, logging) left their pages resident, and a
 * parked call then holds them for its whole length.  One madvise(); not
 * worth it before short waits.  Returns the bytes given back (0 outside a
 * coroutine or when nothing lies below).
 */
size_t zv_coro_trim_stack(void);

/* Coroutines alive on this thread, and their resident stack estimate, for
 * `core show threads` and the benchmark. */
unsigned zv_coro_count(void);

#endif
