/*
 * Call pickup as Asterisk: Pickup([extension[@context]][&...]) (also
 * mark@PICKUPMARK), PickupChan(channel[&channel...][,options]) and the
 * features.conf pickupexten (default *8), which picks up a ringing channel
 * whose call groups meet the picker's pickup groups.
 *
 * DESIGN
 * Only ringing legs that a Dial waits for are taken (include/zvonok/
 * pickup.h).  The picker P runs on its own loop; the ringing leg T and
 * Dial's caller C on theirs, often another worker.  The picker's
 * coroutine lists candidates from the channel registry's copies (state,
 * names, exten@context, group masks), oldest first, and asks each
 * candidate's loop in turn (pick_try(), posted) whether it may take it:
 * there the real checks run (still ringing, a Dial leg, not taken yet,
 * groups or PICKUPMARK) and, when they pass, a channel R standing for the
 * picker ("Pickup/<picker>", answered) is offered to Dial in T's place.
 * Dial then hangs T up with ANSWERED_ELSEWHERE (the phone stops ringing:
 * CANCEL) and bridges C with R like any answered leg, so DIALSTATUS is
 * ANSWER and Dial's options, features and CDR work as for an answer.
 * R's driver (pickup_tech) and the picker's coroutine relay between the
 * two loops by posted messages: frames each way (copied, in the picker's
 * native codec so no translation happens twice), digits, hold and
 * hang-up.  Each posted message holds references to what it touches, and
 * every side checks for a hang-up before it acts, so either side may end
 * at any time.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ZV_LOG_MODULE "app_pickup"
#include <zvonok/channel.h>
#include <zvonok/coro.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/media.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>
#include <zvonok/pickup.h>

#include "apps/features/features.h"
#include "dialplan/dp_args.h"

/* ---- the relay between the picker and its stand-in ------------------------------ */

struct relay {
	struct zv_channel *picker; /* P, on ploop */
	struct zv_channel *repl; /* R, on rloop, offered to Dial */
	struct zv_loop *ploop, *rloop;
};

static void relay_free(void *obj)
{
	struct relay *r = obj;
	zv_unref(r->picker);
	zv_unref(r->repl);
}

enum job_kind { JOB_FRAME, JOB_DIGIT, JOB_CONTROL, JOB_HANGUP };

struct job {
	struct relay *r; /* a reference */
	bool to_picker;
	enum job_kind kind;
	int value; /* digit, control or cause */
	unsigned duration_ms;
	struct zv_frame f;
	uint8_t data[];
};

static void job_run(void *arg)
{
	struct job *j = arg;
	struct zv_channel *to = j->to_picker ? j->r->picker : j->r->repl;
	if (!zv_channel_is_hungup(to)) {
		switch (j->kind) {
		case JOB_FRAME:
			if (j->to_picker)
				zv_channel_write_frame(to, &j->f);
			else
				zv_channel_rx_frame(to, &j->f);
			break;
		case JOB_DIGIT:
			if (j->to_picker)
				zv_channel_send_digit(to, (char)j->value, j->duration_ms);
			else
				zv_channel_queue_digit(to, (char)j->value);
			break;
		case JOB_CONTROL:
			if (j->to_picker)
				zv_channel_indicate(to, (enum zv_control)j->value);
			else
				zv_channel_queue_control(to, (enum zv_control)j->value);
			break;
		case JOB_HANGUP:
			zv_channel_softhangup(to, j->value);
			break;
		}
	}
	zv_unref(j->r);
	free(j);
}

/* Post one message to the other side; dropped when out of memory or the
 * loop is stopping (as a lost packet would be). */
static void relay_post(struct relay *r, bool to_picker, enum job_kind kind, int value,
		       unsigned duration_ms, const struct zv_frame *f)
{
	size_t len = f ? f->len : 0;
	struct job *j = malloc(sizeof(*j) + len);
	if (!j)
		return;
	j->r = zv_ref(r);
	j->to_picker = to_picker;
	j->kind = kind;
	j->value = value;
	j->duration_ms = duration_ms;
	if (f) {
		j->f = *f;
		memcpy(j->data, f->data, len);
		j->f.data = j->data;
	}
	if (zv_loop_post(to_picker ? r->ploop : r->rloop, job_run, j) < 0) {
		zv_unref(j->r);
		free(j);
	}
}

