/*
 * REGISTER (RFC 3261 §10.3) with digest authentication, and the admission
 * filter the SIP core runs before it creates transactions.
 *
 * DESIGN
 * Runs on the worker that owns the request's Call-ID.  The endpoint is
 * found by the digest username (sip_config_auth_for_user); a REGISTER
 * without credentials gets a challenge, except for an endpoint named by
 * the To user that has no inbound auth at all (Asterisk's identify_by
 * username without auth=).  The challenge offers the auth's
 * supported_algorithms_uas, or [global] default_auth_algorithms_uas for
 * unknown users (SHA-256 then MD5 by default, RFC 8760 order; an admin
 * who sets them differently per auth lets a prober tell users apart by
 * the algorithms offered).  Authentication failures never tell whether
 * the user exists: an unknown user, a wrong password, a foreign nonce and
 * a replay all get the same 401 with fresh nonces (alwaysauthreject), and
 * all count towards the source's ban.  The AOR is the To user among the
 * endpoint's aors= (404 otherwise).  Contact rules live in store.c; this
 * file decides expiries (423 below minimum_expiration, clamp to the
 * maximum) and the NAT-aware target, answers 200 with every current
 * binding and a Date, then announces the changes (events, device state)
 * after the store lock is released.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ZV_LOG_MODULE "sip_registrar"
#include <zvonok/event.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/obj.h>

#include "sip/config/sip_config.h"
#include "sip/core/sip_module.h"
#include "sip/parser/sip_uri.h"
#include "sip/registrar/reg_int.h"
#include "sip/registrar/registrar.h"

/* Messages waiting on a worker beyond which new REGISTERs and INVITEs are
 * turned away with 503 rather than queued further. */
#define REG_OVERLOAD_QUEUE 2000

static void src_text(const struct sip_rx *rx, char *buf, size_t size)
{
	char a[80];
	sip_sockaddr_str(&rx->src, a, sizeof(a));
	snprintf(buf, size, "%s", a);
}

/* Asterisk's security-event address form: "IPV4/UDP/1.2.3.4/5060". */
static void event_addr(const struct sip_rx *rx, char *buf, size_t size)
{
	char host[64] = "?";
	const struct sockaddr *sa = (const struct sockaddr *)&rx->src.ss;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, host, sizeof(host));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, host, sizeof(host));
	snprintf(buf, size, "%s/%s/%s/%u", sa->sa_family == AF_INET6 ? "IPV6" : "IPV4",
		 rx->tp ? sip_tp_proto_name(sip_tp_proto(rx->tp)) : "UDP", host,
		 sip_sockaddr_port(&rx->src));
}

void reg_auth_failed(const struct sip_rx *rx, const char *account)
{
	unsigned count;
	bool banned = reg_prot_failure((const struct sockaddr *)&rx->src.ss, reg_mono_ms(), &count);
	char src[80], ea[96];
	src_text(rx, src, sizeof(src));
	event_addr(rx, ea, sizeof(ea));
	zv_notice("Request 'REGISTER' from '%s' failed for '%s' - Failed to authenticate", account,
		  src);
	struct zv_event *ev = zv_event_alloc(ZV_EVENT_SECURITY, "ChallengeResponseFailed");
	if (ev) {
		zv_event_add(ev, "Severity", "Error");
		zv_event_add(ev, "Service", "PJSIP");
		zv_event_add(ev, "AccountID", "%s", account);
		zv_event_add(ev, "SessionID", "%.*s", ZV_STR_FMT(rx->msg.call_id));
		zv_event_add(ev, "RemoteAddress", "%s", ea);
		zv_event_add(ev, "Failures", "%u", count);
		zv_event_publish(ev);
		zv_unref(ev);
	}
	if (!banned)
		return;
	struct sip_config *cfg = sip_config_ref_current();
	unsigned ban_time = cfg ? sip_config_global(cfg)->ban_time : 0;
	zv_unref(cfg);
	zv_security("Banning %s for %u s after %u failed authentications", src, ban_time, count);
	ev = zv_event_alloc(ZV_EVENT_SECURITY, "AddressBanned");
	if (ev) {
		zv_event_add(ev, "Severity", "Error");
		zv_event_add(ev, "Service", "PJSIP");
		zv_event_add(ev, "RemoteAddress", "%s", ea);
		zv_event_add(ev, "Failures", "%u", count);
		zv_event_add(ev, "BanSeconds", "%u", ban_time);
		zv_event_publish(ev);
		zv_unref(ev);
	}
}

