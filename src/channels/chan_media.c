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
 * asks for the native codec (Echo, the frame bridge) gets the received
 * frame as is.
 *
 * The native bridge links two channels' media (np, both ways).  Each
 * direction is decided by native_dir(): when the conditions of
 * include/zvonok/channel.h hold (among them: the sender's reader is the
 * frame bridge's, i.e. its argument is the peer), the sender's RTP session
 * relays into the
 * receiver's (zv_rtp_relay()) and frames stop being made for it; else the
 * relay is off and the readers of the frame bridge, left in place, carry
 * the audio.  Every change of a reader, tap, generator or native codec of
 * either channel re-decides both directions, so hold, MixMonitor or music
 * on hold fall back by themselves.  Sessions are never kept here: the
 * driver's native_rtp gives the current one each time (a freed session
 * has already unlinked itself from the relay).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZV_LOG_MODULE "channel"
#include <zvonok/channel.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/media.h>
#include <zvonok/rtp.h>

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
	/* native bridge */
	struct zv_channel *np; /* the peer (borrowed; both sides unlink) */
	bool relaying; /* our packets are relayed to np now */
	bool direct;   /* our driver was asked to point its far end at np's */
	char direct_addr[64];
	uint16_t direct_port;
	zv_native_digit_cb *ndigit;
	void *ndigit_arg;
	struct chan_jb *jb; /* JITTERBUFFER(): received frames go through it */
};

/* A channel's jitter buffer: made when the function enables it, the
 * buffer itself when the first frame says which codec. */
struct chan_jb {
	struct zv_jb_conf conf;
	struct zv_jb *jb;
	enum zv_codec_id codec; /* of jb */
	struct zv_timer timer; /* every GEN_MS: one frame out */
	uint8_t buf[ZV_JB_MAX_PAYLOAD];
};

static void native_check(struct zv_chan_media *m);

/*
 * Scratch space for translated and generated frames, per thread rather
 * than per channel (a pass-through call never needs it; 8 KB a channel
 * was most of a bridged call's memory).  Writes nest (a Local channel's
 * write is its other half's receive, whose reader writes again), so the
 * buffers are a small stack.
 */
#define SCRATCH_DEPTH 6
typedef uint8_t media_scratch[SCRATCH_DEPTH][ZV_FRAME_MAX_BYTES];
/* zv_thread_scratch(): allocated by the threads that carry media only */
static _Thread_local void *scratch_mem, *gen_mem;
static _Thread_local unsigned scratch_top;

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
	if (!m)
		return;
	m->native = codec;
	native_check(m);
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
	native_check(m);
	return 0;
}

static void deliver(struct zv_chan_media *m, const struct zv_frame *f);
static void jb_input(struct zv_chan_media *m, const struct zv_frame *f);

void zv_channel_rx_frame(struct zv_channel *c, const struct zv_frame *f)
{
	struct zv_chan_media *m = *zv__channel_media_slot(c);
	if (!m || zv_channel_is_hungup(c))
		return;
	if (m->jb && f->has_ts && f->codec != ZV_CODEC_NONE) {
		jb_input(m, f);
		return;
	}
	deliver(m, f);
}

/* A received frame (from the driver, or out of the jitter buffer) to the
 * tap and the reader. */
static void deliver(struct zv_chan_media *m, const struct zv_frame *f)
{
	struct zv_channel *c = m->chan;
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
	uint8_t(*scratch)[ZV_FRAME_MAX_BYTES] = zv_thread_scratch(&scratch_mem, sizeof(media_scratch));
	if (!scratch)
		return -ENOMEM;
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
	native_check(m);
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
	int16_t *gen_pcm = zv_thread_scratch(&gen_mem, ZV_FRAME_MAX_SAMPLES * sizeof(int16_t));
	if (!gen_pcm)
		return; /* no memory: the next tick tries again */
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
	native_check(m);
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
	native_check(m);
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
	zv_channel_native_unbridge(c);
	zv_channel_set_jitterbuffer(c, NULL);
	if (m->timer_ready)
		zv_timer_fini(&m->gen_timer);
	xlate_fini(&m->wr);
	xlate_fini(&m->rd);
	xlate_fini(&m->tap_rd);
	xlate_fini(&m->tap_wr);
	free(m);
	*slot = NULL;
}

/* ---- native bridge -------------------------------------------------------- */

static struct zv_chan_media *media_peek(const struct zv_channel *c)
{
	return *zv__channel_media_slot((struct zv_channel *)c);
}

