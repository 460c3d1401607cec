/*
 * CDR record rules, free of channels and I/O: building a record from the
 * channel events (Newchannel, Newstate, Hangup), Asterisk's disposition,
 * duration and billsec, which records are posted, and the fields as
 * CDR(name) reads them.
 *
 * DESIGN
 * The times are the events' publish times, so a record built from a
 * replayed event sequence (the unit tests) comes out the same as in a
 * call.  The hang-up cause picks the disposition of an unanswered record
 * as Asterisk's cdr_object_set_disposition() does: the party B's cause
 * when the channel dialed someone, its own otherwise.  While the `h`
 * extension runs, the channel's location is "h"; Asterisk keeps dst and
 * dcontext from before it, and so do we (an event at "h" leaves them).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <zvonok/channel.h>
#include <zvonok/event.h>
#include <zvonok/obj.h>
#include <zvonok/str.h>

#include "cdr/cdr.h"

const char *cdr_disposition_name(int d)
{
	switch (d) {
	case CDR_NOANSWER:
	case CDR_NULL:
		return "NO ANSWER";
	case CDR_FAILED:
		return "FAILED";
	case CDR_BUSY:
		return "BUSY";
	case CDR_ANSWERED:
		return "ANSWERED";
	case CDR_CONGESTION:
		return "CONGESTION";
	}
	return "UNKNOWN";
}

const char *cdr_ama_name(int flags)
{
	switch (flags) {
	case CDR_AMA_OMIT:
		return "OMIT";
	case CDR_AMA_BILLING:
		return "BILLING";
	case 0:
	case CDR_AMA_DOCUMENTATION:
		return "DOCUMENTATION";
	}
	return "Unknown";
}

void cdr_settings_default(struct cdr_settings *s)
{
	*s = (struct cdr_settings){
		.enable = true,
		.safeshutdown = true,
		.channeldefaultenabled = true,
	};
}

/* ---- variables ------------------------------------------------------------ */

int cdr_vars_set(struct cdr_var **vars, const char *name, const char *value)
{
	struct cdr_var **pp = vars;
	for (; *pp; pp = &(*pp)->next)
		if (!strcasecmp((*pp)->name, name))
			break;
	if (!value || !*value) {
		struct cdr_var *v = *pp;
		if (v) {
			*pp = v->next;
			free(v->name);
			free(v->value);
			free(v);
		}
		return 0;
	}
	char *nv = strdup(value);
	if (!nv)
		return -ENOMEM;
	if (*pp) {
		free((*pp)->value);
		(*pp)->value = nv;
		return 0;
	}
	struct cdr_var *v = calloc(1, sizeof(*v));
	if (!v || !(v->name = strdup(name))) {
		free(v);
		free(nv);
		return -ENOMEM;
	}
	v->value = nv;
	*pp = v; /* appended: the order first set */
	return 0;
}

const char *cdr_vars_get(const struct cdr_var *v, const char *name)
{
	for (; v; v = v->next)
		if (!strcasecmp(v->name, name))
			return v->value;
	return NULL;
}

void cdr_vars_free(struct cdr_var *v)
{
	while (v) {
		struct cdr_var *n = v->next;
		free(v->name);
		free(v->value);
		free(v);
		v = n;
	}
}

void cdr_record_free(struct cdr_record *rec)
{
	if (!rec)
		return;
	cdr_vars_free(rec->vars);
	free(rec);
}

struct cdr_record *cdr_record_dup(const struct cdr_record *rec)
{
	struct cdr_record *c = malloc(sizeof(*c));
	if (!c)
		return NULL;
	*c = *rec;
	c->vars = NULL;
	for (const struct cdr_var *v = rec->vars; v; v = v->next) {
		if (cdr_vars_set(&c->vars, v->name, v->value)) {
			cdr_record_free(c);
			return NULL;
		}
	}
	return c;
}

/* ---- fields --------------------------------------------------------------------- */

