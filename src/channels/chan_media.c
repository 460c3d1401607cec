/*
 * Channel media: the native codec, the reader, the generator and the
 * translators between them.  See the media part of include/zvonok/channel.h.
 *
 * DESIGN
 * Everything runs on the channel's loop in plain callbacks.  A translator
 * is made the first time a codec pair is needed and kept while that pair
 * stays in use (one for the write direction, one for the read direction),
 * so steady-state frames cost one translation and no allocation.  The
 * generator runs on a 20 ms periodic timer; it produces slin at its rate
 * and the write path translates that to the native codec.  A reader that
 * asks for the native codec (Echo, the native bridge) gets the received
 * frame as is.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zvonok/channel.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/media.h>

#include "channels/chan_int.h"

#define GEN_MS 20

struct xlate {
	enum zv_codec_id from, to;
	struct zv_trans *t;
};

struct zv_chan_media {
	struct zv_channel *chan; /* borrowed: the media lives inside it */
	enum zv_codec_id native;
	struct xlate wr, rd;
	zv_frame_cb *reader;
	void *reader_arg;
	enum zv_codec_id want;
	zv_tap_cb *tap;
	void *tap_arg;
	struct xlate tap_rd, tap_wr; /* to slin for the tap */
	zv_gen_cb *gen;
	void *gen_arg;
	unsigned gen_rate;
	struct zv_timer gen_timer;
	bool timer_ready;
};

/*
 * Scratch space for translated and generated frames, per thread rather
 * than per channel (a pass-through call never needs it; 8 KB a channel
 * was most of a bridged call's memory).  Writes nest (a Local channel's
 * write is its other half's receive, whose reader writes again), so the
 * buffers are a small stack.
 */
#define SCRATCH_DEPTH 6
static _Thread_local uint8_t scratch[SCRATCH_DEPTH][ZV_FRAME_MAX_BYTES];
static _Thread_local unsigned scratch_top;
static _Thread_local int16_t gen_pcm[ZV_FRAME_MAX_SAMPLES];

static struct zv_chan_media *media_of(struct zv_channel *c)
{
	struct zv_chan_media **slot = zv__channel_media_slot(c);
	if (!*slot) {
		struct zv_chan_media *m = calloc(1, sizeof(*m));
		if (!m)
			return NULL;
		m->chan = c;
		m->native = ZV_CODEC_ULAW;
		*slot = m;
	}
	return *slot;
}

static void xlate_fini(struct xlate *x)
{
	zv_trans_free(x->t);
	x->t = NULL;
	x->from = x->to = ZV_CODEC_NONE;
}

/* Translate f into the codec `to` through x (made or remade on demand).
 * *out is f itself when no translation is needed. */
static int xlate_frame(struct xlate *x, const struct zv_frame *f, enum zv_codec_id to,
		       struct zv_frame *out, uint8_t *buf)
{
	if (to == ZV_CODEC_NONE || f->codec == to) {
		*out = *f;
		return 0;
	}
	if (!x->t || x->from != f->codec || x->to != to) {
		xlate_fini(x);
		x->t = zv_trans_new(f->codec, to);
		if (!x->t)
			return -ENOTSUP;
		x->from = f->codec;
		x->to = to;
	}
	return zv_trans_frame(x->t, f, out, buf);
}

void zv_channel_set_native_codec(struct zv_channel *c, enum zv_codec_id codec)
{
	struct zv_chan_media *m = media_of(c);
	if (m)
		m->native = codec;
}

enum zv_codec_id zv_channel_native_codec(const struct zv_channel *c)
{
	struct zv_chan_media *m = *zv__channel_media_slot((struct zv_channel *)c);
	return m ? m->native : ZV_CODEC_ULAW;
}

/* Hand a frame to the tap as slin 8 kHz. */
static void tap_frame(struct zv_chan_media *m, struct xlate *x, bool rx, const struct zv_frame *f)
{
	struct zv_frame out;
	uint8_t buf[ZV_FRAME_MAX_BYTES];
	if (f->codec == ZV_CODEC_NONE || xlate_frame(x, f, ZV_CODEC_SLIN, &out, buf) < 0 ||
	    !out.samples)
		return;
	m->tap(m->tap_arg, m->chan, rx, (const int16_t *)out.data, out.samples);
}

int zv_channel_set_tap(struct zv_channel *c, zv_tap_cb *cb, void *arg)
{
	struct zv_chan_media *m = media_of(c);
	if (!m)
		return -ENOMEM;
	if (cb && m->tap && (m->tap != cb || m->tap_arg != arg))
		return -EBUSY;
	m->tap = cb;
	m->tap_arg = arg;
	if (!cb) {
		xlate_fini(&m->tap_rd);
		xlate_fini(&m->tap_wr);
	}
	return 0;
}