/* R's driver: what Dial's bridge does to R goes to the picker. */
static int repl_write(struct zv_channel *chan, const struct zv_frame *f)
{
	struct relay *r = zv_channel_tech_pvt(chan);
	if (!r)
		return -EPIPE;
	relay_post(r, true, JOB_FRAME, 0, 0, f);
	return 0;
}

static int repl_send_digit(struct zv_channel *chan, char digit, unsigned duration_ms)
{
	struct relay *r = zv_channel_tech_pvt(chan);
	if (!r)
		return -EPIPE;
	relay_post(r, true, JOB_DIGIT, digit, duration_ms, NULL);
	return 0;
}

static int repl_indicate(struct zv_channel *chan, enum zv_control control)
{
	struct relay *r = zv_channel_tech_pvt(chan);
	if (r && (control == ZV_CONTROL_HOLD || control == ZV_CONTROL_UNHOLD))
		relay_post(r, true, JOB_CONTROL, control, 0, NULL);
	return 0;
}

static int repl_answer(struct zv_channel *chan)
{
	(void)chan;
	return 0;
}

static void repl_hangup(struct zv_channel *chan)
{
	struct relay *r = zv_channel_tech_pvt(chan);
	if (!r)
		return;
	int cause = zv_channel_hangupcause(chan);
	relay_post(r, true, JOB_HANGUP, cause ? cause : ZV_CAUSE_NORMAL_CLEARING, 0, NULL);
	zv_channel_set_tech_pvt(chan, NULL);
	zv_unref(r);
}

static const struct zv_channel_tech pickup_tech = {
	.type = "Pickup",
	.description = "Stand-in for a channel that picked up a ringing call",
	.answer = repl_answer,
	.hangup = repl_hangup,
	.indicate = repl_indicate,
	.send_digit = repl_send_digit,
	.write = repl_write,
};

/* The picker's frames go to R (its reader, on the picker's loop). */
static void picker_frame(void *arg, struct zv_channel *chan, const struct zv_frame *f)
{
	(void)chan;
	relay_post(arg, false, JOB_FRAME, 0, 0, f);
}

/* The picker's side of the call until either side hangs up.  Coroutine
 * of the picker. */
static void relay_run(struct relay *r)
{
	struct zv_channel *p = r->picker;
	zv_channel_set_reader(p, ZV_CODEC_NONE, picker_frame, r);
	for (;;) {
		int w = zv_channel_wait(p, 0);
		if (w == ZV_WAKE_HANGUP)
			break;
		if (w > 0) {
			relay_post(r, false, JOB_DIGIT, w, 0, NULL);
		} else if (w == ZV_WAKE_CONTROL) {
			enum zv_control c = zv_channel_last_control(p);
			if (c == ZV_CONTROL_HOLD || c == ZV_CONTROL_UNHOLD)
				relay_post(r, false, JOB_CONTROL, c, 0, NULL);
		}
	}
	zv_channel_set_reader(p, ZV_CODEC_NONE, NULL, NULL);
	int cause = zv_channel_hangupcause(p);
	relay_post(r, false, JOB_HANGUP, cause ? cause : ZV_CAUSE_NORMAL_CLEARING, 0, NULL);
}

/* ---- finding and taking a ringing leg ----------------------------------------- */

enum pick_mode {
	PICK_GROUP, /* pickupexten, Pickup(): call groups meet pickup groups */
	PICK_EXTEN, /* Pickup(exten@context) */
	PICK_MARK, /* Pickup(mark@PICKUPMARK) */
	PICK_CHAN, /* PickupChan(name): that channel or name-... */
	PICK_PREFIX, /* PickupChan(prefix,p) */
};

struct pick_req {
	enum pick_mode mode;
	char arg[80], context[80]; /* exten, mark or channel; context */
	uint64_t pickupgroup;
	char named[256]; /* picker's named pickup groups */
	char picker_name[80], cid_num[80], cid_name[80];
	enum zv_codec_id codec;
	struct zv_loop *ploop;
	struct zv_coro *pco; /* reference */
	struct zv_channel *picker, *target; /* references */
	struct relay *relay; /* the result: a reference */
	bool done;
};

static void pick_req_free(void *obj)
{
	struct pick_req *q = obj;
	zv_unref(q->pco);
	zv_unref(q->picker);
	zv_unref(q->target);
	zv_unref(q->relay);
}

#define PICK_WAKE 0x7c0de

static void pick_done(void *arg)
{
	struct pick_req *q = arg;
	q->done = true;
	zv_coro_wake(q->pco, PICK_WAKE);
	zv_unref(q);
}

