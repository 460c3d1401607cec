/*
 * Unit tests for the overload detector (src/core/overload.c): the
 * time-weighted smoothing of message delays and its hysteresis, driven
 * with made-up times (no clock, no loops).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/internal.h"

#define MS 1000u
#define HIGH (200 * MS)

/* Feeds samples every step_us from t for dur_us, each delay_us old. */
static uint64_t feed(struct zv_overload *o, uint64_t t, uint64_t dur_us, uint64_t step_us,
		     uint64_t delay_us)
{
	for (uint64_t end = t + dur_us; t < end; t += step_us)
		zv__overload_sample(o, t, t - delay_us, HIGH);
	return t;
}

static void test_short_spike_is_not_overload(void **state)
{
	struct zv_overload o;
	memset(&o, 0, sizeof(o));
	uint64_t t = feed(&o, 10000000, 1000 * MS, 1 * MS, 1 * MS); /* 1 s healthy */
	assert_false(o.on);
	/* 20 ms of 400 ms-old messages (a burst after a stall): the smoothed
	 * delay rises by a fifth of the difference only. */
	t = feed(&o, t, 20 * MS, 100, 400 * MS);
	assert_false(o.on);
	assert_true(o.delay_us < (int64_t)HIGH);
	t = feed(&o, t, 200 * MS, 1 * MS, 1 * MS);
	assert_false(o.on);
	assert_int_equal(o.episodes, 0);
	assert_int_equal(o.max_delay_us, 400 * MS);
}

static void test_sustained_delay_turns_on_then_off(void **state)
{
	struct zv_overload o;
	memset(&o, 0, sizeof(o));
	uint64_t t = feed(&o, 10000000, 500 * MS, 1 * MS, 1 * MS);
	assert_false(o.on);
	/* A queue builds: 300 ms delays for 300 ms. */
	t = feed(&o, t, 300 * MS, 1 * MS, 300 * MS);
	assert_true(o.on);
	assert_int_equal(o.episodes, 1);
	/* Between the thresholds (60 ms: above a quarter of 200): stays on. */
	t = feed(&o, t, 1000 * MS, 1 * MS, 60 * MS);
	assert_true(o.on);
	/* Below a quarter: off. */
	t = feed(&o, t, 500 * MS, 1 * MS, 10 * MS);
	assert_false(o.on);
	assert_int_equal(o.episodes, 1);
}

static void test_hold_time(void **state)
{
	struct zv_overload o;
	memset(&o, 0, sizeof(o));
	uint64_t t0 = 10000000;
	zv__overload_sample(&o, t0, t0 - 500 * MS, HIGH); /* first sample: taken as is */
	assert_true(o.on);
	/* The queue empties at once (a sample after more than the time
	 * constant replaces the average): still on until 500 ms after the
	 * episode began. */
	zv__overload_sample(&o, t0 + 150 * MS, t0 + 150 * MS, HIGH);
	assert_int_equal(o.delay_us, 0);
	assert_true(o.on);
	zv__overload_sample(&o, t0 + 499 * MS, t0 + 499 * MS, HIGH);
	assert_true(o.on);
	zv__overload_sample(&o, t0 + 500 * MS, t0 + 500 * MS, HIGH);
	assert_false(o.on);
}

static void test_idle_worker_starts_from_latest_sample(void **state)
{
	struct zv_overload o;
	memset(&o, 0, sizeof(o));
	uint64_t t = feed(&o, 10000000, 600 * MS, 1 * MS, 800 * MS);
	assert_true(o.on);
	/* The flood ends; nothing for 2 s; the next call's INVITE is fresh:
	 * the detector must not refuse it because of the flood's delays. */
	t += 2000 * MS;
	zv__overload_sample(&o, t, t - 1 * MS, HIGH);
	assert_false(o.on);
	assert_int_equal(o.delay_us, 1 * MS);
}

static void test_disabled(void **state)
{
	struct zv_overload o;
	memset(&o, 0, sizeof(o));
	uint64_t t = 10000000;
	for (int i = 0; i < 1000; i++, t += MS)
		zv__overload_sample(&o, t, t - 900 * MS, 0);
	assert_false(o.on);
	/* Turned off by configuration while on: off at the next sample. */
	feed(&o, t, 300 * MS, 1 * MS, 500 * MS);
	assert_true(o.on);
	zv__overload_sample(&o, t + 400 * MS, t, 0);
	assert_false(o.on);
}

static void test_clock_oddities(void **state)
{
	struct zv_overload o;
	memset(&o, 0, sizeof(o));
	/* Arrival after handling (timestamps from another clock): delay 0. */
	zv__overload_sample(&o, 10000000, 10000500, HIGH);
	assert_int_equal(o.delay_us, 0);
	/* Two samples at the same instant: no division, no jump. */
	zv__overload_sample(&o, 10000000, 10000000 - 900 * MS, HIGH);
	assert_int_equal(o.delay_us, 0);
	assert_false(o.on);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_short_spike_is_not_overload),
		cmocka_unit_test(test_sustained_delay_turns_on_then_off),
		cmocka_unit_test(test_hold_time),
		cmocka_unit_test(test_idle_worker_starts_from_latest_sample),
		cmocka_unit_test(test_disabled),
		cmocka_unit_test(test_clock_oddities),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
