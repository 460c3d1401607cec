/*
 * Translation costs: how much CPU a path takes, in microseconds per
 * second of audio (the unit `core show translation` prints).
 *
 * DESIGN
 * The defaults are a model built from per-codec numbers measured on the
 * development machine (docs/design/media-codecs.md): decoding the source
 * to slin, resampling when the rates differ, encoding the destination.
 * The model is cheap and deterministic, so SDP negotiation and tests get
 * the same answer every time.  media__cost_recalc() replaces the whole
 * matrix with real measurements: it runs each translator over a tone
 * (`core show translation recalc`).  Entries are atomics: the CLI reads
 * them on the main loop while a recalculation on the pool writes them.
 */
#include <errno.h>
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zvonok/media.h>

#include "media/codec/codec_int.h"

/* Measured with media__cost_recalc(2000) on the development machine (2-core
 * x86-64 VM, RelWithDebInfo): the cost of X -> slin at X's rate, and of
 * slin -> X, per second of audio. */
static const unsigned dec_us[ZV_CODEC__COUNT] = {
	[ZV_CODEC_ULAW] = 17,  [ZV_CODEC_ALAW] = 19,	[ZV_CODEC_GSM] = 413,
	[ZV_CODEC_G722] = 994, [ZV_CODEC_G729] = 798, [ZV_CODEC_OPUS] = 2573,
};
static const unsigned enc_us[ZV_CODEC__COUNT] = {
	[ZV_CODEC_ULAW] = 31,	[ZV_CODEC_ALAW] = 31,	[ZV_CODEC_GSM] = 844,
	[ZV_CODEC_G722] = 1341, [ZV_CODEC_G729] = 4217, [ZV_CODEC_OPUS] = 11092,
};
#define SLIN_COPY_US 10	 /* slin at one rate to itself: the floor of any path */
#define G711_TABLE_US 50 /* u-law <-> a-law by table */

static unsigned rate_index(unsigned rate)
{
	return rate == 8000 ? 0 : rate == 16000 ? 1 : 2;
}

/* [from rate][to rate]: slin -> slin16 and so on. */
static const unsigned resample_us[3][3] = {
	{0, 280, 790},
	{256, 0, 797},
	{737, 717, 0},
};

static _Atomic unsigned measured[ZV_CODEC__COUNT][ZV_CODEC__COUNT];

static unsigned model(enum zv_codec_id from, enum zv_codec_id to)
{
	if ((from == ZV_CODEC_ULAW && to == ZV_CODEC_ALAW) ||
	    (from == ZV_CODEC_ALAW && to == ZV_CODEC_ULAW))
		return G711_TABLE_US;
	unsigned fr = zv_codec_get(from)->rate, tr = zv_codec_get(to)->rate;
	unsigned c = dec_us[from] + resample_us[rate_index(fr)][rate_index(tr)] + enc_us[to];
	return c ? c : SLIN_COPY_US;
}

unsigned zv_trans_cost(enum zv_codec_id from, enum zv_codec_id to)
{
	if (!zv_codec_get(from) || !zv_codec_get(to) || from == to)
		return 0;
	unsigned m = atomic_load_explicit(&measured[from][to], memory_order_relaxed);
	return m ? m : model(from, to);
}

/* ---- measuring ----------------------------------------------------------- */

static double now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

/* `ms` of a 1 kHz tone in codec `id` as 20 ms frames, concatenated in buf
 * with each frame's length in lens[]; returns the number of frames. */
static int make_input(enum zv_codec_id id, unsigned ms, uint8_t *buf, size_t cap,
		      uint16_t *lens, int max_frames)
{
	const struct zv_codec_info *ci = zv_codec_get(id);
	enum zv_codec_id lin = media__slin_for_rate(ci->rate);
	struct zv_trans *enc = zv_trans_new(lin, id);
	if (!enc)
		return -ENOMEM;
	unsigned spf = ci->rate / 50, nf = 0;
	size_t used = 0;
	int16_t pcm[ZV_FRAME_MAX_SAMPLES];
	uint8_t out[ZV_FRAME_MAX_BYTES];
	for (unsigned f = 0; f < ms / 20 && (int)nf < max_frames; f++) {
		for (unsigned i = 0; i < spf; i++)
			pcm[i] = (int16_t)(8000 * sin(2 * M_PI * 1000.0 * (f * spf + i) / ci->rate));
		struct zv_frame in = {lin, spf, spf * 2, (const uint8_t *)pcm}, o;
		if (zv_trans_frame(enc, &in, &o, out) < 0 || used + o.len > cap)
			break;
		if (!o.len)
			continue;
		memcpy(buf + used, o.data, o.len);
		lens[nf++] = (uint16_t)o.len;
		used += o.len;
	}
	zv_trans_free(enc);
	return (int)nf;
}

static unsigned measure(enum zv_codec_id from, enum zv_codec_id to, const uint8_t *buf,
			const uint16_t *lens, int nf, unsigned ms)
{
	struct zv_trans *t = zv_trans_new(from, to);
	if (!t)
		return 0;
	uint8_t out[ZV_FRAME_MAX_BYTES];
	size_t off = 0;
	double t0 = now_us();
	for (int i = 0; i < nf; i++) {
		struct zv_frame in = {from, 0, lens[i], buf + off}, o;
		zv_trans_frame(t, &in, &o, out);
		off += lens[i];
	}
	double us = (now_us() - t0) * 1000.0 / ms;
	zv_trans_free(t);
	return us < 1 ? 1 : (unsigned)us;
}

int media__cost_recalc(unsigned ms)
{
	if (ms < 20)
		ms = 20;
	if (ms > 10000)
		ms = 10000;
	int max_frames = (int)(ms / 20);
	size_t cap = (size_t)max_frames * ZV_FRAME_MAX_BYTES;
	uint8_t *buf = malloc(cap);
	uint16_t *lens = malloc(sizeof(*lens) * (size_t)max_frames);
	int err = -ENOMEM;
	if (!buf || !lens)
		goto out;
	for (unsigned f = ZV_CODEC_NONE + 1; f < ZV_CODEC__COUNT; f++) {
		int nf = make_input(f, ms, buf, cap, lens, max_frames);
		if (nf <= 0) {
			err = nf < 0 ? nf : -EIO;
			goto out;
		}
		for (unsigned t = ZV_CODEC_NONE + 1; t < ZV_CODEC__COUNT; t++)
			if (t != f)
				atomic_store_explicit(&measured[f][t],
						      measure(f, t, buf, lens, nf, ms),
						      memory_order_relaxed);
	}
	err = 0;
out:
	free(buf);
	free(lens);
	return err;
}
