/*
 * The "sip_registrar" module: wires the REGISTER handler and the
 * admission filter into the SIP core, owns the contact store, runs the
 * 1 s housekeeping timer, persists contacts, answers device state for the
 * PJSIP and SIP technologies, and implements registrar.h.
 *
 * DESIGN
 * Housekeeping runs on the main loop once a second: expired contacts are
 * removed (and announced), the nonce and protection tables are pruned,
 * the protection settings are refreshed from the config in force, and the
 * dirty AORs are handed to the blocking pool for writing (one flush in
 * flight at a time).  Announcements (ContactStatus events and device
 * states) are made by whichever thread made the change, after the store
 * lock is released.  A device "PJSIP/<endpoint>" (or "SIP/<endpoint>" for
 * sip.conf endpoints) is NOT_INUSE while one of its contacts is not known
 * to be unreachable, UNAVAILABLE otherwise.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ZV_LOG_MODULE "sip_registrar"
#include <zvonok/config.h>
#include <zvonok/core.h>
#include <zvonok/devstate.h>
#include <zvonok/event.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>

#include "sip/config/sip_config.h"
#include "sip/core/sip_module.h"
#include "sip/registrar/reg_int.h"

static struct reg_store *_Atomic store;
static struct zv_timer tick;
static bool tick_on;
static atomic_bool flushing;
static unsigned ticks;

struct reg_store *reg_store_peek(void)
{
	return atomic_load(&store);
}

/* ---- device state ------------------------------------------------------------- */

struct avail {
	bool any;
};

static void avail_fn(void *arg, struct reg_contact *c)
{
	struct avail *a = arg;
	if (c->status != SIP_CONTACT_UNREACHABLE)
		a->any = true;
}

static enum zv_device_state endpoint_state(const struct sip_endpoint *ep)
{
	struct reg_store *s = reg_store_peek();
	struct avail a = {false};
	for (size_t i = 0; s && ep && i < ep->naors && !a.any; i++)
		reg_store_foreach(s, ep->aors[i]->def.name, avail_fn, &a);
	return a.any ? ZV_DEVICE_NOT_INUSE : ZV_DEVICE_UNAVAILABLE;
}

static void endpoint_announce(const char *name, bool pjsip)
{
	struct sip_config *cfg = sip_config_ref_current();
	const struct sip_endpoint *ep = cfg ? sip_config_endpoint_find(cfg, name) : NULL;
	if (ep) {
		char dev[160];
		snprintf(dev, sizeof(dev), "%s/%s", ep->def.kind == SIP_CONF_PJSIP ? "PJSIP" : "SIP",
			 ep->def.name);
		zv_devstate_changed(dev, endpoint_state(ep));
	}
	zv_unref(cfg);
	(void)pjsip;
}

static enum zv_device_state provider(void *arg, const char *device, const char *resource)
{
	bool want_pjsip = arg != NULL;
	struct sip_config *cfg = sip_config_ref_current();
	const struct sip_endpoint *ep = cfg ? sip_config_endpoint_find(cfg, resource) : NULL;
	enum zv_device_state s = ZV_DEVICE_INVALID;
	if (ep && (ep->def.kind == SIP_CONF_PJSIP) == want_pjsip)
		s = ep->naors ? endpoint_state(ep) : ZV_DEVICE_UNKNOWN;
	zv_unref(cfg);
	return s;
}

static const char *change_name(enum reg_change_kind k)
{
	switch (k) {
	case REG_CREATED:
		return "Created";
	case REG_REMOVED:
		return "Removed";
	default:
		return NULL;
	}
}

void reg_announce(struct reg_change *changes)
{
	for (struct reg_change *c = changes; c; c = c->next) {
		const char *status = change_name(c->kind);
		if (!status)
			status = sip_contact_status_name(c->status);
		if (c->kind == REG_CREATED)
			zv_verb(3, "Added contact '%s' to AOR '%s' with expiration of %ld seconds",
				c->uri, c->aor, (long)(c->expires - time(NULL)));
		else if (c->kind == REG_REMOVED)
			zv_verb(3, "Removed contact '%s' from AOR '%s'", c->uri, c->aor);
		else if (c->kind == REG_STATUS)
			zv_verb(3, "Contact %s/%s is now %s.  RTT: %.3f msec", c->aor, c->uri, status,
				c->rtt_us < 0 ? 0.0 : c->rtt_us / 1000.0);
		struct zv_event *ev = zv_event_alloc(ZV_EVENT_REGISTRATION, "ContactStatus");
		if (ev) {
			zv_event_add(ev, "URI", "%s", c->uri);
			zv_event_add(ev, "ContactStatus", "%s", status);
			zv_event_add(ev, "AOR", "%s", c->aor);
			zv_event_add(ev, "EndpointName", "%s", c->endpoint);
			zv_event_add(ev, "RoundtripUsec", "%lld",
				     (long long)(c->rtt_us < 0 ? 0 : c->rtt_us));
			zv_event_add(ev, "UserAgent", "%s", c->user_agent);
			zv_event_add(ev, "RegExpire", "%ld", (long)c->expires);
			zv_event_add(ev, "ViaAddress", "%s", c->via);
			zv_event_add(ev, "CallID", "%s", c->call_id);
			zv_event_publish(ev);
			zv_unref(ev);
		}
		/* Once per endpoint per batch is enough. */
		bool seen = false;
		for (struct reg_change *p = changes; p != c && !seen; p = p->next)
			seen = !strcmp(p->endpoint, c->endpoint);
		if (!seen)
			endpoint_announce(c->endpoint, c->pjsip);
	}
	reg_changes_free(changes);
}

