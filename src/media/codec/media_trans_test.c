/*
 * Unit tests for the codec table and the translators (src/media/codec):
 * lookups by name and SDP, a 1 kHz tone through every codec and every
 * pair of codecs keeps its frequency and (within each codec's tolerance)
 * its level, resampling keeps frequency and sample counts, packetisation
 * matches each codec's framing, bad payloads are refused without
 * breaking the translator, and the cost table is consistent.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <zvonok/media.h>

#include "media/codec/codec_int.h"
#include "media/codec/test_tone.h"

#define AMP 8000.0
#define SECONDS_MS 1000

/* ---- the codec table ---------------------------------------------------- */

static void test_codec_table(void **state)
{
	static const struct {
		enum zv_codec_id id;
		const char *name, *sdp;
		int pt;
		unsigned rate, clock, ch;
	} want[] = {
		{ZV_CODEC_ULAW, "ulaw", "PCMU", 0, 8000, 8000, 0},
		{ZV_CODEC_ALAW, "alaw", "PCMA", 8, 8000, 8000, 0},
		{ZV_CODEC_GSM, "gsm", "GSM", 3, 8000, 8000, 0},
		{ZV_CODEC_G722, "g722", "G722", 9, 16000, 8000, 0},
		{ZV_CODEC_G729, "g729", "G729", 18, 8000, 8000, 0},
		{ZV_CODEC_OPUS, "opus", "opus", -1, 48000, 48000, 2},
		{ZV_CODEC_SLIN, "slin", "L16", -1, 8000, 8000, 0},
		{ZV_CODEC_SLIN16, "slin16", "L16", -1, 16000, 16000, 0},
		{ZV_CODEC_SLIN48, "slin48", "L16", -1, 48000, 48000, 0},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		const struct zv_codec_info *c = zv_codec_get(want[i].id);
		assert_non_null(c);
		assert_int_equal(c->id, want[i].id);
		assert_string_equal(c->name, want[i].name);
		assert_string_equal(c->sdp_name, want[i].sdp);
		assert_int_equal(c->rtp_pt, want[i].pt);
		assert_int_equal(c->rate, want[i].rate);
		assert_int_equal(c->rtp_clock, want[i].clock);
		assert_int_equal(c->sdp_channels, want[i].ch);
		assert_int_equal(c->frame_ms, 20);
		assert_non_null(c->description);
		assert_ptr_equal(zv_codec_by_name(want[i].name), c);
		assert_ptr_equal(zv_codec_by_sdp(want[i].sdp, want[i].clock), c);
	}
	assert_null(zv_codec_get(ZV_CODEC_NONE));
	assert_null(zv_codec_get(ZV_CODEC__COUNT));
	assert_null(zv_codec_get((enum zv_codec_id)-1));
	assert_int_equal(zv_codec_by_name("ULAW")->id, ZV_CODEC_ULAW);
	assert_int_equal(zv_codec_by_name("G722")->id, ZV_CODEC_G722);
	assert_null(zv_codec_by_name("all"));
	assert_null(zv_codec_by_name("speex"));
	assert_null(zv_codec_by_name(NULL));
	assert_int_equal(zv_codec_by_sdp("pcmu", 8000)->id, ZV_CODEC_ULAW);
	assert_int_equal(zv_codec_by_sdp("OPUS", 48000)->id, ZV_CODEC_OPUS);
	assert_int_equal(zv_codec_by_sdp("G729a", 8000)->id, ZV_CODEC_G729);
	assert_null(zv_codec_by_sdp("G722", 16000)); /* RFC 3551: 8000 */
	assert_null(zv_codec_by_sdp("PCMU", 16000));
	assert_null(zv_codec_by_sdp("telephone-event", 8000));
	assert_null(zv_codec_by_sdp(NULL, 8000));
}

/* ---- pushing a tone through a chain of translators ----------------------- */

struct chain {
	struct zv_trans *t[3];
	int n;
	int16_t *out; /* collected output, slin at out_rate */
	size_t out_n, out_cap;
};

