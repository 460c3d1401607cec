/*
 * The channel core: allocation and naming, the registry of live channels,
 * variables, caller id, hang-up, events to the bus, and waiting for what
 * happens to a channel from its coroutine.  See include/zvonok/channel.h.
 *
 * DESIGN
 * A channel's fields belong to its loop.  The only cross-thread state is
 * the registry (a read-write-locked array used by find/foreach, both
 * rare) and a small "info" copy per channel under its own mutex, updated
 * when the location, state or application changes, so `core show channels`
 * can read every channel from the main loop without touching a worker's
 * objects.  Digits and controls queued by the driver wake the channel's
 * coroutine; the wait loop re-checks the queues after each wake-up, so
 * nothing depends on the exact wake value.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ZV_LOG_MODULE "channel"
#include <zvonok/channel.h>
#include <zvonok/config.h>
#include <zvonok/core.h>
#include <zvonok/coro.h>
#include <zvonok/event.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>
#include <zvonok/str.h>

#include "channels/chan_int.h"

struct chan_var {
	struct chan_var *next;
	char *name; /* as set, with its leading underscores */
	const char *bare; /* points into name past the underscores */
	char *value;
	int inherit; /* 0, 1 (_X) or 2 (__X) */
};

struct datastore {
	struct datastore *next;
	char *key;
	void *data;
	void (*destroy)(void *data);
};

#define DIGITS_MAX 64

struct zv_channel {
	const struct zv_channel_tech *tech;
	void *tech_pvt;
	struct zv_loop *loop;
	struct zv_snapshot *snap;
	char name[80];
	char uniqueid[40];
	char linkedid[40];
	char callid[16];
	enum zv_chan_state state;
	char *context, *exten, *macrocontext;
	int priority;
	char *cid_num, *cid_name, *dnid, *rdnis, *ani;
	char *conn_num, *conn_name;
	/* caller ID presentation (ZV_PRES_*) */
	int cid_name_pres, cid_num_pres, conn_name_pres, conn_num_pres;
	char *language, *accountcode, *musicclass;
	int amaflags;
	struct chan_var *vars, **vars_tail;
	struct datastore *stores;
	struct zv_coro *coro;
	bool hungup, destroyed, registered;
	/* registry (under reg_lock) */
	size_t reg_index; /* in live[] */
	struct zv_channel *uid_next, *name_next; /* hash chains */
	int cause;
	char digits[DIGITS_MAX];
	unsigned ndigits;
	bool answer_pending;
	bool control_pending;
	enum zv_control last_control;
	bool media_pending;
	struct zv_chan_media *media; /* chan_media.c */
	time_t created, answered;
	pthread_mutex_t info_lock;
	struct zv_channel_info info;
	/* call pickup groups (CHANNEL(callgroup)...; see channel.h) */
	uint64_t callgroup, pickupgroup;
	char *named_callgroup, *named_pickupgroup;
};

/* ---- technologies ---------------------------------------------------- */

struct tech_entry {
	struct zv_reg reg; /* first */
	const struct zv_channel_tech *tech;
	struct tech_entry *next;
};

static pthread_rwlock_t tech_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct tech_entry *techs;

static void tech_drop(struct zv_reg *reg)
{
	struct tech_entry *e = (struct tech_entry *)reg;
	pthread_rwlock_wrlock(&tech_lock);
	for (struct tech_entry **pp = &techs; *pp; pp = &(*pp)->next) {
		if (*pp == e) {
			*pp = e->next;
			break;
		}
	}
	pthread_rwlock_unlock(&tech_lock);
	free(e);
}

int zv_channel_tech_register(struct zv_module *mod, const struct zv_channel_tech *tech)
{
	if (zv_channel_tech_find(tech->type))
		return -EEXIST;
	struct tech_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->tech = tech;
	pthread_rwlock_wrlock(&tech_lock);
	e->next = techs;
	techs = e;
	pthread_rwlock_unlock(&tech_lock);
	if (mod)
		zv_module_own(mod, &e->reg, tech_drop);
	return 0;
}

const struct zv_channel_tech *zv_channel_tech_find(const char *type)
{
	const struct zv_channel_tech *t = NULL;
	pthread_rwlock_rdlock(&tech_lock);
	for (struct tech_entry *e = techs; e; e = e->next) {
		if (!strcasecmp(e->tech->type, type)) {
			t = e->tech;
			break;
		}
	}
	pthread_rwlock_unlock(&tech_lock);
	return t;
}

/* ---- registry of live channels --------------------------------------- */

/*
 * All live channels in one array (for `core show channels`), plus two
 * chained hash tables over it, by uniqueid and by name (case-insensitive,
 * as channel names are looked up), so finding a channel costs the same
 * with 10 calls up as with 10,000; the tables double with the array.
 */
static pthread_rwlock_t reg_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct zv_channel **live;
static size_t nlive, clive;
static struct zv_channel **by_uid, **by_name; /* nbuckets each, a power of two */
static size_t nbuckets;
static atomic_uint name_seq, uid_seq, callid_seq;

