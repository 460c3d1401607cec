/*
 * Dial's two-party bridge: relaying, hold, and the in-call DTMF features
 * of features.conf (blind transfer, disconnect) for the sides Dial's
 * options allow (t/T, h/H).
 *
 * DESIGN
 * Everything runs in the caller's coroutine, which is also the coroutine
 * of the called channel (Dial made it so), on the loop of both.  Audio
 * is two readers: each side's frames are written into the other.  The
 * loop below waits for any event of either side and drains both with
 * zv_channel_poll().  A digit from a side that may use no feature is sent
 * to the other side at once.  A side with features keeps its digits in
 * `held` while they are the start of one of its codes (features_match()):
 * they complete a code (the feature runs), stop matching, or wait
 * featuredigittimeout; in the last two cases they are sent on (when the
 * held digits equal a code that a longer one extends, such as the
 * disconnect * and an attended transfer *2, the time-out runs the short
 * one).
 *
 * Music on hold (a side on hold, a transferee) is res_musiconhold's
 * zv_moh_start(chan, NULL): the class of the channel that hears it
 * (CHANNEL(musicclass)), else `default`; dial_quiet() stops it.
 *
 * Blind transfer: the transferee stops hearing the transferer and hears
 * music on hold; the transferer's audio is no longer relayed, it hears
 * the pbx-transfer prompt (a digit interrupts it) and dials the target,
 * transferdigittimeout between digits, until the number cannot grow in
 * the target context (TRANSFER_CONTEXT of the transferer, else its
 * context).  An extension that does not exist plays pbx-invalid to the
 * transferer and the call resumes.  Otherwise the transferee gets
 * BLINDTRANSFER (the transferer's name) and goes to target@context,1: a
 * transferred caller by a jump of its own dialplan (Dial returns and the
 * pbx continues there), a transferred callee by a dialplan coroutine of
 * its own (zv_pbx_start()), which takes the channel over from Dial.  The
 * transferer is then hung up by Dial.
 *
 * Disconnect: the side that dialled the code hangs up, as if its phone
 * had, and the bridge ends.  automixmon (x/X) starts MixMonitor on the
 * other side, and stops it the next time.
 *
 * L(x:y:z) warnings: the bridge loop wakes y ms before the limit (then
 * every z ms); the side that hears them gets the prompt as a generator
 * while the other side's frames are not relayed to it, and the prompt is
 * cut at the limit, so the call ends on time.
 *
 * Dial starts the packet-level native relay (zv_channel_native_bridge())
 * only when neither side has features nor L() announcements: it would
 * carry the DTMF past this loop, and the prompts need the frame relay.
 * For the same reason only such a bridge, while nobody holds, is
 * reported plain to a Local channel on either side (local_plain()), which
 * may then connect the media of the channels on both ends of the Local
 * pair directly; the report is withdrawn before a hold changes the
 * readers and when the bridge ends.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ZV_LOG_MODULE "app_dial"
#include <zvonok/channel.h>
#include <zvonok/coro.h>
#include <zvonok/local.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/media.h>
#include <zvonok/mixer.h>
#include <zvonok/moh.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>

#include "apps/dial/dial.h"
#include "apps/features/features.h"
#include "apps/parking/parking.h"

struct side {
	struct zv_channel *chan;
	struct side *other;
	unsigned feats; /* FEAT_BIT()s */
	bool on_hold; /* this side put the call on hold (re-INVITE) */
	char held[FEAT_CODE_MAX]; /* digits kept back */
	uint64_t held_until; /* when they are sent on (0: none held) */
	bool mixmon; /* a one-touch MixMonitor records this side */
};

struct bridge {
	struct side s[2]; /* caller, peer */
	struct features_cfg cfg;
	bool done;
	enum dial_bridge_end result;
	char move_ctx[80], move_exten[80]; /* PEER_MOVED: where it goes */
	struct zv_channel **peerp; /* Dial's reference to the called channel */
	struct zv_channel *handoff; /* PEER_MOVED: bridge the peer to this */
	const struct dial_bridge_opts *o; /* Dial's (NULL: handoff()) */
};

/* ---- media ---------------------------------------------------------------------------------- */

void dial_bridge_frame(void *arg, struct zv_channel *chan, const struct zv_frame *f)
{
	zv_channel_write_frame(arg, f);
}

void dial_quiet(struct zv_channel *chan)
{
	zv_moh_stop(chan);
	zv_channel_set_generator(chan, 0, NULL, NULL);
}

/* Music on hold for chan (res_musiconhold: its CHANNEL(musicclass), else
 * default); a missing class was warned about by zv_moh_start() and the
 * side hears silence. */
static void moh(struct zv_channel *chan)
{
	zv_channel_set_generator(chan, 0, NULL, NULL);
	zv_moh_start(chan, NULL);
}

/* A prompt played once: false at its end (the generator is removed and
 * the coroutine woken with ZV_WAKE_FRAME). */
static bool prompt_gen(void *arg, struct zv_channel *chan, int16_t *pcm, unsigned samples)
{
	struct dial_snd *p = arg;
	size_t n = p->snd->samples - p->pos;
	if (n > samples)
		n = samples;
	memcpy(pcm, p->snd->pcm + p->pos, n * sizeof(*pcm));
	memset(pcm + n, 0, (samples - n) * sizeof(*pcm));
	p->pos += n;
	return p->pos < p->snd->samples;
}

