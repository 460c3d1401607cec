/*
 * Coroutines: a stack switch of our own on x86-64, ucontext elsewhere.
 * See include/zvonok/coro.h.
 *
 * DESIGN
 * Each coroutine remembers the context that resumed it and returns there
 * when it waits or ends, so resuming from loop code or from another
 * coroutine both work.  Wake-ups never switch directly: they post a resume
 * to the loop, which keeps stack depth flat and lets a waker finish what it
 * was doing first.  A timer per coroutine implements wait timeouts.
 *
 * Stacks are mmap'd with a PROT_NONE guard page at the low end so an
 * overflow faults instead of corrupting a neighbour.  A small per-thread
 * cache keeps recently freed stacks to avoid mmap/munmap churn when calls
 * come and go.  It is used last-in first-out; the STACK_HOT newest keep
 * their pages, older ones give them back (MADV_DONTNEED).  Releasing
 * every stack was measured at 5% of call set-up: the madvise, its TLB
 * shoot-down on the other cores and the page faults of the next call.
 */
#include <errno.h>
#include <event2/event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include <zvonok/coro.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/obj.h>

#include "core/internal.h"

#ifdef ZV_ASAN
void __sanitizer_start_switch_fiber(void **fake_stack_save, const void *bottom, size_t size);
void __sanitizer_finish_switch_fiber(void *fake_stack_save, const void **bottom_old,
				     size_t *size_old);
#endif

/*
 * The switch.  On x86-64 a few instructions save what the ABI says a
 * callee keeps (rbx, rbp, r12-r15, the MXCSR and x87 control words) and
 * swap stack pointers.  ucontext's swapcontext() also saves the signal
 * mask, a system call per switch (two per resume), and its ucontext_t
 * is 968 bytes of every coroutine; nothing here changes signal masks
 * per coroutine.  Other architectures keep ucontext.
 */
#if defined(__x86_64__) && !defined(ZV_CORO_UCONTEXT)
#define ZV_CORO_ASM 1
/* Save the current context at *from_sp, switch to the one saved at to_sp. */
void zv_ctx_switch(void **from_sp, void *to_sp);
void zv_ctx_entry(void);
__asm__(".text\n"
	".p2align 4\n"
	".type zv_ctx_switch,@function\n"
	"zv_ctx_switch:\n"
	"\tpushq %rbp\n"
	"\tpushq %rbx\n"
	"\tpushq %r12\n"
	"\tpushq %r13\n"
	"\tpushq %r14\n"
	"\tpushq %r15\n"
	"\tsubq $8, %rsp\n"
	"\tstmxcsr (%rsp)\n"
	"\tfnstcw 4(%rsp)\n"
	"\tmovq %rsp, (%rdi)\n"
	"\tmovq %rsi, %rsp\n"
	"\tldmxcsr (%rsp)\n"
	"\tfldcw 4(%rsp)\n"
	"\taddq $8, %rsp\n"
	"\tpopq %r15\n"
	"\tpopq %r14\n"
	"\tpopq %r13\n"
	"\tpopq %r12\n"
	"\tpopq %rbx\n"
	"\tpopq %rbp\n"
	"\tret\n"
	".size zv_ctx_switch, .-zv_ctx_switch\n"
	".p2align 4\n"
	".type zv_ctx_entry,@function\n"
	"zv_ctx_entry:\n"
	"\tmovq %r12, %rdi\n"
	"\tcallq *%r13\n"
	"\tud2\n"
	".size zv_ctx_entry, .-zv_ctx_entry\n"
	".previous\n");
#endif

enum coro_state { CORO_NEW, CORO_RUNNING, CORO_WAITING, CORO_READY, CORO_DONE };

struct zv_coro {
#ifdef ZV_CORO_ASM
	void *sp;	 /* saved stack pointer while switched out */
	void *caller_sp; /* the resumer's, while this one runs */
#else
	ucontext_t ctx;
	ucontext_t *caller;
#endif
	zv_coro_fn *fn;
	void *arg;
	void *stack_map; /* mapping including the guard page */
	size_t map_size;
	struct zv_loop *loop;
	enum coro_state state;
	bool wake_pending;
	bool resume_posted;
	int wake_value;
	struct zv_timer timer;
	bool timer_ready;
	bool timed_out;
	struct zv_coro *prev_current;
	const char *log_callid; /* the log's call id while this coroutine runs */
#ifdef ZV_ASAN
	void *fake_stack;
	const void *caller_bottom;
	size_t caller_size;
#endif
};