static size_t key_hash(const char *s, bool fold)
{
	uint64_t h = 1469598103934665603u; /* FNV-1a */
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		h = (h ^ (fold ? (unsigned char)tolower(ch) : ch)) * 1099511628211u;
	}
	return (size_t)(h ^ h >> 29) & (nbuckets - 1);
}

static void chains_link(struct zv_channel *c)
{
	size_t u = key_hash(c->uniqueid, false), n = key_hash(c->name, true);
	c->uid_next = by_uid[u];
	by_uid[u] = c;
	c->name_next = by_name[n];
	by_name[n] = c;
}

static void name_unlink(struct zv_channel *c)
{
	struct zv_channel **pp = &by_name[key_hash(c->name, true)];
	while (*pp && *pp != c)
		pp = &(*pp)->name_next;
	if (*pp)
		*pp = c->name_next;
}

static void uid_unlink(struct zv_channel *c)
{
	struct zv_channel **pp = &by_uid[key_hash(c->uniqueid, false)];
	while (*pp && *pp != c)
		pp = &(*pp)->uid_next;
	if (*pp)
		*pp = c->uid_next;
}

/* Room for one more channel; reg_lock held for writing. */
static int registry_grow(void)
{
	if (nlive == clive) {
		size_t cap = clive ? clive * 2 : 64;
		struct zv_channel **n = realloc(live, cap * sizeof(*n));
		if (!n)
			return -ENOMEM;
		live = n;
		clive = cap;
	}
	if (nlive < nbuckets)
		return 0;
	size_t nb = nbuckets ? nbuckets * 2 : 256;
	struct zv_channel **u = calloc(nb, sizeof(*u)), **n = calloc(nb, sizeof(*n));
	if (!u || !n) {
		free(u);
		free(n);
		return nbuckets ? 0 : -ENOMEM; /* longer chains, still correct */
	}
	free(by_uid);
	free(by_name);
	by_uid = u;
	by_name = n;
	nbuckets = nb;
	for (size_t i = 0; i < nlive; i++)
		chains_link(live[i]);
	return 0;
}

static int registry_add(struct zv_channel *chan)
{
	pthread_rwlock_wrlock(&reg_lock);
	int err = registry_grow();
	if (!err) {
		chan->reg_index = nlive;
		live[nlive++] = chan;
		chains_link(chan);
	}
	pthread_rwlock_unlock(&reg_lock);
	return err;
}

static void registry_remove(struct zv_channel *chan)
{
	pthread_rwlock_wrlock(&reg_lock);
	size_t i = chan->reg_index;
	if (i < nlive && live[i] == chan) {
		uid_unlink(chan);
		name_unlink(chan);
		live[i] = live[--nlive];
		live[i]->reg_index = i;
	}
	pthread_rwlock_unlock(&reg_lock);
}

static struct zv_channel *registry_find(bool by_uid_key, const char *key)
{
	struct zv_channel *found = NULL;
	pthread_rwlock_rdlock(&reg_lock);
	if (nbuckets) {
		struct zv_channel *c = by_uid_key ? by_uid[key_hash(key, false)]
						  : by_name[key_hash(key, true)];
		for (; c; c = by_uid_key ? c->uid_next : c->name_next) {
			if (by_uid_key ? !strcmp(c->uniqueid, key) : !strcasecmp(c->name, key)) {
				found = zv_ref(c);
				break;
			}
		}
	}
	pthread_rwlock_unlock(&reg_lock);
	return found;
}

struct zv_channel *zv_channel_find(const char *name)
{
	return registry_find(false, name);
}

struct zv_channel *zv_channel_find_by_uniqueid(const char *uniqueid)
{
	return registry_find(true, uniqueid);
}

size_t zv_channel_count(void)
{
	pthread_rwlock_rdlock(&reg_lock);
	size_t n = nlive;
	pthread_rwlock_unlock(&reg_lock);
	return n;
}

void zv_channel_foreach(void (*cb)(void *arg, const struct zv_channel_info *info), void *arg)
{
	pthread_rwlock_rdlock(&reg_lock);
	size_t n = nlive;
	struct zv_channel_info *copy = n ? malloc(n * sizeof(*copy)) : NULL;
	if (copy) {
		for (size_t i = 0; i < n; i++) {
			pthread_mutex_lock(&live[i]->info_lock);
			copy[i] = live[i]->info;
			pthread_mutex_unlock(&live[i]->info_lock);
		}
	}
	pthread_rwlock_unlock(&reg_lock);
	for (size_t i = 0; copy && i < n; i++)
		cb(arg, &copy[i]);
	free(copy);
}

/* A plain copy: snprintf("%s") was 8% of a call's instructions here
 * (info_update() runs on every state and location change). */
static void copy_field(char *dst, size_t size, const char *src)
{
	zv_str_copy(zv_str_c(src ? src : ""), dst, size);
}

/* Building an identifier in a fixed buffer, truncated as snprintf would. */
struct idbuf {
	char *p;
	size_t size, len;
};