/* Translate `ms` of a tone, in frames of frame_ms, from slin at the rate
 * of path[0] through path[0] -> path[1] -> ... -> slin at the end. */
static void run_chain(const enum zv_codec_id *path, int len, unsigned ms, unsigned frame_ms,
		      double freq, struct chain *c)
{
	memset(c, 0, sizeof(*c));
	c->n = len - 1;
	for (int i = 0; i < c->n; i++) {
		c->t[i] = zv_trans_new(path[i], path[i + 1]);
		assert_non_null(c->t[i]);
	}
	unsigned in_rate = zv_codec_get(path[0])->rate, out_rate = zv_codec_get(path[len - 1])->rate;
	c->out_cap = (size_t)out_rate * ms / 1000 + ZV_FRAME_MAX_SAMPLES;
	c->out = calloc(c->out_cap, sizeof(*c->out));
	assert_non_null(c->out);
	unsigned spf = in_rate * frame_ms / 1000;
	int16_t pcm[ZV_FRAME_MAX_SAMPLES];
	uint8_t buf[2][ZV_FRAME_MAX_BYTES];
	for (unsigned f = 0; f < ms / frame_ms; f++) {
		tone_fill(pcm, spf, freq, AMP, in_rate, (size_t)f * spf);
		struct zv_frame fr = {path[0], spf, spf * 2u, (const uint8_t *)pcm}, o;
		for (int i = 0; i < c->n; i++) {
			assert_int_equal(zv_trans_frame(c->t[i], &fr, &o, buf[i % 2]), 0);
			assert_int_equal(o.codec, path[i + 1]);
			/* 20 ms in: every codec gives a whole 20 ms packet out, so
			 * a call never sees an empty frame. */
			if (frame_ms == 20) {
				unsigned want = zv_codec_get(path[i + 1])->rate / 50;
				if (o.samples != want)
					fail_msg("%s -> %s: %u samples out, want %u",
						 zv_codec_get(path[i])->name,
						 zv_codec_get(path[i + 1])->name, o.samples, want);
			}
			fr = o;
		}
		size_t got = fr.len / 2;
		assert_true(c->out_n + got <= c->out_cap);
		memcpy(c->out + c->out_n, fr.data, fr.len);
		c->out_n += got;
	}
	for (int i = 0; i < c->n; i++)
		zv_trans_free(c->t[i]);
}

/* The output's dominant frequency is freq, and its level within
 * [lo, hi] of the input's, measured after the codecs' start-up. */
static void check_tone(const struct chain *c, unsigned rate, double freq, double lo, double hi,
		       const char *what)
{
	size_t skip = rate / 10; /* 100 ms of codec and filter start-up */
	assert_true(c->out_n > skip + rate / 2);
	const int16_t *s = c->out + skip;
	size_t n = c->out_n - skip;
	double f = tone_dominant(s, n, rate);
	double rms = tone_rms(s, n);
	double ratio = rms / (AMP / sqrt(2));
	/* Share of the output's energy at freq: 1 for a pure tone. */
	double purity = tone_power(s, n, freq, rate) / (rms * rms * (double)n * (double)n / 2);
	if (f < freq - 20 || f > freq + 20 || ratio < lo || ratio > hi || purity < 0.9)
		fail_msg("%s: dominant %.0f Hz (want %.0f), level ratio %.2f (want %.2f..%.2f), "
			 "purity %.2f",
			 what, f, freq, ratio, lo, hi, purity);
}

static void free_chain(struct chain *c)
{
	free(c->out);
}

/* Lossy codecs change the level somewhat: GSM and G.729 most. */
static void tolerance(enum zv_codec_id id, double *lo, double *hi)
{
	switch (id) {
	case ZV_CODEC_GSM:
	case ZV_CODEC_G729:
	case ZV_CODEC_OPUS:
		*lo = 0.8;
		*hi = 1.2;
		break;
	default:
		*lo = 0.95;
		*hi = 1.05;
		break;
	}
}

static const enum zv_codec_id coded[] = {ZV_CODEC_ULAW, ZV_CODEC_ALAW, ZV_CODEC_GSM,
					  ZV_CODEC_G722, ZV_CODEC_G729, ZV_CODEC_OPUS};

