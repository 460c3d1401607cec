/* Unit tests for coroutines (src/core/coro.c) driven by a real main loop. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <zvonok/coro.h>
#include <zvonok/loop.h>
#include <zvonok/obj.h>

#include "core/internal.h"

struct trace {
	int steps[32];
	int n;
	struct zv_coro *co;
	int results[8];
	int nres;
};

static void record(struct trace *t, int v)
{
	if (t->n < 32)
		t->steps[t->n++] = v;
}

static void waiter(void *arg)
{
	struct trace *t = arg;
	record(t, 1);
	t->results[t->nres++] = zv_coro_wait(0); /* woken with 42 */
	record(t, 2);
	t->results[t->nres++] = zv_coro_wait(30); /* times out */
	record(t, 3);
}

static void wake_42(void *arg)
{
	struct trace *t = arg;
	record(t, 10);
	zv_coro_wake(t->co, 42);
	record(t, 11); /* the wake does not switch: still here first */
}

static void check_done(void *arg)
{
	struct trace *t = arg;
	if (zv_coro_finished(t->co)) {
		zv_main_loop_exit();
		return;
	}
	zv_loop_post(zv_main_loop(), check_done, t);
}

static void test_wait_wake_timeout(void **state)
{
	long live = zv_obj_live();
	assert_int_equal(zv_loops_init(1), 0);
	struct trace t = {0};
	t.co = zv_coro_alloc(waiter, &t, 0);
	assert_non_null(t.co);
	assert_true(zv_coro_start(t.co)); /* runs to its first wait */
	assert_int_equal(t.n, 1);
	assert_int_equal(t.steps[0], 1);
	zv_loop_post(zv_main_loop(), wake_42, &t);
	zv_loop_post(zv_main_loop(), check_done, &t);
	zv_main_loop_run();

	int expect[] = {1, 10, 11, 2, 3};
	assert_int_equal(t.n, 5);
	assert_memory_equal(t.steps, expect, sizeof(expect));
	assert_int_equal(t.results[0], 42);
	assert_int_equal(t.results[1], -ETIMEDOUT);
	assert_true(zv_coro_finished(t.co));
	t.co = zv_unref(t.co);
	assert_int_equal(zv_coro_count(), 0);
	zv_loops_fini();
	assert_int_equal(zv_obj_live(), live);
}

/* A wake that arrives while the coroutine runs is not lost. */
static void self_waker(void *arg)
{
	struct trace *t = arg;
	zv_coro_wake(zv_coro_current(), 7);
	t->results[t->nres++] = zv_coro_wait(1000);
}

static void test_early_wake_kept(void **state)
{
	assert_int_equal(zv_loops_init(1), 0);
	struct trace t = {0};
	t.co = zv_coro_alloc(self_waker, &t, 0);
	assert_false(zv_coro_start(t.co)); /* finished without waiting */
	assert_int_equal(t.results[0], 7);
	t.co = zv_unref(t.co);
	zv_loops_fini();
}

/* zv_coro_sleep ignores 0 wakes, returns a negative wake (hang-up) at
 * once and otherwise sleeps the full time. */
static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

struct sleeper {
	struct zv_coro *co;
	int r1, r2;
	uint64_t slept1;
};

static void sleeper_fn(void *arg)
{
	struct sleeper *s = arg;
	uint64_t t0 = mono_ms();
	s->r1 = zv_coro_sleep(60);
	s->slept1 = mono_ms() - t0;
	s->r2 = zv_coro_sleep(10000); /* cut short by -ECANCELED */
}

static void nudge(void *arg)
{
	struct sleeper *s = arg;
	zv_coro_wake(s->co, 0);
}

static void hangup(void *arg)
{
	struct sleeper *s = arg;
	if (s->slept1)
		zv_coro_wake(s->co, -ECANCELED);
	else
		zv_loop_post(zv_main_loop(), hangup, s);
}

static void sleeper_done(void *arg)
{
	struct sleeper *s = arg;
	if (zv_coro_finished(s->co))
		zv_main_loop_exit();
	else
		zv_loop_post(zv_main_loop(), sleeper_done, s);
}

static void test_sleep(void **state)
{
	assert_int_equal(zv_loops_init(1), 0);
	struct sleeper s = {0};
	s.co = zv_coro_alloc(sleeper_fn, &s, 0);
	zv_coro_start(s.co);
	zv_loop_post(zv_main_loop(), nudge, &s);
	zv_loop_post(zv_main_loop(), hangup, &s);
	zv_loop_post(zv_main_loop(), sleeper_done, &s);
	uint64_t t0 = mono_ms();
	zv_main_loop_run();
	assert_int_equal(s.r1, 0);
	assert_true(s.slept1 >= 59);
	assert_int_equal(s.r2, -ECANCELED);
	assert_true(mono_ms() - t0 < 2000);
	s.co = zv_unref(s.co);
	zv_loops_fini();
}

