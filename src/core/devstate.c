/*
 * Device state (include/zvonok/devstate.h): the state cache, providers,
 * Custom: devices kept in AstDB, the aggregation and extension-state
 * rules for hints, and the `devstate` module with `devstate list` and
 * `devstate change`.
 *
 * DESIGN
 * The cache is a chained hash table of device name -> state under a
 * read-write lock; zv_devstate_get() (frequent, from every worker) takes
 * the read side for one lookup.  A change takes the recursive change_lock
 * first, then the cache's write side just for the update; the event is
 * published after the cache lock is released but before change_lock is,
 * so two threads changing one device publish in the order the cache saw
 * them and synchronous subscribers can read the cache (and even report
 * other devices) from their callback.
 *
 * Providers are a short list (one per technology) under their own
 * read-write lock, held in read mode while a provider callback runs, so
 * unregistering waits for running callbacks to finish.
 *
 * The aggregation follows Asterisk 11+: a precedence rank per state plus
 * two flags (a device rang; a device was in use, busy or on hold) that
 * together force RINGINUSE.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ZV_LOG_MODULE "devstate"
#include <zvonok/astdb.h>
#include <zvonok/cli.h>
#include <zvonok/devstate.h>
#include <zvonok/event.h>
#include <zvonok/log.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>

#define CUSTOM_PREFIX "Custom:"
#define CUSTOM_PREFIX_LEN (sizeof(CUSTOM_PREFIX) - 1)
#define CUSTOM_FAMILY "CustomDevstate"

/* ---- names and rules ---------------------------------------------------- */

static const struct {
	const char *name; /* ast_devstate_str */
	const char *text; /* ast_devstate2str */
} state_names[ZV_DEVICE__COUNT] = {
	[ZV_DEVICE_UNKNOWN] = {"UNKNOWN", "Unknown"},
	[ZV_DEVICE_NOT_INUSE] = {"NOT_INUSE", "Not in use"},
	[ZV_DEVICE_INUSE] = {"INUSE", "In use"},
	[ZV_DEVICE_BUSY] = {"BUSY", "Busy"},
	[ZV_DEVICE_INVALID] = {"INVALID", "Invalid"},
	[ZV_DEVICE_UNAVAILABLE] = {"UNAVAILABLE", "Unavailable"},
	[ZV_DEVICE_RINGING] = {"RINGING", "Ringing"},
	[ZV_DEVICE_RINGINUSE] = {"RINGINUSE", "Ring+Inuse"},
	[ZV_DEVICE_ONHOLD] = {"ONHOLD", "On Hold"},
};

static bool state_valid(int state)
{
	return state >= 0 && state < ZV_DEVICE__COUNT;
}

const char *zv_devstate_state2str(enum zv_device_state state)
{
	return state_names[state_valid(state) ? state : ZV_DEVICE_UNKNOWN].name;
}

const char *zv_devstate_describe(enum zv_device_state state)
{
	return state_names[state_valid(state) ? state : ZV_DEVICE_UNKNOWN].text;
}

enum zv_device_state zv_devstate_str2state(const char *s)
{
	if (!s)
		return ZV_DEVICE_UNKNOWN;
	for (int i = 0; i < ZV_DEVICE__COUNT; i++)
		if (!strcasecmp(s, state_names[i].name))
			return (enum zv_device_state)i;
	return ZV_DEVICE_UNKNOWN;
}

/* Precedence when combining devices: higher wins. */
static const unsigned char agg_rank[ZV_DEVICE__COUNT] = {
	[ZV_DEVICE_INVALID] = 0,
	[ZV_DEVICE_UNKNOWN] = 1,
	[ZV_DEVICE_UNAVAILABLE] = 2,
	[ZV_DEVICE_NOT_INUSE] = 3,
	[ZV_DEVICE_ONHOLD] = 4,
	[ZV_DEVICE_RINGING] = 5,
	[ZV_DEVICE_INUSE] = 6,
	[ZV_DEVICE_BUSY] = 7,
	[ZV_DEVICE_RINGINUSE] = 8,
};

void zv_devstate_aggregate_init(struct zv_devstate_aggregate *agg)
{
	*agg = (struct zv_devstate_aggregate){.state = ZV_DEVICE_INVALID};
}

