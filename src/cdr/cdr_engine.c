/*
 * The CDR engine (module `cdr`): one record per channel built from the
 * channel events, the CDR() and CDR_PROP() dialplan functions, cdr.conf
 * [general], the writer thread that hands finished records to the
 * backends (cdr_csv, cdr_sqlite3_custom), and `cdr show status`.
 *
 * DESIGN
 * The engine subscribes to ZV_EVENT_CHANNEL synchronously, so its
 * callback runs on the loop of the channel that published the event, where
 * the channel's accessors may be used.  Newchannel attaches a struct
 * cdr_live to the channel (datastore CDR_DATASTORE) and links it into this
 * thread's list of live records; Newstate and Hangup update it; Hangup
 * finishes it.  CDR() reads and writes the same struct from the channel's
 * coroutine, on the same loop, so the record has no lock.
 *
 * A channel created while another channel's coroutine runs (Dial creates
 * its legs in the caller's coroutine) gets that channel as a tentative
 * parent.  At hang-up the leg counts as dialed if it ran no application
 * (other than the AppDial((Outgoing Line)) Dial shows on it) and its
 * coroutine is none or the caller's (a Local ;2 or an Originate runs its
 * own): it then becomes the caller's party B (dstchannel, the
 * cause that decides an unanswered disposition) and posts no record of its
 * own, as Asterisk discards a dialed channel's CDR without party B.
 *
 * lastapp/lastdata come from the channel's `core show channels` copy
 * (zv_channel_get_app()), read once when the record ends or when CDR()
 * asks for them.
 *
 * Finished records go to a queue served by one writer thread (blocking
 * file and sqlite I/O never runs on a loop), which gives every backend the
 * records in batches, in hang-up order.  A record is written as soon as
 * it is posted, except that batches start at most every CDR_LINGER_MS:
 * under load the writer takes 10 ms of records per wake-up and per open
 * of Master.csv instead of one (a record then waits at most that long in
 * memory, as it would behind a busy writer).
 * Durability is grouped: a backend's sync (fdatasync, a WAL checkpoint)
 * runs at most once per CDR_SYNC_MS after writes, so a busy PBX pays one
 * disk flush per second instead of one per call; a crash or kill -9 of
 * the process loses nothing written, a power loss at most the last
 * second.  Stopping the module drains the queue and syncs first.
 *
 * Lock order: be_lock may be taken with nothing held or by the writer
 * alone; q_lock is innermost.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>
#include <time.h>

#define ZV_LOG_MODULE "cdr"
#include <zvonok/channel.h>
#include <zvonok/cli.h>
#include <zvonok/config.h>
#include <zvonok/coro.h>
#include <zvonok/event.h>
#include <zvonok/log.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>

/* Only for astlogdir, which include/zvonok/core.h does not export yet. */
#include "core/internal.h"

#include "cdr/cdr.h"

#define BATCH_MAX 256
#define CDR_LINGER_MS 10

static pthread_mutex_t settings_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cdr_settings settings = {.enable = true, .safeshutdown = true,
				       .channeldefaultenabled = true};
static atomic_uint sequence;

static void settings_get(struct cdr_settings *s)
{
	pthread_mutex_lock(&settings_lock);
	*s = settings;
	pthread_mutex_unlock(&settings_lock);
}

const char *cdr_logdir(void)
{
	return zv_settings.logdir ? zv_settings.logdir : ".";
}

/* ---- the writer ---------------------------------------------------------------- */

struct qnode {
	struct qnode *next;
	struct cdr_record *rec;
};

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_work = PTHREAD_COND_INITIALIZER;
static pthread_cond_t q_idle = PTHREAD_COND_INITIALIZER;
static struct qnode *q_head, **q_tail = &q_head;
static bool q_busy, q_stopping, q_running;
static bool q_unsynced;		   /* written since the last sync (writer only) */
static struct timespec q_synced_at; /* CLOCK_MONOTONIC of the last sync */
static struct timespec q_batch_at;  /* CLOCK_MONOTONIC of the last batch */
static size_t q_len;
static bool q_sleeping; /* the writer waits for work (a post must wake it) */
static pthread_t q_thread;
static unsigned long posted, written;

static pthread_mutex_t be_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cdr_backend *backends;

static size_t take_batch(struct cdr_record **recs)
{
	size_t n = 0;
	while (q_head && n < BATCH_MAX) {
		struct qnode *q = q_head;
		q_head = q->next;
		recs[n++] = q->rec;
		free(q);
	}
	q_len -= n;
	if (!q_head)
		q_tail = &q_head;
	return n;
}