void cdr_format_time(const struct timeval *tv, bool gmt, char *buf, size_t len)
{
	struct tm tm;
	time_t t = tv->tv_sec;
	if (!tv->tv_sec && !tv->tv_usec) {
		buf[0] = '\0';
		return;
	}
	if (gmt)
		gmtime_r(&t, &tm);
	else
		localtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d %T", &tm);
}

static void field_time(const struct timeval *tv, bool raw, char *buf, size_t len)
{
	if (!raw || (!tv->tv_sec && !tv->tv_usec)) {
		cdr_format_time(tv, false, buf, len);
		return;
	}
	snprintf(buf, len, "%ld.%06ld", (long)tv->tv_sec, (long)tv->tv_usec);
}

#define STR_FIELD(n) {#n, offsetof(struct cdr_record, n)}

static const struct {
	const char *name;
	size_t off;
} str_fields[] = {
	STR_FIELD(accountcode), STR_FIELD(peeraccount), STR_FIELD(src),
	STR_FIELD(dst),		STR_FIELD(dcontext),	STR_FIELD(clid),
	STR_FIELD(channel),	STR_FIELD(dstchannel),	STR_FIELD(lastapp),
	STR_FIELD(lastdata),	STR_FIELD(userfield),	STR_FIELD(uniqueid),
	STR_FIELD(linkedid),
};

bool cdr_record_field(const struct cdr_record *rec, const char *name, bool raw, char *buf,
		      size_t len)
{
	for (size_t i = 0; i < sizeof(str_fields) / sizeof(*str_fields); i++) {
		if (!strcasecmp(name, str_fields[i].name)) {
			snprintf(buf, len, "%s", (const char *)rec + str_fields[i].off);
			return true;
		}
	}
	if (!strcasecmp(name, "start"))
		field_time(&rec->start, raw, buf, len);
	else if (!strcasecmp(name, "answer"))
		field_time(&rec->answer, raw, buf, len);
	else if (!strcasecmp(name, "end"))
		field_time(&rec->end, raw, buf, len);
	else if (!strcasecmp(name, "duration"))
		snprintf(buf, len, "%ld", rec->duration);
	else if (!strcasecmp(name, "billsec"))
		snprintf(buf, len, "%ld", rec->billsec);
	else if (!strcasecmp(name, "disposition") && raw)
		snprintf(buf, len, "%d", rec->disposition);
	else if (!strcasecmp(name, "disposition"))
		snprintf(buf, len, "%s", cdr_disposition_name(rec->disposition));
	else if (!strcasecmp(name, "amaflags") && raw)
		snprintf(buf, len, "%d", rec->amaflags ? rec->amaflags : CDR_AMA_DOCUMENTATION);
	else if (!strcasecmp(name, "amaflags"))
		snprintf(buf, len, "%s", cdr_ama_name(rec->amaflags));
	else if (!strcasecmp(name, "sequence"))
		snprintf(buf, len, "%u", rec->sequence);
	else {
		const char *v = cdr_vars_get(rec->vars, name);
		snprintf(buf, len, "%s", v ? v : "");
		return v != NULL;
	}
	return true;
}

bool cdr_field_readonly(const char *name)
{
	static const char *const ro[] = {
		"clid",	    "src",	"dst",	    "dcontext",	   "channel",  "dstchannel",
		"lastapp",  "lastdata", "start",    "answer",	   "end",      "duration",
		"billsec",  "disposition", "uniqueid", "linkedid", "peeraccount", "sequence",
	};
	for (size_t i = 0; i < sizeof(ro) / sizeof(*ro); i++)
		if (!strcasecmp(name, ro[i]))
			return true;
	return false;
}

/* ---- building from events ------------------------------------------------------ */

static void live_free(void *obj)
{
	struct cdr_live *l = obj;
	for (int i = 0; i < CDR_S_COUNT; i++)
		free(l->str[i]);
	cdr_vars_free(l->vars);
	zv_unref(l->parent);
}