/* Many coroutines parked at once, each resumed exactly once. */
#define MANY 2000
static int resumed[MANY];
static struct zv_coro *many[MANY];
static int finished;

static void parked(void *arg)
{
	int i = (int)(intptr_t)arg;
	int v = zv_coro_wait(0);
	resumed[i] = v;
	if (++finished == MANY)
		zv_main_loop_exit();
}

static void wake_all(void *arg)
{
	for (int i = 0; i < MANY; i++)
		zv_coro_wake(many[i], i + 1);
}

static void test_many_parked(void **state)
{
	assert_int_equal(zv_loops_init(1), 0);
	finished = 0;
	for (int i = 0; i < MANY; i++) {
		many[i] = zv_coro_alloc(parked, (void *)(intptr_t)i, 64 * 1024);
		assert_non_null(many[i]);
		assert_true(zv_coro_start(many[i]));
	}
	assert_int_equal(zv_coro_count(), MANY);
	zv_loop_post(zv_main_loop(), wake_all, NULL);
	zv_main_loop_run();
	for (int i = 0; i < MANY; i++) {
		assert_int_equal(resumed[i], i + 1);
		assert_true(zv_coro_finished(many[i]));
		many[i] = zv_unref(many[i]);
	}
	assert_int_equal(zv_coro_count(), 0);
	zv_loops_fini();
}

/* A coroutine may start another one; control comes back to the starter. */
static int order_log[8], order_n;

static void inner(void *arg)
{
	order_log[order_n++] = 2;
}

static void outer(void *arg)
{
	order_log[order_n++] = 1;
	struct zv_coro *c = zv_coro_alloc(inner, NULL, 0);
	zv_coro_start(c);
	assert_true(zv_coro_finished(c));
	zv_unref(c);
	order_log[order_n++] = 3;
}

static void test_nested(void **state)
{
	assert_int_equal(zv_loops_init(1), 0);
	order_n = 0;
	struct zv_coro *c = zv_coro_alloc(outer, NULL, 0);
	assert_false(zv_coro_start(c));
	assert_int_equal(order_n, 3);
	assert_int_equal(order_log[0], 1);
	assert_int_equal(order_log[1], 2);
	assert_int_equal(order_log[2], 3);
	assert_null(zv_coro_current());
	zv_unref(c);
	zv_loops_fini();
}

/* zv_coro_trim_stack(): the pages a deep call touched are given back
 * once it has returned, and the stack still works below that. */
static __attribute__((noinline)) unsigned deep(unsigned seed)
{
	volatile unsigned char buf[48 * 1024];
	for (size_t i = 0; i < sizeof(buf); i += 64)
		buf[i] = (unsigned char)(seed + i);
	unsigned sum = 0;
	for (size_t i = 0; i < sizeof(buf); i += 64)
		sum += buf[i];
	return sum;
}

static unsigned resident_below(uintptr_t sp, size_t len)
{
	size_t ps = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t hi = (sp & ~(uintptr_t)(ps - 1)) - ps; /* skip sp's own page and one more */
	uintptr_t lo = hi - len;
	unsigned char vec[64];
	assert_true(len / ps <= sizeof(vec));
	assert_int_equal(mincore((void *)lo, len, vec), 0);
	unsigned n = 0;
	for (size_t i = 0; i < len / ps; i++)
		n += vec[i] & 1;
	return n;
}

struct trim_result {
	unsigned before, after, sum1, sum2;
	size_t trimmed;
};

static void trimmer(void *arg)
{
	struct trim_result *r = arg;
	char here;
	uintptr_t sp = (uintptr_t)&here;
	r->sum1 = deep(1);
	r->before = resident_below(sp, 32 * 1024);
	r->trimmed = zv_coro_trim_stack();
	r->after = resident_below(sp, 32 * 1024);
	zv_coro_wait(1);
	r->sum2 = deep(1); /* the zeroed pages work again */
	zv_main_loop_exit();
}

static void test_trim_stack(void **state)
{
	assert_int_equal(zv_loops_init(1), 0);
	assert_int_equal(zv_coro_trim_stack(), 0); /* not in a coroutine */
	struct trim_result r = {0};
	struct zv_coro *c = zv_coro_alloc(trimmer, &r, 0);
	assert_true(zv_coro_start(c));
	zv_main_loop_run();
	assert_true(zv_coro_finished(c));
	assert_int_equal(r.before, 8);
	assert_int_equal(r.after, 0);
	assert_true(r.trimmed >= 40 * 1024);
	assert_int_equal(r.sum1, r.sum2);
	zv_unref(c);
	zv_loops_fini();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wait_wake_timeout),
		cmocka_unit_test(test_early_wake_kept),
		cmocka_unit_test(test_sleep),
		cmocka_unit_test(test_many_parked),
		cmocka_unit_test(test_nested),
		cmocka_unit_test(test_trim_stack),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