/* Asterisk's rule: ringing, or an outgoing call not yet ringing (Down);
 * pick_try() also wants Dial's mark, so only outgoing legs are taken. */
static bool state_ringing(enum zv_chan_state s)
{
	return s == ZV_STATE_RING || s == ZV_STATE_RINGING || s == ZV_STATE_DOWN;
}

/* Does the target match the request?  On the target's loop. */
static bool pick_matches(const struct pick_req *q, struct zv_channel *t)
{
	switch (q->mode) {
	case PICK_GROUP:
		return (zv_channel_callgroup(t) & q->pickupgroup) ||
		       zv_named_groups_intersect(zv_channel_named_callgroup(t), q->named);
	case PICK_EXTEN:
		return !strcasecmp(zv_channel_exten(t), q->arg) &&
		       !strcasecmp(zv_channel_context(t), q->context);
	case PICK_MARK: {
		const char *m = zv_channel_var_get(t, "PICKUPMARK");
		return m && !strcmp(m, q->arg);
	}
	default:
		return true; /* by name: chosen by the picker */
	}
}

/* On the target's loop: take it when it may be taken. */
static void pick_try(void *arg)
{
	struct pick_req *q = arg;
	struct zv_channel *t = q->target;
	if (zv_channel_is_hungup(t) || !state_ringing(zv_channel_state(t)) ||
	    !zv_channel_datastore_get(t, ZV_PICKUP_LEG) ||
	    zv_channel_datastore_get(t, ZV_PICKUP_OFFER) || !pick_matches(q, t))
		goto reply;
	struct relay *r = zv_obj_alloc(sizeof(*r), relay_free);
	if (!r)
		goto reply;
	r->ploop = q->ploop;
	r->rloop = zv_loop_current();
	r->picker = zv_ref(q->picker);
	struct zv_channel *repl = zv_channel_alloc(&pickup_tech, q->picker_name, NULL,
						   zv_channel_context(t), zv_channel_exten(t),
						   ZV_STATE_UP);
	if (!repl) {
		zv_unref(r);
		goto reply;
	}
	char name[80];
	snprintf(name, sizeof(name), "Pickup/%.70s", q->picker_name);
	zv_channel_set_name(repl, name);
	r->repl = zv_ref(repl);
	zv_channel_set_tech_pvt(repl, zv_ref(r)); /* dropped by repl_hangup */
	zv_channel_set_native_codec(repl, q->codec);
	zv_channel_set_cid(repl, q->cid_name[0] ? q->cid_name : NULL,
			   q->cid_num[0] ? q->cid_num : NULL);
	zv_channel_set_connected(repl, q->cid_name[0] ? q->cid_name : NULL,
				 q->cid_num[0] ? q->cid_num : NULL);
	zv_verb(3, "Call pickup on '%s' by '%s'%s", zv_channel_name(t), q->picker_name,
		r->rloop != r->ploop ? " (relayed across workers)" : "");
	if (zv_pickup_offer(t, repl) < 0) { /* repl given away either way */
		zv_unref(r);
		goto reply;
	}
	struct zv_coro *dial = zv_channel_coro(t);
	if (dial)
		zv_coro_wake(dial, 0);
	q->relay = r;
reply:
	if (zv_loop_post(q->ploop, pick_done, q) < 0)
		zv_unref(q); /* the picker's loop is stopping: nobody waits */
}

struct cand {
	char name[80];
	time_t created;
};
#define MAX_CAND 64

struct scan {
	const struct pick_req *q;
	const char *self;
	struct cand c[MAX_CAND];
	size_t n;
};

static void scan_one(void *arg, const struct zv_channel_info *i)
{
	struct scan *s = arg;
	const struct pick_req *q = s->q;
	if (s->n >= MAX_CAND || !state_ringing(i->state) || !strcmp(i->name, s->self))
		return;
	size_t al = strlen(q->arg);
	switch (q->mode) {
	case PICK_GROUP:
		if (!(i->callgroup & q->pickupgroup) && !q->named[0])
			return;
		break;
	case PICK_EXTEN:
		if (strcasecmp(i->exten, q->arg) || strcasecmp(i->context, q->context))
			return;
		break;
	case PICK_MARK:
		break;
	case PICK_CHAN:
		if (strcasecmp(i->name, q->arg) &&
		    (strncasecmp(i->name, q->arg, al) || i->name[al] != '-'))
			return;
		break;
	case PICK_PREFIX:
		if (strncasecmp(i->name, q->arg, al))
			return;
		break;
	}
	snprintf(s->c[s->n].name, sizeof(s->c[s->n].name), "%s", i->name);
	s->c[s->n].created = i->created;
	s->n++;
}