void zv_devstate_aggregate_add(struct zv_devstate_aggregate *agg,
			       enum zv_device_state state)
{
	if (!state_valid(state))
		state = ZV_DEVICE_UNKNOWN;
	switch (state) {
	case ZV_DEVICE_RINGING:
		agg->ringing = true;
		break;
	case ZV_DEVICE_INUSE:
	case ZV_DEVICE_BUSY:
	case ZV_DEVICE_ONHOLD:
		agg->inuse = true;
		break;
	default:
		break;
	}
	if (agg->ringing && agg->inuse)
		agg->state = ZV_DEVICE_RINGINUSE;
	else if (agg_rank[state] > agg_rank[agg->state])
		agg->state = state;
}

enum zv_device_state zv_devstate_aggregate_result(const struct zv_devstate_aggregate *agg)
{
	return agg->state;
}

int zv_devstate_to_extstate(enum zv_device_state state)
{
	switch (state) {
	case ZV_DEVICE_INUSE:
		return ZV_EXTENSION_INUSE;
	case ZV_DEVICE_BUSY:
		return ZV_EXTENSION_BUSY;
	case ZV_DEVICE_INVALID:
	case ZV_DEVICE_UNAVAILABLE:
		return ZV_EXTENSION_UNAVAILABLE;
	case ZV_DEVICE_RINGING:
		return ZV_EXTENSION_RINGING;
	case ZV_DEVICE_RINGINUSE:
		return ZV_EXTENSION_INUSE | ZV_EXTENSION_RINGING;
	case ZV_DEVICE_ONHOLD:
		return ZV_EXTENSION_ONHOLD;
	default: /* UNKNOWN, NOT_INUSE, out of range */
		return ZV_EXTENSION_NOT_INUSE;
	}
}

const char *zv_extstate_str(int extstate)
{
	switch (extstate) {
	case ZV_EXTENSION_NOT_INUSE:
		return "Idle";
	case ZV_EXTENSION_INUSE:
		return "InUse";
	case ZV_EXTENSION_BUSY:
		return "Busy";
	case ZV_EXTENSION_UNAVAILABLE:
		return "Unavailable";
	case ZV_EXTENSION_RINGING:
		return "Ringing";
	case ZV_EXTENSION_INUSE | ZV_EXTENSION_RINGING:
		return "InUse&Ringing";
	case ZV_EXTENSION_ONHOLD:
		return "Hold";
	case ZV_EXTENSION_INUSE | ZV_EXTENSION_ONHOLD:
		return "InUse&Hold";
	default:
		return "Unknown";
	}
}

/* ---- device names ------------------------------------------------------- */

static bool is_custom(const char *device)
{
	return !strncasecmp(device, CUSTOM_PREFIX, CUSTOM_PREFIX_LEN);
}

/* device with "Custom:" spelt canonically: device itself, or a malloc'd
 * copy in *copyp (free it).  NULL on ENOMEM. */
static const char *canonical(const char *device, char **copyp)
{
	*copyp = NULL;
	if (!is_custom(device) || !strncmp(device, CUSTOM_PREFIX, CUSTOM_PREFIX_LEN))
		return device;
	if (asprintf(copyp, CUSTOM_PREFIX "%s", device + CUSTOM_PREFIX_LEN) < 0) {
		*copyp = NULL;
		return NULL;
	}
	return *copyp;
}

/* The technology of device (length) and what follows its separator. */
static bool split_tech(const char *device, size_t *techlenp, const char **resourcep)
{
	const char *sep = strchr(device, '/');
	if (!sep)
		sep = strchr(device, ':');
	if (!sep || sep == device)
		return false;
	*techlenp = (size_t)(sep - device);
	*resourcep = sep + 1;
	return true;
}

/* ---- providers ---------------------------------------------------------- */

struct provider {
	struct zv_reg reg; /* first: reg -> provider */
	struct provider *next;
	zv_devstate_provider_cb *cb;
	void *arg;
	char tech[];
};

static pthread_rwlock_t prov_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct provider *providers; /* under prov_lock */

