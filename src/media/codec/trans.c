/*
 * Translators: one direction of one call leg converting frames from one
 * codec to another.
 *
 * DESIGN
 * Every path goes through signed linear: decode to slin at the source
 * codec's rate, resample with speexdsp when the destination's rate
 * differs, encode.  Only the codec libraries Debian ships do the coding:
 * spandsp (G.711 tables, G.722), libgsm, bcg729 (G.729 Annex A, 10 ms
 * frames of 10 bytes, a 2-byte SID frame for Annex B comfort noise),
 * libopus (mono, decoded at 48 kHz, encoded in 20 ms frames) and
 * speexdsp's resampler.  Two shortcuts skip the pivot: the same codec on
 * both sides is a copy, and u-law <-> a-law uses spandsp's direct tables.
 *
 * zv_trans_new() allocates everything the translator will ever need: the
 * codec states, the resampler and three sample buffers inside struct
 * zv_trans.  zv_trans_frame() then never allocates, locks or blocks.
 *
 * Encoders with a fixed frame (GSM 160 samples, G.729 80, Opus 960, G.722
 * a pair of samples) take their input through a FIFO, so frames of any
 * length can be fed: whole codec frames are encoded as soon as they are
 * complete and the remainder waits for the next call.  This means an
 * output frame may be empty (samples 0, len 0) while the FIFO fills, e.g.
 * when 10 ms frames are translated to Opus.  GSM and G.729 concatenate
 * codec frames in one packet; Opus puts up to 60 ms in one packet (one
 * opus_encode() call), keeping the rest for the next.
 *
 * Limits: a frame whose audio exceeds ZV_FRAME_MAX_SAMPLES at the source
 * rate or, after resampling, at the destination rate is refused with
 * -E2BIG; a payload that does not decode (length not a multiple of the
 * codec frame, a GSM frame without its signature, a broken Opus packet)
 * gives -EINVAL.  Either way the translator stays usable.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bcg729/decoder.h>
#include <bcg729/encoder.h>
#include <gsm.h>
#include <opus/opus.h>
#include <spandsp.h>
#include <speex/speex_resampler.h>

#include <zvonok/media.h>

#include "media/codec/codec_int.h"

#define GSM_FRAME_SAMPLES 160
#define GSM_FRAME_BYTES 33
#define G729_FRAME_SAMPLES 80
#define G729_FRAME_BYTES 10
#define G729_SID_BYTES 2
#define OPUS_FRAME_SAMPLES 960	/* 20 ms at 48 kHz */
#define OPUS_MAX_FRAMES 3	/* 60 ms per packet at most */
#define OPUS_COMPLEXITY 5

struct zv_trans {
	enum zv_codec_id from, to;
	bool copy;	/* same codec: a copy */
	bool g711x;	/* u-law <-> a-law by table */
	unsigned from_rate, to_rate;
	union {
		g722_decode_state_t *g722;
		gsm gsm;
		bcg729DecoderChannelContextStruct *g729;
		OpusDecoder *opus;
	} dec;
	union {
		g722_encode_state_t *g722;
		gsm gsm;
		bcg729EncoderChannelContextStruct *g729;
		OpusEncoder *opus;
	} enc;
	SpeexResamplerState *rs;
	unsigned block;		/* encoder frame in samples, 1: any */
	unsigned fifo_n;	/* samples waiting in fifo */
	int16_t pcm[ZV_FRAME_MAX_SAMPLES];	 /* decoded, source rate */
	int16_t rpcm[ZV_FRAME_MAX_SAMPLES];	 /* resampled, destination rate */
	int16_t fifo[2 * ZV_FRAME_MAX_SAMPLES]; /* encoder input, see DESIGN */
};

/* ---- decoders: payload -> t->pcm at the source rate ---------------------- */

static int dec_slin(struct zv_trans *t, const uint8_t *p, size_t len, unsigned *n)
{
	if (len % 2)
		return -EINVAL;
	if (len / 2 > ZV_FRAME_MAX_SAMPLES)
		return -E2BIG;
	memcpy(t->pcm, p, len);
	*n = len / 2;
	return 0;
}

static int dec_g711(struct zv_trans *t, const uint8_t *p, size_t len, unsigned *n)
{
	if (len > ZV_FRAME_MAX_SAMPLES)
		return -E2BIG;
	if (t->from == ZV_CODEC_ULAW)
		for (size_t i = 0; i < len; i++)
			t->pcm[i] = ulaw_to_linear(p[i]);
	else
		for (size_t i = 0; i < len; i++)
			t->pcm[i] = alaw_to_linear(p[i]);
	*n = len;
	return 0;
}