/* ---- registrar.h ----------------------------------------------------------------- */

struct collect {
	const char *endpoint;
	struct reg_contact **v;
	size_t n, cap;
	bool oom;
};

static void collect_fn(void *arg, struct reg_contact *c)
{
	struct collect *k = arg;
	if (k->endpoint && strcasecmp(k->endpoint, c->endpoint))
		return;
	if (k->n == k->cap) {
		size_t ncap = k->cap ? k->cap * 2 : 8;
		struct reg_contact **nv = realloc(k->v, ncap * sizeof(*nv));
		if (!nv) {
			k->oom = true;
			return;
		}
		k->v = nv;
		k->cap = ncap;
	}
	struct reg_contact *copy = malloc(sizeof(*copy));
	if (!copy) {
		k->oom = true;
		return;
	}
	*copy = *c;
	copy->next = NULL;
	copy->aor = strdup(c->aor);
	copy->endpoint = strdup(c->endpoint);
	copy->uri = strdup(c->uri);
	copy->path = strdup(c->path);
	copy->user_agent = strdup(c->user_agent);
	copy->call_id = strdup(c->call_id);
	copy->conn = zv_ref(c->conn);
	k->v[k->n++] = copy;
}

static int deliver(struct collect *k, sip_registrar_contact_cb *cb, void *arg)
{
	int n = 0;
	bool stop = false;
	for (size_t i = 0; i < k->n; i++) {
		struct reg_contact *c = k->v[i];
		if (!stop && c->aor && c->endpoint && c->uri && c->path && c->user_agent &&
		    c->call_id) {
			struct sip_registrar_contact rc = {
				.aor = c->aor,
				.endpoint = c->endpoint,
				.uri = c->uri,
				.path = c->path,
				.user_agent = c->user_agent,
				.call_id = c->call_id,
				.target = {.tp = c->tp ? c->tp : sip_tp_find(c->tp_name),
					   .conn = c->conn,
					   .addr = c->target},
				.expires = c->expires,
				.registered = c->registered,
				.status = c->status,
				.rtt_us = c->rtt_us,
			};
			n++;
			stop = cb(arg, &rc) != 0;
		}
		reg_contact_free(c);
	}
	free(k->v);
	return k->oom ? -ENOMEM : n;
}

int sip_registrar_foreach_aor(const char *aor, sip_registrar_contact_cb *cb, void *arg)
{
	struct reg_store *s = reg_store_peek();
	if (!s)
		return -ENODEV;
	struct collect k = {0};
	reg_store_foreach(s, aor, collect_fn, &k);
	return deliver(&k, cb, arg);
}

int sip_registrar_foreach_endpoint(const char *endpoint, sip_registrar_contact_cb *cb,
				   void *arg)
{
	struct reg_store *s = reg_store_peek();
	if (!s)
		return -ENODEV;
	struct sip_config *cfg = sip_config_ref_current();
	const struct sip_endpoint *ep = cfg ? sip_config_endpoint_find(cfg, endpoint) : NULL;
	struct collect k = {.endpoint = endpoint};
	for (size_t i = 0; ep && i < ep->naors; i++)
		reg_store_foreach(s, ep->aors[i]->def.name, collect_fn, &k);
	zv_unref(cfg);
	return deliver(&k, cb, arg);
}

int sip_registrar_contact_count(const char *aor)
{
	struct reg_store *s = reg_store_peek();
	return s ? (int)reg_store_count(s, aor) : 0;
}

/* ---- housekeeping ---------------------------------------------------------------- */

static void flush_work(void *arg)
{
	reg_persist_flush(arg);
}

static void flush_done(void *arg)
{
	atomic_store(&flushing, false);
}

/* pjsip.conf [global] default_auth_algorithms_uas (not in the endpoint
 * model: read from the snapshot). */