static void test_roundtrip_each_codec(void **state)
{
	static const enum zv_codec_id lins[] = {ZV_CODEC_SLIN, ZV_CODEC_SLIN16, ZV_CODEC_SLIN48};
	for (size_t i = 0; i < sizeof(coded) / sizeof(*coded); i++)
		for (size_t l = 0; l < 3; l++) {
			enum zv_codec_id path[] = {lins[l], coded[i], lins[l]};
			struct chain c;
			char what[64];
			double lo, hi;
			snprintf(what, sizeof(what), "%s -> %s -> %s", zv_codec_get(lins[l])->name,
				 zv_codec_get(coded[i])->name, zv_codec_get(lins[l])->name);
			run_chain(path, 3, SECONDS_MS, 20, 1000, &c);
			tolerance(coded[i], &lo, &hi);
			check_tone(&c, zv_codec_get(lins[l])->rate, 1000, lo, hi, what);
			free_chain(&c);
		}
}

/* slin -> a -> b -> slin for every ordered pair of codecs. */
static void test_roundtrip_every_pair(void **state)
{
	for (unsigned a = ZV_CODEC_NONE + 1; a < ZV_CODEC__COUNT; a++)
		for (unsigned b = ZV_CODEC_NONE + 1; b < ZV_CODEC__COUNT; b++) {
			if (a == b)
				continue;
			enum zv_codec_id path[] = {ZV_CODEC_SLIN, a, b, ZV_CODEC_SLIN};
			struct chain c;
			char what[64];
			double lo, hi, lo2, hi2;
			snprintf(what, sizeof(what), "slin -> %s -> %s -> slin",
				 zv_codec_get(a)->name, zv_codec_get(b)->name);
			run_chain(path, 4, SECONDS_MS, 20, 1000, &c);
			tolerance(a, &lo, &hi);
			tolerance(b, &lo2, &hi2);
			check_tone(&c, 8000, 1000, lo * lo2, hi * hi2, what);
			free_chain(&c);
		}
}

/* Other frequencies survive too, and a 30 ms packetisation works through
 * the encoders' FIFOs (Opus gets 20 + 40 ms packets). */
static void test_other_tones_and_ptime(void **state)
{
	static const double freqs[] = {440, 2200};
	for (size_t i = 0; i < sizeof(coded) / sizeof(*coded); i++)
		for (size_t k = 0; k < 2; k++) {
			enum zv_codec_id path[] = {ZV_CODEC_SLIN, coded[i], ZV_CODEC_SLIN};
			struct chain c;
			double lo, hi;
			run_chain(path, 3, 1200, 30, freqs[k], &c);
			tolerance(coded[i], &lo, &hi);
			check_tone(&c, 8000, freqs[k], lo, hi, zv_codec_get(coded[i])->name);
			free_chain(&c);
		}
}

static void test_resample_8k_16k_8k(void **state)
{
	enum zv_codec_id path[] = {ZV_CODEC_SLIN, ZV_CODEC_SLIN16, ZV_CODEC_SLIN48, ZV_CODEC_SLIN};
	struct chain c;
	run_chain(path, 4, SECONDS_MS, 20, 1000, &c);
	assert_int_equal(c.out_n, 8000); /* no sample lost or added */
	check_tone(&c, 8000, 1000, 0.95, 1.05, "slin -> slin16 -> slin48 -> slin");
	free_chain(&c);

	/* One 20 ms frame up and down: exact counts per frame. */
	struct zv_trans *up = zv_trans_new(ZV_CODEC_SLIN, ZV_CODEC_SLIN16);
	struct zv_trans *down = zv_trans_new(ZV_CODEC_SLIN16, ZV_CODEC_SLIN);
	int16_t pcm[160];
	uint8_t b1[ZV_FRAME_MAX_BYTES], b2[ZV_FRAME_MAX_BYTES];
	tone_fill(pcm, 160, 1000, AMP, 8000, 0);
	struct zv_frame in = {ZV_CODEC_SLIN, 160, 320, (const uint8_t *)pcm}, o, o2;
	for (int i = 0; i < 5; i++) {
		assert_int_equal(zv_trans_frame(up, &in, &o, b1), 0);
		assert_int_equal(o.samples, 320);
		assert_int_equal(o.len, 640);
		assert_int_equal(zv_trans_frame(down, &o, &o2, b2), 0);
		assert_int_equal(o2.samples, 160);
	}
	zv_trans_free(up);
	zv_trans_free(down);
}

