/*
 * Local channels ("Local/exten@context[/n]") and originating calls: the
 * Originate application and what `channel originate` runs on a worker.
 *
 * DESIGN
 * A Local call is a pair of channels on the same loop sharing one
 * refcounted struct local_pvt: ";1" is the outgoing side its requester
 * owns, ";2" runs the dialplan at exten@context.  Whatever one side does
 * through its driver (answer, indications, digits, hang-up) is queued on
 * the other, so ";1" sees ";2" answer when ";2"'s dialplan runs Answer(),
 * as in Asterisk.  Each side's tech_pvt holds a reference to the pvt and
 * the pvt a reference to each side until that side's hangup.
 *
 * Optimisation (include/zvonok/local.h): a bridge (Dial's) tells the
 * driver when a Local half is in it with nothing that looks at the media
 * or the digits (zv_local_bridge_set()); the pvt keeps each half's bridge
 * peer (bpeer, referenced).  When both halves have one, A (;1's peer) and
 * B (;2's peer), neither is a Local channel itself, no channel of the
 * four has a tap (MixMonitor) and the call is not Local/.../n, A's reader
 * writes to B and B's to A instead of to ;1 and ;2, and A and B are
 * natively bridged, so their RTP is relayed packet to packet when their
 * codecs match (the native bridge keeps its own conditions: hold, taps,
 * generators).  The halves keep carrying answer, digits, indications and
 * hang-up, so both Dials end as without it.  Any change (a bridge leaving
 * plain, for hold, or ending; a half hanging up) puts the readers of A and
 * B back to their halves before the bridge does anything else; a bridge
 * plain again re-optimises.  Both are logged at verbose 3.
 *
 * Originate creates the outgoing channel with the technology named in
 * the destination, starts a coroutine on it that waits for the answer,
 * and calls it; once it answers the coroutine runs the application (then
 * hangs up) or enters the dialplan at the given extension.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ZV_LOG_MODULE "local"
#include <zvonok/channel.h>
#include <zvonok/coro.h>
#include <zvonok/local.h>
#include <zvonok/log.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>

#include "dialplan/dp_args.h"
#include "dialplan/dp_engine.h"

#define ORIGINATE_TIMEOUT_MS 30000

struct local_pvt {
	struct zv_channel *owner; /* ;1, referenced until its hangup */
	struct zv_channel *chan; /* ;2, likewise */
	char *exten, *context;
	bool nooptimize;
	/* What ;1 [0] and ;2 [1] are plainly bridged to (referenced), and
	 * whether those two exchange media directly now. */
	struct zv_channel *bpeer[2];
	bool optimised;
};

static void pvt_destroy(void *obj)
{
	struct local_pvt *p = obj;
	zv_unref(p->owner);
	zv_unref(p->chan);
	zv_unref(p->bpeer[0]);
	zv_unref(p->bpeer[1]);
	free(p->exten);
	free(p->context);
}

static struct zv_channel *other_side(struct local_pvt *p, struct zv_channel *chan)
{
	return chan == p->owner ? p->chan : p->owner;
}

static int local_call(struct zv_channel *chan, const char *dest, int timeout_ms);
static void deoptimise(struct local_pvt *p);

static int local_answer(struct zv_channel *chan)
{
	struct local_pvt *p = zv_channel_tech_pvt(chan);
	if (p && chan == p->chan && p->owner && !zv_channel_is_hungup(p->owner))
		zv_channel_queue_control(p->owner, ZV_CONTROL_ANSWER);
	return 0;
}

static void local_hangup(struct zv_channel *chan)
{
	struct local_pvt *p = zv_channel_tech_pvt(chan);
	if (!p)
		return;
	struct zv_channel *other = other_side(p, chan);
	int i = chan == p->owner ? 0 : 1;
	if (i == 0)
		p->owner = NULL;
	else
		p->chan = NULL;
	deoptimise(p);
	zv_unref(p->bpeer[i]);
	p->bpeer[i] = NULL;
	if (other && !zv_channel_is_hungup(other))
		zv_channel_softhangup(other, zv_channel_hangupcause(chan));
	zv_channel_set_tech_pvt(chan, NULL);
	zv_unref(chan);
	zv_unref(p);
}