static struct provider **find_provider(const char *tech, size_t len)
{
	struct provider **pp;
	for (pp = &providers; *pp; pp = &(*pp)->next)
		if (strlen((*pp)->tech) == len && !strncasecmp((*pp)->tech, tech, len))
			return pp;
	return NULL;
}

static void provider_unlink(struct provider *p)
{
	pthread_rwlock_wrlock(&prov_lock);
	for (struct provider **pp = &providers; *pp; pp = &(*pp)->next) {
		if (*pp == p) {
			*pp = p->next;
			break;
		}
	}
	pthread_rwlock_unlock(&prov_lock);
}

static void provider_drop(struct zv_reg *reg)
{
	struct provider *p = (struct provider *)reg;
	provider_unlink(p);
	free(p);
}

int zv_devstate_provider_register(struct zv_module *mod, const char *tech,
				  zv_devstate_provider_cb *cb, void *arg)
{
	if (!tech || !*tech || !cb || strpbrk(tech, "/:"))
		return -EINVAL;
	size_t len = strlen(tech);
	struct provider *p = calloc(1, sizeof(*p) + len + 1);
	if (!p)
		return -ENOMEM;
	memcpy(p->tech, tech, len + 1);
	p->cb = cb;
	p->arg = arg;
	pthread_rwlock_wrlock(&prov_lock);
	if (find_provider(tech, len)) {
		pthread_rwlock_unlock(&prov_lock);
		free(p);
		return -EEXIST;
	}
	p->next = providers;
	providers = p;
	pthread_rwlock_unlock(&prov_lock);
	if (mod)
		zv_module_own(mod, &p->reg, provider_drop);
	return 0;
}

int zv_devstate_provider_unregister(const char *tech)
{
	pthread_rwlock_wrlock(&prov_lock);
	struct provider **pp = find_provider(tech, strlen(tech));
	struct provider *p = pp ? *pp : NULL;
	if (p)
		*pp = p->next;
	pthread_rwlock_unlock(&prov_lock);
	if (!p)
		return -ENOENT;
	zv_module_disown(&p->reg);
	free(p);
	return 0;
}

/* Ask device's provider; *foundp tells whether there was one. */
static enum zv_device_state ask_provider(const char *device, bool *foundp)
{
	size_t len;
	const char *resource;
	*foundp = false;
	if (!split_tech(device, &len, &resource))
		return ZV_DEVICE_INVALID;
	enum zv_device_state st = ZV_DEVICE_UNKNOWN;
	pthread_rwlock_rdlock(&prov_lock);
	struct provider **pp = find_provider(device, len);
	if (pp) {
		*foundp = true;
		st = (*pp)->cb((*pp)->arg, device, resource);
	}
	pthread_rwlock_unlock(&prov_lock);
	return state_valid(st) ? st : ZV_DEVICE_UNKNOWN;
}

/* ---- the cache ---------------------------------------------------------- */

struct dev_entry {
	struct dev_entry *next;
	enum zv_device_state state;
	char name[];
};

