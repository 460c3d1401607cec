/*
 * Call parking as Asterisk's res_parking: res_parking.conf lots, Park(),
 * ParkedCall(), the lots' extensions added to the dialplan, `parking
 * show` and `parkedcalls show`.
 *
 * DESIGN
 * A parked call is a channel running Park() in its own coroutine, on its
 * own loop: it takes a space in the lot table (one mutex, spaces are few
 * and touched once per park and retrieval), hears the space number when
 * it parked itself, then music on hold until it is retrieved, hangs up
 * or times out.  ParkedCall() runs in the retriever's coroutine, on
 * another loop as often as not: under the mutex it claims the space and
 * hands the parked call an xbridge, then wakes it (posted to its loop).
 * The two channels then each run one side of the xbridge: a reader that
 * posts every frame to the other loop, where it is written to the other
 * channel, DTMF and hang-up the same way.  A park that times out frees
 * its space under the same mutex first, so a space is retrieved or timed
 * out, never both.  Timeout: comebacktoorigin=yes dials the parker's
 * device (PARKERDIALSTRING) for comebackdialtime; otherwise the call goes
 * to comebackcontext at the flattened parker name (PJSIP_202), else s.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ZV_LOG_MODULE "res_parking"
#include <zvonok/channel.h>
#include <zvonok/cli.h>
#include <zvonok/config.h>
#include <zvonok/coro.h>
#include <zvonok/devstate.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/media.h>
#include <zvonok/moh.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>

#include "apps/parking/parking.h"
#include "dialplan/dp_args.h"

/* ---- the cross-loop bridge between a parked call and its retriever -------------- */

struct xbridge {
	struct zv_channel *chan[2];
	struct zv_loop *loop[2];
};

static void xb_free(void *obj)
{
	struct xbridge *x = obj;
	zv_unref(x->chan[0]);
	zv_unref(x->chan[1]);
}

enum xjob_kind { XJ_FRAME, XJ_DIGIT, XJ_HANGUP };

struct xjob {
	struct xbridge *x;
	int to;
	enum xjob_kind kind;
	int value;
	struct zv_frame f;
	uint8_t data[];
};

static void xjob_run(void *arg)
{
	struct xjob *j = arg;
	struct zv_channel *c = j->x->chan[j->to];
	if (!zv_channel_is_hungup(c)) {
		if (j->kind == XJ_FRAME)
			zv_channel_write_frame(c, &j->f);
		else if (j->kind == XJ_DIGIT)
			zv_channel_send_digit(c, (char)j->value, 0);
		else
			zv_channel_softhangup(c, j->value);
	}
	zv_unref(j->x);
	free(j);
}

static void xb_post(struct xbridge *x, int to, enum xjob_kind kind, int value,
		    const struct zv_frame *f)
{
	size_t len = f ? f->len : 0;
	struct xjob *j = malloc(sizeof(*j) + len);
	if (!j)
		return;
	j->x = zv_ref(x);
	j->to = to;
	j->kind = kind;
	j->value = value;
	if (f) {
		j->f = *f;
		memcpy(j->data, f->data, len);
		j->f.data = j->data;
	}
	if (zv_loop_post(x->loop[to], xjob_run, j) < 0) {
		zv_unref(j->x);
		free(j);
	}
}

struct xside {
	struct xbridge *x;
	int me;
};

static void xb_frame(void *arg, struct zv_channel *chan, const struct zv_frame *f)
{
	struct xside *s = arg;
	(void)chan;
	xb_post(s->x, !s->me, XJ_FRAME, 0, f);
}

/* One side of the bridge until either hangs up.  Coroutine of chan[me]. */
static void xb_run(struct xbridge *x, int me)
{
	struct zv_channel *c = x->chan[me];
	struct xside side = {x, me};
	zv_channel_set_reader(c, zv_channel_native_codec(x->chan[!me]), xb_frame, &side);
	for (;;) {
		int w = zv_channel_wait(c, 0);
		if (w == ZV_WAKE_HANGUP)
			break;
		if (w > 0)
			xb_post(x, !me, XJ_DIGIT, w, NULL);
	}
	zv_channel_set_reader(c, ZV_CODEC_NONE, NULL, NULL);
	int cause = zv_channel_hangupcause(c);
	xb_post(x, !me, XJ_HANGUP, cause ? cause : ZV_CAUSE_NORMAL_CLEARING, NULL);
}