static int dec_g722(struct zv_trans *t, const uint8_t *p, size_t len, unsigned *n)
{
	if (len * 2 > ZV_FRAME_MAX_SAMPLES)
		return -E2BIG;
	int got = g722_decode(t->dec.g722, t->pcm, p, (int)len);
	if (got < 0)
		return -EINVAL;
	*n = (unsigned)got;
	return 0;
}

static int dec_gsm(struct zv_trans *t, const uint8_t *p, size_t len, unsigned *n)
{
	if (len % GSM_FRAME_BYTES)
		return -EINVAL;
	size_t frames = len / GSM_FRAME_BYTES;
	if (frames * GSM_FRAME_SAMPLES > ZV_FRAME_MAX_SAMPLES)
		return -E2BIG;
	for (size_t i = 0; i < frames; i++)
		if (gsm_decode(t->dec.gsm, (gsm_byte *)(p + i * GSM_FRAME_BYTES),
			       t->pcm + i * GSM_FRAME_SAMPLES) < 0)
			return -EINVAL;
	*n = (unsigned)(frames * GSM_FRAME_SAMPLES);
	return 0;
}

static int dec_g729(struct zv_trans *t, const uint8_t *p, size_t len, unsigned *n)
{
	size_t frames = len / G729_FRAME_BYTES, rest = len % G729_FRAME_BYTES;
	if (rest != 0 && rest != G729_SID_BYTES)
		return -EINVAL;
	size_t total = frames + (rest ? 1 : 0);
	if (total * G729_FRAME_SAMPLES > ZV_FRAME_MAX_SAMPLES)
		return -E2BIG;
	for (size_t i = 0; i < frames; i++)
		bcg729Decoder(t->dec.g729, p + i * G729_FRAME_BYTES, G729_FRAME_BYTES, 0, 0, 0,
			      t->pcm + i * G729_FRAME_SAMPLES);
	if (rest)
		bcg729Decoder(t->dec.g729, p + frames * G729_FRAME_BYTES, G729_SID_BYTES, 0, 1,
			      0, t->pcm + frames * G729_FRAME_SAMPLES);
	*n = (unsigned)(total * G729_FRAME_SAMPLES);
	return 0;
}

static int dec_opus(struct zv_trans *t, const uint8_t *p, size_t len, unsigned *n)
{
	if (len > 1275 * OPUS_MAX_FRAMES)
		return -EINVAL;
	int got = opus_decode(t->dec.opus, p, (opus_int32)len, t->pcm, ZV_FRAME_MAX_SAMPLES, 0);
	if (got == OPUS_BUFFER_TOO_SMALL)
		return -E2BIG;
	if (got < 0)
		return -EINVAL;
	*n = (unsigned)got;
	return 0;
}

static int decode(struct zv_trans *t, const uint8_t *p, size_t len, unsigned *n)
{
	switch (t->from) {
	case ZV_CODEC_SLIN:
	case ZV_CODEC_SLIN16:
	case ZV_CODEC_SLIN48:
		return dec_slin(t, p, len, n);
	case ZV_CODEC_ULAW:
	case ZV_CODEC_ALAW:
		return dec_g711(t, p, len, n);
	case ZV_CODEC_G722:
		return dec_g722(t, p, len, n);
	case ZV_CODEC_GSM:
		return dec_gsm(t, p, len, n);
	case ZV_CODEC_G729:
		return dec_g729(t, p, len, n);
	case ZV_CODEC_OPUS:
		return dec_opus(t, p, len, n);
	default:
		return -EINVAL;
	}
}

/* ---- encoders: n samples (a multiple of t->block) -> out ----------------- */