static _Thread_local struct zv_coro *current;
static _Thread_local unsigned alive;

#define STACK_CACHE_MAX 16
#define STACK_HOT 4
struct stack_cache_entry {
	void *map;
	size_t size;
	bool resident; /* pages kept */
};
static _Thread_local struct stack_cache_entry stack_cache[STACK_CACHE_MAX];
static _Thread_local unsigned stack_cached;

static size_t page_size(void)
{
	static size_t ps;
	if (!ps)
		ps = (size_t)sysconf(_SC_PAGESIZE);
	return ps;
}

static void *stack_get(size_t map_size)
{
	for (unsigned i = stack_cached; i-- > 0;) {
		if (stack_cache[i].size == map_size) {
			void *m = stack_cache[i].map;
			memmove(&stack_cache[i], &stack_cache[i + 1],
				(stack_cached - i - 1) * sizeof(stack_cache[0]));
			stack_cached--;
			return m;
		}
	}
	void *m = mmap(NULL, map_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m == MAP_FAILED)
		return NULL;
	if (mprotect(m, page_size(), PROT_NONE) < 0) {
		munmap(m, map_size);
		return NULL;
	}
	return m;
}

static void stack_put(void *map, size_t map_size)
{
	if (stack_cached < STACK_CACHE_MAX) {
		stack_cache[stack_cached++] = (struct stack_cache_entry){map, map_size, true};
		/* The entry that falls out of the hot window gives its touched
		 * pages back and keeps its address range. */
		if (stack_cached > STACK_HOT) {
			struct stack_cache_entry *e = &stack_cache[stack_cached - 1 - STACK_HOT];
			if (e->resident) {
				madvise((char *)e->map + page_size(), e->size - page_size(),
					MADV_DONTNEED);
				e->resident = false;
			}
		}
		return;
	}
	munmap(map, map_size);
}

static void coro_destroy(void *obj)
{
	struct zv_coro *co = obj;
	/* Freeing a suspended coroutine would leak whatever its stack holds. */
	if (co->state != CORO_DONE && co->state != CORO_NEW)
		abort();
	if (co->timer_ready)
		zv_timer_fini(&co->timer);
	if (co->stack_map)
		stack_put(co->stack_map, co->map_size);
	alive--;
}

static void switch_in(struct zv_coro *co)
{
#ifndef ZV_CORO_ASM
	ucontext_t here;
	co->caller = &here;
#endif
	co->prev_current = current;
	current = co;
	/* The log's call id is per thread: each coroutine keeps its own, so a
	 * call id set by one (say a Local channel's dialplan run from a
	 * Dial) never outlives the switch back to another. */
	const char *outer_callid = zv_log_callid();
	zv_log_set_callid(co->log_callid);
#ifdef ZV_ASAN
	void *fake = NULL;
	__sanitizer_start_switch_fiber(&fake, (char *)co->stack_map + page_size(),
				       co->map_size - page_size());
#endif
#ifdef ZV_CORO_ASM
	zv_ctx_switch(&co->caller_sp, co->sp);
#else
	swapcontext(&here, &co->ctx);
#endif
#ifdef ZV_ASAN
	__sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
	co->log_callid = zv_log_callid();
	zv_log_set_callid(outer_callid);
	current = co->prev_current;
}

static void switch_out(struct zv_coro *co, bool ending)
{
#ifdef ZV_ASAN
	__sanitizer_start_switch_fiber(ending ? NULL : &co->fake_stack, co->caller_bottom,
				       co->caller_size);
#endif
#ifdef ZV_CORO_ASM
	zv_ctx_switch(&co->sp, co->caller_sp); /* when ending, never resumed */
	if (ending)
		abort(); /* not reached */
#else
	if (ending) {
		setcontext(co->caller);
		abort(); /* not reached */
	}
	swapcontext(&co->ctx, co->caller);
#endif
#ifdef ZV_ASAN
	__sanitizer_finish_switch_fiber(co->fake_stack, &co->caller_bottom, &co->caller_size);
#endif
}