/* ---- configuration and the lot table ------------------------------------------- */

#define HOLD_SECS 15

struct space {
	bool used;
	bool held; /* by parking_hold(), for chan, until its Park() takes it */
	char chan[80]; /* the parked channel */
	char parker[80];
	time_t since;
	unsigned timeout_s;
	struct zv_channel *ch; /* reference */
	struct xbridge *xb; /* set by a retriever (reference) */
};

struct lot_state {
	char name[PARK_NAME_MAX];
	int start, end;
	int last; /* findslot=next */
	struct space *spaces;
};

static pthread_mutex_t park_lock = PTHREAD_MUTEX_INITIALIZER;
static struct park_cfg current; /* under park_lock */
static struct lot_state lots[PARK_LOTS_MAX];
static unsigned nlots;

/* The table entry of lot name, made (or resized when its range changed and
 * nothing is parked) as the configuration says.  park_lock held. */
static struct lot_state *lot_state(const struct park_lot *l)
{
	struct lot_state *s = NULL;
	for (unsigned i = 0; i < nlots; i++)
		if (!strcasecmp(lots[i].name, l->name))
			s = &lots[i];
	if (s && (s->start != l->start || s->end != l->end)) {
		bool busy = false;
		for (int i = 0; i <= s->end - s->start; i++)
			busy |= s->spaces[i].used;
		if (busy)
			return s; /* the old range until its calls leave */
		free(s->spaces);
		s->spaces = NULL;
	}
	if (!s) {
		if (nlots == PARK_LOTS_MAX)
			return NULL;
		s = &lots[nlots++];
		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "%s", l->name);
	}
	if (!s->spaces) {
		s->spaces = calloc((size_t)(l->end - l->start + 1), sizeof(*s->spaces));
		if (!s->spaces)
			return NULL;
		s->start = l->start;
		s->end = l->end;
		s->last = l->start - 1;
	}
	return s;
}

/* Free, or held for a parkee that never came. */
static bool space_free(const struct space *sp, time_t now)
{
	return !sp->used || (sp->held && now - sp->since > HOLD_SECS);
}

static struct space *space_of(struct lot_state *s, int n)
{
	return s && n >= s->start && n <= s->end ? &s->spaces[n - s->start] : NULL;
}

/* ---- device state: park:71@parkedcalls ------------------------------------------ */

/* A space is in use while a call is parked on it (hints for BLF keys). */
static enum zv_device_state park_devstate(void *arg, const char *device, const char *resource)
{
	(void)arg;
	(void)device;
	const char *at = strchr(resource, '@');
	if (!at)
		return ZV_DEVICE_INVALID;
	int n = atoi(resource);
	enum zv_device_state st = ZV_DEVICE_INVALID;
	pthread_mutex_lock(&park_lock);
	for (unsigned i = 0; i < current.n && st == ZV_DEVICE_INVALID; i++) {
		const struct park_lot *l = &current.lots[i];
		if (strcasecmp(l->context, at + 1) || n < l->start || n > l->end)
			continue;
		struct lot_state *ls = lot_state(l);
		struct space *sp = space_of(ls, n);
		st = sp && sp->used && sp->ch ? ZV_DEVICE_INUSE : ZV_DEVICE_NOT_INUSE;
	}
	pthread_mutex_unlock(&park_lock);
	return st;
}

/* Tell the hints; never under park_lock (subscribers may ask us). */
static void park_announce(int space, const char *context, bool parked)
{
	char dev[PARK_NAME_MAX + 32];
	snprintf(dev, sizeof(dev), "park:%d@%s", space, context);
	zv_devstate_changed(dev, parked ? ZV_DEVICE_INUSE : ZV_DEVICE_NOT_INUSE);
}

/* ---- Park() ---------------------------------------------------------------------- */

/* A free space of the lot (findslot, or random), or -1.  park_lock held. */
static int pick_space(struct lot_state *ls, const struct park_lot *lot, bool random_slot)
{
	int size = ls->end - ls->start + 1;
	int first = lot->findslot_next ? ls->last + 1 - ls->start : 0;
	if (random_slot)
		first = (int)(random() % size);
	time_t now = time(NULL);
	for (int k = 0; k < size; k++) {
		int i = (first + k) % size;
		if (i < 0)
			i += size;
		if (space_free(&ls->spaces[i], now))
			return ls->start + i;
	}
	return -1;
}