const char *cdr_live_get(const struct cdr_live *l, enum cdr_live_str f)
{
	return l->str[f] ? l->str[f] : "";
}

int cdr_live_set(struct cdr_live *l, enum cdr_live_str f, const char *v)
{
	char **sp = &l->str[f];
	if (!v || !*v) {
		free(*sp);
		*sp = NULL;
		return 0;
	}
	if (*sp && !strcmp(*sp, v))
		return 0;
	free(*sp);
	*sp = strdup(v);
	return *sp ? 0 : -ENOMEM;
}

static struct timeval tv_of(double t)
{
	double s = floor(t);
	struct timeval tv = {.tv_sec = (time_t)s, .tv_usec = (suseconds_t)((t - s) * 1e6)};
	if (tv.tv_usec >= 1000000)
		tv.tv_usec = 999999;
	return tv;
}

static const char *field(const struct zv_event *ev, const char *key)
{
	const char *v = zv_event_get(ev, key);
	return v && strcmp(v, "<unknown>") ? v : "";
}

void cdr_live_set_callerid(struct cdr_live *l, const char *num, const char *name)
{
	cdr_live_set(l, CDR_S_SRC, num);
	if (*name && *num) {
		char clid[sizeof(((struct cdr_record *)0)->clid)];
		snprintf(clid, sizeof(clid), "\"%s\" <%s>", name, num);
		cdr_live_set(l, CDR_S_CLID, clid);
	} else {
		cdr_live_set(l, CDR_S_CLID, *name ? name : num);
	}
}

/* The parts of the channel every event carries. */
static void take_common(struct cdr_live *l, const struct zv_event *ev)
{
	const char *num = field(ev, "CallerIDNum"), *name = field(ev, "CallerIDName");
	cdr_live_set(l, CDR_S_CHANNEL, field(ev, "Channel"));
	cdr_live_set_callerid(l, num, name);
	cdr_live_set(l, CDR_S_ACCOUNTCODE, field(ev, "AccountCode"));
	const char *exten = field(ev, "Exten");
	if (strcmp(exten, "h") || !l->str[CDR_S_DST]) {
		cdr_live_set(l, CDR_S_DST, exten);
		cdr_live_set(l, CDR_S_DCONTEXT, field(ev, "Context"));
	}
	const char *st = zv_event_get(ev, "ChannelState");
	if (st)
		l->state = atoi(st);
}

struct cdr_live *cdr_live_alloc(const struct zv_event *ev, unsigned sequence)
{
	struct cdr_live *l = zv_obj_alloc(sizeof(*l), live_free);
	if (!l)
		return NULL;
	take_common(l, ev);
	cdr_live_set(l, CDR_S_UNIQUEID, field(ev, "Uniqueid"));
	cdr_live_set(l, CDR_S_LINKEDID, field(ev, "Linkedid"));
	l->start = tv_of(ev->time);
	l->sequence = sequence;
	if (l->state == ZV_STATE_UP) {
		l->answered = true;
		l->answer = l->start;
	}
	return l;
}

void cdr_live_apply(struct cdr_live *l, const struct zv_event *ev)
{
	if (l->ended)
		return;
	bool hangup = !strcmp(ev->name, "Hangup");
	if (!hangup && strcmp(ev->name, "Newstate"))
		return;
	take_common(l, ev);
	if (l->state == ZV_STATE_UP && !l->answered) {
		l->answered = true;
		l->answer = tv_of(ev->time);
	}
	if (hangup) {
		l->ended = true;
		l->end = tv_of(ev->time);
		const char *cause = zv_event_get(ev, "Cause");
		l->cause = cause ? atoi(cause) : 0;
	}
}

