/*
 * Locating SIP servers (RFC 3263): NAPTR, then SRV (RFC 2782 priority and
 * weight), then A/AAAA, with c-ares.
 *
 * DESIGN
 * A lookup is a short sequence of dependent queries.  It runs on the
 * blocking pool (zv_pool_submit), where it drives its own c-ares channel
 * until done, so no worker loop ever waits on DNS and the callers keep the
 * pool-then-loop pattern they already use for other blocking work.  The
 * selection rules (which NAPTR services, SRV ordering) are pure functions
 * with their own tests.
 */
#ifndef ZV_SIP_DNS_SIP_DNS_H
#define ZV_SIP_DNS_SIP_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/core/sip.h"

struct sip_dns_target {
	enum sip_tp_proto proto;
	struct sip_sockaddr addr; /* with the port */
};

/*
 * Resolve host (a name or an IP literal) for a SIP request, RFC 3263 §4:
 *  - an IP literal needs no DNS (port 0 means 5060, 5061 for sips);
 *  - with a port, or with a transport asked for (want >= 0), only A/AAAA
 *    (and SRV for that transport when no port);
 *  - otherwise NAPTR for SIP+D2U, SIP+D2T, SIPS+D2T (SIP+D2W/SIPS+D2W
 *    too) in order/preference, each pointing at SRV records; without
 *    NAPTR, SRV for _sip._udp, _sip._tcp, _sips._tcp; without SRV, A/AAAA
 *    on the default port over UDP (TLS for sips).
 * Blocking: call it on the blocking pool only.  Fills up to max targets in
 * order and returns how many, or -EHOSTUNREACH / -ENOMEM.
 */
int sip_dns_resolve(const char *host, uint16_t port, int want, bool sips,
		    struct sip_dns_target *out, size_t max);

/* DNS servers to ask ("ip[:port],..."), or NULL for resolv.conf.  Any
 * thread; applies to lookups that start afterwards. */
void sip_dns_set_servers(const char *servers);

/* ---- selection rules (pure) ------------------------------------------- */

struct sip_dns_srv {
	uint16_t priority, weight, port;
	char target[256];
};

/*
 * Order SRV records as RFC 2782 asks: ascending priority; within one
 * priority, a weighted random order (rand_fn(n) returns 0..n-1; records of
 * weight 0 come first in the running sum, as the RFC describes).
 */
void sip_dns_srv_order(struct sip_dns_srv *v, size_t n, unsigned (*rand_fn)(unsigned n));

/* The transport of a NAPTR service field ("SIP+D2U" -> UDP ...), or -1 for
 * services that are not SIP or that Zvonok does not speak. */
int sip_dns_naptr_proto(const char *service, bool sips_only);

#endif