static void id_putn(struct idbuf *b, const char *s, size_t n)
{
	if (b->len + 1 >= b->size)
		return;
	if (n > b->size - 1 - b->len)
		n = b->size - 1 - b->len;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void id_put(struct idbuf *b, const char *s)
{
	id_putn(b, s, strlen(s));
}

/* "%08x" of a 32-bit value: always 8 digits. */
static void id_hex8(struct idbuf *b, uint32_t v)
{
	char t[8];
	for (int i = 7; i >= 0; i--, v >>= 4)
		t[i] = "0123456789abcdef"[v & 15];
	id_putn(b, t, 8);
}

static void id_dec(struct idbuf *b, unsigned long long v)
{
	char t[24], *e = t + sizeof(t), *p = e;
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10));
	id_putn(b, p, (size_t)(e - p));
}

static void info_update(struct zv_channel *c)
{
	pthread_mutex_lock(&c->info_lock);
	struct zv_channel_info *i = &c->info;
	copy_field(i->context, sizeof(i->context), c->context);
	copy_field(i->exten, sizeof(i->exten), c->exten);
	i->priority = c->priority;
	i->state = c->state;
	copy_field(i->cid_num, sizeof(i->cid_num), c->cid_num);
	copy_field(i->cid_name, sizeof(i->cid_name), c->cid_name);
	copy_field(i->accountcode, sizeof(i->accountcode), c->accountcode);
	copy_field(i->linkedid, sizeof(i->linkedid), c->linkedid);
	i->answered = c->answered;
	i->callgroup = c->callgroup;
	i->pickupgroup = c->pickupgroup;
	pthread_mutex_unlock(&c->info_lock);
}

/* ---- events ----------------------------------------------------------- */

static void add_std_fields(struct zv_event *ev, const struct zv_channel *c)
{
	zv_event_add(ev, "Channel", "%s", c->name);
	zv_event_add(ev, "ChannelState", "%d", (int)c->state);
	zv_event_add(ev, "ChannelStateDesc", "%s", zv_chan_state_name(c->state));
	zv_event_add(ev, "CallerIDNum", "%s", c->cid_num ? c->cid_num : "<unknown>");
	zv_event_add(ev, "CallerIDName", "%s", c->cid_name ? c->cid_name : "<unknown>");
	zv_event_add(ev, "ConnectedLineNum", "%s", c->conn_num ? c->conn_num : "<unknown>");
	zv_event_add(ev, "ConnectedLineName", "%s", c->conn_name ? c->conn_name : "<unknown>");
	zv_event_add(ev, "Language", "%s", c->language ? c->language : "en");
	zv_event_add(ev, "AccountCode", "%s", c->accountcode ? c->accountcode : "");
	zv_event_add(ev, "Context", "%s", c->context ? c->context : "");
	zv_event_add(ev, "Exten", "%s", c->exten ? c->exten : "");
	zv_event_add(ev, "Priority", "%d", c->priority);
	zv_event_add(ev, "Uniqueid", "%s", c->uniqueid);
	zv_event_add(ev, "Linkedid", "%s", c->linkedid);
}

static void publish(struct zv_channel *c, const char *name, int cause)
{
	struct zv_event *ev = zv_event_alloc(ZV_EVENT_CHANNEL, name);
	if (!ev)
		return;
	add_std_fields(ev, c);
	if (cause >= 0) {
		zv_event_add(ev, "Cause", "%d", cause);
		zv_event_add(ev, "Cause-txt", "%s", zv_cause_text(cause));
	}
	zv_event_publish(ev);
	zv_unref(ev);
}

/* ---- lifecycle ---------------------------------------------------------- */

static void free_vars(struct zv_channel *c)
{
	struct chan_var *v = c->vars;
	while (v) {
		struct chan_var *n = v->next;
		free(v->name);
		free(v->value);
		free(v);
		v = n;
	}
	c->vars = NULL;
	c->vars_tail = &c->vars;
}

static void free_stores(struct zv_channel *c)
{
	while (c->stores) {
		struct datastore *d = c->stores;
		c->stores = d->next;
		if (d->destroy)
			d->destroy(d->data);
		free(d->key);
		free(d);
	}
}

static void channel_free(void *obj)
{
	struct zv_channel *c = obj;
	if (!c->destroyed && c->registered) {
		/* Last reference dropped without zv_channel_destroy(): a bug in
		 * the owner, but do not leave a dangling registry entry. */
		zv_warn("Channel %s freed without being destroyed", c->name);
		registry_remove(c);
		zv_core_call_ended();
	}
	free_stores(c);
	free_vars(c);
	zv_unref(c->coro);
	zv_unref(c->snap);
	free(c->context);
	free(c->exten);
	free(c->macrocontext);
	free(c->cid_num);
	free(c->cid_name);
	free(c->dnid);
	free(c->rdnis);
	free(c->ani);
	free(c->conn_num);
	free(c->conn_name);
	free(c->language);
	free(c->accountcode);
	free(c->musicclass);
	free(c->named_callgroup);
	free(c->named_pickupgroup);
	pthread_mutex_destroy(&c->info_lock);
}

static int set_str(char **slot, const char *v)
{
	char *n = NULL;
	if (v && !(n = strdup(v)))
		return -ENOMEM;
	free(*slot);
	*slot = n;
	return 0;
}