static pthread_rwlock_t cache_lock = PTHREAD_RWLOCK_INITIALIZER;
static struct dev_entry **buckets; /* under cache_lock */
static size_t nbuckets, nentries;
static pthread_mutex_t change_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/* Lock held (either side). */
static struct dev_entry *cache_find(const char *name)
{
	if (!nbuckets)
		return NULL;
	for (struct dev_entry *e = buckets[name_hash(name) % nbuckets]; e; e = e->next)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

/* Write lock held.  Doubles the table when it gets crowded; a failed
 * resize just leaves longer chains. */
static void cache_grow(void)
{
	if (nbuckets && nentries < nbuckets * 2)
		return;
	size_t n = nbuckets ? nbuckets * 4 : 256;
	struct dev_entry **nb = calloc(n, sizeof(*nb));
	if (!nb)
		return;
	for (size_t i = 0; i < nbuckets; i++) {
		while (buckets[i]) {
			struct dev_entry *e = buckets[i];
			buckets[i] = e->next;
			size_t b = name_hash(e->name) % n;
			e->next = nb[b];
			nb[b] = e;
		}
	}
	free(buckets);
	buckets = nb;
	nbuckets = n;
}

/* Write lock held. */
static struct dev_entry *cache_insert(const char *name)
{
	cache_grow();
	if (!nbuckets)
		return NULL;
	size_t len = strlen(name);
	struct dev_entry *e = malloc(sizeof(*e) + len + 1);
	if (!e)
		return NULL;
	memcpy(e->name, name, len + 1);
	e->state = ZV_DEVICE_UNKNOWN;
	size_t b = name_hash(name) % nbuckets;
	e->next = buckets[b];
	buckets[b] = e;
	nentries++;
	return e;
}

static void cache_clear(void)
{
	pthread_rwlock_wrlock(&cache_lock);
	for (size_t i = 0; i < nbuckets; i++) {
		while (buckets[i]) {
			struct dev_entry *e = buckets[i];
			buckets[i] = e->next;
			free(e);
		}
	}
	free(buckets);
	buckets = NULL;
	nbuckets = nentries = 0;
	pthread_rwlock_unlock(&cache_lock);
}

enum zv_device_state zv_devstate_get(const char *device)
{
	if (!device || !*device)
		return ZV_DEVICE_INVALID;
	char *copy;
	const char *name = canonical(device, &copy);
	if (!name)
		return ZV_DEVICE_UNKNOWN;
	pthread_rwlock_rdlock(&cache_lock);
	struct dev_entry *e = cache_find(name);
	bool cached = e != NULL;
	enum zv_device_state st = e ? e->state : ZV_DEVICE_UNKNOWN;
	pthread_rwlock_unlock(&cache_lock);
	if (!cached || st == ZV_DEVICE_UNKNOWN) {
		bool has_provider;
		enum zv_device_state ps = ask_provider(name, &has_provider);
		if (has_provider)
			st = ps;
		else if (!cached)
			st = ZV_DEVICE_INVALID;
	}
	free(copy);
	return st;
}

static int publish_change(const char *name, enum zv_device_state state)
{
	struct zv_event *ev = zv_event_alloc(ZV_EVENT_DEVICE_STATE, "DeviceStateChange");
	if (!ev)
		return -ENOMEM;
	int err = zv_event_add(ev, "Device", "%s", name);
	if (!err)
		err = zv_event_add(ev, "State", "%s", zv_devstate_state2str(state));
	if (!err)
		zv_event_publish(ev);
	zv_unref(ev);
	return err;
}

int zv_devstate_changed(const char *device, enum zv_device_state state)
{
	if (!device || !*device || !state_valid(state))
		return -EINVAL;
	char *copy;
	const char *name = canonical(device, &copy);
	if (!name)
		return -ENOMEM;
	if (state == ZV_DEVICE_UNKNOWN) {
		bool has_provider;
		enum zv_device_state ps = ask_provider(name, &has_provider);
		if (has_provider)
			state = ps;
	}
	int err = 0;
	pthread_mutex_lock(&change_lock);
	pthread_rwlock_wrlock(&cache_lock);
	struct dev_entry *e = cache_find(name);
	if (!e)
		e = cache_insert(name);
	enum zv_device_state old = ZV_DEVICE_UNKNOWN;
	if (e) {
		old = e->state;
		e->state = state;
	} else {
		err = -ENOMEM;
	}
	pthread_rwlock_unlock(&cache_lock);
	if (!err && old != state) {
		zv_debug(1, "%s: %s -> %s", name, zv_devstate_state2str(old),
			 zv_devstate_state2str(state));
		err = publish_change(name, state);
	}
	pthread_mutex_unlock(&change_lock);
	free(copy);
	return err;
}

/* ---- Custom: devices ---------------------------------------------------- */

int zv_devstate_set_custom(const char *device, enum zv_device_state state)
{
	if (!device || !is_custom(device) || !device[CUSTOM_PREFIX_LEN] ||
	    !state_valid(state))
		return -EINVAL;
	const char *name = device + CUSTOM_PREFIX_LEN;
	int err = zv_db_put(CUSTOM_FAMILY, name, zv_devstate_state2str(state));
	if (err)
		return err;
	return zv_devstate_changed(device, state);
}

static enum zv_device_state custom_provider(void *arg, const char *device,
					    const char *resource)
{
	char *value;
	if (zv_db_get(CUSTOM_FAMILY, resource, &value))
		return ZV_DEVICE_UNKNOWN;
	enum zv_device_state st = zv_devstate_str2state(value);
	free(value);
	return st;
}

/* The device name of a CustomDevstate entry: its last key component, as
 * Asterisk takes it. */
static const char *custom_name(const char *key)
{
	const char *slash = strrchr(key, '/');
	return slash && slash[1] ? slash + 1 : NULL;
}

static int restore_one(void *arg, const char *key, const char *value)
{
	const char *name = custom_name(key);
	if (!name)
		return 0;
	char *device;
	if (asprintf(&device, CUSTOM_PREFIX "%s", name) < 0)
		return 0;
	zv_devstate_changed(device, zv_devstate_str2state(value));
	free(device);
	(*(int *)arg)++;
	return 0;
}

/* ---- CLI ------------------------------------------------------------ */

#define LIST_RULE "---------------------------------------------------------------------\n"

static int list_one(void *arg, const char *key, const char *value)
{
	const char *name = custom_name(key);
	if (name)
		zv_cli_printf(arg, "--- Name: 'Custom:%s'  State: '%s'\n---\n", name, value);
	return 0;
}

static enum zv_cli_result cli_list(struct zv_cli_req *req, int argc, char **argv)
{
	if (argc != zv_cli_nfixed(req))
		return ZV_CLI_SHOWUSAGE;
	zv_cli_printf(req, "\n" LIST_RULE
			   "--- Custom Device States --------------------------------------------\n"
			   LIST_RULE "---\n");
	zv_db_iterate("/" CUSTOM_FAMILY, list_one, req);
	zv_cli_printf(req, LIST_RULE LIST_RULE "\n");
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_change(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 2)
		return ZV_CLI_SHOWUSAGE;
	const char *dev = argv[nf], *state = argv[nf + 1];
	if (!is_custom(dev)) {
		zv_cli_printf(req, "The devstate command can only be used to set 'Custom:' device state!\n");
		return ZV_CLI_FAILURE;
	}
	enum zv_device_state st = zv_devstate_str2state(state);
	if (!dev[CUSTOM_PREFIX_LEN] || st == ZV_DEVICE_UNKNOWN)
		return ZV_CLI_SHOWUSAGE;
	zv_cli_printf(req, "Changing %s to %s\n", dev + CUSTOM_PREFIX_LEN, state);
	int err = zv_devstate_set_custom(dev, st);
	if (err) {
		zv_cli_printf(req, "Failed to change the state: %s\n", strerror(-err));
		return ZV_CLI_FAILURE;
	}
	return ZV_CLI_SUCCESS;
}

static const struct zv_cli_cmd devstate_cli[] = {
	{"devstate list", "List currently known custom device states",
	 "Usage: devstate list\n"
	 "       Lists the Custom: device states set with `devstate change`\n"
	 "       or the DEVICE_STATE() dialplan function.\n", cli_list},
	{"devstate change", "Change a custom device state",
	 "Usage: devstate change <device> <state>\n"
	 "       Sets a Custom: device to a new state, kept across restarts.\n"
	 "       States: NOT_INUSE | INUSE | BUSY | INVALID | UNAVAILABLE |\n"
	 "               RINGING | RINGINUSE | ONHOLD\n"
	 "       Example: devstate change Custom:lamp INUSE\n", cli_change},
	{NULL},
};

/* ---- module ----------------------------------------------------------- */

static int devstate_load(struct zv_module *mod)
{
	int err = zv_cli_register(mod, devstate_cli);
	if (!err)
		err = zv_devstate_provider_register(mod, "Custom", custom_provider, NULL);
	return err;
}

static int devstate_start(struct zv_module *mod)
{
	int n = 0;
	int err = zv_db_iterate("/" CUSTOM_FAMILY, restore_one, &n);
	if (err < 0) {
		zv_error("cannot restore custom device states: %s", strerror(-err));
		return err;
	}
	if (n)
		zv_verb(2, "Restored %d custom device state%s", n, n == 1 ? "" : "s");
	return 0;
}

static void devstate_unload(struct zv_module *mod)
{
	cache_clear();
}

ZV_MODULE(devstate) = {
	.summary = "Device state: cache, providers, Custom: devices",
	.requires = "astdb,cli",
	.load = devstate_load,
	.start = devstate_start,
	.unload = devstate_unload,
};