static void coro_main(struct zv_coro *co)
{
#ifdef ZV_ASAN
	__sanitizer_finish_switch_fiber(NULL, &co->caller_bottom, &co->caller_size);
#endif
	co->fn(co->arg);
	co->state = CORO_DONE;
	switch_out(co, true);
}

#ifdef ZV_CORO_ASM
static void trampoline_asm(struct zv_coro *co)
{
	coro_main(co);
}
#else
static void trampoline(unsigned hi, unsigned lo)
{
	coro_main((struct zv_coro *)(((uintptr_t)hi << 32) | (uintptr_t)lo));
}
#endif

#ifdef ZV_CORO_ASM
/* The first switch into a coroutine "returns" into zv_ctx_entry, which
 * calls trampoline(r12 = co).  Frame (from the saved sp up): MXCSR and
 * x87 control word, r15, r14, r13, r12, rbx, rbp, return address; the
 * slot above the return address is left so that the call in
 * zv_ctx_entry finds the stack 16-byte aligned. */
static int context_init(struct zv_coro *co, size_t stack_size)
{
	uintptr_t top = ((uintptr_t)co->stack_map + page_size() + stack_size) & ~(uintptr_t)15;
	uint64_t *f = (uint64_t *)(top - 80);
	memset(f, 0, 80);
	uint32_t ctl[2] = {0x1f80, 0x037f}; /* MXCSR, x87 control word: the defaults */
	memcpy(&f[0], ctl, sizeof(ctl));
	f[4] = (uint64_t)(uintptr_t)co;		    /* r12 */
	f[3] = (uint64_t)(uintptr_t)trampoline_asm; /* r13 */
	f[7] = (uint64_t)(uintptr_t)zv_ctx_entry;   /* return address */
	co->sp = f;
	return 0;
}
#else
/* Kept out of line: getcontext() returns like setjmp(), which would make
 * the compiler distrust the caller's locals. */
static __attribute__((noinline)) int context_init(struct zv_coro *co, size_t stack_size)
{
	if (getcontext(&co->ctx) < 0)
		return -errno;
	co->ctx.uc_stack.ss_sp = (char *)co->stack_map + page_size();
	co->ctx.uc_stack.ss_size = stack_size;
	co->ctx.uc_link = NULL;
	uintptr_t p = (uintptr_t)co;
	makecontext(&co->ctx, (void (*)(void))trampoline, 2, (unsigned)(p >> 32),
		    (unsigned)(p & 0xffffffffu));
	return 0;
}
#endif

struct zv_coro *zv_coro_alloc(zv_coro_fn *fn, void *arg, size_t stack_size)
{
	struct zv_loop *loop = zv_loop_current();
	if (!loop)
		return NULL;
	if (!stack_size)
		stack_size = ZV_CORO_STACK_DEFAULT;
	size_t ps = page_size();
	stack_size = (stack_size + ps - 1) & ~(ps - 1);

	struct zv_coro *co = zv_obj_alloc(sizeof(*co), coro_destroy);
	if (!co)
		return NULL;
	co->fn = fn;
	co->arg = arg;
	co->loop = loop;
	co->state = CORO_NEW;
	alive++;
	co->map_size = stack_size + ps;
	co->stack_map = stack_get(co->map_size);
	if (!co->stack_map)
		return zv_unref(co);
	if (context_init(co, stack_size) < 0)
		return zv_unref(co);
	return co;
}

static void resume(struct zv_coro *co)
{
	zv_ref(co); /* the coroutine may drop its owner's ref while running */
	co->state = CORO_RUNNING;
	switch_in(co);
	zv_unref(co);
}

bool zv_coro_start(struct zv_coro *co)
{
	if (co->state != CORO_NEW)
		return co->state != CORO_DONE;
	resume(co);
	return co->state != CORO_DONE;
}

struct zv_coro *zv_coro_current(void)
{
	return current;
}

bool zv_coro_finished(const struct zv_coro *co)
{
	return co->state == CORO_DONE;
}

unsigned zv_coro_count(void)
{
	return alive;
}