static int cand_cmp(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	return (x->created > y->created) - (x->created < y->created);
}

/* Find and take a ringing leg as q says; the relay (a reference) or NULL.
 * Coroutine of the picker. */
static struct relay *pick(struct zv_channel *p, struct pick_req *proto)
{
	struct scan *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->q = proto;
	s->self = zv_channel_name(p);
	zv_channel_foreach(scan_one, s);
	qsort(s->c, s->n, sizeof(s->c[0]), cand_cmp);
	struct relay *found = NULL;
	for (size_t k = 0; k < s->n && !found && !zv_channel_is_hungup(p); k++) {
		struct zv_channel *t = zv_channel_find(s->c[k].name);
		if (!t)
			continue;
		struct pick_req *q = zv_obj_alloc(sizeof(*q), pick_req_free);
		if (!q) {
			zv_unref(t);
			break;
		}
		*q = *proto;
		q->pco = zv_ref(zv_coro_current());
		q->picker = zv_ref(p);
		q->target = t;
		q->relay = NULL;
		q->done = false;
		if (zv_loop_post(zv_channel_loop(t), pick_try, zv_ref(q)) < 0) {
			zv_unref(q); /* the posted reference */
			zv_unref(q);
			continue;
		}
		/* pick_try answers within a loop turn; the bound only guards
		 * against a loop that stops meanwhile */
		for (int tries = 0; !q->done && tries < 20; tries++)
			zv_coro_wait(500);
		if (q->done && q->relay) {
			found = q->relay;
			q->relay = NULL;
		}
		zv_unref(q);
	}
	free(s);
	return found;
}

/* The picker's side of the request (all but what pick() fills). */
static void req_init(struct pick_req *q, struct zv_channel *p, enum pick_mode mode,
		     const char *arg, const char *context)
{
	memset(q, 0, sizeof(*q));
	q->mode = mode;
	snprintf(q->arg, sizeof(q->arg), "%s", arg ? arg : "");
	snprintf(q->context, sizeof(q->context), "%s", context ? context : "");
	q->pickupgroup = zv_channel_pickupgroup(p);
	const char *named = zv_channel_named_pickupgroup(p);
	snprintf(q->named, sizeof(q->named), "%s", named ? named : "");
	snprintf(q->picker_name, sizeof(q->picker_name), "%s", zv_channel_name(p));
	const char *n = zv_channel_cid_num(p), *nm = zv_channel_cid_name(p);
	snprintf(q->cid_num, sizeof(q->cid_num), "%s", n ? n : "");
	snprintf(q->cid_name, sizeof(q->cid_name), "%s", nm ? nm : "");
	q->codec = zv_channel_native_codec(p);
	q->ploop = zv_channel_loop(p);
}

static void play(struct zv_channel *chan, const char *sound)
{
	const struct zv_app *pb = sound && *sound ? zv_app_find("Playback") : NULL;
	if (pb)
		zv_app_exec(chan, pb, sound);
}

/* A pickup found: the picker answers, hears pickupsound, and talks. */
static void picked(struct zv_channel *p, struct relay *r)
{
	if (zv_channel_state(p) != ZV_STATE_UP)
		zv_channel_answer(p);
	struct features_cfg fc;
	features_get(&fc);
	play(p, fc.pickupsound);
	relay_run(r);
	zv_unref(r);
}

static struct relay *pick_one(struct zv_channel *p, enum pick_mode mode, const char *arg,
			      const char *context)
{
	struct pick_req q;
	req_init(&q, p, mode, arg, context);
	return pick(p, &q);
}

/* ---- the applications ---------------------------------------------------------- */