struct zv_channel *zv_channel_alloc(const struct zv_channel_tech *tech, const char *peer,
				    void *tech_pvt, const char *context, const char *exten,
				    enum zv_chan_state state)
{
	struct zv_loop *loop = zv_loop_current();
	if (!loop)
		return NULL;
	struct zv_channel *c = zv_obj_alloc(sizeof(*c), channel_free);
	if (!c)
		return NULL;
	pthread_mutex_init(&c->info_lock, NULL);
	c->vars_tail = &c->vars;
	c->tech = tech;
	c->tech_pvt = tech_pvt;
	c->loop = loop;
	c->state = state;
	c->priority = 1;
	c->snap = zv_snapshot_ref_current();
	c->created = time(NULL);
	/* Assembled by hand: three snprintf() were 2% of a call's set-up. */
	unsigned seq = atomic_fetch_add(&name_seq, 1) + 1;
	struct idbuf nb = {c->name, sizeof(c->name), 0};
	id_put(&nb, tech->type);
	id_put(&nb, "/");
	id_put(&nb, peer ? peer : "");
	id_put(&nb, "-");
	id_hex8(&nb, seq); /* "%s/%s-%08x" */
	const char *sys = zv_core_systemname();
	unsigned uid = atomic_fetch_add(&uid_seq, 1);
	struct idbuf ub = {c->uniqueid, sizeof(c->uniqueid), 0};
	if (*sys) {
		id_put(&ub, sys);
		id_put(&ub, "-");
	}
	id_dec(&ub, (unsigned long long)c->created);
	id_put(&ub, ".");
	id_dec(&ub, uid); /* "%s%s%ld.%u" */
	copy_field(c->linkedid, sizeof(c->linkedid), c->uniqueid);
	struct idbuf cb = {c->callid, sizeof(c->callid), 0};
	id_put(&cb, "C-");
	id_hex8(&cb, atomic_fetch_add(&callid_seq, 1) + 1); /* "C-%08x" */
	if (set_str(&c->context, context ? context : "default") ||
	    set_str(&c->exten, exten ? exten : "s") || set_str(&c->language, "en"))
		return zv_unref(c);

	copy_field(c->info.name, sizeof(c->info.name), c->name);
	copy_field(c->info.uniqueid, sizeof(c->info.uniqueid), c->uniqueid);
	c->info.created = c->created;
	info_update(c);
	if (registry_add(c) < 0)
		return zv_unref(c);
	c->registered = true;
	zv_core_call_started();
	publish(c, "Newchannel", -1);
	return c;
}

void zv_channel_destroy(struct zv_channel *c)
{
	if (c->destroyed)
		return;
	c->destroyed = true;
	c->hungup = true;
	if (!c->cause)
		c->cause = ZV_CAUSE_NORMAL_CLEARING;
	if (c->tech && c->tech->hangup)
		c->tech->hangup(c);
	zv__channel_media_free(c);
	publish(c, "Hangup", c->cause);
	registry_remove(c);
	c->registered = false;
	zv_core_call_ended();
	free_stores(c);
}

int zv_channel_set_name(struct zv_channel *c, const char *name)
{
	if (!name || strlen(name) >= sizeof(c->name))
		return -EINVAL;
	pthread_rwlock_wrlock(&reg_lock);
	bool linked = c->reg_index < nlive && live[c->reg_index] == c;
	if (linked)
		name_unlink(c);
	copy_field(c->name, sizeof(c->name), name);
	if (linked) {
		struct zv_channel **head = &by_name[key_hash(c->name, true)];
		c->name_next = *head;
		*head = c;
	}
	pthread_rwlock_unlock(&reg_lock);
	pthread_mutex_lock(&c->info_lock);
	copy_field(c->info.name, sizeof(c->info.name), c->name);
	pthread_mutex_unlock(&c->info_lock);
	return 0;
}

/* ---- accessors ------------------------------------------------------------ */

