/*
 * Dial(Tech/dest[&Tech2/dest2...][,timeout[,options[,URL]]]): call one or
 * more destinations in parallel, connect the caller with the first that
 * answers, and stay in the call until one side hangs up.  Sets DIALSTATUS
 * (ANSWER, BUSY, NOANSWER, CANCEL, CONGESTION, CHANUNAVAIL), DIALEDTIME
 * (start of Dial to its end), ANSWEREDTIME (the answer to the end),
 * RINGTIME and PROGRESSTIME (to the first ring / progress of a leg), each
 * also in milliseconds (_MS), DIALEDPEERNAME and DIALEDPEERNUMBER as
 * Asterisk does; all are emptied when Dial starts.
 *
 * DESIGN
 * The outgoing channels are created on the caller's loop and run no
 * dialplan: Dial owns them, makes the caller's coroutine theirs
 * (zv_channel_set_coro) so that their answer, progress and hang-up wake
 * it, and polls every channel after each wake-up.  Once one answers, the
 * others are hung up as answered elsewhere (cause 26: the SIP driver's
 * CANCEL says Reason: SIP;cause=200); A(), M() and U() run on the answered
 * channel (before_bridge(): the called channel's priorities run in this
 * coroutine, synchronously), D() digits are sent, and the two channels
 * are bridged by dial_bridge() (dial_bridge.c: relaying, hold, the DTMF
 * features of t/T/h/H and the transfers, which may hand the called
 * channel to a dialplan or bridge of its own).
 * Options: g (go on in the dialplan when the called party hangs up, also
 * when S() or L() hung it up), S(n) (hang up n seconds after the answer),
 * L(x[:y[:z]]) (limit in ms; y ms before it, then every z ms, the time
 * left is said, or LIMIT_WARNING_FILE played, to the caller unless
 * LIMIT_PLAYAUDIO_CALLER=no and to the callee if LIMIT_PLAYAUDIO_CALLEE=yes;
 * LIMIT_TIMEOUT_FILE at the limit), c (legs not answered end as answered
 * elsewhere too), r (the ringback tone of the caller's tone zone while
 * dialing), m([class]) (music on hold while dialing),
 * D(called[:calling[:progress]]) (DTMF after the answer; progress: to a
 * leg at its progress message), t/T
 * (transfer by the called/calling party), h/H (disconnect code),
 * x/X (one-touch MixMonitor), A(x[:y]) (announcements), M(macro[^args]),
 * U(context[^args]), i (ignore 3xx forwards).  On the answer, the
 * caller's connected line becomes the leg's when its driver knows it.
 * Other letters are warned about (unknown, or not supported yet) and ignored.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ZV_LOG_MODULE "app_dial"
#include <zvonok/channel.h>
#include <zvonok/config.h>
#include <zvonok/coro.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/media.h>
#include <zvonok/module.h>
#include <zvonok/moh.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>
#include <zvonok/pickup.h>
#include <zvonok/tones.h>

#include "apps/dial/dial.h"
#include "apps/features/features.h"
#include "dialplan/dp_args.h"

#define MAX_DEST 32

struct leg {
	struct zv_channel *chan;
	char tech[32];
	char dest[128];
	int cause; /* gone before answering: its hang-up cause (0: never called) */
	bool gone;
};

/* Dial's state that lives as long as the call (heap). */
struct dial_state {
	struct zv_tonegen *rb; /* r: the ringback tone's generator (1 KiB) */
	int causes[MAX_DEST]; /* how the legs ended, for DIALSTATUS */
	char *dtmf_called, *dtmf_calling; /* D(), NULL without */
	char *dtmf_progress; /* D(::progress), NULL without */
	struct leg legs[]; /* as many as the destinations */
};

static void leg_end(struct leg *l)
{
	if (!l->chan)
		return;
	zv_channel_set_coro(l->chan, NULL);
	zv_channel_destroy(l->chan);
	zv_unref(l->chan);
	l->chan = NULL;
}

