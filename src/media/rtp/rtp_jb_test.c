/*
 * Unit tests for the jitter buffer (src/media/rtp/rtp_jb.c): packets of
 * 20 ms (160 units at 8 kHz) arrive on a simulated 20 ms clock with
 * jitter and reordering; the output, taken once per tick, must come in
 * timestamp order without duplicates, one frame per tick once it has
 * started, after a bounded delay; a jump beyond resync_threshold
 * restarts it; packets later than max_size are refused; bad arguments.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <zvonok/rtp.h>

#define N 200
#define STEP 160

static void put_pkt(struct zv_jb *jb, unsigned k, uint32_t base)
{
	uint8_t p[STEP];
	memset(p, (int)(k & 0xff), sizeof(p));
	p[0] = (uint8_t)k;
	p[1] = (uint8_t)(k >> 8);
	assert_int_equal(zv_jb_put(jb, p, sizeof(p), base + k * STEP, STEP), 0);
}

/*
 * Packet k is sent at tick k and arrives at tick k + delay(k): 0..3 ticks
 * of jitter, and every 7th packet swapped with the next (it arrives one
 * tick after it).  Returns the tick of the first output, checks order.
 */
static unsigned run_jittered(const struct zv_jb_conf *conf, unsigned *outp)
{
	struct zv_jb *jb = zv_jb_new(conf, 8000, STEP);
	assert_non_null(jb);
	unsigned arrive[N];
	for (unsigned k = 0; k < N; k++)
		arrive[k] = k + (unsigned)((k * 37u) % 4u);
	for (unsigned k = 0; k + 1 < N; k += 7) {
		unsigned t = arrive[k];
		arrive[k] = arrive[k + 1] + 1;
		arrive[k + 1] = t;
	}
	const uint32_t base = 123456;
	unsigned first = 0, out = 0, gaps_after_start = 0;
	bool started = false;
	int64_t last = -1;
	for (unsigned tick = 0; tick < N + 40; tick++) {
		for (unsigned k = 0; k < N; k++)
			if (arrive[k] == tick)
				put_pkt(jb, k, base);
		uint8_t buf[ZV_JB_MAX_PAYLOAD];
		size_t len = 0;
		uint32_t ts = 0;
		if (zv_jb_get(jb, buf, &len, &ts, NULL) == 0) {
			assert_int_equal(len, STEP);
			unsigned k = (ts - base) / STEP;
			assert_int_equal(ts, base + k * STEP);
			assert_int_equal(buf[0] | (buf[1] << 8), k); /* its own payload */
			assert_true((int64_t)k > last); /* in order, no duplicate */
			last = k;
			if (!started) {
				started = true;
				first = tick;
			}
			out++;
		} else if (started && last < N - 1) {
			gaps_after_start++;
		}
	}
	zv_jb_free(jb);
	/* (almost) every packet, one per tick once started but for the
	 * ticks where the buffer grows its delay to the jitter */
	assert_true(out >= N - 4);
	assert_true(gaps_after_start <= 8);
	*outp = out;
	return first;
}

static void test_adaptive_orders(void **state)
{
	struct zv_jb_conf c = {.adaptive = true, .max_size_ms = 200,
			       .resync_threshold_ms = 1000, .target_extra_ms = 40};
	unsigned out;
	unsigned first = run_jittered(&c, &out);
	/* delay: the jitter (3 ticks + a swap) and the margin, not more
	 * than max_size + the margin */
	assert_true(first <= 3 + 2 + 2 + 10 + 2);
}

static void test_fixed_orders(void **state)
{
	struct zv_jb_conf c = {.adaptive = false, .max_size_ms = 100};
	unsigned out;
	run_jittered(&c, &out);
}

/* In-order packets 1 tick late each: the output follows, 160 apart. */
static void test_steady_timing(void **state)
{
	struct zv_jb_conf c = {.adaptive = true, .target_extra_ms = 40};
	struct zv_jb *jb = zv_jb_new(&c, 8000, STEP);
	assert_non_null(jb);
	uint32_t prev = 0;
	unsigned n = 0;
	for (unsigned tick = 0; tick < 100; tick++) {
		put_pkt(jb, tick, 0);
		uint8_t buf[ZV_JB_MAX_PAYLOAD];
		size_t len;
		uint32_t ts;
		if (zv_jb_get(jb, buf, &len, &ts, NULL) == 0) {
			if (n)
				assert_int_equal(ts, prev + STEP);
			prev = ts;
			n++;
		}
	}
	assert_true(n >= 90);
	zv_jb_free(jb);
}

/* A jump beyond resync_threshold (a new source) restarts the buffer: the
 * new stream comes out; a packet older than max_size is refused. */
static void test_resync_and_late(void **state)
{
	struct zv_jb_conf c = {.adaptive = true, .max_size_ms = 200,
			       .resync_threshold_ms = 1000};
	struct zv_jb *jb = zv_jb_new(&c, 8000, STEP);
	assert_non_null(jb);
	uint8_t buf[ZV_JB_MAX_PAYLOAD];
	size_t len;
	uint32_t ts;
	for (unsigned k = 0; k < 20; k++) {
		put_pkt(jb, k, 1000);
		zv_jb_get(jb, buf, &len, &ts, NULL);
	}
	/* 300 ms older than the newest: beyond max_size, within resync */
	uint8_t p[STEP] = {0};
	assert_int_equal(zv_jb_put(jb, p, sizeof(p), 1000 + 19 * STEP - 2400, STEP), -ENOBUFS);
	const uint32_t base2 = 5000000;
	unsigned got = 0;
	for (unsigned k = 0; k < 30; k++) {
		put_pkt(jb, k, base2);
		if (zv_jb_get(jb, buf, &len, &ts, NULL) == 0 && ts >= base2)
			got++;
	}
	assert_true(got >= 20);
	zv_jb_free(jb);
}

static void test_bad_args(void **state)
{
	struct zv_jb_conf c = {.adaptive = true};
	assert_null(zv_jb_new(&c, 8000, 0));
	assert_int_equal(errno, EINVAL);
	assert_null(zv_jb_new(&c, 0, 160));
	assert_null(zv_jb_new(NULL, 8000, 160));
	struct zv_jb *jb = zv_jb_new(&c, 8000, STEP);
	assert_non_null(jb);
	uint8_t big[ZV_JB_MAX_PAYLOAD + 1] = {0};
	assert_int_equal(zv_jb_put(jb, big, sizeof(big), 0, STEP), -EINVAL);
	assert_int_equal(zv_jb_put(jb, big, 0, 0, STEP), -EINVAL);
	size_t len;
	uint32_t ts;
	assert_int_equal(zv_jb_get(jb, big, &len, &ts, NULL), -EAGAIN);
	zv_jb_free(jb);
	zv_jb_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_adaptive_orders),
		cmocka_unit_test(test_fixed_orders),
		cmocka_unit_test(test_steady_timing),
		cmocka_unit_test(test_resync_and_late),
		cmocka_unit_test(test_bad_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