const char *zv_channel_name(const struct zv_channel *c) { return c->name; }
const char *zv_channel_uniqueid(const struct zv_channel *c) { return c->uniqueid; }
const char *zv_channel_linkedid(const struct zv_channel *c) { return c->linkedid; }
const char *zv_channel_callid(const struct zv_channel *c) { return c->callid; }
struct zv_loop *zv_channel_loop(const struct zv_channel *c) { return c->loop; }
const struct zv_channel_tech *zv_channel_tech(const struct zv_channel *c) { return c->tech; }
void *zv_channel_tech_pvt(const struct zv_channel *c) { return c->tech_pvt; }
void zv_channel_set_tech_pvt(struct zv_channel *c, void *pvt) { c->tech_pvt = pvt; }
enum zv_chan_state zv_channel_state(const struct zv_channel *c) { return c->state; }
const struct zv_snapshot *zv_channel_snapshot(const struct zv_channel *c) { return c->snap; }
const char *zv_channel_context(const struct zv_channel *c) { return c->context; }
const char *zv_channel_exten(const struct zv_channel *c) { return c->exten; }
int zv_channel_priority(const struct zv_channel *c) { return c->priority; }
const char *zv_channel_macrocontext(const struct zv_channel *c) { return c->macrocontext; }
const char *zv_channel_cid_num(const struct zv_channel *c) { return c->cid_num; }
const char *zv_channel_cid_name(const struct zv_channel *c) { return c->cid_name; }
const char *zv_channel_cid_dnid(const struct zv_channel *c) { return c->dnid; }
const char *zv_channel_cid_rdnis(const struct zv_channel *c) { return c->rdnis; }
const char *zv_channel_cid_ani(const struct zv_channel *c) { return c->ani; }
const char *zv_channel_connected_num(const struct zv_channel *c) { return c->conn_num; }
const char *zv_channel_connected_name(const struct zv_channel *c) { return c->conn_name; }
const char *zv_channel_language(const struct zv_channel *c) { return c->language; }
const char *zv_channel_accountcode(const struct zv_channel *c) { return c->accountcode; }
int zv_channel_amaflags(const struct zv_channel *c) { return c->amaflags; }
void zv_channel_set_amaflags(struct zv_channel *c, int flags) { c->amaflags = flags; }
const char *zv_channel_musicclass(const struct zv_channel *c) { return c->musicclass; }
struct zv_coro *zv_channel_coro(const struct zv_channel *c) { return c->coro; }
bool zv_channel_is_hungup(const struct zv_channel *c) { return c->hungup; }
int zv_channel_hangupcause(const struct zv_channel *c) { return c->cause; }
void zv_channel_set_hangupcause(struct zv_channel *c, int cause) { c->cause = cause; }
enum zv_control zv_channel_last_control(const struct zv_channel *c) { return c->last_control; }
time_t zv_channel_created(const struct zv_channel *c) { return c->created; }
time_t zv_channel_answered(const struct zv_channel *c) { return c->answered; }

void zv_channel_set_coro(struct zv_channel *c, struct zv_coro *co)
{
	zv_unref(c->coro);
	c->coro = zv_ref(co);
}

void zv_channel_set_state(struct zv_channel *c, enum zv_chan_state state)
{
	if (c->state == state)
		return;
	c->state = state;
	if (state == ZV_STATE_UP && !c->answered)
		c->answered = time(NULL);
	info_update(c);
	publish(c, "Newstate", -1);
}

void zv_channel_set_location(struct zv_channel *c, const char *context, const char *exten,
			     int priority)
{
	if (context && context != c->context)
		set_str(&c->context, context);
	if (exten && exten != c->exten)
		set_str(&c->exten, exten);
	c->priority = priority;
	info_update(c);
}

void zv_channel_set_cid(struct zv_channel *c, const char *name, const char *num)
{
	set_str(&c->cid_name, name);
	set_str(&c->cid_num, num);
	info_update(c);
}

void zv_channel_set_cid_extra(struct zv_channel *c, const char *dnid, const char *rdnis,
			      const char *ani)
{
	set_str(&c->dnid, dnid);
	set_str(&c->rdnis, rdnis);
	set_str(&c->ani, ani);
}

void zv_channel_set_connected(struct zv_channel *c, const char *name, const char *num)
{
	set_str(&c->conn_name, name);
	set_str(&c->conn_num, num);
}

/* ---- caller ID presentation --------------------------------------------- */

static const struct {
	int value;
	const char *name, *text;
} pres_names[] = {
	{0x00, "allowed_not_screened", "Presentation Allowed, Not Screened"},
	{0x01, "allowed_passed_screen", "Presentation Allowed, Passed Screen"},
	{0x02, "allowed_failed_screen", "Presentation Allowed, Failed Screen"},
	{0x03, "allowed", "Presentation Allowed, Network Number"},
	{0x20, "prohib_not_screened", "Presentation Prohibited, Not Screened"},
	{0x21, "prohib_passed_screen", "Presentation Prohibited, Passed Screen"},
	{0x22, "prohib_failed_screen", "Presentation Prohibited, Failed Screen"},
	{0x23, "prohib", "Presentation Prohibited, Network Number"},
	{0x43, "unavailable", "Number Unavailable"},
};

int zv_pres_parse(const char *s)
{
	if (!s)
		return -1;
	while (*s == ' ')
		s++;
	if (*s >= '0' && *s <= '9') {
		char *end;
		long v = strtol(s, &end, 10);
		while (*end == ' ')
			end++;
		return *end || v > 255 ? -1 : (int)v;
	}
	size_t n = strlen(s);
	while (n && s[n - 1] == ' ')
		n--;
	for (size_t i = 0; i < sizeof(pres_names) / sizeof(*pres_names); i++)
		if (strlen(pres_names[i].name) == n && !strncasecmp(s, pres_names[i].name, n))
			return pres_names[i].value;
	return -1;
}

const char *zv_pres_name(int pres)
{
	for (size_t i = 0; i < sizeof(pres_names) / sizeof(*pres_names); i++)
		if (pres_names[i].value == pres)
			return pres_names[i].name;
	return "unknown";
}