/* ---- framing -------------------------------------------------------------- */

static void one_frame(enum zv_codec_id from, enum zv_codec_id to, unsigned ms,
		      struct zv_frame *o, uint8_t *buf, struct zv_trans *t)
{
	static int16_t pcm[ZV_FRAME_MAX_SAMPLES];
	unsigned rate = zv_codec_get(from)->rate, n = rate * ms / 1000;
	tone_fill(pcm, n, 1000, AMP, rate, 0);
	struct zv_frame in = {from, n, n * 2u, (const uint8_t *)pcm};
	assert_int_equal(zv_trans_frame(t, &in, o, buf), 0);
}

static void test_packetisation(void **state)
{
	static const struct {
		enum zv_codec_id id;
		size_t len;
		unsigned samples;
	} want[] = {
		{ZV_CODEC_ULAW, 160, 160}, {ZV_CODEC_ALAW, 160, 160}, {ZV_CODEC_GSM, 33, 160},
		{ZV_CODEC_G722, 160, 320}, {ZV_CODEC_G729, 20, 160},  {ZV_CODEC_SLIN16, 640, 320},
	};
	uint8_t buf[ZV_FRAME_MAX_BYTES];
	struct zv_frame o;
	for (size_t i = 0; i < sizeof(want) / sizeof(*want); i++) {
		struct zv_trans *t = zv_trans_new(ZV_CODEC_SLIN, want[i].id);
		assert_non_null(t);
		for (int k = 0; k < 3; k++) {
			one_frame(ZV_CODEC_SLIN, want[i].id, 20, &o, buf, t);
			assert_int_equal(o.len, want[i].len);
			assert_int_equal(o.samples, want[i].samples);
			assert_ptr_equal(o.data, buf);
		}
		zv_trans_free(t);
	}

	/* Opus: 20 ms in, one packet of 960 samples out; 10 ms frames give an
	 * empty frame, then a packet. */
	struct zv_trans *t = zv_trans_new(ZV_CODEC_SLIN48, ZV_CODEC_OPUS);
	one_frame(ZV_CODEC_SLIN48, ZV_CODEC_OPUS, 20, &o, buf, t);
	assert_int_equal(o.samples, 960);
	assert_true(o.len > 0 && o.len < 400);
	one_frame(ZV_CODEC_SLIN48, ZV_CODEC_OPUS, 10, &o, buf, t);
	assert_int_equal(o.samples, 0);
	assert_int_equal(o.len, 0);
	one_frame(ZV_CODEC_SLIN48, ZV_CODEC_OPUS, 10, &o, buf, t);
	assert_int_equal(o.samples, 960);
	/* 60 ms in one go: one 60 ms packet. */
	one_frame(ZV_CODEC_SLIN48, ZV_CODEC_OPUS, 60, &o, buf, t);
	assert_int_equal(o.samples, 2880);
	zv_trans_free(t);

	/* Same codec: a copy; u-law <-> a-law by table. */
	t = zv_trans_new(ZV_CODEC_GSM, ZV_CODEC_GSM);
	uint8_t gsm[33] = {0xd0};
	struct zv_frame in = {ZV_CODEC_GSM, 160, 33, gsm};
	assert_int_equal(zv_trans_frame(t, &in, &o, buf), 0);
	assert_int_equal(o.len, 33);
	assert_int_equal(o.samples, 160);
	assert_memory_equal(buf, gsm, 33);
	zv_trans_free(t);
	t = zv_trans_new(ZV_CODEC_ULAW, ZV_CODEC_ALAW);
	uint8_t u[2] = {0xff, 0x00};
	in = (struct zv_frame){ZV_CODEC_ULAW, 2, 2, u};
	assert_int_equal(zv_trans_frame(t, &in, &o, buf), 0);
	assert_int_equal(o.len, 2);
	assert_int_equal(o.codec, ZV_CODEC_ALAW);
	zv_trans_free(t);
}