/* Start one leg; false when it cannot be called at all. */
static bool leg_start(struct zv_channel *caller, struct leg *l, int timeout_ms,
		      bool ignore_forwards)
{
	const struct zv_channel_tech *tech = zv_channel_tech_find(l->tech);
	if (!tech || !tech->call) {
		zv_warn("Dial: no channel type '%s'", l->tech);
		return false;
	}
	/* Peer part of the name: the endpoint (after '@' for PJSIP's
	 * number@trunk, before '/' for SIP's trunk/number). */
	char peer[128];
	const char *at = strchr(l->dest, '@');
	snprintf(peer, sizeof(peer), "%s", at ? at + 1 : l->dest);
	char *slash = strchr(peer, '/');
	if (slash)
		*slash = '\0';
	l->chan = zv_channel_alloc(tech, peer, NULL, zv_channel_context(caller),
				   zv_channel_exten(caller), ZV_STATE_DOWN);
	if (!l->chan)
		return false;
	/* As Asterisk: `core show channels` (and a record the leg may post
	 * itself) show a dialled leg as AppDial((Outgoing Line)) until it runs
	 * an application of its own. */
	zv_channel_set_app(l->chan, "AppDial", "(Outgoing Line)");
	zv_channel_inherit_vars(l->chan, caller);
	if (ignore_forwards) /* i: the SIP driver then ends the leg on a 3xx */
		zv_channel_var_set(l->chan, "PJSIP_FOLLOW_REDIRECTS", "no");
	zv_channel_copy_cid(l->chan, caller);
	zv_channel_set_coro(l->chan, zv_channel_coro(caller));
	/* a ringing leg Dial waits for may be picked up (zvonok/pickup.h) */
	zv_channel_datastore_set(l->chan, ZV_PICKUP_LEG, l, NULL);
	if (tech->call(l->chan, l->dest, timeout_ms) < 0) {
		leg_end(l);
		return false;
	}
	zv_verb(3, "Called %s/%s", l->tech, l->dest);
	return true;
}

/*
 * The argument of option letter c in opts ("tTS(10)L(60000:30000)"):
 * true when the option is present; arg gets what is between its
 * parentheses ("" when none).  Letters inside another option's
 * parentheses do not count.
 */
static bool dial_opt(const char *opts, char c, char *arg, size_t size)
{
	for (const char *p = opts; *p; p++) {
		bool hit = *p == c;
		const char *a = p + 1;
		size_t n = 0;
		if (*a == '(') {
			const char *e = strchr(a, ')');
			if (!e)
				e = a + strlen(a);
			n = (size_t)(e - a - 1);
			if (hit && arg)
				snprintf(arg, size, "%.*s", (int)n, a + 1);
			p = *e ? e : e - 1;
		} else if (hit && arg) {
			arg[0] = '\0';
		}
		if (hit)
			return true;
	}
	return false;
}

/* Up to max destinations of list into legs. */
static int parse_dests(char *list, struct leg *legs, size_t max)
{
	char *items[MAX_DEST];
	size_t n = 0;
	if (dp_args_split(list, '&', 0, items, max, &n) < 0)
		return 0;
	int k = 0;
	for (size_t i = 0; i < n; i++) {
		char *slash = strchr(items[i], '/');
		if (!slash) {
			zv_warn("Dial argument takes format (technology/resource): %s", items[i]);
			continue;
		}
		memset(&legs[k], 0, sizeof(legs[k]));
		snprintf(legs[k].tech, sizeof(legs[k].tech), "%.*s", (int)(slash - items[i]),
			 items[i]);
		snprintf(legs[k].dest, sizeof(legs[k].dest), "%s", slash + 1);
		k++;
	}
	return k;
}

/* What the caller hears while dialing: m([class]) music on hold of that
 * class (else the channel's, else default), or r the ringback tone of the
 * channel's tone zone (indications: CHANNEL(tonezone), else the default
 * country); *gp gets the tone generator's state (the caller frees it
 * after dial_quiet()). */
static void dialing_sound(struct zv_channel *chan, const char *opts, struct zv_tonegen **gp)
{
	char mclass[80];
	if (dial_opt(opts, 'm', mclass, sizeof(mclass))) {
		zv_moh_start(chan, mclass[0] ? mclass : NULL);
		return;
	}
	if (!dial_opt(opts, 'r', NULL, 0))
		return;
	struct zv_tonegen *g = malloc(sizeof(*g));
	if (g && zv_tonegen_init(g, chan, "ring") == 0) {
		*gp = g;
		zv_channel_set_generator(chan, 8000, zv_tonegen_fill, g);
	} else {
		free(g);
	}
}