static void relay(struct side *s, bool on)
{
	zv_channel_set_reader(s->chan, ZV_CODEC_NONE, on ? dial_bridge_frame : NULL,
			      on ? s->other->chan : NULL);
}

/* Back to the plain two-way call after a feature: each side is relayed
 * unless it holds, in which case the other hears music. */
static void bridge_restore(struct side *s0)
{
	struct side *s1 = s0->other;
	dial_quiet(s0->chan);
	dial_quiet(s1->chan);
	relay(s0, !s0->on_hold);
	relay(s1, !s1->on_hold);
	if (s0->on_hold)
		moh(s1->chan);
	if (s1->on_hold)
		moh(s0->chan);
}

/* Tell a Local channel on either side whether the bridge is plain (no
 * features, nobody on hold): both halves of a Local pair in plain bridges
 * are optimised away for media (include/zvonok/local.h).  Called with
 * plain false before the bridge changes its readers. */
static void local_plain(struct bridge *b, bool plain)
{
	if (!b->peerp)
		return; /* handoff(): not reported */
	plain = plain && !b->done && !b->s[0].feats && !b->s[1].feats && !b->s[0].on_hold &&
		!b->s[1].on_hold && !dial_bridge_announces(b->o);
	for (int i = 0; i < 2; i++)
		zv_local_bridge_set(b->s[i].chan, plain ? b->s[i].other->chan : NULL);
}

/* One side's HOLD/UNHOLD: the other side hears music instead of it. */
static void hold_change(struct side *s, bool hold)
{
	s->on_hold = hold;
	if (hold) {
		relay(s, false);
		moh(s->other->chan);
	} else {
		dial_quiet(s->other->chan);
		relay(s, true);
	}
}

/* ---- waiting during a feature ----------------------------------------------------------- */

/*
 * Wait up to ms (0: no limit) for a digit from who, while other's events
 * are drained and dropped: the digit, ZV_WAKE_FRAME (who's generator
 * ended), ZV_WAKE_HANGUP (either side hung up) or -ETIMEDOUT.
 */
static int xfer_wait(struct zv_channel *who, struct zv_channel *other, uint32_t ms)
{
	uint64_t end = ms ? zv_mono_ms() + ms : 0;
	for (;;) {
		int r;
		while ((r = zv_channel_poll(other)) != 0 && r != ZV_WAKE_HANGUP)
			;
		if (zv_channel_is_hungup(who) || zv_channel_is_hungup(other))
			return ZV_WAKE_HANGUP;
		while ((r = zv_channel_poll(who)) != 0)
			if (r > 0 || r == ZV_WAKE_FRAME || r == ZV_WAKE_HANGUP)
				return r;
		uint32_t left = 0;
		if (end) {
			uint64_t now = zv_mono_ms();
			if (now >= end)
				return -ETIMEDOUT;
			left = (uint32_t)(end - now);
		}
		zv_coro_wait(left);
	}
}

static int play_until(struct zv_channel *who, struct zv_channel *other, const char *name,
		      bool digits_stop, uint64_t until);

/* Play a prompt to who; a digit stops it when digits_stop.  Returns that
 * digit, 0 at the end of the prompt, or ZV_WAKE_HANGUP. */
static int play(struct zv_channel *who, struct zv_channel *other, const char *name,
		bool digits_stop)
{
	return play_until(who, other, name, digits_stop, 0);
}

/* play(), cut at the monotonic time until (0: never; returns
 * -ETIMEDOUT then). */
static int play_until(struct zv_channel *who, struct zv_channel *other, const char *name,
		      bool digits_stop, uint64_t until)
{
	struct dial_snd p = {0};
	if (zv_sound_load_coro(name, zv_channel_language(who), 8000, &p.snd) < 0) {
		zv_warn("Dial: sound '%s' not found", name);
		return 0;
	}
	int r = 0;
	if (p.snd->samples && !zv_channel_set_generator(who, p.snd->rate, prompt_gen, &p)) {
		while (zv_channel_has_generator(who)) {
			uint64_t now = zv_mono_ms();
			if (until && now >= until) {
				r = -ETIMEDOUT;
				break;
			}
			r = xfer_wait(who, other, until ? (uint32_t)(until - now) : 0);
			if (r == ZV_WAKE_HANGUP || (r > 0 && digits_stop))
				break;
			r = 0;
		}
	}
	zv_channel_set_generator(who, 0, NULL, NULL);
	zv_unref(p.snd);
	return r;
}

int dial_play(struct zv_channel *who, struct zv_channel *other, const char *name)
{
	return play(who, other, name, false);
}

/* The context a transfer target is dialled in. */
static const char *xfer_context(struct zv_channel *xferer)
{
	const char *c = zv_channel_var_get(xferer, "TRANSFER_CONTEXT");
	return c && *c ? c : zv_channel_context(xferer);
}

/* The transfer prompt, then digits into out until the number cannot
 * grow in ctx or transferdigittimeout passes.  0 or ZV_WAKE_HANGUP. */