static int local_indicate(struct zv_channel *chan, enum zv_control control)
{
	struct local_pvt *p = zv_channel_tech_pvt(chan);
	struct zv_channel *other = p ? other_side(p, chan) : NULL;
	if (other && !zv_channel_is_hungup(other))
		zv_channel_queue_control(other, control);
	return 0;
}

static int local_send_digit(struct zv_channel *chan, char digit, unsigned duration_ms)
{
	struct local_pvt *p = zv_channel_tech_pvt(chan);
	struct zv_channel *other = p ? other_side(p, chan) : NULL;
	if (other && !zv_channel_is_hungup(other))
		zv_channel_queue_digit(other, digit);
	return 0;
}

/* Audio written to one half is what the other half receives, in
 * whatever codec it came (the halves' native codec is "none"). */
static int local_write(struct zv_channel *chan, const struct zv_frame *f)
{
	struct local_pvt *p = zv_channel_tech_pvt(chan);
	struct zv_channel *other = p ? other_side(p, chan) : NULL;
	if (other && !zv_channel_is_hungup(other))
		zv_channel_rx_frame(other, f);
	return 0;
}

static const struct zv_channel_tech local_tech = {
	.type = "Local",
	.description = "Local Proxy Channel Driver",
	.call = local_call,
	.answer = local_answer,
	.hangup = local_hangup,
	.indicate = local_indicate,
	.send_digit = local_send_digit,
	.write = local_write,
};

/* ---- optimisation ------------------------------------------------------------------------ */

static bool is_local(const struct zv_channel *c)
{
	return zv_channel_tech(c) == &local_tech;
}

/* A frame of one outer channel written to arg (the other, or its half). */
static void local_fwd(void *arg, struct zv_channel *chan, const struct zv_frame *f)
{
	zv_channel_write_frame(arg, f);
}

static bool usable(const struct zv_channel *c)
{
	return c && !zv_channel_is_hungup(c) && !zv_channel_has_tap(c);
}

static bool can_optimise(const struct local_pvt *p)
{
	struct zv_channel *a = p->bpeer[0], *b = p->bpeer[1];
	return !p->nooptimize && !p->optimised && usable(p->owner) && usable(p->chan) &&
	       usable(a) && usable(b) && a != b && !is_local(a) && !is_local(b) &&
	       zv_channel_loop(a) == zv_channel_loop(b);
}

/* The Local pair's name without ;1/;2, for the log. */
static const char *pair_name(const struct local_pvt *p, char *buf, size_t size)
{
	const char *n = zv_channel_name(p->owner ? p->owner : p->chan);
	size_t len = strlen(n);
	if (len > 2 && n[len - 2] == ';')
		len -= 2;
	snprintf(buf, size, "%.*s", (int)len, n);
	return buf;
}

static void optimise(struct local_pvt *p)
{
	struct zv_channel *a = p->bpeer[0], *b = p->bpeer[1];
	char name[96];
	zv_channel_native_unbridge(a);
	zv_channel_native_unbridge(b);
	zv_channel_set_reader(a, ZV_CODEC_NONE, local_fwd, b);
	zv_channel_set_reader(b, ZV_CODEC_NONE, local_fwd, a);
	p->optimised = true;
	zv_verb(3, "%s: optimised away: %s and %s exchange media directly",
		pair_name(p, name, sizeof(name)), zv_channel_name(a), zv_channel_name(b));
	int err = zv_channel_native_bridge(a, b);
	if (err < 0)
		zv_verb(3, "%s: no native bridge between %s and %s (%d)", name, zv_channel_name(a),
			zv_channel_name(b), err);
}

/* Each outer channel's frames to its own half again (nothing when the
 * half is gone). */
static void deoptimise(struct local_pvt *p)
{
	if (!p->optimised)
		return;
	struct zv_channel *a = p->bpeer[0], *b = p->bpeer[1];
	char name[96];
	p->optimised = false;
	zv_channel_native_unbridge(a);
	zv_channel_set_reader(a, ZV_CODEC_NONE, p->owner ? local_fwd : NULL, p->owner);
	zv_channel_set_reader(b, ZV_CODEC_NONE, p->chan ? local_fwd : NULL, p->chan);
	zv_verb(3, "%s: no longer optimised: media of %s and %s through it again",
		pair_name(p, name, sizeof(name)), zv_channel_name(a), zv_channel_name(b));
}