int parking_hold(const char *context, const char *exten, const char *parkee,
		 const char *parker)
{
	int n = -ENOENT;
	pthread_mutex_lock(&park_lock);
	/* the lot whose parkext this is: in that context, else in any (the
	 * transfer context usually includes the lot's: no include walk here,
	 * so a context with its own extension of that number is taken as a
	 * park too) */
	const struct park_lot *l = NULL;
	for (unsigned i = 0; i < current.n; i++) {
		const struct park_lot *c = &current.lots[i];
		if (c->parkext[0] && !strcmp(c->parkext, exten) &&
		    (!l || !strcasecmp(c->context, context)))
			l = c;
	}
	if (l) {
		struct lot_state *ls = lot_state(l);
		n = ls ? pick_space(ls, l, false) : -1;
		struct space *sp = n >= 0 ? space_of(ls, n) : NULL;
		if (!sp) {
			n = -EBUSY;
		} else {
			zv_unref(sp->ch);
			memset(sp, 0, sizeof(*sp));
			sp->used = sp->held = true;
			snprintf(sp->chan, sizeof(sp->chan), "%s", parkee);
			snprintf(sp->parker, sizeof(sp->parker), "%s", parker);
			sp->since = time(NULL);
			ls->last = n;
		}
	}
	pthread_mutex_unlock(&park_lock);
	return n;
}

bool parking_default_ext(char *context, size_t csize, char *exten, size_t esize)
{
	pthread_mutex_lock(&park_lock);
	const struct park_lot *l = parking_lot_find(&current, "default");
	bool ok = l && l->parkext[0];
	if (ok) {
		snprintf(context, csize, "%s", l->context);
		snprintf(exten, esize, "%s", l->parkext);
	}
	pthread_mutex_unlock(&park_lock);
	return ok;
}

/* "PJSIP/202-0000000a" -> "PJSIP/202" */
static void dial_string(const char *name, char *out, size_t size)
{
	snprintf(out, size, "%s", name);
	char *dash = strrchr(out, '-');
	if (dash && strchr(out, '/'))
		*dash = '\0';
}

static void flatten(const char *dial, char *out, size_t size)
{
	snprintf(out, size, "%s", dial);
	for (char *p = out; *p; p++)
		if (*p == '/')
			*p = '_';
}

/* The argument of option c in opts ("t(30)"); NULL when absent. */
static bool opt_arg(const char *opts, char c, char *arg, size_t size)
{
	for (const char *p = opts; *p; p++) {
		if (*p == '(') {
			const char *e = strchr(p, ')');
			if (!e)
				break;
			p = e;
			continue;
		}
		if (*p != c)
			continue;
		arg[0] = '\0';
		if (p[1] == '(') {
			const char *e = strchr(p + 2, ')');
			size_t n = e ? (size_t)(e - p - 2) : strlen(p + 2);
			snprintf(arg, size, "%.*s", (int)n, p + 2);
		}
		return true;
	}
	return false;
}

static void say_digits(struct zv_channel *chan, int n)
{
	const struct zv_app *say = zv_app_find("SayDigits");
	char num[16];
	snprintf(num, sizeof(num), "%d", n);
	if (say)
		zv_app_exec(chan, say, num);
}

/* A timed-out parked call goes back: the parker's device, or
 * comebackcontext.  Coroutine of chan. */
static enum zv_app_result comeback(struct zv_channel *chan, const struct park_lot *l,
				   const char *parker, const char *cctx)
{
	char dial[80], flat[80];
	dial_string(parker, dial, sizeof(dial));
	flatten(dial, flat, sizeof(flat));
	if (cctx && *cctx) { /* option c(context,exten,priority) */
		zv_pbx_parseable_goto(chan, cctx);
		return ZV_APP_CONTINUE;
	}
	if (l->comebacktoorigin) {
		const struct zv_app *d = zv_app_find("Dial");
		char args[160];
		snprintf(args, sizeof(args), "%s,%u", dial, l->comebackdialtime_s);
		zv_verb(3, "Parked call %s timed out: calling back %s", zv_channel_name(chan),
			dial);
		if (!d)
			return ZV_APP_HANGUP;
		zv_app_exec(chan, d, args);
		return ZV_APP_HANGUP;
	}
	zv_verb(3, "Parked call %s timed out: to %s,%s", zv_channel_name(chan), l->comebackcontext,
		flat);
	if (zv_pbx_goto(chan, l->comebackcontext, flat, 1) < 0 &&
	    zv_pbx_goto(chan, l->comebackcontext, "s", 1) < 0) {
		zv_warn("Parked call %s: no %s or s in context %s", zv_channel_name(chan), flat,
			l->comebackcontext);
		return ZV_APP_HANGUP;
	}
	return ZV_APP_CONTINUE;
}