static int collect_target(struct bridge *b, struct side *x, const char *ctx, char *out,
			  size_t size)
{
	struct zv_channel *who = x->chan, *other = x->other->chan;
	const char *cid = zv_channel_cid_num(who);
	size_t n = 0;
	out[0] = '\0';
	int d = play(who, other, "pbx-transfer", true);
	for (;;) {
		if (d == 0)
			d = xfer_wait(who, other, b->cfg.transferdigittimeout_ms);
		if (d == ZV_WAKE_HANGUP)
			return d;
		if (d < 0)
			return 0; /* time-out: the number is complete */
		if (d == ZV_WAKE_FRAME) {
			d = 0;
			continue;
		}
		out[n++] = (char)d;
		out[n] = '\0';
		if (n + 1 >= size || !zv_pbx_matchmore(who, ctx, out, cid))
			return 0;
		d = 0;
	}
}

/* Transferee on hold, transferer not relayed, then the target.  true
 * when target@ctx exists; false after pbx-invalid (call resumed) or a
 * hang-up. */
static bool xfer_start(struct bridge *b, struct side *x, const char *ctx, char *target,
		       size_t size)
{
	struct side *xferee = x->other;
	relay(x, false);
	relay(xferee, false);
	dial_quiet(x->chan);
	moh(xferee->chan);
	if (collect_target(b, x, ctx, target, size) == ZV_WAKE_HANGUP)
		return false;
	if (target[0] && zv_pbx_exists(x->chan, ctx, target, 1, zv_channel_cid_num(x->chan)))
		return true;
	zv_verb(3, "Transfer of %s by %s: no extension '%s' in context '%s'",
		zv_channel_name(xferee->chan), zv_channel_name(x->chan), target, ctx);
	play(x->chan, xferee->chan, "pbx-invalid", false);
	bridge_restore(&b->s[0]);
	return false;
}

static void xfer_move(struct bridge *b, struct side *x, const char *ctx, const char *target);

static void blind_transfer(struct bridge *b, struct side *x)
{
	const char *ctx = xfer_context(x->chan);
	char target[80];
	if (!xfer_start(b, x, ctx, target, sizeof(target)))
		return;
	xfer_move(b, x, ctx, target);
}

/* The transferee goes to target@ctx, the transferer leaves.  A target
 * that is a parking extension first holds a space for the transferee and
 * says its number to the transferer (the parker), as Asterisk does. */
static void xfer_move(struct bridge *b, struct side *x, const char *ctx, const char *target)
{
	struct side *xferee = x->other;
	int space = parking_hold(ctx, target, zv_channel_name(xferee->chan), zv_channel_name(x->chan));
	if (space == -EBUSY) {
		zv_verb(3, "Parking %s: the lot of %s@%s is full", zv_channel_name(xferee->chan),
			target, ctx);
		play(x->chan, xferee->chan, "pbx-parkingfailed", false);
		bridge_restore(&b->s[0]);
		return;
	}
	if (space >= 0) {
		char num[16];
		snprintf(num, sizeof(num), "%d", space);
		zv_verb(3, "%s: parking %s on %d", zv_channel_name(x->chan),
			zv_channel_name(xferee->chan), space);
		const struct zv_app *say = zv_app_find("SayDigits");
		if (say)
			zv_app_exec(x->chan, say, num);
	}
	zv_verb(3, "Blind transferring %s to '%s@%s' (by %s)", zv_channel_name(xferee->chan), target,
		ctx, zv_channel_name(x->chan));
	dial_quiet(xferee->chan);
	zv_channel_var_set(xferee->chan, "BLINDTRANSFER", zv_channel_name(x->chan));
	b->done = true;
	if (xferee == &b->s[0]) {
		zv_pbx_goto(xferee->chan, ctx, target, 1);
		b->result = DIAL_BRIDGE_CALLER_MOVED;
		return;
	}
	snprintf(b->move_ctx, sizeof(b->move_ctx), "%s", ctx);
	snprintf(b->move_exten, sizeof(b->move_exten), "%s", target);
	b->result = DIAL_BRIDGE_PEER_MOVED;
}


/* ---- attended transfer ------------------------------------------------------------------ */

/* A Local call to target@ctx for x, waking this coroutine; its early
 * audio goes to x.  A reference, or NULL. */
static void target_end(struct zv_channel *t);

static struct zv_channel *target_call(struct zv_channel *x, const char *ctx, const char *target,
				      unsigned timeout_ms)
{
	const struct zv_channel_tech *tech = zv_channel_tech_find("Local");
	char dest[200];
	snprintf(dest, sizeof(dest), "%s@%s", target, ctx);
	struct zv_channel *t = tech && tech->call ? zv_channel_alloc(tech, dest, NULL, ctx, target,
								      ZV_STATE_DOWN)
						   : NULL;
	if (!t)
		return NULL;
	zv_channel_inherit_vars(t, x);
	zv_channel_copy_cid(t, x);
	zv_channel_set_coro(t, zv_coro_current());
	if (tech->call(t, dest, (int)timeout_ms) < 0) {
		target_end(t);
		return NULL;
	}
	zv_channel_set_reader(t, ZV_CODEC_NONE, dial_bridge_frame, x);
	return t;
}

static void target_end(struct zv_channel *t)
{
	zv_channel_set_reader(t, ZV_CODEC_NONE, NULL, NULL);
	zv_channel_set_coro(t, NULL);
	zv_channel_destroy(t);
	zv_unref(t);
}