/* D(): digits to chan (100 ms each, 350 ms apart; 'w' waits 500 ms) until
 * chan or other (NULL: none) hangs up. */
static void send_digits(struct zv_channel *chan, struct zv_channel *other, const char *digits)
{
	for (const char *d = digits;
	     *d && !zv_channel_is_hungup(chan) && !(other && zv_channel_is_hungup(other)); d++) {
		if (*d == 'w' || *d == 'W') {
			zv_channel_sleep(chan, 500);
			continue;
		}
		zv_channel_send_digit(chan, *d, 100);
		zv_channel_sleep(chan, 350);
	}
}

/* Early media: the leg's audio goes to the caller (one way), or stops. */
static void early_bridge(struct zv_channel *caller, struct zv_channel *leg, bool on)
{
	zv_channel_set_reader(leg, ZV_CODEC_NONE, on ? dial_bridge_frame : NULL, on ? caller : NULL);
}

/* Asterisk's Dial option letters; those we act on are in IMPLEMENTED. */
#define ASTERISK_OPTS "AabBCcdDEefFgGhHiIjkKLmMnNoOpPQrRSstTUuwWxXz"
#define IMPLEMENTED "ADcgHhiKkLMmrSTtUXx"

/* Warn about every option letter we do not know or do not implement. */
static void check_opts(const char *opts)
{
	for (const char *p = opts; *p; p++) {
		if (*p == '(') {
			const char *e = strchr(p, ')');
			if (!e)
				break;
			p = e;
			continue;
		}
		if (!strchr(ASTERISK_OPTS, *p))
			zv_warn("Dial: unknown option '%c' ignored", *p);
		else if (!strchr(IMPLEMENTED, *p))
			zv_warn("Dial: option '%c' is not supported yet; ignored", *p);
	}
}

/* The features a side may use: t/T transfer, h/H disconnect, x/X
 * one-touch MixMonitor (lower case:
 * the called party; upper case: the caller). */
static unsigned side_feats(const char *opts, bool caller)
{
	unsigned f = 0;
	if (dial_opt(opts, caller ? 'T' : 't', NULL, 0))
		f |= FEAT_BIT(FEAT_BLINDXFER) | FEAT_BIT(FEAT_ATXFER);
	if (dial_opt(opts, caller ? 'H' : 'h', NULL, 0))
		f |= FEAT_BIT(FEAT_DISCONNECT);
	if (dial_opt(opts, caller ? 'X' : 'x', NULL, 0))
		f |= FEAT_BIT(FEAT_AUTOMIXMON);
	if (dial_opt(opts, caller ? 'K' : 'k', NULL, 0))
		f |= FEAT_BIT(FEAT_PARKCALL);
	return f;
}


/* What the called party's M() / U() routine asked for. */
enum routine_result {
	ROUTINE_BRIDGE, /* nothing: connect the call */
	ROUTINE_ABORT, /* hang up both */
	ROUTINE_STATUS, /* BUSY / CONGESTION / CHANUNAVAIL: DIALSTATUS, go on */
	ROUTINE_CONTINUE, /* hang up the called party, the caller goes on */
	ROUTINE_GOTO, /* the same at the place given */
	ROUTINE_PEER_GONE, /* the called party hung up in it */
};

static void caret_to_comma(char *s)
{
	for (; *s; s++)
		if (*s == '^')
			*s = ',';
}

/* M(macro[^arg...]): Macro(macro,arg...) on the called channel. */
static void run_macro(struct zv_channel *peer, char *arg)
{
	const struct zv_app *app = zv_app_find("Macro");
	if (!app) {
		zv_warn("Dial: option M needs the Macro application");
		return;
	}
	caret_to_comma(arg);
	zv_app_exec(peer, app, arg);
}