static void apply_default_algorithms(void)
{
	struct zv_snapshot *snap = zv_snapshot_ref_current();
	const struct zv_conf *conf = snap ? zv_snapshot_file(snap, "pjsip.conf") : NULL;
	const char *list = NULL;
	for (const struct zv_conf_section *sec = conf ? zv_conf_section_next(conf, NULL) : NULL;
	     sec; sec = zv_conf_section_next(conf, sec)) {
		const char *type = zv_conf_get(sec, "type");
		if (type && !strcasecmp(type, "global")) {
			list = zv_conf_get(sec, "default_auth_algorithms_uas");
			break;
		}
	}
	struct reg_algs algs;
	reg_algs_parse(list, &algs);
	reg_algs_set_default(&algs);
	zv_unref(snap);
}

static void apply_protection_config(void)
{
	struct sip_config *cfg = sip_config_ref_current();
	if (!cfg)
		return;
	const struct sip_global *g = sip_config_global(cfg);
	struct reg_prot_cfg pc = {g->ban_threshold, g->ban_window, g->ban_time,
				  g->unauth_rate_limit};
	reg_prot_configure(&pc);
	zv_unref(cfg);
}

static void on_tick(void *arg)
{
	struct reg_store *s = reg_store_peek();
	if (!s)
		return;
	struct reg_change *changes = NULL;
	reg_store_expire(s, time(NULL), &changes);
	reg_announce(changes);
	reg_nc_prune(reg_now_us());
	reg_prot_prune(reg_mono_ms());
	apply_protection_config();
	if (++ticks % 5 == 0)
		apply_default_algorithms();
	if (!atomic_exchange(&flushing, true)) {
		if (zv_pool_submit(flush_work, flush_done, s) < 0)
			atomic_store(&flushing, false);
	}
}

/* ---- lifecycle ------------------------------------------------------------------- */

static void announce_all(void)
{
	struct sip_config *cfg = sip_config_ref_current();
	for (size_t i = 0; cfg && i < sip_config_endpoint_count(cfg); i++) {
		const struct sip_endpoint *ep = sip_config_endpoint_at(cfg, i);
		if (!ep->naors)
			continue;
		char dev[160];
		snprintf(dev, sizeof(dev), "%s/%s", ep->def.kind == SIP_CONF_PJSIP ? "PJSIP" : "SIP",
			 ep->def.name);
		zv_devstate_changed(dev, endpoint_state(ep));
	}
	zv_unref(cfg);
}

static int reg_start(struct zv_module *mod)
{
	reg_nonce_init();
	struct reg_store *s = reg_store_new();
	if (!s)
		return -ENOMEM;
	const char *dir = zv_core_dbdir();
	if (dir) {
		char path[1024];
		snprintf(path, sizeof(path), "%s/sip_contacts.sqlite3", dir);
		if (reg_persist_open(path) == 0) {
			int n = reg_persist_load(s, time(NULL));
			if (n > 0)
				zv_verb(2, "Restored %d registered contacts from %s", n, path);
		}
	}
	atomic_store(&store, s);
	apply_protection_config();
	apply_default_algorithms();
	sip_method_handler_set(SIP_METHOD_REGISTER, reg_on_register);
	sip_rx_filter_set(reg_rx_filter);
	if (zv_timer_init(&tick, zv_main_loop(), on_tick, NULL) == 0) {
		zv_timer_start(&tick, 1000, 1000);
		tick_on = true;
	}
	sip__on_all_workers(reg_qualify_worker_start);
	announce_all();
	return 0;
}

static void reg_stop(struct zv_module *mod)
{
	sip_rx_filter_set(NULL);
	sip_method_handler_set(SIP_METHOD_REGISTER, NULL);
	if (tick_on) {
		zv_timer_stop(&tick);
		zv_timer_fini(&tick);
		tick_on = false;
	}
	sip__on_all_workers(reg_qualify_worker_stop);
	struct reg_store *s = atomic_exchange(&store, NULL);
	if (s) {
		/* Waits for a flush in flight (db lock), then writes the rest. */
		reg_persist_flush(s);
		reg_persist_close();
		reg_store_free(s);
	}
	reg_nc_clear();
	reg_prot_clear();
}

static int reg_load(struct zv_module *mod)
{
	int err = reg_cli_register(mod);
	if (err)
		return err;
	err = zv_devstate_provider_register(mod, "PJSIP", provider, (void *)1);
	if (err)
		return err;
	return zv_devstate_provider_register(mod, "SIP", provider, NULL);
}

ZV_MODULE(sip_registrar) = {
	.summary = "SIP registrar: REGISTER with digest auth, contacts, qualify, bans",
	.requires = "sip,astdb,devstate",
	.load = reg_load,
	.start = reg_start,
	.stop = reg_stop,
};