static enum zv_app_result pickup_exec(struct zv_channel *chan, const char *data)
{
	struct relay *r = NULL;
	if (!*data) {
		r = pick_one(chan, PICK_GROUP, NULL, NULL);
	} else {
		char *buf, *items[32];
		size_t n = dp_args_split_dup(data, '&', &buf, items, 32);
		for (size_t i = 0; i < n && !r; i++) {
			char *exten = items[i], *ctx = strchr(exten, '@');
			if (ctx)
				*ctx++ = '\0';
			if (ctx && !strcmp(ctx, "PICKUPMARK"))
				r = pick_one(chan, PICK_MARK, exten, NULL);
			else
				r = pick_one(chan, PICK_EXTEN, exten,
					     ctx && *ctx ? ctx : zv_channel_context(chan));
		}
		free(buf);
	}
	if (!r) {
		zv_verb(3, "No target channel found for %s.", *data ? data : "pickup group");
		return zv_channel_is_hungup(chan) ? ZV_APP_HANGUP : ZV_APP_CONTINUE;
	}
	picked(chan, r);
	return ZV_APP_HANGUP;
}

static enum zv_app_result pickupchan_exec(struct zv_channel *chan, const char *data)
{
	char *buf, *argv[2];
	size_t argc = dp_args_split_dup(data, ',', &buf, argv, 2);
	if (!argc || !argv[0][0]) {
		zv_warn("PickupChan requires an argument (channel)");
		free(buf);
		return ZV_APP_CONTINUE;
	}
	bool prefix = argc > 1 && strchr(argv[1], 'p');
	char *items[32];
	size_t n = 0;
	if (dp_args_split(argv[0], '&', 0, items, 32, &n) < 0)
		n = 0;
	struct relay *r = NULL;
	for (size_t i = 0; i < n && !r; i++)
		if (items[i][0])
			r = pick_one(chan, prefix ? PICK_PREFIX : PICK_CHAN, items[i], NULL);
	if (!r) {
		zv_verb(3, "No target channel found for %s.", data);
		free(buf);
		return zv_channel_is_hungup(chan) ? ZV_APP_HANGUP : ZV_APP_CONTINUE;
	}
	free(buf);
	picked(chan, r);
	return ZV_APP_HANGUP;
}

/* features.conf pickupexten: a new channel asking for it picks up a call
 * of its pickup groups instead of running the dialplan. */
static bool pickupexten_hook(struct zv_channel *chan)
{
	struct features_cfg fc;
	features_get(&fc);
	if (!fc.pickupexten[0] || strcmp(zv_channel_exten(chan), fc.pickupexten))
		return false;
	zv_verb(3, "%s dialled the pickup extension %s", zv_channel_name(chan), fc.pickupexten);
	struct relay *r = pick_one(chan, PICK_GROUP, NULL, NULL);
	if (r) {
		picked(chan, r);
		return true;
	}
	zv_verb(3, "No target channel found for %s.", zv_channel_name(chan));
	if (fc.pickupfailsound[0] && !zv_channel_is_hungup(chan)) {
		if (zv_channel_state(chan) != ZV_STATE_UP)
			zv_channel_answer(chan);
		play(chan, fc.pickupfailsound);
	}
	zv_channel_set_hangupcause(chan, ZV_CAUSE_NORMAL_CLEARING);
	return true;
}

static const struct zv_app apps[] = {
	{.name = "Pickup",
	 .synopsis = "Directed extension call pickup.",
	 .syntax = "Pickup([extension[@context][&extension2@[context]...]])",
	 .description = "Picks up a ringing call.  Without arguments, a call ringing a member "
			"of one of the channel's pickup groups (call groups meeting "
			"CHANNEL(pickupgroup), or named groups).  extension@context: a call "
			"dialled to that extension from that context (default the channel's "
			"own); mark@PICKUPMARK: a call whose channel has PICKUPMARK=mark.  On "
			"success the caller is connected to this channel, the ringing phone "
			"stops ringing, and the application hangs up when the call ends; "
			"otherwise the dialplan goes on.",
	 .exec = pickup_exec},
	{.name = "PickupChan",
	 .synopsis = "Pickup a ringing channel.",
	 .syntax = "PickupChan(channel[&channel...][,options])",
	 .description = "Picks up the first ringing channel named channel (or channel-...).  "
			"Option p: channel is a prefix of the name (PJSIP/20 takes any "
			"ringing PJSIP/20x).",
	 .exec = pickupchan_exec},
};

static int pickup_load(struct zv_module *mod)
{
	int err = zv_apps_register(mod, apps, sizeof(apps) / sizeof(*apps));
	if (!err)
		err = zv_pbx_start_hook_register(mod, pickupexten_hook);
	return err;
}

ZV_MODULE(app_pickup) = {
	.summary = "Call pickup: Pickup(), PickupChan() and features.conf pickupexten",
	.requires = "features",
	.load = pickup_load,
};