bool reg_rx_filter(const struct sip_rx *rx)
{
	const struct sockaddr *sa = (const struct sockaddr *)&rx->src.ss;
	uint64_t now = reg_mono_ms();
	if (reg_prot_banned(sa, now))
		return false; /* silently */
	enum sip_method m = rx->msg.method;
	if (m == SIP_METHOD_ACK || m == SIP_METHOD_CANCEL)
		return true;
	if (m == SIP_METHOD_REGISTER || m == SIP_METHOD_INVITE) {
		struct zv_loop *me = zv_loop_current();
		struct zv_loop_stats st;
		if (me) {
			zv_loop_get_stats(me, &st);
			if (st.queue_len > REG_OVERLOAD_QUEUE) {
				sip_respond_stateless(rx, 503, NULL, "Retry-After: 5\r\n");
				return false;
			}
		}
	}
	if (sip_msg_hdr(&rx->msg, SIP_HDR_AUTHORIZATION) ||
	    sip_msg_hdr(&rx->msg, SIP_HDR_PROXY_AUTHORIZATION) || rx->msg.to.has_tag)
		return true;
	if (reg_prot_rate_ok(sa, now))
		return true;
	/* Trunks identified by address send without credentials. */
	struct sip_config *cfg = sip_config_ref_current();
	bool trusted = cfg && sip_config_endpoint_by_ip(cfg, sa);
	zv_unref(cfg);
	if (trusted)
		return true;
	sip_respond_stateless(rx, 503, NULL, "Retry-After: 1\r\n");
	return false;
}

/* ---- helpers ---------------------------------------------------------------------- */

static const char *endpoint_realm(const struct sip_endpoint *ep, const struct sip_global *g)
{
	for (size_t i = 0; ep && i < ep->nauths; i++)
		if (ep->auths[i]->realm)
			return ep->auths[i]->realm;
	return g->default_realm ? g->default_realm : "asterisk";
}

/* The algorithms offered for auth (NULL: the defaults). */
static void auth_algs(const struct sip_auth *auth, struct reg_algs *algs)
{
	const char *list = auth ? sip_def_get(&auth->def, "supported_algorithms_uas") : NULL;
	if (list)
		reg_algs_parse(list, algs);
	else
		reg_algs_default(algs);
}

static void challenge(struct sip_stsx *st, const char *realm, const struct sip_auth *auth,
		      bool stale)
{
	struct reg_algs algs;
	auth_algs(auth, &algs);
	struct sip_buf b;
	sip_buf_init(&b);
	reg_challenge_build(&b, realm, stale, &algs, reg_now_us());
	if (b.oom)
		sip_stsx_respond(st, 500, NULL, NULL, NULL, NULL, NULL);
	else
		sip_stsx_respond(st, 401, NULL, NULL, b.p, NULL, NULL);
	sip_buf_free(&b);
}

/* Where requests to a contact go: the REGISTER's source over a stream
 * transport (the same connection), with pjsip's rewrite_contact=yes, or
 * with chan_sip's nat=force_rport (which sends to the received address);
 * otherwise the host:port of the Contact URI when it is a numeric address
 * (pjsip's force_rport only concerns responses). */
static void contact_target(const struct sip_rx *rx, const struct sip_endpoint *ep,
			   const char *uri, struct sip_sockaddr *t)
{
	*t = rx->src;
	if (rx->conn || ep->rewrite_contact ||
	    (ep->def.kind == SIP_CONF_SIP && ep->force_rport))
		return;
	struct sip_uri u;
	if (sip_uri_parse(zv_str_c(uri), &u) < 0 || !u.host.len || u.host.len > 64)
		return;
	char host[72];
	if (u.host_ipv6)
		snprintf(host, sizeof(host), "[%.*s]", ZV_STR_FMT(u.host));
	else
		zv_str_copy(u.host, host, sizeof(host));
	struct sip_sockaddr a;
	if (sip_sockaddr_parse(host, 5060, &a) < 0)
		return;
	if (u.has_port) {
		if (a.ss.ss_family == AF_INET)
			((struct sockaddr_in *)&a.ss)->sin_port = htons(u.port);
		else
			((struct sockaddr_in6 *)&a.ss)->sin6_port = htons(u.port);
	}
	*t = a;
}