/* Drop what a channel reported (the transferee during a consultation). */
static void drain(struct zv_channel *c)
{
	int r;
	while ((r = zv_channel_poll(c)) != 0 && r != ZV_WAKE_HANGUP)
		;
}

/* The target rings up to atxfernoanswertimeout: 0 when it answered,
 * -ENOENT (it hung up), -ETIMEDOUT, -EPIPE (a side of the call left). */
static int target_answer(struct bridge *b, struct side *x, struct zv_channel *t)
{
	uint64_t end = zv_mono_ms() + b->cfg.atxfernoanswertimeout_ms;
	for (;;) {
		drain(x->chan);
		drain(x->other->chan);
		if (zv_channel_is_hungup(x->chan) || zv_channel_is_hungup(x->other->chan))
			return -EPIPE;
		int r;
		while ((r = zv_channel_poll(t)) != 0) {
			if (r == ZV_WAKE_ANSWER)
				return 0;
			if (r == ZV_WAKE_HANGUP)
				return -ENOENT;
		}
		uint64_t now = zv_mono_ms();
		if (now >= end)
			return -ETIMEDOUT;
		zv_coro_wait((uint32_t)(end - now));
	}
}

enum consult_end {
	CONSULT_ABORT, /* atxferabort, or the target hung up */
	CONSULT_COMPLETE, /* atxfercomplete, or the transferer hung up */
	CONSULT_XFEREE_GONE,
	/* not ends: the transferer's codes that change who hears whom */
	CONSULT_THREEWAY, /* atxferthreeway */
	CONSULT_SWAP, /* atxferswap */
};

/* Who the transferer talks to while it consults. */
enum consult_mode {
	TALK_TARGET, /* the transferee hears music */
	TALK_XFEREE, /* swapped: the target hears music */
	TALK_ALL, /* three-way: a mixing bridge of the three */
};

/* 1: held equals code; 0: it starts code; -1: neither. */
static int code_state(const char *held, const char *code)
{
	size_t n = strlen(held);
	if (!code[0] || strncasecmp(held, code, n))
		return -1;
	return code[n] ? 0 : 1;
}

/* A digit of the transferer while it talks to the target: the abort and
 * complete codes are held back as in the bridge. */
static int consult_digit(struct bridge *b, char *held, size_t size, char d, uint64_t *until,
			 struct zv_channel *t)
{
	size_t n = strlen(held);
	if (n + 1 < size) {
		held[n] = d;
		held[n + 1] = '\0';
	}
	const char *codes[] = {
		[CONSULT_ABORT] = b->cfg.atxferabort,
		[CONSULT_COMPLETE] = b->cfg.atxfercomplete,
		[CONSULT_XFEREE_GONE] = "",
		[CONSULT_THREEWAY] = b->cfg.atxferthreeway,
		[CONSULT_SWAP] = b->cfg.atxferswap,
	};
	bool partial = false;
	for (int e = 0; e < (int)(sizeof(codes) / sizeof(codes[0])); e++) {
		int st = code_state(held, codes[e]);
		if (st == 1) {
			held[0] = '\0';
			*until = 0;
			return e;
		}
		partial |= st == 0;
	}
	if (partial) {
		*until = zv_mono_ms() + b->cfg.featuredigittimeout_ms;
		return -1;
	}
	for (const char *p = held; *p; p++)
		zv_channel_send_digit(t, *p, 0);
	held[0] = '\0';
	*until = 0;
	return -1;
}

/* Sets who hears whom for mode: the transferer and the party it talks to
 * relay to each other and the third hears music, or all three are in
 * *mixp (made on first use). */
static void consult_set(enum consult_mode mode, struct zv_channel *xc, struct zv_channel *ee,
			struct zv_channel *t, struct zv_mixer **mixp)
{
	if (*mixp) {
		zv_mixer_free(*mixp); /* removes the three readers */
		*mixp = NULL;
	}
	struct zv_channel *talk = mode == TALK_XFEREE ? ee : t, *waits = mode == TALK_XFEREE ? t : ee;
	if (mode == TALK_ALL && (*mixp = zv_mixer_new(zv_channel_loop(xc)))) {
		dial_quiet(xc);
		dial_quiet(ee);
		dial_quiet(t);
		if (zv_mixer_add(*mixp, xc) == 0 && zv_mixer_add(*mixp, ee) == 0 &&
		    zv_mixer_add(*mixp, t) == 0)
			return;
		zv_warn("No mixing bridge for %s: back to the transfer target", zv_channel_name(xc));
		zv_mixer_free(*mixp);
		*mixp = NULL;
		talk = t;
		waits = ee;
	}
	zv_channel_set_reader(waits, ZV_CODEC_NONE, NULL, NULL);
	dial_quiet(talk);
	moh(waits);
	zv_channel_set_reader(xc, ZV_CODEC_NONE, dial_bridge_frame, talk);
	zv_channel_set_reader(talk, ZV_CODEC_NONE, dial_bridge_frame, xc);
}

static enum consult_end consult_wait(struct bridge *b, struct zv_channel *xc, struct zv_channel *ee,
				     struct zv_channel *t, enum consult_mode *mode,
				     struct zv_mixer **mixp);

/* The transferer talks to the target; the transferee hears music.
 * atxferswap toggles whom the transferer talks to, atxferthreeway joins
 * the three; whatever the mode, the end leaves the readers as at the
 * start (transferer and target relayed, the transferee on music). */
