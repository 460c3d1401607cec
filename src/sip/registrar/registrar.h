/*
 * What the registrar (module "sip_registrar") offers the rest of the SIP
 * stack: the contacts currently registered for an AOR or an endpoint, for
 * Dial(PJSIP/100), unsolicited MWI NOTIFYs and presence.
 *
 * The contacts are copied out of the registrar's store (which is shared
 * by all workers behind one mutex) and handed to the callback after the
 * lock is released, so the callback may do anything, including sending.
 *
 * THREADS: any thread.  ERRORS: 0 or a count on success, -ENOMEM,
 * -ENODEV when the registrar module is not running.
 */
#ifndef SIP_REGISTRAR_REGISTRAR_H
#define SIP_REGISTRAR_REGISTRAR_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "sip/core/sip.h"

enum sip_contact_status {
	SIP_CONTACT_UNKNOWN, /* not qualified yet */
	SIP_CONTACT_REACHABLE,
	SIP_CONTACT_UNREACHABLE,
	SIP_CONTACT_NONQUAL, /* its AOR has no qualify_frequency */
};

/* "Unknown", "Reachable", "Unreachable", "NonQualified" (AMI words). */
const char *sip_contact_status_name(enum sip_contact_status status);

/*
 * One registered contact, as copied for the callback.  Every pointer is
 * valid during the callback only.  target.conn is a borrowed stream
 * connection (NULL for UDP or when the connection is gone: sip_send() then
 * reuses or opens one to target.addr); take sip_conn_ref() to keep it.
 */
struct sip_registrar_contact {
	const char *aor;
	const char *endpoint; /* who registered it */
	const char *uri; /* the Contact URI as registered */
	const char *path; /* Path header values, "" when none */
	const char *user_agent;
	const char *call_id;
	struct sip_target target; /* where requests to it go (NAT-aware) */
	time_t expires; /* absolute, wall clock */
	time_t registered; /* when first registered */
	enum sip_contact_status status;
	int64_t rtt_us; /* last qualify round trip, -1 when none */
};

/* cb returns 0 to go on, anything else to stop. */
typedef int(sip_registrar_contact_cb)(void *arg, const struct sip_registrar_contact *c);

/* Contacts of AOR aor (name compared case-insensitively), oldest first.
 * Returns the number passed to cb or a negative errno. */
int sip_registrar_foreach_aor(const char *aor, sip_registrar_contact_cb *cb, void *arg);

/* Contacts registered by endpoint (any of its AORs). */
int sip_registrar_foreach_endpoint(const char *endpoint, sip_registrar_contact_cb *cb,
				   void *arg);

/* Number of contacts registered for aor (0 when none or not running). */
int sip_registrar_contact_count(const char *aor);

#endif
