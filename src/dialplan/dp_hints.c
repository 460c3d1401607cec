/*
 * Hints: `exten => 100,hint,SIP/100&Custom:foo` turned into extension
 * states.  The state of a hint is the aggregate of its devices' states
 * (zv_devstate_aggregate_*), mapped to an extension state; when a device
 * changes, every hint naming it is recomputed and, if its state changed,
 * an ExtensionStatus event (Exten, Context, Hint, Status, StatusText, as
 * AMI sends it) goes out on the bus for AMI and SIP BLF subscriptions.
 *
 * DESIGN
 * The hint table is rebuilt from the model on each commit (states of
 * hints that stay are kept, new ones computed without an event) and is
 * guarded by one mutex.  DeviceStateChange is received synchronously in
 * the publisher's thread (the devstate change lock is held: see
 * devstate.h for the lock order, which this respects by taking only its
 * own mutex and reading states); events are published after the mutex is
 * released.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ZV_LOG_MODULE "pbx"
#include <zvonok/cli.h>
#include <zvonok/devstate.h>
#include <zvonok/event.h>
#include <zvonok/log.h>
#include <zvonok/obj.h>

#include "dialplan/dp_engine.h"

struct hint {
	struct hint *next;
	char *context, *exten, *hint;
	int state; /* last extension state announced */
};

static pthread_mutex_t hints_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hint *hints;

static void hint_free(struct hint *h)
{
	free(h->context);
	free(h->exten);
	free(h->hint);
	free(h);
}

static void list_free(struct hint *h)
{
	while (h) {
		struct hint *n = h->next;
		hint_free(h);
		h = n;
	}
}

/* Call cb for each device of a hint ("A&B&C[,presence]"); stops when cb
 * returns true.  Returns whether it stopped. */
static bool each_device(const char *hint, bool (*cb)(void *arg, const char *dev), void *arg)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", hint);
	char *comma = strchr(buf, ',');
	if (comma)
		*comma = '\0';
	char *save = NULL;
	for (char *d = strtok_r(buf, "&", &save); d; d = strtok_r(NULL, "&", &save)) {
		while (*d == ' ' || *d == '\t')
			d++;
		char *e = d + strlen(d);
		while (e > d && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (*d && cb(arg, d))
			return true;
	}
	return false;
}

static bool add_state(void *arg, const char *dev)
{
	zv_devstate_aggregate_add(arg, zv_devstate_get(dev));
	return false;
}

int dp_hint_state(const char *hint)
{
	struct zv_devstate_aggregate agg;
	zv_devstate_aggregate_init(&agg);
	each_device(hint, add_state, &agg);
	return zv_devstate_to_extstate(zv_devstate_aggregate_result(&agg));
}

static bool same_device(void *arg, const char *dev)
{
	return !strcasecmp(arg, dev);
}

static struct zv_event *status_event(const struct hint *h)
{
	struct zv_event *ev = zv_event_alloc(ZV_EVENT_EXTENSION_STATE, "ExtensionStatus");
	if (!ev)
		return NULL;
	zv_event_add(ev, "Exten", "%s", h->exten);
	zv_event_add(ev, "Context", "%s", h->context);
	zv_event_add(ev, "Hint", "%s", h->hint);
	zv_event_add(ev, "Status", "%d", h->state);
	zv_event_add(ev, "StatusText", "%s", zv_extstate_str(h->state));
	return ev;
}

static void on_devstate(void *arg, struct zv_event *ev)
{
	const char *device = zv_event_get(ev, "Device");
	if (!device)
		return;
	struct zv_event *out[64];
	size_t nout = 0;
	pthread_mutex_lock(&hints_lock);
	for (struct hint *h = hints; h; h = h->next) {
		if (!each_device(h->hint, same_device, (void *)device))
			continue;
		int st = dp_hint_state(h->hint);
		if (st == h->state)
			continue;
		h->state = st;
		if (nout < sizeof(out) / sizeof(*out) && (out[nout] = status_event(h)))
			nout++;
	}
	pthread_mutex_unlock(&hints_lock);
	for (size_t i = 0; i < nout; i++) {
		zv_event_publish(out[i]);
		zv_unref(out[i]);
	}
}

void dp_hints_update(const struct dp_model *m)
{
	struct hint *fresh = NULL, **tail = &fresh;
	pthread_mutex_lock(&hints_lock);
	for (size_t i = 0; m && i < m->ncontexts; i++) {
		const struct dp_context *c = m->contexts[i];
		for (size_t j = 0; j < c->nextens; j++) {
			const struct dp_exten *e = c->extens[j];
			if (!e->hint)
				continue;
			struct hint *h = calloc(1, sizeof(*h));
			if (!h)
				break;
			h->context = strdup(c->name);
			h->exten = strdup(e->name);
			h->hint = strdup(e->hint);
			if (!h->context || !h->exten || !h->hint) {
				hint_free(h);
				break;
			}
			h->state = -100;
			for (struct hint *o = hints; o; o = o->next) {
				if (!strcmp(o->context, h->context) && !strcmp(o->exten, h->exten) &&
				    !strcmp(o->hint, h->hint)) {
					h->state = o->state;
					break;
				}
			}
			if (h->state == -100)
				h->state = dp_hint_state(h->hint);
			*tail = h;
			tail = &h->next;
		}
	}
	struct hint *old = hints;
	hints = fresh;
	pthread_mutex_unlock(&hints_lock);
	list_free(old);
}

void dp_hints_show(struct zv_cli_req *req)
{
	pthread_mutex_lock(&hints_lock);
	if (!hints) {
		pthread_mutex_unlock(&hints_lock);
		zv_cli_printf(req, "There are no registered dialplan hints\n");
		return;
	}
	zv_cli_printf(req, "\n    -= Registered Asterisk Dial Plan Hints =-\n");
	int n = 0;
	for (struct hint *h = hints; h; h = h->next) {
		char where[200];
		snprintf(where, sizeof(where), "%s@%s", h->exten, h->context);
		zv_cli_printf(req,
			      "    %-20.20s: %-20.20s  State:%-15.15s Presence:%-15.15s Watchers %2d\n",
			      where, h->hint, zv_extstate_str(dp_hint_state(h->hint)), "not_set", 0);
		n++;
	}
	pthread_mutex_unlock(&hints_lock);
	zv_cli_printf(req, "----------------\n- %d hints registered\n", n);
}

int dp_hints_load(struct zv_module *mod)
{
	if (!zv_event_subscribe(mod, ZV_EVENT_MASK(ZV_EVENT_DEVICE_STATE), NULL, on_devstate, NULL,
				NULL))
		return -ENOMEM;
	return 0;
}

void dp_hints_unload(void)
{
	pthread_mutex_lock(&hints_lock);
	struct hint *old = hints;
	hints = NULL;
	pthread_mutex_unlock(&hints_lock);
	list_free(old);
}