static enum zv_app_result park_exec(struct zv_channel *chan, const char *data)
{
	char *buf, *argv[2] = {NULL, NULL};
	size_t argc = dp_args_split_dup(data, ',', &buf, argv, 2);
	const char *lotname = argc > 0 && argv[0][0] ? argv[0] : NULL;
	const char *opts = argc > 1 ? argv[1] : "";
	if (!lotname)
		lotname = zv_channel_var_get(chan, "PARKINGLOT");
	if (!lotname || !*lotname)
		lotname = "default";
	char oarg[160], cctx[160] = "";
	bool silent = opt_arg(opts, 's', oarg, sizeof(oarg));
	bool ring = opt_arg(opts, 'r', oarg, sizeof(oarg));
	bool random_slot = opt_arg(opts, 'R', oarg, sizeof(oarg));
	if (opt_arg(opts, 'c', oarg, sizeof(oarg)))
		snprintf(cctx, sizeof(cctx), "%s", oarg);
	long tmo = -1;
	if (opt_arg(opts, 't', oarg, sizeof(oarg)))
		tmo = strtol(oarg, NULL, 10);

	/* the parker: who transferred us here, else ourselves */
	const char *bt = zv_channel_var_get(chan, "BLINDTRANSFER");
	char parker[80];
	snprintf(parker, sizeof(parker), "%s", bt && *bt ? bt : zv_channel_name(chan));

	pthread_mutex_lock(&park_lock);
	struct park_lot lot;
	const struct park_lot *lp = parking_lot_find(&current, lotname);
	struct lot_state *ls = lp ? lot_state(lp) : NULL;
	int n = -1;
	if (lp)
		lot = *lp;
	if (ls) /* a space a bridge held for us (blind transfer, parkcall) */
		for (int i = 0; n < 0 && i <= ls->end - ls->start; i++)
			if (ls->spaces[i].used && ls->spaces[i].held &&
			    !strcmp(ls->spaces[i].chan, zv_channel_name(chan))) {
				n = ls->start + i;
				snprintf(parker, sizeof(parker), "%s", ls->spaces[i].parker);
			}
	if (ls && n < 0)
		n = pick_space(ls, &lot, random_slot);
	struct space *sp = n >= 0 ? space_of(ls, n) : NULL;
	if (sp) {
		memset(sp, 0, sizeof(*sp));
		sp->used = true;
		snprintf(sp->chan, sizeof(sp->chan), "%s", zv_channel_name(chan));
		snprintf(sp->parker, sizeof(sp->parker), "%s", parker);
		sp->since = time(NULL);
		sp->timeout_s = tmo >= 0 ? (unsigned)tmo : lot.parkingtime_s;
		sp->ch = zv_ref(chan);
		ls->last = n;
	}
	pthread_mutex_unlock(&park_lock);
	if (!lp) {
		zv_warn("Park: no parking lot '%s'", lotname);
		free(buf);
		return ZV_APP_CONTINUE;
	}
	if (!sp) {
		zv_warn("Park: lot '%s' is full", lot.name);
		free(buf);
		return ZV_APP_CONTINUE;
	}
	unsigned timeout_s = tmo >= 0 ? (unsigned)tmo : lot.parkingtime_s;
	char num[16], dial[80];
	snprintf(num, sizeof(num), "%d", n);
	dial_string(parker, dial, sizeof(dial));
	zv_channel_var_set(chan, "PARKINGSLOT", num);
	zv_channel_var_set(chan, "PARKEDLOT", lot.name);
	zv_channel_var_set(chan, "PARKER", parker);
	zv_channel_var_set(chan, "PARKERDIALSTRING", dial);
	zv_verb(3, "%s parked on %d@%s by %s, %u s to come back", zv_channel_name(chan), n,
		lot.name, parker, timeout_s);
	park_announce(n, lot.context, true);
	if (zv_channel_state(chan) != ZV_STATE_UP)
		zv_channel_answer(chan);
	if (!silent && !strcmp(parker, zv_channel_name(chan)))
		say_digits(chan, n);
	if (ring)
		zv_channel_indicate(chan, ZV_CONTROL_RINGING);
	else
		zv_moh_start(chan, lot.musicclass[0] ? lot.musicclass : NULL);