/* U(context[^arg...]): Gosub(context,s,1(arg,...)) on the called channel. */
static void run_gosub(struct zv_channel *peer, char *arg)
{
	caret_to_comma(arg);
	char *args = strchr(arg, ',');
	if (args)
		*args++ = '\0';
	char target[300];
	snprintf(target, sizeof(target), "%.250s,s,1", arg);
	int err = zv_pbx_gosub_run(peer, target, args);
	if (err < 0 && err != ZV_WAKE_HANGUP)
		zv_warn("Dial: U(%s) could not run on %s", arg, zv_channel_name(peer));
}

/* MACRO_RESULT / GOSUB_RESULT of the called channel, as Asterisk reads it. */
static enum routine_result routine_result(struct zv_channel *chan, struct zv_channel *peer,
					  const char *var)
{
	if (zv_channel_is_hungup(peer))
		return ROUTINE_PEER_GONE;
	const char *r = zv_channel_var_get(peer, var);
	if (!r || !*r)
		return ROUTINE_BRIDGE;
	zv_verb(3, "%s: %s=%s", zv_channel_name(peer), var, r);
	if (!strcasecmp(r, "ABORT"))
		return ROUTINE_ABORT;
	if (!strcasecmp(r, "BUSY") || !strcasecmp(r, "CONGESTION") || !strcasecmp(r, "CHANUNAVAIL")) {
		char status[16];
		snprintf(status, sizeof(status), "%s", r);
		for (char *p = status; *p; p++)
			*p = (char)toupper((unsigned char)*p);
		zv_channel_var_set(chan, "DIALSTATUS", status);
		return ROUTINE_STATUS;
	}
	if (!strcasecmp(r, "CONTINUE"))
		return ROUTINE_CONTINUE;
	if (!strncasecmp(r, "GOTO:", 5)) {
		char dest[160];
		snprintf(dest, sizeof(dest), "%s", r + 5);
		caret_to_comma(dest);
		if (zv_pbx_parseable_goto(chan, dest) < 0)
			zv_warn("Dial: %s GOTO target '%s' does not exist", var, dest);
		return ROUTINE_GOTO;
	}
	zv_warn("Dial: %s '%s' is not ABORT, CONGESTION, BUSY, CONTINUE or GOTO:; ignored", var, r);
	return ROUTINE_BRIDGE;
}

/* A(x[:y]) then M() then U(), on the answered called channel, before the
 * bridge, as Asterisk orders them. */
static enum routine_result before_bridge(struct zv_channel *chan, struct zv_channel *peer,
					 const char *opts)
{
	char arg[256];
	if (dial_opt(opts, 'A', arg, sizeof(arg)) && arg[0]) {
		char *caller_file = strchr(arg, ':');
		if (caller_file)
			*caller_file++ = '\0';
		if (arg[0] && dial_play(peer, chan, arg) == ZV_WAKE_HANGUP)
			return zv_channel_is_hungup(peer) ? ROUTINE_PEER_GONE : ROUTINE_ABORT;
		if (caller_file && *caller_file &&
		    dial_play(chan, peer, caller_file) == ZV_WAKE_HANGUP)
			return zv_channel_is_hungup(peer) ? ROUTINE_PEER_GONE : ROUTINE_ABORT;
	}
	enum routine_result r = ROUTINE_BRIDGE;
	if (dial_opt(opts, 'M', arg, sizeof(arg)) && arg[0]) {
		zv_channel_var_set(peer, "MACRO_RESULT", NULL);
		run_macro(peer, arg);
		r = routine_result(chan, peer, "MACRO_RESULT");
	}
	if (r == ROUTINE_BRIDGE && dial_opt(opts, 'U', arg, sizeof(arg)) && arg[0]) {
		zv_channel_var_set(peer, "GOSUB_RESULT", NULL);
		run_gosub(peer, arg);
		r = routine_result(chan, peer, "GOSUB_RESULT");
	}
	return r;
}

/* name (whole seconds, as Asterisk rounds down) and name_MS for ms. */
static void set_duration(struct zv_channel *chan, const char *name, uint64_t ms)
{
	char var[32], num[32];
	snprintf(num, sizeof(num), "%llu", (unsigned long long)(ms / 1000));
	zv_channel_var_set(chan, name, num);
	snprintf(var, sizeof(var), "%s_MS", name);
	snprintf(num, sizeof(num), "%llu", (unsigned long long)ms);
	zv_channel_var_set(chan, var, num);
}