static int chan_rtp(struct zv_channel *c, struct zv_channel_rtp *out)
{
	const struct zv_channel_tech *tech = zv_channel_tech(c);
	memset(out, 0, sizeof(*out));
	if (!tech || !tech->native_rtp)
		return -ENOTSUP;
	int err = tech->native_rtp(c, out);
	return err < 0 ? err : out->rtp ? 0 : -ENOENT;
}

static void native_digit(void *arg, char digit, unsigned duration_ms, bool begin)
{
	struct zv_chan_media *m = arg;
	if (m->ndigit)
		m->ndigit(m->ndigit_arg, m->chan, digit, duration_ms, begin);
}

/* May m's received packets bypass frames into its peer's session now? */
static bool native_ok(struct zv_chan_media *m, struct zv_chan_media *p,
		      const struct zv_channel_rtp *from, const struct zv_channel_rtp *to)
{
	return m->reader && m->reader_arg == m->np &&
	       (m->want == ZV_CODEC_NONE || m->want == m->native) && m->native == p->native &&
	       !m->tap && !p->tap && !p->gen && !m->jb && from->bypass_ok && to->bypass_ok &&
	       !zv_channel_is_hungup(m->chan) && !zv_channel_is_hungup(p->chan);
}

/* Decide one direction, m -> its peer. */
static void native_dir(struct zv_chan_media *m)
{
	struct zv_channel_rtp from, to;
	bool have_from = chan_rtp(m->chan, &from) == 0;
	struct zv_chan_media *p = m->np ? media_peek(m->np) : NULL;
	bool on = have_from && p && chan_rtp(p->chan, &to) == 0 && native_ok(m, p, &from, &to);
	if (on && zv_rtp_relay(from.rtp, to.rtp, from.pt, to.pt, to.dtmf_pt, native_digit, m) < 0)
		on = false;
	if (!on && have_from && zv_rtp_relay_peer(from.rtp))
		zv_rtp_relay(from.rtp, NULL, 0, 0, 0, NULL, NULL);
	if (on != m->relaying)
		zv_verb(3, "%s: native RTP bridge %s", zv_channel_name(m->chan),
			on ? "on" : "off (frames)");
	m->relaying = on;
}

/* Ask m's driver for direct media towards peer's far end (NULL: back
 * to its own session), when that changes what it was asked last.  A
 * channel being hung up is not asked: its dialog ends anyway. */
static void direct_set(struct zv_chan_media *m, const struct zv_channel_rtp *peer)
{
	bool on = peer != NULL;
	if (on == m->direct &&
	    (!on || (m->direct_port == peer->port && !strcmp(m->direct_addr, peer->addr))))
		return;
	m->direct = on;
	if (on) {
		snprintf(m->direct_addr, sizeof(m->direct_addr), "%s", peer->addr);
		m->direct_port = peer->port;
	}
	const struct zv_channel_tech *tech = zv_channel_tech(m->chan);
	if (zv_channel_is_hungup(m->chan) || !tech || !tech->direct_media)
		return;
	if (on)
		zv_verb(3, "%s: direct media: far end sends to %s:%u", zv_channel_name(m->chan),
			peer->addr, peer->port);
	else
		zv_verb(3, "%s: direct media off (media anchored)", zv_channel_name(m->chan));
	tech->direct_media(m->chan, peer);
}

/* Direct media for the pair m, m->np (see channel.h): on while both
 * directions relay natively and both drivers agree. */
static void direct_check(struct zv_chan_media *m)
{
	struct zv_chan_media *p = m->np ? media_peek(m->np) : NULL;
	struct zv_channel_rtp a, b;
	bool on = p && m->relaying && p->relaying && chan_rtp(m->chan, &a) == 0 &&
		  chan_rtp(p->chan, &b) == 0 && a.direct_ok && b.direct_ok && a.port && b.port &&
		  a.pt == b.pt && a.dtmf_pt == b.dtmf_pt &&
		  zv_channel_tech(m->chan)->direct_media && zv_channel_tech(p->chan)->direct_media;
	direct_set(m, on ? &b : NULL);
	if (p)
		direct_set(p, on ? &a : NULL);
}

static void native_check(struct zv_chan_media *m)
{
	if (!m->np)
		return;
	struct zv_chan_media *p = media_peek(m->np);
	native_dir(m);
	if (p)
		native_dir(p);
	direct_check(m);
}