void cdr_live_set_peer(struct cdr_live *l, const struct cdr_live *leg)
{
	if (l->has_peer && (l->peer_answered || !leg->answered))
		return;
	l->has_peer = true;
	l->peer_answered = leg->answered;
	l->peer_cause = leg->cause;
	cdr_live_set(l, CDR_S_DSTCHANNEL, cdr_live_get(leg, CDR_S_CHANNEL));
	cdr_live_set(l, CDR_S_PEERACCOUNT, cdr_live_get(leg, CDR_S_ACCOUNTCODE));
}

/* ---- finishing -------------------------------------------------------------------- */

static long tv_diff_ms(const struct timeval *a, const struct timeval *b)
{
	return (long)(a->tv_sec - b->tv_sec) * 1000 + (long)(a->tv_usec - b->tv_usec) / 1000;
}

/* Asterisk's mapping of a hang-up cause onto an unanswered record. */
static int disposition_of(int cause, const struct cdr_settings *s)
{
	switch (cause) {
	case ZV_CAUSE_USER_BUSY:
		return CDR_BUSY;
	case ZV_CAUSE_CONGESTION:
		return s->congestion ? CDR_CONGESTION : CDR_FAILED;
	case ZV_CAUSE_NO_ROUTE_DESTINATION:
	case ZV_CAUSE_SUBSCRIBER_ABSENT: /* AST_CAUSE_UNREGISTERED */
		return CDR_FAILED;
	default:
		return CDR_NOANSWER;
	}
}

void cdr_live_finish(const struct cdr_live *l, const struct cdr_settings *s,
		     const struct timeval *now, struct cdr_record *out)
{
	memset(out, 0, sizeof(*out));
#define PUT(fld, f) zv_str_copy(zv_str_c(cdr_live_get(l, f)), out->fld, sizeof(out->fld))
	PUT(accountcode, CDR_S_ACCOUNTCODE);
	PUT(peeraccount, CDR_S_PEERACCOUNT);
	PUT(src, CDR_S_SRC);
	PUT(dst, CDR_S_DST);
	PUT(dcontext, CDR_S_DCONTEXT);
	PUT(clid, CDR_S_CLID);
	PUT(channel, CDR_S_CHANNEL);
	PUT(dstchannel, CDR_S_DSTCHANNEL);
	PUT(lastapp, CDR_S_LASTAPP);
	PUT(lastdata, CDR_S_LASTDATA);
	PUT(userfield, CDR_S_USERFIELD);
	PUT(uniqueid, CDR_S_UNIQUEID);
	PUT(linkedid, CDR_S_LINKEDID);
#undef PUT
	out->start = l->start;
	out->answer = l->answer;
	out->end = l->ended ? l->end : *now;
	out->amaflags = l->amaflags;
	out->sequence = l->sequence;
	out->vars = NULL; /* the caller copies them if it needs them */
	long ms = tv_diff_ms(&out->end, &out->start);
	out->duration = ms > 0 ? ms / 1000 : 0;
	out->billsec = 0;
	if (l->answered) {
		ms = tv_diff_ms(&out->end, &out->answer);
		if (ms < 0)
			ms = 0;
		out->billsec = ms / 1000;
		if (s->initiatedseconds && ms % 1000 >= 500)
			out->billsec++;
		out->disposition = CDR_ANSWERED;
	} else if (l->state == ZV_STATE_BUSY && !l->has_peer) {
		out->disposition = CDR_BUSY;
	} else {
		out->disposition = disposition_of(l->has_peer ? l->peer_cause : l->cause, s);
	}
	if (!out->amaflags)
		out->amaflags = CDR_AMA_DOCUMENTATION;
}

bool cdr_should_post(const struct cdr_live *l, const struct cdr_record *rec,
		     const struct cdr_settings *s)
{
	if (!s->enable || l->disabled || l->dialed)
		return false;
	if (!s->unanswered && rec->disposition < CDR_ANSWERED &&
	    (!*rec->channel || !*rec->dstchannel))
		return false;
	return true;
}