void zv_channel_rx_frame(struct zv_channel *c, const struct zv_frame *f)
{
	struct zv_chan_media *m = *zv__channel_media_slot(c);
	if (!m || zv_channel_is_hungup(c))
		return;
	if (m->tap)
		tap_frame(m, &m->tap_rd, true, f);
	if (!m->reader)
		return;
	struct zv_frame out;
	uint8_t buf[ZV_FRAME_MAX_BYTES];
	if (xlate_frame(&m->rd, f, m->want, &out, buf) < 0 || !out.len)
		return;
	m->reader(m->reader_arg, c, &out);
}

int zv_channel_write_frame(struct zv_channel *c, const struct zv_frame *f)
{
	const struct zv_channel_tech *tech = zv_channel_tech(c);
	if (!tech || !tech->write)
		return 0; /* a driver without media */
	if (zv_channel_is_hungup(c))
		return -EPIPE;
	struct zv_chan_media *m = media_of(c);
	if (!m)
		return -ENOMEM;
	if (scratch_top >= SCRATCH_DEPTH)
		return -ELOOP;
	struct zv_frame out;
	int err = xlate_frame(&m->wr, f, m->native, &out, scratch[scratch_top++]);
	if (err < 0) {
		scratch_top--;
		return err;
	}
	/* A translator waiting for a whole codec frame gives an empty one. */
	if (out.len) {
		if (m->tap)
			tap_frame(m, &m->tap_wr, false, f->codec == ZV_CODEC_NONE ? &out : f);
		err = tech->write(c, &out);
	}
	scratch_top--;
	return err;
}

void zv_channel_set_reader(struct zv_channel *c, enum zv_codec_id want, zv_frame_cb *cb,
			   void *arg)
{
	struct zv_chan_media *m = media_of(c);
	if (!m)
		return;
	m->reader = cb;
	m->reader_arg = arg;
	m->want = want;
	if (!cb)
		xlate_fini(&m->rd);
}

static enum zv_codec_id slin_for(unsigned rate)
{
	switch (rate) {
	case 8000: return ZV_CODEC_SLIN;
	case 16000: return ZV_CODEC_SLIN16;
	case 48000: return ZV_CODEC_SLIN48;
	default: return ZV_CODEC_NONE;
	}
}

static void gen_tick(void *arg)
{
	struct zv_chan_media *m = arg;
	if (!m->gen)
		return;
	unsigned samples = m->gen_rate / 1000u * GEN_MS;
	memset(gen_pcm, 0, samples * sizeof(int16_t));
	bool more = m->gen(m->gen_arg, m->chan, gen_pcm, samples);
	if (more) {
		struct zv_frame f = {.codec = slin_for(m->gen_rate),
				     .samples = samples,
				     .len = samples * sizeof(int16_t),
				     .data = (const uint8_t *)gen_pcm};
		zv_channel_write_frame(m->chan, &f);
		return;
	}
	m->gen = NULL;
	zv_timer_stop(&m->gen_timer);
	zv_channel_queue_media_event(m->chan);
}

int zv_channel_set_generator(struct zv_channel *c, unsigned rate, zv_gen_cb *cb, void *arg)
{
	struct zv_chan_media *m = media_of(c);
	if (!m)
		return -ENOMEM;
	if (cb && slin_for(rate) == ZV_CODEC_NONE)
		return -EINVAL;
	if (!m->timer_ready) {
		if (zv_timer_init(&m->gen_timer, zv_channel_loop(c), gen_tick, m) < 0)
			return -ENOMEM;
		m->timer_ready = true;
	}
	m->gen = cb;
	m->gen_arg = arg;
	m->gen_rate = rate;
	if (!cb) {
		zv_timer_stop(&m->gen_timer);
		return 0;
	}
	return zv_timer_start(&m->gen_timer, GEN_MS, GEN_MS);
}

bool zv_channel_has_generator(const struct zv_channel *c)
{
	struct zv_chan_media *m = *zv__channel_media_slot((struct zv_channel *)c);
	return m && m->gen;
}

void zv__channel_media_free(struct zv_channel *c)
{
	struct zv_chan_media **slot = zv__channel_media_slot(c);
	struct zv_chan_media *m = *slot;
	if (!m)
		return;
	if (m->timer_ready)
		zv_timer_fini(&m->gen_timer);
	xlate_fini(&m->wr);
	xlate_fini(&m->rd);
	xlate_fini(&m->tap_rd);
	xlate_fini(&m->tap_wr);
	free(m);
	*slot = NULL;
}