int zv_channel_native_bridge(struct zv_channel *a, struct zv_channel *b)
{
	if (a == b || zv_channel_loop(a) != zv_channel_loop(b))
		return -EINVAL;
	struct zv_chan_media *ma = media_of(a), *mb = media_of(b);
	if (!ma || !mb)
		return -ENOMEM;
	if ((ma->np && ma->np != b) || (mb->np && mb->np != a))
		return -EBUSY;
	ma->np = b;
	mb->np = a;
	native_check(ma);
	return 0;
}

void zv_channel_native_unbridge(struct zv_channel *c)
{
	struct zv_chan_media *m = media_peek(c);
	if (!m || !m->np)
		return;
	struct zv_chan_media *p = media_peek(m->np);
	m->np = NULL;
	native_dir(m);
	direct_set(m, NULL);
	if (p) {
		p->np = NULL;
		native_dir(p);
		direct_set(p, NULL);
	}
}

bool zv_channel_direct_active(const struct zv_channel *c)
{
	struct zv_chan_media *m = media_peek(c);
	return m && m->direct;
}

void zv_channel_native_update(struct zv_channel *c)
{
	struct zv_chan_media *m = media_peek(c);
	if (m)
		native_check(m);
}

bool zv_channel_has_tap(const struct zv_channel *c)
{
	struct zv_chan_media *m = media_peek(c);
	return m && m->tap;
}

bool zv_channel_native_active(const struct zv_channel *c)
{
	struct zv_chan_media *m = media_peek(c);
	return m && m->relaying;
}

void zv_channel_set_native_digit_cb(struct zv_channel *c, zv_native_digit_cb *cb, void *arg)
{
	struct zv_chan_media *m = media_of(c);
	if (!m)
		return;
	m->ndigit = cb;
	m->ndigit_arg = arg;
}

/* ---- jitter buffer -------------------------------------------------------- */

static void jb_tick(void *arg)
{
	struct zv_chan_media *m = arg;
	struct chan_jb *j = m->jb;
	const struct zv_codec_info *ci = j->jb ? zv_codec_get(j->codec) : NULL;
	size_t len;
	uint32_t ts, span;
	if (!ci || zv_jb_get(j->jb, j->buf, &len, &ts, &span) < 0)
		return;
	struct zv_frame f = {.codec = j->codec,
			     .samples = (unsigned)((uint64_t)span * ci->rate / ci->rtp_clock),
			     .len = len,
			     .data = j->buf,
			     .has_ts = true,
			     .ts = ts};
	if (!zv_channel_is_hungup(m->chan))
		deliver(m, &f);
}

static void jb_input(struct zv_chan_media *m, const struct zv_frame *f)
{
	struct chan_jb *j = m->jb;
	const struct zv_codec_info *ci = zv_codec_get(f->codec);
	if (!ci || !ci->rate || !ci->rtp_clock)
		return;
	if (!j->jb || j->codec != f->codec) {
		zv_jb_free(j->jb);
		j->jb = zv_jb_new(&j->conf, ci->rtp_clock, ci->rtp_clock / (1000u / GEN_MS));
		j->codec = f->codec;
		if (!j->jb)
			return;
	}
	uint32_t span = (uint32_t)((uint64_t)f->samples * ci->rtp_clock / ci->rate);
	zv_jb_put(j->jb, f->data, f->len, f->ts, span);
}

int zv_channel_set_jitterbuffer(struct zv_channel *c, const struct zv_jb_conf *conf)
{
	struct zv_chan_media *m = media_of(c);
	if (!m)
		return -ENOMEM;
	if (!conf) {
		if (m->jb) {
			zv_timer_fini(&m->jb->timer);
			zv_jb_free(m->jb->jb);
			free(m->jb);
			m->jb = NULL;
			native_check(m);
		}
		return 0;
	}
	if (!m->jb) {
		struct chan_jb *j = calloc(1, sizeof(*j));
		if (!j)
			return -ENOMEM;
		if (zv_timer_init(&j->timer, zv_channel_loop(c), jb_tick, m) < 0) {
			free(j);
			return -ENOMEM;
		}
		m->jb = j;
	}
	m->jb->conf = *conf;
	zv_jb_free(m->jb->jb); /* remade with the new settings by the next frame */
	m->jb->jb = NULL;
	native_check(m);
	return zv_timer_start(&m->jb->timer, GEN_MS, GEN_MS);
}

bool zv_channel_has_jitterbuffer(const struct zv_channel *c)
{
	struct zv_chan_media *m = media_peek(c);
	return m && m->jb;
}