const char *zv_pres_describe(int pres)
{
	for (size_t i = 0; i < sizeof(pres_names) / sizeof(*pres_names); i++)
		if (pres_names[i].value == pres)
			return pres_names[i].text;
	return "Unknown Reason";
}

/* Rank of a restriction: prohibited wins over allowed, allowed over
 * unavailable, anything else counts as unavailable. */
static int pres_rank(int r)
{
	return r == ZV_PRES_RESTRICTED ? 0 : r == ZV_PRES_ALLOWED ? 1 : 2;
}

int zv_pres_combine(int name_pres, int num_pres)
{
	int nr = name_pres & ZV_PRES_RESTRICTION, ur = num_pres & ZV_PRES_RESTRICTION;
	if (ur != ZV_PRES_RESTRICTED && ur != ZV_PRES_ALLOWED)
		ur = ZV_PRES_UNAVAILABLE;
	if (pres_rank(nr) < pres_rank(ur))
		ur = nr;
	if (ur == ZV_PRES_UNAVAILABLE)
		return ZV_PRES_NUMBER_NOT_AVAILABLE;
	return ur | (num_pres & ZV_PRES_SCREENING);
}

int zv_channel_cid_name_pres(const struct zv_channel *c) { return c->cid_name_pres; }
int zv_channel_cid_num_pres(const struct zv_channel *c) { return c->cid_num_pres; }
int zv_channel_connected_name_pres(const struct zv_channel *c) { return c->conn_name_pres; }
int zv_channel_connected_num_pres(const struct zv_channel *c) { return c->conn_num_pres; }

int zv_channel_cid_pres(const struct zv_channel *c)
{
	return zv_pres_combine(c->cid_name_pres, c->cid_num_pres);
}

int zv_channel_connected_pres(const struct zv_channel *c)
{
	return zv_pres_combine(c->conn_name_pres, c->conn_num_pres);
}

void zv_channel_set_cid_pres(struct zv_channel *c, int name_pres, int num_pres)
{
	c->cid_name_pres = name_pres & 0xff;
	c->cid_num_pres = num_pres & 0xff;
}

void zv_channel_set_connected_pres(struct zv_channel *c, int name_pres, int num_pres)
{
	c->conn_name_pres = name_pres & 0xff;
	c->conn_num_pres = num_pres & 0xff;
}

void zv_channel_copy_cid(struct zv_channel *dst, const struct zv_channel *src)
{
	zv_channel_set_cid(dst, src->cid_name, src->cid_num);
	zv_channel_set_cid_pres(dst, src->cid_name_pres, src->cid_num_pres);
}

void zv_channel_set_language(struct zv_channel *c, const char *lang)
{
	set_str(&c->language, lang && *lang ? lang : "en");
}

void zv_channel_set_accountcode(struct zv_channel *c, const char *code)
{
	set_str(&c->accountcode, code);
	info_update(c);
}

void zv_channel_set_musicclass(struct zv_channel *c, const char *cls)
{
	set_str(&c->musicclass, cls);
}

void zv_channel_set_app(struct zv_channel *c, const char *app, const char *data)
{
	pthread_mutex_lock(&c->info_lock);
	copy_field(c->info.appl, sizeof(c->info.appl), app);
	copy_field(c->info.data, sizeof(c->info.data), data);
	pthread_mutex_unlock(&c->info_lock);
}

void zv_channel_get_app(const struct zv_channel *chan, char *app, size_t app_size, char *data,
			size_t data_size)
{
	struct zv_channel *c = (struct zv_channel *)chan; /* the lock, not the fields */
	pthread_mutex_lock(&c->info_lock);
	copy_field(app, app_size, c->info.appl);
	copy_field(data, data_size, c->info.data);
	pthread_mutex_unlock(&c->info_lock);
}

/* ---- call pickup groups ----------------------------------------------------- */

int zv_group_parse(const char *text, uint64_t *mask)
{
	int rc = 0;
	const char *p = text;
	*mask = 0;
	while (*p) {
		char *end;
		long lo, hi;
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		if (*p < '0' || *p > '9') {
			rc = -1;
			break;
		}
		lo = strtol(p, &end, 10);
		hi = lo;
		p = end;
		if (*p == '-') {
			p++;
			if (*p < '0' || *p > '9') {
				rc = -1;
				break;
			}
			hi = strtol(p, &end, 10);
			p = end;
		}
		while (*p == ' ' || *p == '\t')
			p++;
		if ((*p && *p != ',') || lo < 0 || hi > 63 || lo > hi) {
			rc = -1;
			while (*p && *p != ',')
				p++;
			continue;
		}
		for (long n = lo; n <= hi; n++)
			*mask |= (uint64_t)1 << n;
	}
	return rc;
}

void zv_group_print(uint64_t mask, char *buf, size_t size)
{
	size_t len = 0;
	if (size)
		buf[0] = '\0';
	for (int n = 0; n < 64 && len < size; n++) {
		if (!(mask >> n & 1))
			continue;
		int r = snprintf(buf + len, size - len, "%s%d", len ? "," : "", n);
		if (r < 0)
			return;
		len += (size_t)r;
	}
}