static enum consult_end consult(struct bridge *b, struct side *x, struct zv_channel *t)
{
	struct zv_channel *xc = x->chan, *ee = x->other->chan;
	struct zv_mixer *mix = NULL;
	enum consult_mode mode = TALK_TARGET;
	consult_set(mode, xc, ee, t, &mix);
	enum consult_end end = consult_wait(b, xc, ee, t, &mode, &mix);
	if (mode != TALK_TARGET)
		consult_set(TALK_TARGET, xc, ee, t, &mix);
	return end;
}

static enum consult_end consult_wait(struct bridge *b, struct zv_channel *xc, struct zv_channel *ee,
				     struct zv_channel *t, enum consult_mode *mode,
				     struct zv_mixer **mixp)
{
	char held[FEAT_CODE_MAX] = "";
	uint64_t until = 0;
	for (;;) {
		struct zv_channel *talk = *mode == TALK_XFEREE ? ee : t;
		if (*mode != TALK_XFEREE)
			drain(ee);
		if (zv_channel_is_hungup(ee))
			return CONSULT_XFEREE_GONE;
		int r;
		while ((r = zv_channel_poll(talk)) != 0 && r != ZV_WAKE_HANGUP)
			if (r > 0 && *mode != TALK_ALL)
				zv_channel_send_digit(xc, (char)r, 0);
		if (talk == ee)
			drain(t);
		while ((r = zv_channel_poll(xc)) > 0 || (r < 0 && r != ZV_WAKE_HANGUP)) {
			int e = r > 0 ? consult_digit(b, held, sizeof(held), (char)r, &until, talk)
				      : -1;
			if (e == CONSULT_THREEWAY || e == CONSULT_SWAP) {
				enum consult_mode next =
					e == CONSULT_THREEWAY ? TALK_ALL
					: *mode == TALK_TARGET ? TALK_XFEREE
					: *mode == TALK_XFEREE ? TALK_TARGET
							       : TALK_ALL;
				if (next != *mode) {
					zv_verb(3, "Attended transfer by %s: %s", zv_channel_name(xc),
						next == TALK_ALL ? "three-way call"
						: next == TALK_XFEREE
							? "swapped to the transferee"
							: "swapped to the target");
					*mode = next;
					consult_set(next, xc, ee, t, mixp);
				}
				talk = *mode == TALK_XFEREE ? ee : t;
			} else if (e >= 0)
				return (enum consult_end)e;
		}
		if (zv_channel_is_hungup(xc))
			return CONSULT_COMPLETE;
		if (zv_channel_is_hungup(t))
			return CONSULT_ABORT;
		uint64_t now = zv_mono_ms();
		if (until && now >= until) {
			for (const char *p = held; *p; p++)
				zv_channel_send_digit(talk, *p, 0);
			held[0] = '\0';
			until = 0;
		}
		zv_coro_wait(until ? (uint32_t)(until > now ? until - now : 1) : 0);
	}
}

/* Transferee and target connected; the transferer leaves.  A transferer
 * that is the called channel is replaced in this bridge by the target
 * (Dial owns the target from now on); a transferer that is the caller
 * hands the transferee and the target to a bridge of their own
 * (handoff(), at the end of dial_bridge()). */
static void atxfer_complete(struct bridge *b, struct side *x, struct zv_channel *t)
{
	struct side *xferee = x->other;
	zv_verb(3, "Attended transfer of %s to %s completed by %s", zv_channel_name(xferee->chan),
		zv_channel_name(t), zv_channel_name(x->chan));
	zv_channel_var_set(xferee->chan, "ATTENDEDTRANSFER", zv_channel_name(x->chan));
	zv_channel_var_set(t, "ATTENDEDTRANSFER", zv_channel_name(x->chan));
	zv_channel_set_reader(x->chan, ZV_CODEC_NONE, NULL, NULL);
	dial_quiet(x->chan);
	if (x == &b->s[0]) {
		b->handoff = t;
		b->result = DIAL_BRIDGE_PEER_MOVED;
		b->done = true;
		return;
	}
	struct zv_channel *old = x->chan;
	zv_channel_set_coro(old, NULL);
	zv_channel_softhangup(old, ZV_CAUSE_NORMAL_CLEARING);
	zv_channel_destroy(old);
	zv_unref(old);
	*b->peerp = t;
	x->chan = t;
	x->feats = 0;
	x->on_hold = false;
	x->held[0] = '\0';
	x->held_until = 0;
	bridge_restore(&b->s[0]);
}

static void atxfer(struct bridge *b, struct side *x)
{
	const char *ctx = xfer_context(x->chan);
	char target[80];
	if (!xfer_start(b, x, ctx, target, sizeof(target)))
		return;
	zv_verb(3, "Attended transfer of %s: %s calls '%s@%s'", zv_channel_name(x->other->chan),
		zv_channel_name(x->chan), target, ctx);
	struct zv_channel *t = target_call(x->chan, ctx, target, b->cfg.atxfernoanswertimeout_ms);
	zv_log_set_callid(zv_channel_callid(b->s[0].chan));
	int err = t ? target_answer(b, x, t) : -ENOENT;
	enum consult_end end = CONSULT_ABORT;
	if (!err)
		end = consult(b, x, t);
	if (!err && end == CONSULT_COMPLETE) {
		atxfer_complete(b, x, t);
		return;
	}
	if (t)
		target_end(t);
	if (err == -EPIPE || end == CONSULT_XFEREE_GONE)
		return; /* the bridge loop sees who left */
	zv_verb(3, "Attended transfer by %s: back to %s", zv_channel_name(x->chan),
		zv_channel_name(x->other->chan));
	zv_channel_set_reader(x->chan, ZV_CODEC_NONE, NULL, NULL);
	if (err)
		play(x->chan, x->other->chan, b->cfg.xferfailsound, false);
	bridge_restore(&b->s[0]);
}