/* ---- bad input ------------------------------------------------------------- */

static void expect_err(struct zv_trans *t, enum zv_codec_id codec, const uint8_t *p, size_t len,
		       int err)
{
	uint8_t buf[ZV_FRAME_MAX_BYTES];
	struct zv_frame in = {codec, 0, len, p}, o;
	assert_int_equal(zv_trans_frame(t, &in, &o, buf), err);
}

static void still_works(struct zv_trans *t, enum zv_codec_id from)
{
	uint8_t buf[ZV_FRAME_MAX_BYTES], enc[ZV_FRAME_MAX_BYTES];
	struct zv_trans *e = zv_trans_new(ZV_CODEC_SLIN, from);
	struct zv_frame o, o2;
	for (int i = 0; i < 3; i++) {
		one_frame(ZV_CODEC_SLIN, from, 20, &o, enc, e);
		assert_int_equal(zv_trans_frame(t, &o, &o2, buf), 0);
		assert_true(o2.samples > 0);
	}
	zv_trans_free(e);
}

static void test_bad_payloads(void **state)
{
	static uint8_t junk[ZV_FRAME_MAX_BYTES * 2];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37 + 11);

	struct zv_trans *t = zv_trans_new(ZV_CODEC_GSM, ZV_CODEC_SLIN);
	expect_err(t, ZV_CODEC_GSM, junk, 32, -EINVAL);	 /* not whole frames */
	uint8_t bad[33] = {0x00};			 /* no 0xD signature */
	expect_err(t, ZV_CODEC_GSM, bad, 33, -EINVAL);
	expect_err(t, ZV_CODEC_GSM, junk, 33 * 19, -E2BIG); /* over 60 ms at 48 kHz */
	still_works(t, ZV_CODEC_GSM);
	zv_trans_free(t);

	t = zv_trans_new(ZV_CODEC_G729, ZV_CODEC_SLIN);
	expect_err(t, ZV_CODEC_G729, junk, 7, -EINVAL);
	expect_err(t, ZV_CODEC_G729, junk, 22, 0); /* two frames and a SID */
	expect_err(t, ZV_CODEC_G729, junk, 200, 0); /* any bits decode */
	still_works(t, ZV_CODEC_G729);
	zv_trans_free(t);

	t = zv_trans_new(ZV_CODEC_OPUS, ZV_CODEC_SLIN);
	uint8_t op[3] = {0xff, 0xff, 0xff}; /* code 3, bad frame count */
	expect_err(t, ZV_CODEC_OPUS, op, 3, -EINVAL);
	still_works(t, ZV_CODEC_OPUS);
	zv_trans_free(t);

	/* slin: odd length; a frame over the limit once resampled. */
	t = zv_trans_new(ZV_CODEC_SLIN, ZV_CODEC_SLIN48);
	expect_err(t, ZV_CODEC_SLIN, junk, 3, -EINVAL);
	expect_err(t, ZV_CODEC_SLIN, junk, 1000, -E2BIG); /* 62.5 ms */
	expect_err(t, ZV_CODEC_ULAW, junk, 160, -EINVAL);  /* wrong codec */
	still_works(t, ZV_CODEC_SLIN);
	zv_trans_free(t);

	t = zv_trans_new(ZV_CODEC_ULAW, ZV_CODEC_ULAW);
	expect_err(t, ZV_CODEC_ULAW, junk, ZV_FRAME_MAX_BYTES + 1, -E2BIG);
	zv_trans_free(t);

	/* Empty frames go through as empty frames. */
	static const enum zv_codec_id empty_from[] = {ZV_CODEC_G722, ZV_CODEC_OPUS, ZV_CODEC_GSM};
	for (size_t i = 0; i < 3; i++) {
		uint8_t buf[ZV_FRAME_MAX_BYTES];
		struct zv_frame in = {empty_from[i], 0, 0, NULL}, o;
		t = zv_trans_new(empty_from[i], ZV_CODEC_SLIN);
		assert_int_equal(zv_trans_frame(t, &in, &o, buf), 0);
		assert_int_equal(o.samples, 0);
		assert_int_equal(o.len, 0);
		zv_trans_free(t);
	}

	assert_null(zv_trans_new(ZV_CODEC_NONE, ZV_CODEC_SLIN));
	assert_null(zv_trans_new(ZV_CODEC_SLIN, ZV_CODEC__COUNT));
	zv_trans_free(NULL);
}

