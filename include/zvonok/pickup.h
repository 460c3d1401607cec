/*
 * Call pickup and Dial: how a ringing leg that Dial waits for is taken
 * over by another phone (Pickup(), PickupChan(), features.conf
 * pickupexten; module app_pickup, src/apps/pickup/).
 *
 * DESIGN
 * Dial marks each leg it dials with the datastore ZV_PICKUP_LEG, so a
 * pickup only takes ringing channels that a Dial waits for.  The pickup
 * runs its check on the leg's loop; when it takes the leg it makes there
 * a channel standing for the picker (the replacement, answered), offers
 * it with zv_pickup_offer() and wakes the leg's coroutine, which is
 * Dial's.  Dial calls zv_pickup_take() on each leg after every wake-up: a
 * replacement comes back as a reference that Dial now owns, in place of
 * the leg, which Dial hangs up with cause ANSWERED_ELSEWHERE (the phone
 * stops ringing: SIP CANCEL).  A replacement nobody took is destroyed
 * with the leg.  Loop thread of the leg, both.
 */
#ifndef ZVONOK_PICKUP_H
#define ZVONOK_PICKUP_H

#include <errno.h>
#include <stdlib.h>

#include <zvonok/channel.h>
#include <zvonok/obj.h>

#define ZV_PICKUP_LEG "dial-leg"     /* set by Dial on the legs it dials */
#define ZV_PICKUP_OFFER "pickup-offer" /* the replacement, until taken */
#define ZV_CAUSE_ANSWERED_ELSEWHERE 26

struct zv_pickup_offer {
	struct zv_channel *repl;
};

static inline void zv_pickup_offer_free(void *data)
{
	struct zv_pickup_offer *o = (struct zv_pickup_offer *)data;
	if (o->repl) {
		zv_channel_destroy(o->repl);
		zv_unref(o->repl);
	}
	free(o);
}

/* Offer repl (a reference, given away) for leg.  0 or -ENOMEM (then
 * repl is destroyed and dropped). */
static inline int zv_pickup_offer(struct zv_channel *leg, struct zv_channel *repl)
{
	struct zv_pickup_offer *o = (struct zv_pickup_offer *)calloc(1, sizeof(*o));
	if (o)
		o->repl = repl;
	if (!o || zv_channel_datastore_set(leg, ZV_PICKUP_OFFER, o, zv_pickup_offer_free) < 0) {
		free(o);
		zv_channel_destroy(repl);
		zv_unref(repl);
		return -ENOMEM;
	}
	return 0;
}

/* The replacement offered for leg (a reference), or NULL. */
static inline struct zv_channel *zv_pickup_take(struct zv_channel *leg)
{
	struct zv_pickup_offer *o =
		(struct zv_pickup_offer *)zv_channel_datastore_get(leg, ZV_PICKUP_OFFER);
	if (!o)
		return NULL;
	struct zv_channel *r = o->repl;
	o->repl = NULL;
	zv_channel_datastore_set(leg, ZV_PICKUP_OFFER, NULL, NULL);
	return r;
}

#endif