/* The variable name as a boolean, true only for what Asterisk's
 * ast_true() accepts (yes/true/y/t/1/on); dflt when it is unset or
 * empty. */
static bool var_true(struct zv_channel *chan, const char *name, bool dflt)
{
	const char *v = zv_channel_var_get(chan, name);
	if (!v || !*v)
		return dflt;
	bool b = false;
	zv_conf_parse_bool(v, &b);
	return b;
}

/* L(x[:y[:z]]) into o: the limit x, the warning y ms before it, repeated
 * every z ms, and what is played as Asterisk's LIMIT_* variables say. */
static void limit_opts(struct zv_channel *chan, const char *arg, struct dial_bridge_opts *o)
{
	char *p;
	o->limit_ms = strtoull(arg, &p, 10);
	if (*p == ':') {
		o->warn_ms = strtoull(p + 1, &p, 10);
		if (*p == ':')
			o->warn_every_ms = strtoull(p + 1, NULL, 10);
	}
	o->warn_caller = var_true(chan, "LIMIT_PLAYAUDIO_CALLER", true);
	o->warn_callee = var_true(chan, "LIMIT_PLAYAUDIO_CALLEE", false);
	const char *f = zv_channel_var_get(chan, "LIMIT_WARNING_FILE");
	snprintf(o->warn_file, sizeof(o->warn_file), "%s", f ? f : "");
	f = zv_channel_var_get(chan, "LIMIT_TIMEOUT_FILE");
	snprintf(o->end_file, sizeof(o->end_file), "%s", f ? f : "");
}

/* After the answer: A(), M(), U(), DTMF of D(), the bridge, ANSWEREDTIME, and what the
 * caller does next. */
static enum zv_app_result connected(struct zv_channel *chan, struct leg *winner, const char *opts,
				    const char *dtmf_called, const char *dtmf_calling,
				    uint64_t limit_ms, bool opt_g)
{
	uint64_t answered = zv_mono_ms();
	enum routine_result rr = before_bridge(chan, winner->chan, opts);
	/* M()/U() ran priorities of the called channel, which made it the
	 * thread's log call id: back to the caller's before the called
	 * channel can go away. */
	zv_log_set_callid(zv_channel_callid(chan));
	if (rr != ROUTINE_BRIDGE || zv_channel_is_hungup(chan)) {
		leg_end(winner);
		if (zv_channel_is_hungup(chan) || rr == ROUTINE_ABORT)
			return ZV_APP_HANGUP;
		if (rr == ROUTINE_PEER_GONE)
			return opt_g ? ZV_APP_CONTINUE : ZV_APP_HANGUP;
		return ZV_APP_CONTINUE;
	}
	send_digits(winner->chan, chan, dtmf_called);
	send_digits(chan, winner->chan, dtmf_calling);
	struct dial_bridge_opts bo = {
		.limit_ms = limit_ms,
		.caller_feats = side_feats(opts, true),
		.peer_feats = side_feats(opts, false),
	};
	char larg[128];
	if (dial_opt(opts, 'L', larg, sizeof(larg)))
		limit_opts(chan, larg, &bo);
	/* RTP relayed packet by packet while nothing needs the audio; not
	 * with features (their digits must reach the bridge loop) or L()
	 * announcements */
	if (!bo.caller_feats && !bo.peer_feats && !dial_bridge_announces(&bo))
		zv_channel_native_bridge(chan, winner->chan);
	enum dial_bridge_end end = dial_bridge(chan, &winner->chan, &bo);
	zv_channel_native_unbridge(chan);
	set_duration(chan, "ANSWEREDTIME", zv_mono_ms() - answered);
	if (end == DIAL_BRIDGE_PEER_MOVED) {
		/* The callee's own dialplan owns it now. */
		zv_unref(winner->chan);
		winner->chan = NULL;
		return ZV_APP_HANGUP;
	}
	leg_end(winner);
	switch (end) {
	case DIAL_BRIDGE_CALLER_MOVED:
		return ZV_APP_CONTINUE;
	case DIAL_BRIDGE_PEER_GONE:
	case DIAL_BRIDGE_TIMEOUT: /* S() / L() hung the called party up */
		return opt_g && !zv_channel_is_hungup(chan) ? ZV_APP_CONTINUE : ZV_APP_HANGUP;
	default:
		return ZV_APP_HANGUP;
	}
}