/* ---- one-touch MixMonitor ---------------------------------------------------------------- */

static void run_app(struct zv_channel *chan, const char *name, const char *data)
{
	const struct zv_app *app = zv_app_find(name);
	if (!app) {
		zv_warn("Dial: automixmon needs the %s application", name);
		return;
	}
	zv_app_exec(chan, app, data);
}

/* automixmon toggles a MixMonitor of the presser's peer, as Asterisk:
 * the file is TOUCH_MIXMONITOR (of the presser, else of the peer) or
 * auto-<time>-<peer's number>-<presser's number>, with the format
 * TOUCH_MIXMONITOR_FORMAT (wav), under the monitor spool directory. */
static void automixmon(struct side *s)
{
	struct side *peer = s->other;
	if (peer->mixmon) {
		zv_verb(3, "%s: one-touch MixMonitor of %s stopped", zv_channel_name(s->chan),
			zv_channel_name(peer->chan));
		run_app(peer->chan, "StopMixMonitor", "");
		peer->mixmon = false;
		return;
	}
	const char *name = zv_channel_var_get(s->chan, "TOUCH_MIXMONITOR");
	if (!name || !*name)
		name = zv_channel_var_get(peer->chan, "TOUCH_MIXMONITOR");
	const char *fmt = zv_channel_var_get(s->chan, "TOUCH_MIXMONITOR_FORMAT");
	if (!fmt || !*fmt)
		fmt = zv_channel_var_get(peer->chan, "TOUCH_MIXMONITOR_FORMAT");
	if (!fmt || !*fmt)
		fmt = "wav";
	const char *pn = zv_channel_cid_num(peer->chan), *sn = zv_channel_cid_num(s->chan);
	char file[256];
	if (name && *name)
		snprintf(file, sizeof(file), "%s.%s", name, fmt);
	else
		snprintf(file, sizeof(file), "auto-%ld-%s-%s.%s", (long)time(NULL),
			 pn && *pn ? pn : "", sn && *sn ? sn : "", fmt);
	/* Asterisk's names keep only characters safe in a file name. */
	for (char *c = file; *c; c++)
		if (*c == '/' || *c == ',')
			*c = '_';
	zv_verb(3, "%s: one-touch MixMonitor of %s to %s", zv_channel_name(s->chan),
		zv_channel_name(peer->chan), file);
	run_app(peer->chan, "MixMonitor", file);
	peer->mixmon = true;
}

/* ---- one-touch parking -------------------------------------------------------------------------- */

/* parkcall: the presser's peer is parked in the default lot (a blind
 * transfer to its parkext); the presser hears the space and leaves. */
static void park_call(struct bridge *b, struct side *x)
{
	char ctx[80], ext[80];
	if (!parking_default_ext(ctx, sizeof(ctx), ext, sizeof(ext))) {
		zv_verb(3, "%s: parkcall without a parking lot; ignored", zv_channel_name(x->chan));
		return;
	}
	relay(x, false);
	relay(x->other, false);
	dial_quiet(x->chan);
	moh(x->other->chan);
	xfer_move(b, x, ctx, ext);
}

/* ---- feature digits -------------------------------------------------------------------------- */

static void feature_run(struct bridge *b, struct side *s, enum feat_id id)
{
	zv_verb(3, "%s: feature '%s' (%s)", zv_channel_name(s->chan), features_key(id),
		b->cfg.code[id]);
	switch (id) {
	case FEAT_DISCONNECT:
		zv_channel_softhangup(s->chan, ZV_CAUSE_NORMAL_CLEARING);
		b->result = s == &b->s[0] ? DIAL_BRIDGE_CALLER_GONE : DIAL_BRIDGE_PEER_GONE;
		b->done = true;
		break;
	case FEAT_BLINDXFER:
		blind_transfer(b, s);
		break;
	case FEAT_ATXFER:
		atxfer(b, s);
		break;
	case FEAT_AUTOMIXMON:
		automixmon(s);
		break;
	case FEAT_PARKCALL:
		park_call(b, s);
		break;
	default:
		zv_verb(3, "Feature '%s' is not implemented; ignored", features_key(id));
		break;
	}
	/* A transfer target's dialplan may have made its channel the
	 * thread's log call id: the caller's again. */
	zv_log_set_callid(zv_channel_callid(b->s[0].chan));
}

static void held_flush(struct side *s)
{
	for (const char *c = s->held; *c; c++)
		zv_channel_send_digit(s->other->chan, *c, 0);
	s->held[0] = '\0';
	s->held_until = 0;
}