/* The next name of a comma-separated group list at *pp (spaces around
 * names ignored): its start, or NULL at the end; *lenp its length. */
static const char *named_next(const char **pp, size_t *lenp)
{
	const char *p = *pp;
	for (;;) {
		while (p && (*p == ' ' || *p == ','))
			p++;
		if (!p || !*p)
			return NULL;
		const char *e = strchr(p, ',');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		size_t k = n;
		while (k && p[k - 1] == ' ')
			k--;
		*pp = p + n;
		if (k) {
			*lenp = k;
			return p;
		}
		p += n;
	}
}

static bool named_has(const char *list, const char *name, size_t nlen)
{
	size_t k;
	for (const char *p = list, *nm; (nm = named_next(&p, &k));)
		if (k == nlen && !strncasecmp(nm, name, k))
			return true;
	return false;
}

bool zv_named_groups_intersect(const char *a, const char *b)
{
	size_t k;
	for (const char *p = a, *nm; (nm = named_next(&p, &k));)
		if (named_has(b, nm, k))
			return true;
	return false;
}

uint64_t zv_channel_callgroup(const struct zv_channel *c) { return c->callgroup; }
uint64_t zv_channel_pickupgroup(const struct zv_channel *c) { return c->pickupgroup; }
const char *zv_channel_named_callgroup(const struct zv_channel *c) { return c->named_callgroup; }
const char *zv_channel_named_pickupgroup(const struct zv_channel *c)
{
	return c->named_pickupgroup;
}

void zv_channel_set_groups(struct zv_channel *c, uint64_t callgroup, uint64_t pickupgroup)
{
	c->callgroup = callgroup;
	c->pickupgroup = pickupgroup;
	info_update(c);
}

int zv_channel_set_named_groups(struct zv_channel *c, const char *callgroup,
				const char *pickupgroup)
{
	if (set_str(&c->named_callgroup, callgroup && *callgroup ? callgroup : NULL) ||
	    set_str(&c->named_pickupgroup, pickupgroup && *pickupgroup ? pickupgroup : NULL))
		return -ENOMEM;
	return 0;
}

/* ---- variables ------------------------------------------------------------ */

static const char *strip_underscores(const char *name, int *levelp)
{
	int level = 0;
	if (name[0] == '_') {
		level = name[1] == '_' ? 2 : 1;
		name += level;
	}
	if (levelp)
		*levelp = level;
	return name;
}

static struct chan_var **var_slot(const struct zv_channel *c, const char *bare)
{
	struct chan_var **pp = (struct chan_var **)&c->vars;
	for (; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->bare, bare))
			return pp;
	return NULL;
}

int zv_channel_var_set(struct zv_channel *c, const char *name, const char *value)
{
	int level;
	const char *bare = strip_underscores(name, &level);
	struct chan_var **pp = var_slot(c, bare);
	if (pp) {
		struct chan_var *v = *pp;
		*pp = v->next;
		if (c->vars_tail == &v->next)
			c->vars_tail = pp;
		free(v->name);
		free(v->value);
		free(v);
	}
	if (!value)
		return 0;
	struct chan_var *v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->name = strdup(name);
	v->value = strdup(value);
	if (!v->name || !v->value) {
		free(v->name);
		free(v->value);
		free(v);
		return -ENOMEM;
	}
	v->bare = v->name + level;
	v->inherit = level;
	*c->vars_tail = v;
	c->vars_tail = &v->next;
	return 0;
}

const char *zv_channel_var_get(const struct zv_channel *c, const char *name)
{
	struct chan_var **pp = var_slot(c, strip_underscores(name, NULL));
	return pp ? (*pp)->value : NULL;
}

void zv_channel_var_foreach(const struct zv_channel *c,
			    void (*cb)(void *arg, const char *name, const char *value), void *arg)
{
	for (const struct chan_var *v = c->vars; v; v = v->next)
		cb(arg, v->name, v->value);
}

int zv_channel_inherit_vars(struct zv_channel *child, const struct zv_channel *parent)
{
	for (const struct chan_var *v = parent->vars; v; v = v->next) {
		if (!v->inherit)
			continue;
		/* _X arrives as X (no further), __X stays __X (forever). */
		int err = zv_channel_var_set(child, v->inherit == 2 ? v->name : v->bare, v->value);
		if (err)
			return err;
	}
	copy_field(child->linkedid, sizeof(child->linkedid), parent->linkedid);
	info_update(child);
	return 0;
}

/* ---- datastores ----------------------------------------------------------- */

void *zv_channel_datastore_get(const struct zv_channel *c, const char *key)
{
	for (struct datastore *d = c->stores; d; d = d->next)
		if (!strcmp(d->key, key))
			return d->data;
	return NULL;
}

int zv_channel_datastore_set(struct zv_channel *c, const char *key, void *data,
			     void (*destroy)(void *data))
{
	for (struct datastore **pp = &c->stores; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->key, key)) {
			struct datastore *d = *pp;
			*pp = d->next;
			if (d->destroy)
				d->destroy(d->data);
			free(d->key);
			free(d);
			break;
		}
	}
	if (!data)
		return 0;
	struct datastore *d = calloc(1, sizeof(*d));
	if (!d || !(d->key = strdup(key))) {
		free(d);
		return -ENOMEM;
	}
	d->data = data;
	d->destroy = destroy;
	d->next = c->stores;
	c->stores = d;
	return 0;
}