static size_t enc_block(struct zv_trans *t, const int16_t *s, unsigned n, uint8_t *out)
{
	size_t len = 0;
	uint8_t l;

	switch (t->to) {
	case ZV_CODEC_SLIN:
	case ZV_CODEC_SLIN16:
	case ZV_CODEC_SLIN48:
		memcpy(out, s, n * 2u);
		return n * 2u;
	case ZV_CODEC_ULAW:
		for (unsigned i = 0; i < n; i++)
			out[i] = linear_to_ulaw(s[i]);
		return n;
	case ZV_CODEC_ALAW:
		for (unsigned i = 0; i < n; i++)
			out[i] = linear_to_alaw(s[i]);
		return n;
	case ZV_CODEC_G722:
		return (size_t)g722_encode(t->enc.g722, out, s, (int)n);
	case ZV_CODEC_GSM:
		for (unsigned i = 0; i < n; i += GSM_FRAME_SAMPLES, len += GSM_FRAME_BYTES)
			gsm_encode(t->enc.gsm, (gsm_signal *)(s + i), out + len);
		return len;
	case ZV_CODEC_G729:
		for (unsigned i = 0; i < n; i += G729_FRAME_SAMPLES) {
			bcg729Encoder(t->enc.g729, s + i, out + len, &l);
			len += l;
		}
		return len;
	case ZV_CODEC_OPUS: {
		int r = opus_encode(t->enc.opus, s, (int)n, out, ZV_FRAME_MAX_BYTES);
		return r > 0 ? (size_t)r : 0;
	}
	default:
		return 0;
	}
}

/* Feed n samples through the FIFO; encode what makes whole frames. */
static size_t enc_fifo(struct zv_trans *t, const int16_t *s, unsigned n, unsigned *samples,
		       uint8_t *out)
{
	memcpy(t->fifo + t->fifo_n, s, n * sizeof(*s));
	t->fifo_n += n;
	unsigned take = t->fifo_n - t->fifo_n % t->block;
	if (t->to == ZV_CODEC_OPUS && take > OPUS_FRAME_SAMPLES * OPUS_MAX_FRAMES)
		take = OPUS_FRAME_SAMPLES * OPUS_MAX_FRAMES;
	size_t len = take ? enc_block(t, t->fifo, take, out) : 0;
	t->fifo_n -= take;
	memmove(t->fifo, t->fifo + take, t->fifo_n * sizeof(*s));
	*samples = take;
	return len;
}

/* ---- the translator ------------------------------------------------------ */

static int open_decoder(struct zv_trans *t)
{
	int err = 0;
	switch (t->from) {
	case ZV_CODEC_G722:
		t->dec.g722 = g722_decode_init(NULL, 64000, 0);
		return t->dec.g722 ? 0 : -ENOMEM;
	case ZV_CODEC_GSM:
		t->dec.gsm = gsm_create();
		return t->dec.gsm ? 0 : -ENOMEM;
	case ZV_CODEC_G729:
		t->dec.g729 = initBcg729DecoderChannel();
		return t->dec.g729 ? 0 : -ENOMEM;
	case ZV_CODEC_OPUS:
		t->dec.opus = opus_decoder_create(48000, 1, &err);
		return t->dec.opus ? 0 : -ENOMEM;
	default:
		return 0;
	}
}

static int open_encoder(struct zv_trans *t)
{
	int err = 0;
	t->block = 1;
	switch (t->to) {
	case ZV_CODEC_G722:
		t->block = 2;
		t->enc.g722 = g722_encode_init(NULL, 64000, 0);
		return t->enc.g722 ? 0 : -ENOMEM;
	case ZV_CODEC_GSM:
		t->block = GSM_FRAME_SAMPLES;
		t->enc.gsm = gsm_create();
		return t->enc.gsm ? 0 : -ENOMEM;
	case ZV_CODEC_G729:
		t->block = G729_FRAME_SAMPLES;
		t->enc.g729 = initBcg729EncoderChannel(0);
		return t->enc.g729 ? 0 : -ENOMEM;
	case ZV_CODEC_OPUS:
		t->block = OPUS_FRAME_SAMPLES;
		t->enc.opus = opus_encoder_create(48000, 1, OPUS_APPLICATION_VOIP, &err);
		if (!t->enc.opus)
			return -ENOMEM;
		opus_encoder_ctl(t->enc.opus, OPUS_SET_COMPLEXITY(OPUS_COMPLEXITY));
		return 0;
	default:
		return 0;
	}
}