/* Every decoder fed random payloads of every length: errors, no crash
 * (ASan/UBSan builds check the memory side). */
static void test_random_payloads(void **state)
{
	static uint8_t junk[1600];
	uint32_t x = 12345;
	for (unsigned c = ZV_CODEC_NONE + 1; c < ZV_CODEC__COUNT; c++) {
		struct zv_trans *t = zv_trans_new(c, ZV_CODEC_SLIN16);
		assert_non_null(t);
		for (size_t len = 0; len < sizeof(junk); len += 7) {
			for (size_t i = 0; i < len; i++)
				junk[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 16);
			uint8_t buf[ZV_FRAME_MAX_BYTES];
			struct zv_frame in = {c, 0, len, junk}, o;
			int err = zv_trans_frame(t, &in, &o, buf);
			assert_true(err == 0 || err == -EINVAL || err == -E2BIG);
			if (!err)
				assert_true(o.len <= ZV_FRAME_MAX_BYTES);
		}
		zv_trans_free(t);
	}
}

/* ---- costs ------------------------------------------------------------------ */

static void test_costs(void **state)
{
	for (unsigned a = ZV_CODEC_NONE + 1; a < ZV_CODEC__COUNT; a++)
		for (unsigned b = ZV_CODEC_NONE + 1; b < ZV_CODEC__COUNT; b++)
			if (a == b)
				assert_int_equal(zv_trans_cost(a, b), 0);
			else
				assert_true(zv_trans_cost(a, b) > 0);
	assert_true(zv_trans_cost(ZV_CODEC_ULAW, ZV_CODEC_ALAW) <
		    zv_trans_cost(ZV_CODEC_ULAW, ZV_CODEC_SLIN16));
	assert_true(zv_trans_cost(ZV_CODEC_ULAW, ZV_CODEC_SLIN) <
		    zv_trans_cost(ZV_CODEC_G729, ZV_CODEC_SLIN));
	assert_true(zv_trans_cost(ZV_CODEC_SLIN, ZV_CODEC_ULAW) <
		    zv_trans_cost(ZV_CODEC_SLIN, ZV_CODEC_OPUS));
	assert_int_equal(zv_trans_cost(ZV_CODEC_NONE, ZV_CODEC_SLIN), 0);

	assert_int_equal(media__cost_recalc(100), 0);
	for (unsigned a = ZV_CODEC_NONE + 1; a < ZV_CODEC__COUNT; a++)
		for (unsigned b = ZV_CODEC_NONE + 1; b < ZV_CODEC__COUNT; b++)
			if (a != b)
				assert_true(zv_trans_cost(a, b) > 0);
	/* What a real G.729 encode costs against a table lookup. */
	assert_true(zv_trans_cost(ZV_CODEC_SLIN, ZV_CODEC_G729) >
		    zv_trans_cost(ZV_CODEC_ULAW, ZV_CODEC_ALAW));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_table),
		cmocka_unit_test(test_roundtrip_each_codec),
		cmocka_unit_test(test_roundtrip_every_pair),
		cmocka_unit_test(test_other_tones_and_ptime),
		cmocka_unit_test(test_resample_8k_16k_8k),
		cmocka_unit_test(test_packetisation),
		cmocka_unit_test(test_bad_payloads),
		cmocka_unit_test(test_random_payloads),
		cmocka_unit_test(test_costs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