void zv_local_bridge_set(struct zv_channel *chan, struct zv_channel *peer)
{
	struct local_pvt *p = is_local(chan) ? zv_channel_tech_pvt(chan) : NULL;
	if (!p || (chan != p->owner && chan != p->chan))
		return;
	int i = chan == p->owner ? 0 : 1;
	if (p->bpeer[i] == peer)
		return;
	deoptimise(p);
	zv_unref(p->bpeer[i]);
	p->bpeer[i] = peer ? zv_ref(peer) : NULL;
	if (can_optimise(p))
		optimise(p);
}

/* ---- calls ------------------------------------------------------------------------------ */

/* "exten@context[/n]" → parts (context "default" when absent). */
static int parse_dest(const char *dest, char **extenp, char **contextp, bool *nooptp)
{
	char *copy = strdup(dest);
	if (!copy)
		return -ENOMEM;
	*nooptp = false;
	char *slash = strchr(copy, '/');
	if (slash) {
		*slash = '\0';
		*nooptp = strchr(slash + 1, 'n') != NULL;
	}
	char *at = strchr(copy, '@');
	const char *ctx = "default";
	if (at) {
		*at = '\0';
		ctx = at + 1;
	}
	*extenp = strdup(*copy ? copy : "s");
	*contextp = strdup(*ctx ? ctx : "default");
	free(copy);
	if (!*extenp || !*contextp) {
		free(*extenp);
		free(*contextp);
		return -ENOMEM;
	}
	return 0;
}

static void copy_var(void *arg, const char *name, const char *value)
{
	zv_channel_var_set(arg, name, value);
}

static int local_call(struct zv_channel *owner, const char *dest, int timeout_ms)
{
	struct local_pvt *p = zv_obj_alloc(sizeof(*p), pvt_destroy);
	if (!p)
		return -ENOMEM;
	int err = parse_dest(dest, &p->exten, &p->context, &p->nooptimize);
	if (err) {
		zv_unref(p);
		return err;
	}
	if (!zv_pbx_exists(NULL, p->context, p->exten, 1, zv_channel_cid_num(owner))) {
		zv_notice("No such extension/context %s@%s while calling Local channel",
			  p->exten, p->context);
		zv_unref(p);
		return -ENOENT;
	}
	struct zv_channel *chan = zv_channel_alloc(&local_tech, dest, NULL, p->context,
						   p->exten, ZV_STATE_RING);
	if (!chan) {
		zv_unref(p);
		return -ENOMEM;
	}
	zv_channel_set_native_codec(owner, ZV_CODEC_NONE);
	zv_channel_set_native_codec(chan, ZV_CODEC_NONE);
	/* Both halves share the owner's sequence number and drop the
	 * options: Local/100@ctx-0000000a;1 and ;2. */
	char base[80], name[96];
	const char *seq = strrchr(zv_channel_name(owner), '-');
	snprintf(base, sizeof(base), "Local/%s@%s%.9s", p->exten, p->context, seq ? seq : "");
	snprintf(name, sizeof(name), "%s;1", base);
	zv_channel_set_name(owner, name);
	snprintf(name, sizeof(name), "%s;2", base);
	zv_channel_set_name(chan, name);

	/* As Asterisk's Local channel: ;2 gets every variable of ;1 under
	 * its full name, not only the inheritable ones (and the linkedid). */
	zv_channel_inherit_vars(chan, owner);
	zv_channel_var_foreach(owner, copy_var, chan);
	zv_channel_copy_cid(chan, owner);
	zv_channel_set_language(chan, zv_channel_language(owner));
	if (zv_channel_accountcode(owner))
		zv_channel_set_accountcode(chan, zv_channel_accountcode(owner));
	p->owner = zv_ref(owner);
	p->chan = chan; /* the reference from alloc */
	zv_channel_set_tech_pvt(owner, p);
	zv_channel_set_tech_pvt(chan, zv_ref(p));
	err = zv_pbx_start(chan);
	if (err) {
		zv_channel_destroy(chan); /* local_hangup() unlinks it */
		return err;
	}
	return 0;
}