void zv_trans_free(struct zv_trans *t)
{
	if (!t)
		return;
	if (!t->copy && !t->g711x) {
		switch (t->from) {
		case ZV_CODEC_G722:
			if (t->dec.g722)
				g722_decode_free(t->dec.g722);
			break;
		case ZV_CODEC_GSM:
			if (t->dec.gsm)
				gsm_destroy(t->dec.gsm);
			break;
		case ZV_CODEC_G729:
			if (t->dec.g729)
				closeBcg729DecoderChannel(t->dec.g729);
			break;
		case ZV_CODEC_OPUS:
			opus_decoder_destroy(t->dec.opus);
			break;
		default:
			break;
		}
		switch (t->to) {
		case ZV_CODEC_G722:
			if (t->enc.g722)
				g722_encode_free(t->enc.g722);
			break;
		case ZV_CODEC_GSM:
			if (t->enc.gsm)
				gsm_destroy(t->enc.gsm);
			break;
		case ZV_CODEC_G729:
			if (t->enc.g729)
				closeBcg729EncoderChannel(t->enc.g729);
			break;
		case ZV_CODEC_OPUS:
			opus_encoder_destroy(t->enc.opus);
			break;
		default:
			break;
		}
	}
	if (t->rs)
		speex_resampler_destroy(t->rs);
	free(t);
}

struct zv_trans *zv_trans_new(enum zv_codec_id from, enum zv_codec_id to)
{
	const struct zv_codec_info *fi = zv_codec_get(from), *ti = zv_codec_get(to);
	if (!fi || !ti)
		return NULL;
	struct zv_trans *t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->from = from;
	t->to = to;
	t->from_rate = fi->rate;
	t->to_rate = ti->rate;
	t->copy = from == to;
	t->g711x = (from == ZV_CODEC_ULAW && to == ZV_CODEC_ALAW) ||
		   (from == ZV_CODEC_ALAW && to == ZV_CODEC_ULAW);
	if (t->copy || t->g711x)
		return t;
	if (open_decoder(t) < 0 || open_encoder(t) < 0)
		goto fail;
	if (t->from_rate != t->to_rate) {
		int err = 0;
		t->rs = speex_resampler_init(1, t->from_rate, t->to_rate, MEDIA_RESAMPLE_QUALITY,
					     &err);
		if (!t->rs)
			goto fail;
	}
	return t;
fail:
	zv_trans_free(t);
	return NULL;
}

static int trans_direct(struct zv_trans *t, const struct zv_frame *in, struct zv_frame *out,
			uint8_t *out_buf)
{
	if (in->len > ZV_FRAME_MAX_BYTES)
		return -E2BIG;
	if (t->copy) {
		memcpy(out_buf, in->data, in->len);
		out->samples = in->samples;
	} else {
		bool to_alaw = t->to == ZV_CODEC_ALAW;
		for (size_t i = 0; i < in->len; i++)
			out_buf[i] = to_alaw ? ulaw_to_alaw(in->data[i]) : alaw_to_ulaw(in->data[i]);
		out->samples = (unsigned)in->len;
	}
	out->len = in->len;
	return 0;
}

static int resample(struct zv_trans *t, unsigned n, const int16_t **s, unsigned *m)
{
	if (!t->rs) {
		*s = t->pcm;
		*m = n;
		return 0;
	}
	if ((uint64_t)n * t->to_rate / t->from_rate > ZV_FRAME_MAX_SAMPLES)
		return -E2BIG;
	spx_uint32_t in_len = n, out_len = ZV_FRAME_MAX_SAMPLES;
	speex_resampler_process_int(t->rs, 0, t->pcm, &in_len, t->rpcm, &out_len);
	*s = t->rpcm;
	*m = out_len;
	return 0;
}

int zv_trans_frame(struct zv_trans *t, const struct zv_frame *in, struct zv_frame *out,
		   uint8_t *out_buf)
{
	if (!t || !in || !out || !out_buf || (in->len && !in->data) || in->codec != t->from)
		return -EINVAL;
	out->codec = t->to;
	out->data = out_buf;
	out->samples = 0;
	out->len = 0;
	if (!in->len)
		return 0; /* nothing in, nothing out (no PLC here) */
	if (t->copy || t->g711x)
		return trans_direct(t, in, out, out_buf);

	unsigned n = 0, m = 0;
	const int16_t *s;
	int err = decode(t, in->data, in->len, &n);
	if (err < 0)
		return err;
	if ((err = resample(t, n, &s, &m)) < 0)
		return err;
	if (t->block == 1) {
		out->len = enc_block(t, s, m, out_buf);
		out->samples = m;
	} else {
		out->len = enc_fifo(t, s, m, &out->samples, out_buf);
	}
	return 0;
}