	struct xbridge *xb = NULL;
	bool timed_out = false;
	uint64_t start = zv_mono_ms();
	for (;;) {
		pthread_mutex_lock(&park_lock);
		if (sp->xb) {
			xb = sp->xb;
			sp->xb = NULL;
		}
		bool hung = zv_channel_is_hungup(chan);
		uint64_t el = zv_mono_ms() - start;
		bool late = timeout_s && el >= (uint64_t)timeout_s * 1000;
		if (xb || hung || late) {
			zv_unref(sp->ch);
			memset(sp, 0, sizeof(*sp));
			timed_out = !xb && !hung;
			pthread_mutex_unlock(&park_lock);
			break;
		}
		pthread_mutex_unlock(&park_lock);
		uint32_t left = timeout_s ? (uint32_t)((uint64_t)timeout_s * 1000 - el) : 0;
		int w = zv_channel_wait(chan, left);
		(void)w; /* digits do nothing while parked */
	}
	zv_moh_stop(chan);
	park_announce(n, lot.context, false);
	enum zv_app_result res = ZV_APP_HANGUP;
	if (xb) {
		zv_verb(3, "%s retrieved from %d@%s by %s", zv_channel_name(chan), n, lot.name,
			zv_channel_name(xb->chan[1]));
		if (zv_channel_is_hungup(chan))
			xb_post(xb, 1, XJ_HANGUP, ZV_CAUSE_NORMAL_CLEARING, NULL);
		else
			xb_run(xb, 0);
		zv_unref(xb);
	} else if (timed_out) {
		res = comeback(chan, &lot, parker, cctx);
	}
	free(buf);
	return res;
}

/* ---- ParkedCall() ------------------------------------------------------------------ */

static void wake_parked(void *arg)
{
	struct zv_channel *c = arg;
	/* a media event: zv_channel_wait() returns it (a bare coroutine wake
	 * of 0 it would sleep through) */
	if (!zv_channel_is_hungup(c))
		zv_channel_queue_media_event(c);
	zv_unref(c);
}

static enum zv_app_result parkedcall_exec(struct zv_channel *chan, const char *data)
{
	char *buf, *argv[2] = {NULL, NULL};
	size_t argc = dp_args_split_dup(data, ',', &buf, argv, 2);
	const char *lotname = argc > 0 && argv[0][0] ? argv[0] : "default";
	int n = argc > 1 && argv[1][0] ? atoi(argv[1]) : -1;
	struct xbridge *xb = NULL;
	pthread_mutex_lock(&park_lock);
	const struct park_lot *lp = parking_lot_find(&current, lotname);
	struct lot_state *ls = lp ? lot_state(lp) : NULL;
	struct space *sp = NULL;
	if (ls && n < 0) { /* no space given: the longest parked */
		for (int i = 0; i <= ls->end - ls->start; i++) {
			struct space *c = &ls->spaces[i];
			if (c->used && c->ch && !c->xb && (!sp || c->since < sp->since))
				sp = c;
		}
	} else {
		sp = space_of(ls, n);
	}
	if (sp && sp->used && !sp->xb && sp->ch && (xb = zv_obj_alloc(sizeof(*xb), xb_free))) {
		xb->chan[0] = zv_ref(sp->ch);
		xb->loop[0] = zv_channel_loop(sp->ch);
		xb->chan[1] = zv_ref(chan);
		xb->loop[1] = zv_channel_loop(chan);
		sp->xb = zv_ref(xb);
		struct zv_channel *parked = zv_ref(sp->ch);
		if (zv_loop_post(xb->loop[0], wake_parked, parked) < 0)
			zv_unref(parked);
	}
	pthread_mutex_unlock(&park_lock);
	if (!xb)
		zv_verb(3, "ParkedCall: nothing parked on %s in lot %s", argc > 1 ? argv[1] : "any",
			lotname);
	free(buf); /* argv and lotname point into it */
	if (!xb) {
		/* Asterisk plays pbx-invalidpark and hangs up */
		if (zv_channel_state(chan) != ZV_STATE_UP)
			zv_channel_answer(chan);
		const struct zv_app *pb = zv_app_find("Playback");
		if (pb)
			zv_app_exec(chan, pb, "pbx-invalidpark");
		return ZV_APP_HANGUP;
	}
	if (zv_channel_state(chan) != ZV_STATE_UP)
		zv_channel_answer(chan);
	xb_run(xb, 1);
	zv_unref(xb);
	return ZV_APP_HANGUP;
}