static const struct zv_app originate_app;

int dp_local_register(struct zv_module *mod)
{
	int err = zv_channel_tech_register(mod, &local_tech);
	if (!err || err == -EEXIST)
		err = zv_app_register(mod, &originate_app);
	return err == -EEXIST ? 0 : err;
}

/* ---- originate -------------------------------------------------------------------- */

struct orig {
	struct zv_channel *chan; /* referenced */
	enum dp_orig_kind kind;
	char *app, *appdata, *context, *exten;
	int prio;
	unsigned timeout_ms;
};

static void orig_free(struct orig *o)
{
	free(o->app);
	free(o->appdata);
	free(o->context);
	free(o->exten);
	free(o);
}

static bool wait_answer(struct zv_channel *chan, unsigned timeout_ms)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (zv_channel_state(chan) != ZV_STATE_UP) {
		if (zv_channel_is_hungup(chan))
			return false;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		long spent = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= (long)timeout_ms)
			return false;
		int r = zv_channel_wait(chan, (uint32_t)(timeout_ms - (unsigned long)spent));
		if (r == ZV_WAKE_HANGUP)
			return false;
	}
	return true;
}

static void orig_main(void *arg)
{
	struct orig *o = arg;
	struct zv_channel *chan = o->chan;
	zv_log_set_callid(zv_channel_callid(chan));
	if (!wait_answer(chan, o->timeout_ms)) {
		zv_verb(2, "Originate of %s failed: %s", zv_channel_name(chan),
			zv_channel_is_hungup(chan) ? "hung up" : "no answer");
		if (!zv_channel_hangupcause(chan))
			zv_channel_set_hangupcause(chan, ZV_CAUSE_NO_ANSWER);
		zv_channel_destroy(chan);
		zv_unref(chan);
	} else if (o->kind == DP_ORIG_APP) {
		const struct zv_app *app = zv_app_find(o->app);
		if (!app) {
			zv_warn("No such application '%s' for originate", o->app);
		} else {
			zv_verb(4, "Launching %s(%s) on %s", app->name, o->appdata,
				zv_channel_name(chan));
			zv_app_exec(chan, app, o->appdata);
		}
		zv_channel_destroy(chan);
		zv_unref(chan);
	} else {
		zv_channel_set_location(chan, o->context, o->exten, o->prio);
		dp_pbx_body(chan); /* takes our reference */
	}
	zv_log_set_callid(NULL);
	orig_free(o);
}

static char *dup_or_empty(const char *s)
{
	return strdup(s ? s : "");
}

int dp_originate_start(const struct dp_originate *req, struct zv_channel **chanp)
{
	if (chanp)
		*chanp = NULL;
	const char *slash = strchr(req->dest, '/');
	if (!slash || slash == req->dest || !slash[1])
		return -EINVAL;
	char type[32];
	size_t tlen = (size_t)(slash - req->dest);
	if (tlen >= sizeof(type))
		return -EINVAL;
	memcpy(type, req->dest, tlen);
	type[tlen] = '\0';
	const struct zv_channel_tech *tech = zv_channel_tech_find(type);
	if (!tech || !tech->call) {
		zv_warn("Channel technology '%s' not found or cannot call", type);
		return -ENOENT;
	}
	struct orig *o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->kind = req->kind;
	o->app = dup_or_empty(req->app);
	o->appdata = dup_or_empty(req->appdata);
	o->context = dup_or_empty(req->context && *req->context ? req->context : "default");
	o->exten = dup_or_empty(req->exten && *req->exten ? req->exten : "s");
	o->prio = req->prio > 0 ? req->prio : 1;
	o->timeout_ms = req->timeout_ms ? req->timeout_ms : ORIGINATE_TIMEOUT_MS;
	if (!o->app || !o->appdata || !o->context || !o->exten) {
		orig_free(o);
		return -ENOMEM;
	}
	struct zv_channel *chan = zv_channel_alloc(tech, slash + 1, NULL, o->context, o->exten,
						   ZV_STATE_DOWN);
	if (!chan) {
		orig_free(o);
		return -ENOMEM;
	}
	if (req->parent)
		zv_channel_inherit_vars(chan, req->parent);
	o->chan = zv_ref(chan);
	struct zv_coro *co = zv_coro_alloc(orig_main, o, 0);
	if (!co) {
		zv_unref(o->chan);
		orig_free(o);
		zv_channel_destroy(chan);
		zv_unref(chan);
		return -ENOMEM;
	}
	zv_channel_set_coro(chan, co);
	zv_coro_start(co); /* waits for the answer */
	zv_unref(co);
	int err = tech->call(chan, slash + 1, (int)o->timeout_ms);
	if (err) {
		zv_channel_set_hangupcause(chan, ZV_CAUSE_NO_ROUTE_DESTINATION);
		zv_channel_softhangup(chan, ZV_CAUSE_NO_ROUTE_DESTINATION);
	}
	if (chanp)
		*chanp = chan;
	else
		zv_unref(chan);
	return err;
}