/* ---- hang-up, answer, events from the driver ------------------------------- */

static void wake(struct zv_channel *c, int value)
{
	if (c->coro)
		zv_coro_wake(c->coro, value);
}

void zv_channel_queue_media_event(struct zv_channel *c)
{
	c->media_pending = true;
	wake(c, ZV_WAKE_FRAME);
}

struct zv_chan_media **zv__channel_media_slot(struct zv_channel *c)
{
	return &c->media;
}

void zv_channel_softhangup(struct zv_channel *c, int cause)
{
	if (cause > 0 && !c->cause)
		c->cause = cause;
	if (c->hungup)
		return;
	c->hungup = true;
	wake(c, ZV_WAKE_HANGUP);
}

int zv_channel_answer(struct zv_channel *c)
{
	if (c->hungup)
		return -EPIPE;
	if (c->state == ZV_STATE_UP)
		return 0;
	if (c->tech && c->tech->answer) {
		int err = c->tech->answer(c);
		if (err)
			return err;
	}
	zv_channel_set_state(c, ZV_STATE_UP);
	return 0;
}

int zv_channel_indicate(struct zv_channel *c, enum zv_control control)
{
	if (c->hungup)
		return -EPIPE;
	int err = (c->tech && c->tech->indicate) ? c->tech->indicate(c, control) : 0;
	if (!err && control == ZV_CONTROL_RINGING && c->state == ZV_STATE_RING)
		zv_channel_set_state(c, ZV_STATE_RINGING);
	return err;
}

void zv_channel_queue_digit(struct zv_channel *c, char digit)
{
	if (c->ndigits < DIGITS_MAX)
		c->digits[c->ndigits++] = digit;
	wake(c, (unsigned char)digit);
}

void zv_channel_queue_control(struct zv_channel *c, enum zv_control control)
{
	c->last_control = control;
	if (control == ZV_CONTROL_ANSWER) {
		c->answer_pending = true;
		zv_channel_set_state(c, ZV_STATE_UP);
		wake(c, ZV_WAKE_ANSWER);
		return;
	}
	if (control == ZV_CONTROL_HANGUP) {
		zv_channel_softhangup(c, 0);
		return;
	}
	if (control == ZV_CONTROL_RINGING && c->state != ZV_STATE_UP)
		zv_channel_set_state(c, ZV_STATE_RINGING);
	else if (control == ZV_CONTROL_BUSY && c->state != ZV_STATE_UP)
		zv_channel_set_state(c, ZV_STATE_BUSY);
	c->control_pending = true;
	wake(c, ZV_WAKE_CONTROL);
}

/* What is queued, in priority order; 0 when nothing. */
static int take_pending(struct zv_channel *c, bool digits_too)
{
	if (c->hungup)
		return ZV_WAKE_HANGUP;
	if (c->answer_pending) {
		c->answer_pending = false;
		return ZV_WAKE_ANSWER;
	}
	if (c->control_pending) {
		c->control_pending = false;
		return ZV_WAKE_CONTROL;
	}
	if (c->media_pending) {
		c->media_pending = false;
		return ZV_WAKE_FRAME;
	}
	if (digits_too && c->ndigits) {
		int d = (unsigned char)c->digits[0];
		memmove(c->digits, c->digits + 1, --c->ndigits);
		return d;
	}
	return 0;
}

int zv_channel_send_digit(struct zv_channel *c, char digit, unsigned duration_ms)
{
	if (c->hungup)
		return -EPIPE;
	if (!c->tech || !c->tech->send_digit)
		return -ENOTSUP;
	return c->tech->send_digit(c, digit, duration_ms);
}

int zv_channel_poll(struct zv_channel *c)
{
	return take_pending(c, true);
}

int zv_channel_wait(struct zv_channel *c, uint32_t timeout_ms)
{
	uint64_t end = timeout_ms ? zv_mono_ms() + timeout_ms : 0;
	for (;;) {
		int r = take_pending(c, true);
		if (r)
			return r;
		uint32_t left = 0;
		if (end) {
			uint64_t now = zv_mono_ms();
			if (now >= end)
				return -ETIMEDOUT;
			left = (uint32_t)(end - now);
		}
		if (!zv_coro_current())
			return -EINVAL;
		zv_coro_wait(left); /* then re-check queues and the clock */
	}
}

int zv_channel_sleep(struct zv_channel *c, uint32_t ms)
{
	uint64_t end = zv_mono_ms() + ms;
	for (;;) {
		if (c->hungup)
			return ZV_WAKE_HANGUP;
		uint64_t now = zv_mono_ms();
		if (now >= end)
			return 0;
		if (!zv_coro_current())
			return -EINVAL;
		zv_coro_wait((uint32_t)(end - now)); /* re-check hang-up and clock */
	}
}