static enum zv_app_result dial_exec(struct zv_channel *chan, const char *data)
{
	char *buf = strdup(data), *argv[4] = {0};
	size_t argc = 0;
	if (!buf || dp_args_split(buf, ',', 0, argv, 4, &argc) < 0 || !argc || !argv[0][0]) {
		zv_warn("Dial requires an argument (technology/resource)");
		free(buf);
		return ZV_APP_HANGUP;
	}
	int timeout_ms = argc > 1 && argv[1][0] ? (int)(strtod(argv[1], NULL) * 1000) : 0;
	const char *opts = argc > 2 ? argv[2] : "";
	check_opts(opts);
	char oarg[128];
	bool opt_g = dial_opt(opts, 'g', NULL, 0);
	uint64_t limit_ms = 0;
	if (dial_opt(opts, 'S', oarg, sizeof(oarg)))
		limit_ms = (uint64_t)(strtod(oarg, NULL) * 1000);
	if (dial_opt(opts, 'L', oarg, sizeof(oarg)))
		limit_ms = strtoull(oarg, NULL, 10);
	/* What lives as long as the call (the legs, the D() digits, the
	 * ringback generator) is on the heap, not in this frame: the
	 * coroutine parks in the bridge below it for the whole call, and
	 * every page of stack it spans stays resident (the legs alone were
	 * 5.5 KiB). */
	size_t max = 1;
	for (const char *p = argv[0]; *p; p++)
		max += *p == '&';
	if (max > MAX_DEST)
		max = MAX_DEST;
	struct dial_state *ds = calloc(1, sizeof(*ds) + max * sizeof(struct leg));
	if (!ds) {
		free(buf);
		return ZV_APP_HANGUP;
	}
	if (dial_opt(opts, 'D', oarg, sizeof(oarg))) {
		/* D(called[:calling[:progress]]) */
		char *calling = strchr(oarg, ':'), *progress = NULL;
		if (calling) {
			*calling++ = '\0';
			if ((progress = strchr(calling, ':')))
				*progress++ = '\0';
		}
		ds->dtmf_called = strdup(oarg);
		ds->dtmf_calling = strdup(calling ? calling : "");
		if (progress && *progress)
			ds->dtmf_progress = strdup(progress);
	}
	dialing_sound(chan, opts, &ds->rb);
	struct leg *legs = ds->legs;
	int n = parse_dests(argv[0], legs, max);
	int live = 0;
	uint64_t start = zv_mono_ms();
	/* Not those of a Dial before this one (as Asterisk: empty). */
	static const char *const results[] = {
		"DIALSTATUS", "DIALEDPEERNAME", "DIALEDPEERNUMBER", "ANSWEREDTIME", "ANSWEREDTIME_MS",
		"DIALEDTIME", "DIALEDTIME_MS", "RINGTIME", "RINGTIME_MS", "PROGRESSTIME",
		"PROGRESSTIME_MS",
	};
	for (size_t i = 0; i < sizeof(results) / sizeof(*results); i++)
		zv_channel_var_set(chan, results[i], "");
	for (int i = 0; i < n; i++) {
		if (leg_start(chan, &legs[i], timeout_ms, dial_opt(opts, 'i', NULL, 0)))
			live++;
		else
			legs[i].gone = true;
	}
	const char *status = "CHANUNAVAIL";
	struct leg *winner = NULL;
	bool caller_gone = false, ringing = false, rang = false, progressed = false;
	struct leg *early = NULL; /* whose early media the caller hears */
	while (live && !winner) {
		if (zv_channel_is_hungup(chan)) {
			caller_gone = true;
			status = "CANCEL";
			break;
		}
		int cr;
		while ((cr = zv_channel_poll(chan)) != 0 && cr != ZV_WAKE_HANGUP)
			; /* the caller's digits do nothing while dialing */
		for (int i = 0; i < n && !winner; i++) {
			struct leg *l = &legs[i];
			if (l->gone)
				continue;
			struct zv_channel *repl = zv_pickup_take(l->chan);
			if (repl) {
				/* Picked up: the picker's channel answered in the
				 * leg's place; the leg stops ringing. */
				if (early == l) {
					early_bridge(chan, l->chan, false);
					early = NULL;
				}
				zv_verb(3, "%s picked up by %s", zv_channel_name(l->chan),
					zv_channel_name(repl));
				zv_channel_set_hangupcause(l->chan, ZV_CAUSE_ANSWERED_ELSEWHERE);
				leg_end(l);
				l->chan = repl;
				zv_channel_set_coro(repl, zv_channel_coro(chan));
				winner = l;
				break;
			}
			int r;
			while ((r = zv_channel_poll(l->chan)) != 0) {
				if (r == ZV_WAKE_ANSWER) {
					winner = l;
					break;
				}
				if (r == ZV_WAKE_HANGUP) {
					l->cause = zv_channel_hangupcause(l->chan);
					/* The caller's cause becomes the leg's, as in
					 * Asterisk: a Hangup() without a cause after
					 * Dial then gives the caller the leg's answer
					 * (486 for busy). */
					if (l->cause > 0)
						zv_channel_set_hangupcause(chan, l->cause);
					l->gone = true;
					live--;
					if (early == l) {
						early_bridge(chan, l->chan, false);
						early = NULL;
					}
					break;
				}
				if (r != ZV_WAKE_CONTROL)
					continue;
				enum zv_control ctl = zv_channel_last_control(l->chan);
				/* From the start of Dial to the first ring or
				 * progress of any leg. */
				if (ctl == ZV_CONTROL_RINGING && !rang) {
					rang = true;
					set_duration(chan, "RINGTIME", zv_mono_ms() - start);
				} else if (ctl == ZV_CONTROL_PROGRESS && !progressed) {
					progressed = true;
					set_duration(chan, "PROGRESSTIME", zv_mono_ms() - start);
				}
				/* D(::progress): to the leg at each progress
				 * message, as Asterisk does */
				if (ctl == ZV_CONTROL_PROGRESS && ds->dtmf_progress)
					send_digits(l->chan, chan, ds->dtmf_progress);
				if (ctl == ZV_CONTROL_RINGING && !ringing && !early) {
					ringing = true;
					zv_channel_indicate(chan, ZV_CONTROL_RINGING);
				} else if (ctl == ZV_CONTROL_PROGRESS && !early) {
					/* Early media: the caller hears this leg (183 with
					 * SDP) until someone answers. */
					early = l;
					dial_quiet(chan);
					zv_channel_indicate(chan, ZV_CONTROL_PROGRESS);
					early_bridge(chan, l->chan, true);
				}
			}
		}
		if (winner || !live)
			break;
		uint32_t left = 0;
		if (timeout_ms) {
			uint64_t el = zv_mono_ms() - start;
			if (el >= (uint64_t)timeout_ms) {
				status = "NOANSWER";
				break;
			}
			left = (uint32_t)(timeout_ms - el);
		}
		zv_coro_wait(left);
	}
	if (!winner && !caller_gone && !live) {
		for (int i = 0; i < n; i++)
			ds->causes[i] = legs[i].cause;
		status = dial_status_unanswered(ds->causes, (size_t)n);
	}
	/* Ringback or music while dialing ends here. */
	dial_quiet(chan);
	free(ds->rb);
	ds->rb = NULL;
	if (early && early != winner)
		early_bridge(chan, early->chan, false);
	bool elsewhere = winner || dial_opt(opts, 'c', NULL, 0) ||
			 zv_channel_hangupcause(chan) == ZV_CAUSE_ANSWERED_ELSEWHERE;
	for (int i = 0; i < n; i++) {
		if (&legs[i] == winner)
			continue;
		/* The others stop ringing as answered elsewhere when one
		 * answered, with c, or when the caller's own call was
		 * (Asterisk: a SIP CANCEL with Reason cause=200, and phones
		 * log no missed call); otherwise as a normal clearing. */
		if (elsewhere && legs[i].chan)
			zv_channel_set_hangupcause(legs[i].chan, ZV_CAUSE_ANSWERED_ELSEWHERE);
		leg_end(&legs[i]);
	}
	enum zv_app_result res = ZV_APP_CONTINUE;
	if (winner) {
		status = "ANSWER";
		/* An earlier leg's failure is no longer the caller's cause. */
		zv_channel_set_hangupcause(chan, ZV_CAUSE_NORMAL_CLEARING);
		zv_channel_var_set(chan, "DIALSTATUS", status);
		zv_channel_var_set(chan, "DIALEDPEERNAME", zv_channel_name(winner->chan));
		zv_channel_var_set(chan, "DIALEDPEERNUMBER", winner->dest);
		zv_verb(3, "%s answered %s", zv_channel_name(winner->chan), zv_channel_name(chan));
		/* The caller's connected line becomes who answered, when the
		 * leg's driver knows it (a trusted PAI/RPID): it goes out in
		 * the caller's 200 to endpoints that send_pai/send_rpid. */
		const char *cnum = zv_channel_connected_num(winner->chan);
		if (cnum && *cnum) {
			zv_channel_set_connected(chan, zv_channel_connected_name(winner->chan), cnum);
			zv_channel_set_connected_pres(chan, zv_channel_connected_name_pres(winner->chan),
						      zv_channel_connected_num_pres(winner->chan));
		}
		if (zv_channel_state(chan) != ZV_STATE_UP)
			zv_channel_answer(chan);
		res = connected(chan, winner, opts, ds->dtmf_called ? ds->dtmf_called : "",
				ds->dtmf_calling ? ds->dtmf_calling : "", limit_ms, opt_g);
	} else {
		zv_channel_var_set(chan, "DIALSTATUS", status);
		res = caller_gone ? ZV_APP_HANGUP : ZV_APP_CONTINUE;
	}
	/* From the start of Dial to its end, the bridge included (Asterisk
	 * 12 on). */
	set_duration(chan, "DIALEDTIME", zv_mono_ms() - start);
	zv_verb(3, "Dial %s: DIALSTATUS=%s", argv[0], status);
	free(ds->dtmf_called);
	free(ds->dtmf_calling);
	free(ds->dtmf_progress);
	free(ds);
	free(buf);
	return res;
}