static void side_digit(struct bridge *b, struct side *s, char d)
{
	if (!s->feats) {
		zv_channel_send_digit(s->other->chan, d, 0);
		return;
	}
	size_t n = strlen(s->held);
	if (n + 1 >= sizeof(s->held)) {
		held_flush(s);
		n = 0;
	}
	s->held[n] = d;
	s->held[n + 1] = '\0';
	enum feat_id id;
	switch (features_match(&b->cfg, s->feats, s->held, &id)) {
	case FEAT_MATCH_NONE:
		held_flush(s);
		break;
	case FEAT_MATCH_PREFIX:
	case FEAT_MATCH_AMBIGUOUS:
		s->held_until = zv_mono_ms() + b->cfg.featuredigittimeout_ms;
		break;
	case FEAT_MATCH_FULL:
		s->held[0] = '\0';
		s->held_until = 0;
		feature_run(b, s, id);
		break;
	}
}

/* featuredigittimeout passed: a code the digits equal runs, otherwise
 * they go to the other side. */
static void held_expire(struct bridge *b, struct side *s, uint64_t now)
{
	if (!s->held_until || now < s->held_until)
		return;
	enum feat_id id;
	if (features_match(&b->cfg, s->feats, s->held, &id) == FEAT_MATCH_AMBIGUOUS) {
		s->held[0] = '\0';
		s->held_until = 0;
		feature_run(b, s, id);
		return;
	}
	held_flush(s);
}

/* Drain one side's events: digits, HOLD/UNHOLD. */
static void side_events(struct bridge *b, struct side *s)
{
	int r;
	while (!b->done && (r = zv_channel_poll(s->chan)) != 0 && r != ZV_WAKE_HANGUP) {
		if (r > 0) {
			side_digit(b, s, (char)r);
		} else if (r == ZV_WAKE_CONTROL) {
			enum zv_control ctl = zv_channel_last_control(s->chan);
			if (ctl == ZV_CONTROL_HOLD || ctl == ZV_CONTROL_UNHOLD) {
				local_plain(b, false);
				hold_change(s, ctl == ZV_CONTROL_HOLD);
				local_plain(b, true);
			}
		}
	}
}

/* ---- L() warnings ---------------------------------------------------------------------------- */

bool dial_bridge_announces(const struct dial_bridge_opts *o)
{
	return o && (o->warn_caller || o->warn_callee) && (o->warn_ms || o->end_file[0]);
}

/* "You have N minutes M seconds" to s, as Asterisk's timeleft; cut at
 * the limit (end). */
static void say_left(struct side *s, uint64_t left_ms, uint64_t end)
{
	unsigned secs = (unsigned)((left_ms + 500) / 1000);
	const unsigned part[2] = {secs / 60, secs % 60};
	const char *unit[2] = {"queue-minutes", "queue-seconds"};
	const struct zv_app *say = zv_app_find("SayNumber");
	if (play_until(s->chan, s->other->chan, "vm-youhave", false, end) != 0)
		return;
	for (int i = 0; i < 2; i++) {
		if (!part[i])
			continue;
		char num[16];
		snprintf(num, sizeof(num), "%u", part[i]);
		/* SayNumber cannot be cut: only with a second to go */
		if (!say || zv_mono_ms() + 1000 > end)
			return;
		zv_app_exec(s->chan, say, num);
		if (zv_channel_is_hungup(s->chan) ||
		    play_until(s->chan, s->other->chan, unit[i], false, end) != 0)
			return;
	}
}

/* L(): file (NULL: the time left) to the sides that hear the warnings
 * (LIMIT_PLAYAUDIO_CALLER/CALLEE), one after the other; a side does not
 * hear the other side meanwhile.  Skipped while either side holds.  A
 * warning (left_ms > 0) is cut when the limit comes. */
static void limit_announce(struct bridge *b, const char *file, uint64_t left_ms)
{
	uint64_t end = left_ms ? zv_mono_ms() + left_ms : 0;
	for (int i = 0; i < 2; i++) {
		struct side *s = &b->s[i];
		if (!(i ? b->o->warn_callee : b->o->warn_caller) || s->on_hold || s->other->on_hold)
			continue;
		if (zv_channel_is_hungup(s->chan) || zv_channel_is_hungup(s->other->chan))
			return;
		if (end && zv_mono_ms() >= end)
			break;
		zv_verb(3, "Dial: %s hears the %s", zv_channel_name(s->chan),
			left_ms ? "time-limit warning" : "time-limit end");
		relay(s->other, false);
		if (file)
			play_until(s->chan, s->other->chan, file, false, end);
		else
			say_left(s, left_ms, end);
		relay(s->other, true);
	}
	zv_log_set_callid(zv_channel_callid(b->s[0].chan));
}

/* ---- the bridge -------------------------------------------------------------------------------- */

static uint64_t earliest(uint64_t a, uint64_t b)
{
	return !a ? b : !b ? a : a < b ? a : b;
}