static void http_date(char *buf, size_t size)
{
	time_t now = time(NULL);
	struct tm tm;
	gmtime_r(&now, &tm);
	strftime(buf, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

/* ---- REGISTER ------------------------------------------------------------------ */

void reg_req_free(struct reg_req *r)
{
	for (size_t i = 0; i < r->n; i++)
		free(r->uris[i]);
}

unsigned reg_parse_contacts(const struct sip_msg *m, unsigned minimum, unsigned maximum,
			    unsigned deflt, struct reg_req *r)
{
	bool has_expires = false;
	uint32_t hdr_expires = 0;
	const struct sip_hdr *eh = sip_msg_hdr(m, SIP_HDR_EXPIRES);
	/* A malformed Expires counts as absent (RFC 3261 §20.19 says 3600:
	 * the default expiration plays that role). */
	if (eh && sip_uint_parse(eh->value, UINT32_MAX, &hdr_expires) == 0)
		has_expires = true;
	struct sip_value_iter it;
	struct zv_str v;
	int rc;
	sip_value_iter_init(&it, m, SIP_HDR_CONTACT);
	while ((rc = sip_value_iter_next(&it, &v)) > 0) {
		struct sip_addr a;
		if (sip_addr_parse(v, &a) < 0)
			return 400;
		if (a.star) {
			r->star = true;
			continue;
		}
		if (r->n == REG_MAX_BINDINGS)
			return 400;
		uint32_t e = has_expires ? hdr_expires : deflt;
		struct zv_str pv;
		if (sip_param_find(a.params, "expires", &pv) == 0 &&
		    sip_uint_parse(pv, UINT32_MAX, &e) < 0)
			e = deflt;
		if (e && e < minimum)
			return 423;
		if (e > maximum)
			e = maximum;
		r->uris[r->n] = zv_str_dup(a.uri);
		if (!r->uris[r->n])
			return 500;
		r->b[r->n].uri = r->uris[r->n];
		r->b[r->n].expires = e;
		r->n++;
	}
	if (rc < 0)
		return 400;
	/* "Contact: *" only alone and with Expires: 0 (RFC 3261 §10.3 step 6). */
	if (r->star && (r->n || !has_expires || hdr_expires))
		return 400;
	size_t pl = 0;
	sip_value_iter_init(&it, m, SIP_HDR_PATH);
	while ((rc = sip_value_iter_next(&it, &v)) > 0 && pl + v.len + 2 < sizeof(r->path)) {
		if (pl)
			r->path[pl++] = ',';
		memcpy(r->path + pl, v.p, v.len);
		pl += v.len;
	}
	r->path[pl] = '\0';
	return 0;
}

/* The endpoint's AOR of that name: the configuration's index (a binary
 * search) and a pointer scan of the endpoint's list, rather than a
 * strcasecmp() per listed AOR (an endpoint may list thousands). */
static const struct sip_aor *endpoint_aor(const struct sip_config *cfg,
					  const struct sip_endpoint *ep, const char *name)
{
	const struct sip_aor *a = sip_config_aor_find(cfg, name);
	for (size_t i = 0; a && i < ep->naors; i++)
		if (ep->aors[i] == a)
			return a;
	for (size_t i = 0; i < ep->naors; i++)
		if (!strcasecmp(ep->aors[i]->def.name, name))
			return ep->aors[i];
	return NULL;
}

/*
 * Identify and authenticate the sender of a request that needs an
 * endpoint (REGISTER, INVITE...).  Without credentials: by address
 * (identify, sip.conf static hosts) when by_ip, else the endpoint named
 * by `user`; one with inbound auth gets a 401 challenge.  With
 * credentials: the endpoint owning the username, the digest checked
 * against method.  Failures count towards the source's ban.  Returns the
 * endpoint, or NULL when the request has been answered (challenge).
 */
static const struct sip_endpoint *authenticate(struct sip_stsx *st, const struct sip_rx *rx,
					       const struct sip_config *cfg, const char *method,
					       const char *user, bool by_ip)
{
	const struct sip_global *g = sip_config_global(cfg);
	const struct sip_hdr *ah = sip_msg_hdr(&rx->msg, SIP_HDR_AUTHORIZATION);
	if (!ah) {
		const struct sip_endpoint *ep = NULL;
		if (by_ip)
			ep = sip_config_endpoint_by_ip(cfg, (const struct sockaddr *)&rx->src.ss);
		if (ep && !ep->nauths)
			return ep;
		if (!ep || ep->nauths)
			ep = user[0] ? sip_config_endpoint_find(cfg, user) : NULL;
		if (ep && (!ep->nauths || (by_ip && ep->insecure_invite)))
			return ep;
		challenge(st, endpoint_realm(ep, g), ep ? ep->auths[0] : NULL, false);
		return NULL;
	}
	struct reg_cred cred;
	if (reg_cred_parse(ah->value, &cred) < 0) {
		reg_auth_failed(rx, "(malformed)");
		challenge(st, endpoint_realm(NULL, g), NULL, false);
		return NULL;
	}
	const struct sip_auth *auth = NULL;
	const struct sip_endpoint *ep = sip_config_auth_for_user(cfg, cred.username, &auth);
	const char *realm = auth && auth->realm ? auth->realm : endpoint_realm(NULL, g);
	if (!ep || !auth) {
		reg_auth_failed(rx, cred.username);
		challenge(st, realm, NULL, false);
		return NULL;
	}
	struct reg_algs algs;
	auth_algs(auth, &algs);
	enum reg_auth_result ar = reg_auth_check(&cred, method, realm, &algs, auth->password,
						 auth->md5_cred, reg_now_us());
	if (ar == REG_AUTH_STALE) {
		challenge(st, realm, auth, true);
		return NULL;
	}
	if (ar != REG_AUTH_OK) {
		reg_auth_failed(rx, cred.username);
		challenge(st, realm, auth, false);
		return NULL;
	}
	reg_prot_success((const struct sockaddr *)&rx->src.ss);
	return ep;
}

const struct sip_endpoint *sip_registrar_authenticate(struct sip_stsx *st,
						      const struct sip_rx *rx,
						      const struct sip_config *cfg,
						      const char *method)
{
	char from_user[128];
	sip_uri_user(rx->msg.from.uri, from_user, sizeof(from_user));
	return authenticate(st, rx, cfg, method, from_user, true);
}

void reg_on_register(struct sip_stsx *st, const struct sip_rx *rx)
{
	struct reg_store *store = reg_store_peek();
	struct sip_config *cfg = sip_config_ref_current();
	if (!store || !cfg) {
		sip_stsx_respond(st, 503, NULL, NULL, "Retry-After: 5\r\n", NULL, NULL);
		zv_unref(cfg);
		return;
	}
	const struct sip_msg *m = &rx->msg;
	char to_user[128];
	sip_uri_user(m->to.uri, to_user, sizeof(to_user));
	struct reg_req req = {0};
	struct reg_change *changes = NULL;
	const struct sip_endpoint *ep = authenticate(st, rx, cfg, "REGISTER", to_user, false);
	if (!ep)
		goto out;
	const struct sip_aor *aor = endpoint_aor(cfg, ep, to_user);
	if (!aor) {
		zv_notice("AOR '%s' not found for endpoint '%s'", to_user, ep->def.name);
		sip_stsx_respond(st, 404, NULL, NULL, NULL, NULL, NULL);
		goto out;
	}
	unsigned minimum = aor->minimum_expiration ? aor->minimum_expiration : 60;
	unsigned status = reg_parse_contacts(
		m, minimum, aor->maximum_expiration ? aor->maximum_expiration : 7200,
		aor->default_expiration ? aor->default_expiration : 3600, &req);
	if (status == 423) {
		char extra[48];
		snprintf(extra, sizeof(extra), "Min-Expires: %u\r\n", minimum);
		sip_stsx_respond(st, 423, NULL, NULL, extra, NULL, NULL);
		goto out;
	}
	if (status) {
		sip_stsx_respond(st, status, status == 400 ? "Invalid Contact" : NULL, NULL, NULL,
				 NULL, NULL);
		goto out;
	}
	char call_id[256];
	zv_str_copy(m->call_id, call_id, sizeof(call_id));
	char ua[256] = "";
	const struct sip_hdr *uah = sip_msg_hdr(m, SIP_HDR_USER_AGENT);
	if (uah)
		zv_str_copy(uah->value, ua, sizeof(ua));
	struct reg_meta meta = {
		.endpoint = ep->def.name,
		.pjsip = ep->def.kind == SIP_CONF_PJSIP,
		.call_id = call_id,
		.cseq = m->cseq.seq,
		.path = req.path,
		.user_agent = ua,
		.src = rx->src,
		.tp = rx->tp,
		.conn = rx->conn,
	};
	if (req.n)
		contact_target(rx, ep, req.uris[0], &meta.target);
	else
		meta.target = rx->src;
	struct reg_policy pol = {aor->max_contacts, aor->remove_existing};
	time_t now = time(NULL);
	int err = reg_store_apply(store, aor->def.name, req.b, req.n, req.star, &meta, &pol, now,
				  &changes);
	if (err == -EXFULL || err == -EPERM) {
		zv_warn("Registration attempt from endpoint '%s' to AOR '%s' will exceed max "
			"contacts of %u",
			ep->def.name, aor->def.name, aor->max_contacts);
		sip_stsx_respond(st, 403, NULL, NULL, NULL, NULL, NULL);
		goto out;
	}
	if (err) {
		sip_stsx_respond(st, 500, NULL, NULL, NULL, NULL, NULL);
		goto out;
	}
	struct sip_buf b;
	sip_buf_init(&b);
	reg_store_contact_lines(store, aor->def.name, now, &b);
	char date[64];
	http_date(date, sizeof(date));
	sip_buf_printf(&b, "Date: %s\r\n", date);
	if (b.oom)
		sip_stsx_respond(st, 500, NULL, NULL, NULL, NULL, NULL);
	else
		sip_stsx_respond(st, 200, NULL, NULL, b.p, NULL, NULL);
	sip_buf_free(&b);
out:
	reg_req_free(&req);
	zv_unref(cfg);
	reg_announce(changes);
}
