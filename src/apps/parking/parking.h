/*
 * res_parking.conf: parking lots as Asterisk's res_parking reads them,
 * parsed by the `res_parking` module (app_parking.c) into plain structs.
 *
 * DESIGN
 * A lot is a parking extension (parkext) in a context, a range of spaces
 * (parkpos) and what happens to a call nobody retrieves (parkingtime,
 * comebacktoorigin, comebackcontext, comebackdialtime).  Without the file,
 * or for a value the file leaves out, Asterisk's defaults apply: lot
 * `default`, parkext 700, spaces 701-720, context parkedcalls, 45 s,
 * comebacktoorigin yes, comebackcontext parkedcallstimeout, dial time 30 s.
 * A `default` lot always exists.  parking_conf_text() gives the
 * extensions Asterisk creates for the lots (parkext -> Park(lot), each
 * space -> ParkedCall(lot,space), hints park:N@context with parkinghints).
 */
#ifndef ZV_APPS_PARKING_H
#define ZV_APPS_PARKING_H

#include <stdbool.h>
#include <stddef.h>

struct zv_conf;
struct zv_diag;

#define PARK_NAME_MAX 80
#define PARK_LOTS_MAX 16
#define PARK_SPACES_MAX 1000 /* spaces per lot */

struct park_lot {
	char name[PARK_NAME_MAX];
	char parkext[PARK_NAME_MAX]; /* "" : no parking extension */
	char context[PARK_NAME_MAX];
	int start, end; /* parkpos start-end */
	unsigned parkingtime_s; /* 0: never times out */
	bool comebacktoorigin;
	char comebackcontext[PARK_NAME_MAX];
	unsigned comebackdialtime_s;
	char musicclass[PARK_NAME_MAX]; /* parkedmusicclass; "" default */
	bool findslot_next; /* findslot=next: after the last one used */
	bool parkinghints;
	char courtesytone[PARK_NAME_MAX];
};

struct park_cfg {
	struct park_lot lots[PARK_LOTS_MAX];
	unsigned n;
};

/* Asterisk's defaults for a lot named name. */
void parking_lot_defaults(struct park_lot *lot, const char *name);

/* Read conf (NULL: the default lot only) into *cfg.  Bad values are
 * errors, unknown or unsupported options warnings, each with file:line.
 * 0, or -EINVAL when there was an error. */
int parking_conf_parse(const struct zv_conf *conf, struct zv_diag *diag, struct park_cfg *cfg);

/* The lot named name, or NULL. */
const struct park_lot *parking_lot_find(const struct park_cfg *cfg, const char *name);

/* The lots' extensions in extensions.conf syntax (malloc'd), or NULL on
 * ENOMEM. */
char *parking_conf_text(const struct park_cfg *cfg);

/*
 * For Dial's bridge (blind transfer to a parking extension, features.conf
 * parkcall): when exten@context is a lot's parkext, hold a free space of
 * that lot for the channel named parkee, parked by parker, so the bridge
 * can tell the parker the number before the parkee's Park() runs (it
 * takes the space held for it).  A space held and not taken within 15 s
 * is free again.  Returns the space, or -ENOENT (not a parking
 * extension, or res_parking not loaded), -EBUSY (the lot is full).  Any
 * thread.
 */
int parking_hold(const char *context, const char *exten, const char *parkee,
		 const char *parker);
/* The parkext and context of the default lot (for parkcall); false when
 * res_parking is not loaded or the lot has no parkext. */
bool parking_default_ext(char *context, size_t csize, char *exten, size_t esize);

#endif