static const struct zv_app apps[] = {
	{.name = "Dial",
	 .synopsis = "Attempt to connect to another device or endpoint and bridge the call",
	 .syntax = "Dial(Technology/Resource[&Technology2/Resource2[&...]][,timeout[,options]])",
	 .description = "Calls the destinations in parallel and connects the caller to the "
			"first that answers.  timeout is in seconds.  Options: A(x[:y]) "
			"announcement to the called[/calling] party; c legs not answered "
			"end as answered elsewhere; D(called[:calling[:progress]]) "
			"DTMF after the answer (progress: to the called party when it "
			"sends progress); g continue in the dialplan when the called "
			"party hangs up (also after S() or L()); h/H the called/calling party may hang up with the "
			"features.conf disconnect code; L(x[:y[:z]]) limit x ms, warning "
			"y ms before, repeated every z ms (LIMIT_PLAYAUDIO_CALLER, "
			"LIMIT_PLAYAUDIO_CALLEE, LIMIT_WARNING_FILE, LIMIT_TIMEOUT_FILE); "
			"m([class]) music "
			"on hold while dialing; M(macro[^arg...]) and U(context[^arg...]) run on the "
			"called channel before the bridge (MACRO_RESULT/GOSUB_RESULT); r "
			"ringback tone of the channel's tone zone; S(n) hang up n seconds after the answer; t/T the "
			"called/calling party may transfer (blind and attended codes of "
			"features.conf).  Sets DIALSTATUS, DIALEDTIME, ANSWEREDTIME, "
			"RINGTIME, PROGRESSTIME (each also _MS), DIALEDPEERNAME, "
			"DIALEDPEERNUMBER.",
	 .exec = dial_exec},
};

static int app_dial_load(struct zv_module *mod)
{
	return zv_apps_register(mod, apps, sizeof(apps) / sizeof(*apps));
}

ZV_MODULE(app_dial) = {
	.summary = "Dial(): parallel outgoing calls and two-party bridging",
	.load = app_dial_load,
};