static void posted_resume(void *arg)
{
	struct zv_coro *co = arg;
	co->resume_posted = false;
	if (co->state == CORO_READY)
		resume(co);
	zv_unref(co);
}

static int post_resume(struct zv_coro *co)
{
	if (co->resume_posted)
		return 0;
	co->resume_posted = true;
	int err = zv_loop_post(co->loop, posted_resume, zv_ref(co));
	if (err) {
		co->resume_posted = false;
		zv_unref(co);
	}
	return err;
}

static void on_timeout(void *arg)
{
	struct zv_coro *co = arg;
	if (co->state != CORO_WAITING)
		return;
	co->timed_out = true;
	co->state = CORO_READY;
	post_resume(co);
}

int zv_coro_wake(struct zv_coro *co, int value)
{
	if (co->state == CORO_DONE)
		return 0;
	if (!co->wake_pending || co->wake_value >= 0)
		co->wake_value = value;
	co->wake_pending = true;
	if (co->state != CORO_WAITING)
		return 0; /* running or new: its next wait returns at once */
	co->state = CORO_READY;
	return post_resume(co);
}

int zv_coro_wait(uint32_t timeout_ms)
{
	struct zv_coro *co = current;
	if (!co)
		return -EINVAL;
	if (co->wake_pending) {
		co->wake_pending = false;
		return co->wake_value;
	}
	if (timeout_ms) {
		if (!co->timer_ready) {
			if (zv_timer_init(&co->timer, co->loop, on_timeout, co) < 0)
				return -ENOMEM;
			co->timer_ready = true;
		}
		zv_timer_start(&co->timer, timeout_ms, 0);
	}
	co->timed_out = false;
	co->state = CORO_WAITING;
	switch_out(co, false);
	/* resumed: by a wake, or by the timer */
	if (timeout_ms)
		zv_timer_stop(&co->timer);
	if (co->wake_pending) {
		co->wake_pending = false;
		return co->wake_value;
	}
	return co->timed_out ? -ETIMEDOUT : 0;
}

/* Bytes below the stack pointer that the frames of the calls made from
 * zv_coro_trim_stack() (madvise itself, a signal frame needs its own
 * stack anyway) may still touch: the x86-64 red zone and then some. */
#define TRIM_MARGIN 512

size_t zv_coro_trim_stack(void)
{
	struct zv_coro *co = current;
	if (!co)
		return 0;
	size_t ps = page_size();
	uintptr_t lo = (uintptr_t)co->stack_map + ps; /* above the guard page */
	uintptr_t sp = (uintptr_t)__builtin_frame_address(0);
	if (sp < lo + TRIM_MARGIN)
		return 0;
	uintptr_t end = (sp - TRIM_MARGIN) & ~(uintptr_t)(ps - 1);
	if (end <= lo)
		return 0;
	if (madvise((void *)lo, end - lo, MADV_DONTNEED) < 0)
		return 0;
	return end - lo;
}

int zv_coro_sleep(uint32_t ms)
{
	uint64_t end = zv_mono_ms() + ms;
	for (;;) {
		uint64_t now = zv_mono_ms();
		if (now >= end)
			return 0;
		int r = zv_coro_wait((uint32_t)(end - now));
		if (r != 0 && r != -ETIMEDOUT)
			return r;
		/* timed out or a 0 wake: the loop re-checks the clock */
	}
}

/* ---- blocking work from a coroutine ---------------------------------------- */

struct blocking_job {
	void (*work)(void *arg);
	void *arg;
	struct zv_coro *co; /* referenced */
	bool done;
};

static void blocking_work(void *p)
{
	struct blocking_job *j = p;
	j->work(j->arg);
}

static void blocking_done(void *p)
{
	struct blocking_job *j = p;
	j->done = true;
	zv_coro_wake(j->co, 0);
}

int zv_coro_blocking(void (*work)(void *arg), void *arg)
{
	struct zv_coro *co = zv_coro_current();
	if (!co)
		return -EINVAL;
	struct blocking_job j = {.work = work, .arg = arg, .co = zv_ref(co)};
	int err = zv_pool_submit(blocking_work, blocking_done, &j);
	if (err == 0)
		while (!j.done)
			zv_coro_wait(0);
	zv_unref(j.co);
	return err;
}