static void write_batch(struct cdr_record **recs, size_t n)
{
	pthread_mutex_lock(&be_lock);
	for (struct cdr_backend *be = backends; be; be = be->next)
		be->write(be->arg, recs, n);
	pthread_mutex_unlock(&be_lock);
	for (size_t i = 0; i < n; i++)
		cdr_record_free(recs[i]);
}

/* Write what is queued; q_lock held on entry and exit. */
static void drain_locked(void)
{
	struct cdr_record *recs[BATCH_MAX];
	while (q_head) {
		size_t n = take_batch(recs);
		q_busy = true;
		pthread_mutex_unlock(&q_lock);
		write_batch(recs, n);
		pthread_mutex_lock(&q_lock);
		q_busy = false;
		q_unsynced = true;
		written += n;
	}
	pthread_cond_broadcast(&q_idle);
}

/* Every backend's sync; q_lock held on entry and exit, dropped meanwhile. */
static void sync_locked(void)
{
	q_unsynced = false;
	clock_gettime(CLOCK_MONOTONIC, &q_synced_at);
	pthread_mutex_unlock(&q_lock);
	pthread_mutex_lock(&be_lock);
	for (struct cdr_backend *be = backends; be; be = be->next)
		if (be->sync)
			be->sync(be->arg);
	pthread_mutex_unlock(&be_lock);
	pthread_mutex_lock(&q_lock);
}