/* ---- CLI -------------------------------------------------------------------------- */

static void show_lot(struct zv_cli_req *req, const struct park_lot *l, bool calls)
{
	zv_cli_printf(req, "Parking Lot: %s\n", l->name);
	zv_cli_printf(req, "--------------------------------------------------------------------------\n");
	zv_cli_printf(req, "Parking Extension           :  %s\n", l->parkext);
	zv_cli_printf(req, "Parking Context             :  %s\n", l->context);
	zv_cli_printf(req, "Parking Spaces              :  %d-%d\n", l->start, l->end);
	zv_cli_printf(req, "Parking Time                :  %u sec\n", l->parkingtime_s);
	zv_cli_printf(req, "Comeback to Origin          :  %s\n", l->comebacktoorigin ? "yes" : "no");
	zv_cli_printf(req, "Comeback Context            :  %s\n", l->comebackcontext);
	zv_cli_printf(req, "Comeback Dial Time          :  %u sec\n", l->comebackdialtime_s);
	zv_cli_printf(req, "MOH Class                   :  %s\n",
		      l->musicclass[0] ? l->musicclass : "default");
	zv_cli_printf(req, "Find Slot                   :  %s\n", l->findslot_next ? "next" : "first");
	zv_cli_printf(req, "\n");
	if (!calls)
		return;
}

static unsigned print_calls(struct zv_cli_req *req, const char *only)
{
	unsigned count = 0;
	time_t now = time(NULL);
	for (unsigned i = 0; i < nlots; i++) {
		struct lot_state *s = &lots[i];
		if (only && strcasecmp(only, s->name))
			continue;
		for (int k = 0; s->spaces && k <= s->end - s->start; k++) {
			struct space *sp = &s->spaces[k];
			if (!sp->used || (sp->held && !sp->ch))
				continue;
			long left = sp->timeout_s ? (long)sp->timeout_s - (long)(now - sp->since) : 0;
			zv_cli_printf(req, "  Space: %-6d Lot: %-12s Channel: %-30s Parker: %-30s %lds left\n",
				      s->start + k, s->name, sp->chan, sp->parker, left < 0 ? 0 : left);
			count++;
		}
	}
	return count;
}

/* parking show [lot] */
static enum zv_cli_result cli_parking_show(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc > nf + 1)
		return ZV_CLI_SHOWUSAGE;
	const char *only = argc == nf + 1 ? argv[nf] : NULL;
	pthread_mutex_lock(&park_lock);
	bool found = false;
	for (unsigned i = 0; i < current.n; i++) {
		if (only && strcasecmp(only, current.lots[i].name))
			continue;
		found = true;
		show_lot(req, &current.lots[i], false);
	}
	if (only && !found) {
		pthread_mutex_unlock(&park_lock);
		zv_cli_printf(req, "Could not find parking lot '%s'\n", only);
		return ZV_CLI_FAILURE;
	}
	zv_cli_printf(req, "Parked Calls\n------------\n");
	if (!print_calls(req, only))
		zv_cli_printf(req, "(none)\n");
	pthread_mutex_unlock(&park_lock);
	return ZV_CLI_SUCCESS;
}

/* parkedcalls show: the calls only, as the old Asterisk command */
static enum zv_cli_result cli_parkedcalls_show(struct zv_cli_req *req, int argc, char **argv)
{
	if (argc != zv_cli_nfixed(req))
		return ZV_CLI_SHOWUSAGE;
	pthread_mutex_lock(&park_lock);
	unsigned n = print_calls(req, NULL);
	pthread_mutex_unlock(&park_lock);
	zv_cli_printf(req, "%u parked call%s in total.\n", n, n == 1 ? "" : "s");
	return ZV_CLI_SUCCESS;
}