/* Originate(tech_data,type,arg1[,arg2[,arg3[,timeout]]]) */
static enum zv_app_result originate_exec(struct zv_channel *chan, const char *data)
{
	char *copy = strdup(data);
	if (!copy)
		return ZV_APP_HANGUP;
	char *argv[6];
	size_t argc = 0;
	dp_args_split(copy, ',', 0, argv, 6, &argc);
	const char *status = "FAILED";
	struct dp_originate req = {.parent = chan};
	if (argc < 3) {
		zv_error("Originate requires at least three arguments");
		goto out;
	}
	req.dest = argv[0];
	if (!strcasecmp(argv[1], "exten")) {
		req.kind = DP_ORIG_EXTEN;
		req.context = argv[2];
		req.exten = argc > 3 ? argv[3] : "s";
		req.prio = argc > 4 ? atoi(argv[4]) : 1;
	} else if (!strcasecmp(argv[1], "app")) {
		req.kind = DP_ORIG_APP;
		req.app = argv[2];
		req.appdata = argc > 3 ? argv[3] : "";
	} else {
		zv_error("Incorrect type, it should be 'exten' or 'app'");
		goto out;
	}
	if (argc > 5 && atoi(argv[5]) > 0)
		req.timeout_ms = (unsigned)atoi(argv[5]) * 1000u;
	unsigned timeout = req.timeout_ms ? req.timeout_ms : ORIGINATE_TIMEOUT_MS;
	struct zv_channel *out = NULL;
	if (dp_originate_start(&req, &out)) {
		status = "CHANUNAVAIL";
	} else {
		/* Synchronous, as Asterisk's Originate: until answered or failed. */
		unsigned waited = 0;
		status = "FAILED";
		while (waited < timeout) {
			if (zv_channel_state(out) == ZV_STATE_UP) {
				status = "SUCCESS";
				break;
			}
			if (zv_channel_is_hungup(out)) {
				status = zv_channel_hangupcause(out) == ZV_CAUSE_USER_BUSY ? "BUSY"
											    : "FAILED";
				break;
			}
			if (zv_channel_sleep(chan, 20) == ZV_WAKE_HANGUP) {
				status = "HANGUP";
				break;
			}
			waited += 20;
		}
	}
	zv_unref(out);
out:
	zv_channel_var_set(chan, "ORIGINATE_STATUS", status);
	free(copy);
	return zv_channel_is_hungup(chan) ? ZV_APP_HANGUP : ZV_APP_CONTINUE;
}

static const struct zv_app originate_app = {
	.name = "Originate",
	.synopsis = "Originate a call.",
	.syntax = "Originate(tech_data,type,arg1[,arg2[,arg3[,timeout]]])",
	.description =
		"Originate a call to tech_data; once answered it is connected to an extension\n"
		"(type exten: arg1 context, arg2 extension, arg3 priority) or an application\n"
		"(type app: arg1 application, arg2 its data).  Waits until the call is answered\n"
		"or fails and sets ${ORIGINATE_STATUS} (SUCCESS, FAILED, BUSY, CONGESTION,\n"
		"HANGUP, RINGING, UNKNOWN).\n",
	.exec = originate_exec,
};
