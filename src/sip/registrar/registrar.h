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

/*
 * Who sent a request that needs an endpoint (INVITE, ...): identified by
 * address (pjsip identify, sip.conf static hosts), else by the From user;
 * one with inbound auth must answer a digest challenge for `method`
 * (sip.conf insecure=invite waives it for address matches).  Returns the
 * endpoint, or NULL after answering the request (401 challenge; failures
 * count towards the source's ban).  The endpoint belongs to cfg.
 */
struct sip_config;
struct sip_endpoint;
struct sip_stsx;
const struct sip_endpoint *sip_registrar_authenticate(struct sip_stsx *st,
						      const struct sip_rx *rx,
						      const struct sip_config *cfg,
						      const char *method);

/* Number of contacts registered for aor (0 when none or not running). */
int sip_registrar_contact_count(const char *aor);

#endif