/* ms after t (CLOCK_MONOTONIC; the conds use it). */
static struct timespec after_ms(struct timespec t, long ms)
{
	t.tv_sec += ms / 1000;
	t.tv_nsec += (ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

static bool past(const struct timespec *t)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > t->tv_sec || (now.tv_sec == t->tv_sec && now.tv_nsec >= t->tv_nsec);
}

static void *writer_main(void *arg)
{
	pthread_mutex_lock(&q_lock);
	for (;;) {
		while (!q_head && !q_stopping) {
			q_sleeping = true;
			if (!q_unsynced) {
				pthread_cond_wait(&q_work, &q_lock);
				q_sleeping = false;
				continue;
			}
			struct timespec due = after_ms(q_synced_at, CDR_SYNC_MS);
			if (past(&due))
				sync_locked();
			else
				pthread_cond_timedwait(&q_work, &q_lock, &due);
			q_sleeping = false;
		}
		if (!q_head)
			break;
		struct timespec next = after_ms(q_batch_at, CDR_LINGER_MS);
		/* Posts do not signal meanwhile; a full batch or stop does. */
		while (!q_stopping && q_len < BATCH_MAX && !past(&next))
			pthread_cond_timedwait(&q_work, &q_lock, &next);
		clock_gettime(CLOCK_MONOTONIC, &q_batch_at);
		drain_locked();
	}
	if (q_unsynced)
		sync_locked();
	pthread_mutex_unlock(&q_lock);
	return NULL;
}

static void post_record(struct cdr_record *rec)
{
	struct qnode *q = malloc(sizeof(*q));
	if (!q) {
		zv_error("Out of memory: CDR of %s lost", rec->channel);
		cdr_record_free(rec);
		return;
	}
	q->next = NULL;
	q->rec = rec;
	pthread_mutex_lock(&q_lock);
	*q_tail = q;
	q_tail = &q->next;
	q_len++;
	posted++;
	if (q_sleeping || q_len >= BATCH_MAX)
		pthread_cond_signal(&q_work);
	pthread_mutex_unlock(&q_lock);
}

void cdr_flush(void)
{
	pthread_mutex_lock(&q_lock);
	if (!q_running)
		drain_locked(); /* no writer (tests, start-up): write here */
	while (q_running && (q_head || q_busy))
		pthread_cond_wait(&q_idle, &q_lock);
	pthread_mutex_unlock(&q_lock);
}

int cdr_backend_register(struct cdr_backend *be)
{
	pthread_mutex_lock(&be_lock);
	for (struct cdr_backend *b = backends; b; b = b->next) {
		if (!strcasecmp(b->name, be->name)) {
			pthread_mutex_unlock(&be_lock);
			return -EEXIST;
		}
	}
	struct cdr_backend **pp = &backends;
	while (*pp)
		pp = &(*pp)->next;
	be->next = NULL;
	*pp = be;
	pthread_mutex_unlock(&be_lock);
	zv_verb(2, "Registered '%s' CDR backend", be->name);
	return 0;
}

void cdr_backend_unregister(struct cdr_backend *be)
{
	cdr_flush();
	pthread_mutex_lock(&be_lock);
	for (struct cdr_backend **pp = &backends; *pp; pp = &(*pp)->next) {
		if (*pp == be) {
			*pp = be->next;
			break;
		}
	}
	pthread_mutex_unlock(&be_lock);
}

/* ---- live records ------------------------------------------------------------------ */

static __thread struct cdr_live *live_head; /* this loop's live records */

static void live_link(struct cdr_live *l)
{
	l->prev_live = NULL;
	l->next_live = live_head;
	if (live_head)
		live_head->prev_live = l;
	live_head = l;
}

static void live_unlink(struct cdr_live *l)
{
	if (l->prev_live)
		l->prev_live->next_live = l->next_live;
	else if (live_head == l)
		live_head = l->next_live;
	if (l->next_live)
		l->next_live->prev_live = l->prev_live;
	l->next_live = l->prev_live = NULL;
	l->chan = NULL;
}

static void live_store_free(void *data)
{
	struct cdr_live *l = data;
	if (l->chan)
		live_unlink(l);
	zv_unref(l);
}

/* The live record whose channel runs the current coroutine, if any. */
static struct cdr_live *running_record(void)
{
	struct zv_coro *co = zv_coro_current();
	if (!co)
		return NULL;
	for (struct cdr_live *l = live_head; l; l = l->next_live)
		if (l->chan && zv_channel_coro(l->chan) == co)
			return l;
	return NULL;
}

/* lastapp/lastdata from the channel's `core show channels` copy. */
static void refresh_app(struct cdr_live *l)
{
	if (!l->chan)
		return;
	char appl[sizeof(((struct cdr_record *)0)->lastapp)];
	char data[sizeof(((struct cdr_record *)0)->lastdata)];
	zv_channel_get_app(l->chan, appl, sizeof(appl), data, sizeof(data));
	if (*appl) {
		cdr_live_set(l, CDR_S_LASTAPP, appl);
		cdr_live_set(l, CDR_S_LASTDATA, data);
	}
}

static void on_newchannel(const struct zv_event *ev)
{
	struct cdr_settings s;
	settings_get(&s);
	if (!s.enable)
		return;
	const char *uid = zv_event_get(ev, "Uniqueid");
	struct zv_channel *chan = uid ? zv_channel_find_by_uniqueid(uid) : NULL;
	if (!chan)
		return;
	struct cdr_live *l = cdr_live_alloc(ev, atomic_fetch_add(&sequence, 1));
	if (!l || zv_channel_datastore_set(chan, CDR_DATASTORE, l, live_store_free)) {
		zv_unref(l);
		zv_unref(chan);
		return;
	}
	l->disabled = !s.channeldefaultenabled;
	l->parent = zv_ref(running_record());
	l->chan = chan; /* borrowed: the channel outlives its Hangup event */
	live_link(l);
	zv_unref(chan);
}

/* A leg created in its caller's coroutine that ran nothing itself (Dial
 * marks its legs AppDial, which does not count). */
static bool confirm_dialed(struct cdr_live *l)
{
	const char *app = l->str[CDR_S_LASTAPP];
	if (!l->parent || (app && strcmp(app, "AppDial")))
		return false;
	struct zv_coro *co = zv_channel_coro(l->chan);
	struct zv_channel *pc = l->parent->chan;
	return !co || (pc && co == zv_channel_coro(pc));
}

static void finish_live(struct cdr_live *l)
{
	struct cdr_settings s;
	settings_get(&s);
	refresh_app(l);
	l->amaflags = zv_channel_amaflags(l->chan);
	l->dialed = confirm_dialed(l);
	if (l->dialed)
		cdr_live_set_peer(l->parent, l);
	live_unlink(l);
	l->parent = zv_unref(l->parent);

	struct timeval now;
	gettimeofday(&now, NULL);
	struct cdr_record tmp;
	cdr_live_finish(l, &s, &now, &tmp);
	if (!cdr_should_post(l, &tmp, &s))
		return;
	tmp.vars = l->vars;
	struct cdr_record *rec = cdr_record_dup(&tmp);
	if (!rec) {
		zv_error("Out of memory: CDR of %s lost", tmp.channel);
		return;
	}
	post_record(rec);
}

static void on_event(void *arg, struct zv_event *ev)
{
	if (!strcmp(ev->name, "Newchannel")) {
		on_newchannel(ev);
		return;
	}
	bool hangup = !strcmp(ev->name, "Hangup");
	if (!hangup && strcmp(ev->name, "Newstate"))
		return;
	const char *uid = zv_event_get(ev, "Uniqueid");
	struct zv_channel *chan = uid ? zv_channel_find_by_uniqueid(uid) : NULL;
	if (!chan)
		return;
	struct cdr_live *l = zv_channel_datastore_get(chan, CDR_DATASTORE);
	if (l && l->chan) {
		cdr_live_apply(l, ev);
		if (hangup)
			finish_live(l);
	}
	zv_unref(chan);
}

/* ---- CDR() and CDR_PROP() ------------------------------------------------------------ */

static struct cdr_live *live_of(struct zv_channel *chan)
{
	struct cdr_live *l = chan ? zv_channel_datastore_get(chan, CDR_DATASTORE) : NULL;
	return l && l->chan ? l : NULL;
}

/* "name[,options]" → name and whether option 'u' was given. */
static char *split_field(char *args, bool *rawp)
{
	char *comma = strchr(args, ',');
	*rawp = false;
	if (comma) {
		*comma = '\0';
		*rawp = strchr(comma + 1, 'u') != NULL;
	}
	while (*args == ' ')
		args++;
	return args;
}

/* Bring the fields the dialplan can change without an event up to date. */
static void refresh_from_channel(struct cdr_live *l, struct zv_channel *chan)
{
	const char *num = zv_channel_cid_num(chan), *name = zv_channel_cid_name(chan);
	num = num ? num : "";
	name = name ? name : "";
	cdr_live_set(l, CDR_S_CHANNEL, zv_channel_name(chan));
	cdr_live_set_callerid(l, num, name);
	cdr_live_set(l, CDR_S_ACCOUNTCODE, zv_channel_accountcode(chan));
	if (strcmp(zv_channel_exten(chan), "h")) {
		cdr_live_set(l, CDR_S_DST, zv_channel_exten(chan));
		cdr_live_set(l, CDR_S_DCONTEXT, zv_channel_context(chan));
	}
	l->amaflags = zv_channel_amaflags(chan);
}

static int cdr_read(struct zv_channel *chan, const char *fname, char *args, char *buf,
		    size_t len)
{
	bool raw;
	char *name = split_field(args, &raw);
	struct cdr_live *l = live_of(chan);
	if (!*name)
		return -EINVAL;
	if (!l) {
		buf[0] = '\0';
		return 0;
	}
	refresh_from_channel(l, chan);
	if (!strcasecmp(name, "lastapp") || !strcasecmp(name, "lastdata"))
		refresh_app(l);
	struct cdr_settings s;
	settings_get(&s);
	struct timeval now;
	gettimeofday(&now, NULL);
	struct cdr_record tmp;
	cdr_live_finish(l, &s, &now, &tmp);
	if (!l->ended)
		tmp.end = (struct timeval){0};
	tmp.vars = l->vars;
	cdr_record_field(&tmp, name, raw, buf, len);
	return 0;
}

static int parse_ama(const char *v)
{
	static const char *const names[] = {"DEFAULT", "OMIT", "BILLING", "DOCUMENTATION"};
	for (int i = 0; i < 4; i++)
		if (!strcasecmp(v, names[i]))
			return i;
	if (!strcasecmp(v, "BILL"))
		return CDR_AMA_BILLING;
	if (!strcasecmp(v, "IGNORE"))
		return CDR_AMA_OMIT;
	if (v[0] >= '0' && v[0] <= '3' && !v[1])
		return v[0] - '0';
	return -1;
}

static int cdr_write(struct zv_channel *chan, const char *fname, char *args, const char *value)
{
	bool raw;
	char *name = split_field(args, &raw);
	struct cdr_live *l = live_of(chan);
	if (!*name || !chan)
		return -EINVAL;
	if (cdr_field_readonly(name)) {
		zv_warn("CDR(%s) is read-only", name);
		return -EPERM;
	}
	if (!strcasecmp(name, "accountcode")) {
		zv_channel_set_accountcode(chan, value);
		return 0;
	}
	if (!strcasecmp(name, "amaflags")) {
		int f = parse_ama(value);
		if (f < 0) {
			zv_warn("Unknown AMA flags '%s'", value);
			return -EINVAL;
		}
		zv_channel_set_amaflags(chan, f);
		return 0;
	}
	if (!l) {
		zv_warn("No CDR on channel %s to set %s on", zv_channel_name(chan), name);
		return 0;
	}
	if (!strcasecmp(name, "userfield")) {
		return cdr_live_set(l, CDR_S_USERFIELD, value);
	}
	return cdr_vars_set(&l->vars, name, value);
}

static int cdr_prop_write(struct zv_channel *chan, const char *fname, char *args,
			  const char *value)
{
	struct cdr_live *l = live_of(chan);
	bool on = false;
	if (!strcasecmp(args, "party_a"))
		return 0; /* one party per record here: nothing to prefer */
	if (strcasecmp(args, "disable")) {
		zv_warn("Unknown CDR property '%s'", args);
		return -EINVAL;
	}
	if (zv_conf_parse_bool(value, &on)) {
		zv_warn("CDR_PROP(disable): '%s' is not a boolean", value);
		return -EINVAL;
	}
	if (l)
		l->disabled = on;
	return 0;
}

static const struct zv_func cdr_funcs[] = {
	{"CDR", "Gets or sets a CDR variable.", "CDR(name[,options])",
	 "Reads a field of the channel's CDR (clid, src, dst, dcontext, channel, "
	 "dstchannel, lastapp, lastdata, start, answer, end, duration, billsec, "
	 "disposition, amaflags, accountcode, peeraccount, uniqueid, linkedid, "
	 "userfield, sequence) or a custom variable.  Option u: times as epoch "
	 "seconds, disposition and amaflags as numbers.  accountcode, amaflags, "
	 "userfield and custom names can be set.",
	 cdr_read, cdr_write},
	{"CDR_PROP", "Set a property on a channel's CDR.", "CDR_PROP(name)",
	 "disable: 1 stops the channel's CDR from being written, 0 enables it "
	 "again.  party_a: accepted.",
	 NULL, cdr_prop_write},
};

/* ---- configuration ------------------------------------------------------------------- */

static const struct zv_conf_option general_options[] = {
	{"enable", "write CDRs"},
	{"unanswered", "log unanswered calls without a party B"},
	{"congestion", "CONGESTION disposition instead of FAILED"},
	{"endbeforehexten", "end the CDR before the h extension"},
	{"initiatedseconds", "count a started second (>= 0.5 s) in billsec"},
	{"batch", "batch mode (accepted; records are written at once)"},
	{"size", "batch size (accepted)"},
	{"time", "batch time (accepted)"},
	{"scheduleronly", "batch scheduling (accepted)"},
	{"safeshutdown", "drain records before shutting down"},
	{"channeldefaultenabled", "CDRs on for new channels"},
	{"ignorestatechanges", "accepted"},
	{"ignoredialchanges", "accepted"},
	{"debug", "accepted"},
	{NULL},
};

void cdr_conf_bool(const struct zv_conf_section *sec, const char *key, bool *out,
		   struct zv_diag *diag)
{
	const struct zv_conf_var *v = NULL, *last = NULL;
	while ((v = zv_conf_var_next(sec, key, v)))
		last = v;
	if (last && zv_conf_parse_bool(last->value, out))
		zv_diag_warn(diag, last->file, last->line, "%s: '%s' is not a boolean", key,
			     last->value);
}

static int engine_prepare(struct zv_module *mod, const struct zv_snapshot *snap,
			  struct zv_diag *diag, void **statep)
{
	struct cdr_settings *s = malloc(sizeof(*s));
	if (!s)
		return -ENOMEM;
	cdr_settings_default(s);
	const struct zv_conf *conf = zv_snapshot_file(snap, "cdr.conf");
	const struct zv_conf_section *sec = conf ? zv_conf_section_find(conf, "general") : NULL;
	if (sec) {
		zv_conf_check_options(sec, general_options, diag);
		cdr_conf_bool(sec, "enable", &s->enable, diag);
		cdr_conf_bool(sec, "unanswered", &s->unanswered, diag);
		cdr_conf_bool(sec, "congestion", &s->congestion, diag);
		cdr_conf_bool(sec, "endbeforehexten", &s->endbeforehexten, diag);
		cdr_conf_bool(sec, "initiatedseconds", &s->initiatedseconds, diag);
		cdr_conf_bool(sec, "batch", &s->batch, diag);
		cdr_conf_bool(sec, "safeshutdown", &s->safeshutdown, diag);
		cdr_conf_bool(sec, "channeldefaultenabled", &s->channeldefaultenabled, diag);
	}
	*statep = s;
	return 0;
}

static void engine_commit(struct zv_module *mod, void *state)
{
	pthread_mutex_lock(&settings_lock);
	settings = *(struct cdr_settings *)state;
	pthread_mutex_unlock(&settings_lock);
	free(state);
}

static void engine_discard(struct zv_module *mod, void *state)
{
	free(state);
}

/* ---- CLI --------------------------------------------------------------------------------- */

static const char *yes_no(bool b)
{
	return b ? "Yes" : "No";
}

static enum zv_cli_result cli_status(struct zv_cli_req *req, int argc, char **argv)
{
	struct cdr_settings s;
	settings_get(&s);
	zv_cli_printf(req, "\nCall Detail Record (CDR) settings\n");
	zv_cli_printf(req, "----------------------------------\n");
	zv_cli_printf(req, "  Logging:                    %s\n", s.enable ? "Enabled" : "Disabled");
	zv_cli_printf(req, "  Mode:                       Simple\n");
	if (!s.enable)
		return ZV_CLI_SUCCESS;
	zv_cli_printf(req, "  Log calls by default:       %s\n", yes_no(s.channeldefaultenabled));
	zv_cli_printf(req, "  Log unanswered calls:       %s\n", yes_no(s.unanswered));
	zv_cli_printf(req, "  Log congestion:             %s\n\n", yes_no(s.congestion));
	zv_cli_printf(req, "* Registered Backends\n");
	zv_cli_printf(req, "  -------------------\n");
	pthread_mutex_lock(&be_lock);
	if (!backends)
		zv_cli_printf(req, "    (none)\n");
	for (struct cdr_backend *be = backends; be; be = be->next)
		zv_cli_printf(req, "    %s\n", be->name);
	pthread_mutex_unlock(&be_lock);
	pthread_mutex_lock(&q_lock);
	unsigned long p = posted, w = written;
	pthread_mutex_unlock(&q_lock);
	zv_cli_printf(req, "\n  Records posted: %lu, written: %lu\n\n", p, w);
	return ZV_CLI_SUCCESS;
}

static const struct zv_cli_cmd cdr_cli[] = {
	{"cdr show status", "Display the CDR status",
	 "Usage: cdr show status\n"
	 "       Displays the Call Detail Record engine system status.\n",
	 cli_status},
	{NULL},
};

/* ---- module -------------------------------------------------------------------------------- */

static int engine_load(struct zv_module *mod)
{
	int err = zv_cli_register(mod, cdr_cli);
	if (!err)
		err = zv_funcs_register(mod, cdr_funcs, sizeof(cdr_funcs) / sizeof(*cdr_funcs));
	if (!err && !zv_event_subscribe(mod, ZV_EVENT_MASK(ZV_EVENT_CHANNEL), NULL, on_event,
					NULL, NULL))
		err = -ENOMEM;
	return err;
}

static int engine_start(struct zv_module *mod)
{
	static bool cond_ready;
	if (!cond_ready) { /* the timed wait of writer_main is on CLOCK_MONOTONIC */
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_destroy(&q_work);
		pthread_cond_init(&q_work, &ca);
		pthread_condattr_destroy(&ca);
		cond_ready = true;
	}
	pthread_mutex_lock(&q_lock);
	q_stopping = false;
	int err = -pthread_create(&q_thread, NULL, writer_main, NULL);
	q_running = !err;
	pthread_mutex_unlock(&q_lock);
	if (err)
		zv_error("Unable to start the CDR writer: %s", strerror(-err));
	return err;
}

static void engine_stop(struct zv_module *mod)
{
	pthread_mutex_lock(&q_lock);
	bool running = q_running;
	q_stopping = true;
	pthread_cond_signal(&q_work);
	pthread_mutex_unlock(&q_lock);
	if (running)
		pthread_join(q_thread, NULL); /* it drains the queue first */
	pthread_mutex_lock(&q_lock);
	q_running = false;
	drain_locked(); /* anything queued after the writer left */
	if (q_unsynced)
		sync_locked();
	pthread_mutex_unlock(&q_lock);
}

ZV_MODULE(cdr) = {
	.summary = "CDR engine: call detail records, CDR() and CDR_PROP()",
	.requires = "dialplan",
	.config = "cdr.conf",
	.load = engine_load,
	.prepare = engine_prepare,
	.commit = engine_commit,
	.discard = engine_discard,
	.start = engine_start,
	.stop = engine_stop,
};