static const struct zv_cli_cmd cli_cmds[] = {
	{"parking show", "Show parking lot information",
	 "Usage: parking show [lot]\n"
	 "       The parking lots (or one) and the calls parked in them.\n",
	 cli_parking_show},
	{"parkedcalls show", "List currently parked calls",
	 "Usage: parkedcalls show\n"
	 "       The calls parked in every lot.\n",
	 cli_parkedcalls_show},
	{NULL},
};

/* ---- the module ------------------------------------------------------------------ */

static int parking_prepare(struct zv_module *mod, const struct zv_snapshot *snap,
			   struct zv_diag *diag, void **statep)
{
	struct park_cfg *cfg = malloc(sizeof(*cfg));
	if (!cfg)
		return -ENOMEM;
	int err = parking_conf_parse(zv_snapshot_file(snap, "res_parking.conf"), diag, cfg);
	if (err) {
		free(cfg);
		return err;
	}
	*statep = cfg;
	return 0;
}

static void parking_commit(struct zv_module *mod, void *state)
{
	pthread_mutex_lock(&park_lock);
	current = *(struct park_cfg *)state;
	for (unsigned i = 0; i < current.n; i++)
		lot_state(&current.lots[i]);
	pthread_mutex_unlock(&park_lock);
	free(state);
}

static void parking_discard(struct zv_module *mod, void *state)
{
	free(state);
}

/* The lots' extensions, for the dialplan (built from the snapshot being
 * loaded, so they follow res_parking.conf at every dialplan build). */
static int parking_extensions(const struct zv_snapshot *snap, char **textp)
{
	struct park_cfg *cfg = malloc(sizeof(*cfg));
	struct zv_diag quiet;
	if (!cfg)
		return -ENOMEM;
	zv_diag_init(&quiet);
	int err = parking_conf_parse(zv_snapshot_file(snap, "res_parking.conf"), &quiet, cfg);
	zv_diag_clear(&quiet);
	*textp = err ? NULL : parking_conf_text(cfg);
	free(cfg);
	return err;
}

static const struct zv_app apps[] = {
	{.name = "Park",
	 .synopsis = "Park yourself.",
	 .syntax = "Park([parking_lot_name[,options]])",
	 .description = "Parks the channel in a space of the lot (else PARKINGLOT, else "
			"default) and plays music on hold until it is retrieved with "
			"ParkedCall(), hangs up, or parkingtime passes.  Options: r ringing "
			"instead of music; R a random space; s do not say the space; "
			"c(context,exten,priority) where to go on time-out; t(secs) time-out.  "
			"Sets PARKINGSLOT, PARKEDLOT, PARKER, PARKERDIALSTRING.",
	 .exec = park_exec},
	{.name = "ParkedCall",
	 .synopsis = "Retrieve a parked call.",
	 .syntax = "ParkedCall([parking_lot_name[,parking_space]])",
	 .description = "Connects the channel to the call parked in the space (without one, "
			"the call parked longest in the lot).  Nothing parked there: "
			"pbx-invalidpark, then hang up.",
	 .exec = parkedcall_exec},
};

static int parking_load(struct zv_module *mod)
{
	int err = zv_apps_register(mod, apps, sizeof(apps) / sizeof(*apps));
	if (!err)
		err = zv_cli_register(mod, cli_cmds);
	if (!err)
		err = zv_pbx_dialplan_provider_register(mod, parking_extensions);
	if (!err)
		err = zv_devstate_provider_register(mod, "park", park_devstate, NULL);
	pthread_mutex_lock(&park_lock);
	if (!current.n) {
		struct zv_diag d;
		zv_diag_init(&d);
		parking_conf_parse(NULL, &d, &current);
		zv_diag_clear(&d);
	}
	pthread_mutex_unlock(&park_lock);
	return err;
}

ZV_MODULE(res_parking) = {
	.summary = "Call parking: res_parking.conf lots, Park(), ParkedCall()",
	.requires = "res_musiconhold",
	.config = "res_parking.conf",
	.load = parking_load,
	.prepare = parking_prepare,
	.commit = parking_commit,
	.discard = parking_discard,
};
