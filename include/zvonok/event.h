/*
 * The internal event bus.  Channel, bridge, dial, device-state,
 * registration, MWI and variable events are published once here; AMI, ARI,
 * CDR/CEL, SIP subscriptions (BLF, MWI) and the cluster link subscribe.
 *
 * An event is a refcounted, immutable-after-publish list of AMI-style
 * fields ("Device: SIP/100", "State: INUSE") with a type for cheap
 * filtering.  Subscribers choose the types they want (a bit mask) and may
 * add a filter that runs in the publisher's thread, so uninterested
 * subscribers cost nothing downstream.  Delivery is either synchronous (in
 * the publisher's thread) or posted to the subscriber's loop, in publish
 * order per publisher.
 */
#ifndef ZVONOK_EVENT_H
#define ZVONOK_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zv_module;
struct zv_loop;

enum zv_event_type {
	ZV_EVENT_SYSTEM, /* reload, shutdown, module load/unload */
	ZV_EVENT_DEVICE_STATE, /* Device, State */
	ZV_EVENT_EXTENSION_STATE, /* Exten, Context, Hint, Status */
	ZV_EVENT_CHANNEL, /* Newchannel, Newstate, Hangup, VarSet ... */
	ZV_EVENT_BRIDGE,
	ZV_EVENT_DIAL,
	ZV_EVENT_REGISTRATION, /* contact added/removed, outbound reg */
	ZV_EVENT_MWI, /* Mailbox, New, Old */
	ZV_EVENT_SECURITY, /* failed auth, bans */
	ZV_EVENT_CDR,
	ZV_EVENT_USER, /* UserEvent() */
	ZV_EVENT__COUNT
};

#define ZV_EVENT_MASK(t) (UINT64_C(1) << (t))
#define ZV_EVENT_MASK_ALL (ZV_EVENT_MASK(ZV_EVENT__COUNT) - 1)

struct zv_event_field {
	const char *key;
	const char *value;
};

struct zv_event {
	enum zv_event_type type;
	const char *name; /* AMI event name, e.g. "DeviceStateChange" */
	uint64_t seq; /* set by publish: global order */
	double time; /* set by publish: wall clock, seconds */
	size_t nfields;
	struct zv_event_field *fields;
	/* private */
	size_t cap;
	struct zv_event_block *blocks; /* keys and values, bump-allocated */
};

/* New event (refcounted, zv_unref() it), or NULL on ENOMEM. */
struct zv_event *zv_event_alloc(enum zv_event_type type, const char *name);

/* Append a field (copied).  Only before publishing.  0 or -ENOMEM. */
int zv_event_add(struct zv_event *ev, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Value of the first field named key (case-insensitive), or NULL. */
const char *zv_event_get(const struct zv_event *ev, const char *key);

/* Deliver ev to every interested subscriber.  The caller keeps its
 * reference; subscribers that need the event later take their own. */
void zv_event_publish(struct zv_event *ev);

typedef bool(zv_event_filter_cb)(void *arg, const struct zv_event *ev);
typedef void(zv_event_cb)(void *arg, struct zv_event *ev);

struct zv_event_sub;

/*
 * Subscribe to the event types in mask.  filter (optional) runs in the
 * publisher's thread and must be cheap and thread-safe.  cb runs on loop
 * (NULL: synchronously in the publisher's thread).  The subscription is
 * removed when mod unloads or by zv_event_unsubscribe(); after that
 * returns no new deliveries start, but one already posted to loop may
 * still run, so arg must stay valid until the loop has drained (free it
 * from a message posted to the same loop).
 * A synchronous callback may unsubscribe (the removal completes when the
 * publish returns) but may not subscribe (NULL is returned).
 * Returns the subscription (borrowed) or NULL on ENOMEM.
 */
struct zv_event_sub *zv_event_subscribe(struct zv_module *mod, uint64_t mask,
					zv_event_filter_cb *filter,
					zv_event_cb *cb, void *arg,
					struct zv_loop *loop);
void zv_event_unsubscribe(struct zv_event_sub *sub);

#endif