static void bridge_loop(struct bridge *b, uint64_t end)
{
	struct side *c = &b->s[0], *p = &b->s[1];
	bool trimmed = false;
	/* L(x:y:z): when the next warning is due (0: none) */
	const struct dial_bridge_opts *o = b->o;
	uint64_t warn = 0;
	if (end && dial_bridge_announces(o) && o->warn_ms)
		warn = end > o->warn_ms ? end - o->warn_ms : 1;
	while (!b->done) {
		if (zv_channel_is_hungup(c->chan)) {
			b->result = DIAL_BRIDGE_CALLER_GONE;
			return;
		}
		if (zv_channel_is_hungup(p->chan)) {
			b->result = DIAL_BRIDGE_PEER_GONE;
			return;
		}
		side_events(b, c);
		side_events(b, p);
		uint64_t now = zv_mono_ms();
		held_expire(b, c, now);
		held_expire(b, p, now);
		if (b->done || zv_channel_is_hungup(c->chan) || zv_channel_is_hungup(p->chan))
			continue;
		now = zv_mono_ms();
		if (warn && now >= warn && now < end) {
			limit_announce(b, o->warn_file[0] ? o->warn_file : NULL, end - now);
			warn = o->warn_every_ms ? warn + o->warn_every_ms : 0;
			if (warn >= end)
				warn = 0;
			continue; /* hang-ups and events of the announcement */
		}
		if (end && now >= end) {
			zv_verb(3, "Dial: time limit reached on %s", zv_channel_name(c->chan));
			if (dial_bridge_announces(o) && o->end_file[0])
				limit_announce(b, o->end_file, 0);
			zv_channel_softhangup(p->chan, ZV_CAUSE_NORMAL_CLEARING);
			b->result = DIAL_BRIDGE_TIMEOUT;
			return;
		}
		uint64_t next = earliest(earliest(end, warn), earliest(c->held_until, p->held_until));
		/* Parked for the length of the call from here on: the pages
		 * the call's set-up touched below this depth go back once. */
		if (!trimmed) {
			zv_coro_trim_stack();
			trimmed = true;
		}
		zv_coro_wait(next ? (uint32_t)(next > now ? next - now : 1) : 0);
	}
}

/* The caller transferred the callee to t (attended): the two get a
 * bridge of their own in a new coroutine, which hangs both up at its end. */
struct handoff {
	struct zv_channel *a, *b;
};

static void handoff_run(void *arg)
{
	struct handoff *h = arg;
	struct bridge b = {0};
	features_get(&b.cfg);
	b.s[0] = (struct side){.chan = h->a, .other = &b.s[1]};
	b.s[1] = (struct side){.chan = h->b, .other = &b.s[0]};
	bridge_restore(&b.s[0]);
	bridge_loop(&b, 0);
	for (int i = 0; i < 2; i++) {
		struct zv_channel *c = b.s[i].chan;
		zv_channel_set_reader(c, ZV_CODEC_NONE, NULL, NULL);
		dial_quiet(c);
		zv_channel_softhangup(c, ZV_CAUSE_NORMAL_CLEARING);
		zv_channel_destroy(c);
		zv_unref(c);
	}
	free(h);
}

static enum dial_bridge_end handoff(struct zv_channel *peer, struct zv_channel *t)
{
	struct handoff *h = malloc(sizeof(*h));
	struct zv_coro *co = h ? zv_coro_alloc(handoff_run, h, 0) : NULL;
	if (!co) {
		free(h);
		target_end(t);
		zv_channel_softhangup(peer, ZV_CAUSE_NORMAL_CLEARING);
		return DIAL_BRIDGE_PEER_GONE;
	}
	h->a = zv_ref(peer);
	h->b = t;
	zv_channel_set_coro(peer, co);
	zv_channel_set_coro(t, co);
	zv_coro_start(co);
	zv_unref(co);
	return DIAL_BRIDGE_PEER_MOVED;
}

/* The callee was transferred: it runs its own dialplan from now on. */
static enum dial_bridge_end peer_move(struct bridge *b, struct zv_channel *peer)
{
	zv_channel_set_coro(peer, NULL);
	zv_channel_set_location(peer, b->move_ctx, b->move_exten, 1);
	if (zv_pbx_start(peer) < 0) {
		zv_warn("Dial: could not start the dialplan on %s", zv_channel_name(peer));
		zv_channel_softhangup(peer, ZV_CAUSE_NORMAL_CLEARING);
		return DIAL_BRIDGE_PEER_GONE;
	}
	return DIAL_BRIDGE_PEER_MOVED;
}

enum dial_bridge_end dial_bridge(struct zv_channel *caller, struct zv_channel **peerp,
				 const struct dial_bridge_opts *o)
{
	struct bridge b = {0};
	features_get(&b.cfg);
	b.s[0] = (struct side){.chan = caller, .other = &b.s[1], .feats = o->caller_feats};
	b.s[1] = (struct side){.chan = *peerp, .other = &b.s[0], .feats = o->peer_feats};
	b.peerp = peerp;
	b.o = o;
	relay(&b.s[0], true);
	relay(&b.s[1], true);
	local_plain(&b, true);
	bridge_loop(&b, o->limit_ms ? zv_mono_ms() + o->limit_ms : 0);
	local_plain(&b, false);
	for (int i = 0; i < 2; i++) {
		zv_channel_set_reader(b.s[i].chan, ZV_CODEC_NONE, NULL, NULL);
		dial_quiet(b.s[i].chan);
	}
	if (b.result == DIAL_BRIDGE_PEER_MOVED)
		b.result = b.handoff ? handoff(*peerp, b.handoff) : peer_move(&b, *peerp);
	zv_log_set_callid(zv_channel_callid(caller));
	return b.result;
}
