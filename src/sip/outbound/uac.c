/*
 * UAC helpers: digest answers (RFC 7616/8760 as RFC 3261 §22 uses them),
 * URI host extraction and resolution, our source address.  See uac.h.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "sip/dns/sip_dns.h"
#include "sip/outbound/uac.h"
#include "sip/parser/sip_digest.h"
#include "sip/parser/sip_uri.h"

static bool realm_ok(const struct sip_uac_cred *c, struct zv_str realm)
{
	return !c->realm || !*c->realm || zv_str_eq_cstr(realm, c->realm);
}

static int answer(const struct sip_auth_hdr *ch, bool proxy, const char *method, const char *ruri,
		  const struct sip_uac_cred *c, struct sip_buf *out)
{
	char realm[256], nonce[512], opaque[512], user[256];
	size_t n;
	if (sip_unquote(ch->realm, realm, sizeof(realm) - 1, &n))
		return -EBADMSG;
	realm[n] = '\0';
	if (sip_unquote(ch->nonce, nonce, sizeof(nonce) - 1, &n))
		return -EBADMSG;
	nonce[n] = '\0';
	if (sip_unquote(ch->opaque, opaque, sizeof(opaque) - 1, &n))
		return -EBADMSG;
	opaque[n] = '\0';
	snprintf(user, sizeof(user), "%s", c->username ? c->username : "");

	bool qop = sip_auth_qop_has(ch->qop, "auth");
	char cnonce[17];
	sip_random_token(cnonce, sizeof(cnonce));
	struct sip_digest_params p = {
		.alg = ch->alg,
		.sess = ch->alg_sess,
		.username = zv_str_c(user),
		.realm = zv_str_c(realm),
		.password = zv_str_c(c->password),
		.ha1 = c->password ? ZV_STR_NULL : zv_str_c(c->ha1),
		.method = zv_str_c(method),
		.uri = zv_str_c(ruri),
		.nonce = zv_str_c(nonce),
		.qop = qop ? ZV_STR_LIT("auth") : ZV_STR_NULL,
		.nc = qop ? ZV_STR_LIT("00000001") : ZV_STR_NULL,
		.cnonce = qop || ch->alg_sess ? zv_str_c(cnonce) : ZV_STR_NULL,
	};
	char resp[SIP_DIGEST_HEX_MAX];
	int err = sip_digest_compute(&p, resp, sizeof(resp));
	if (err)
		return err == -EINVAL ? -ENOENT : err;
	const char *alg = ch->alg == SIP_DIGEST_SHA256 ? "SHA-256" : "MD5";
	sip_buf_printf(out,
		       "%s: Digest username=\"%s\", realm=\"%s\", nonce=\"%s\", uri=\"%s\", "
		       "response=\"%s\", algorithm=%s%s",
		       proxy ? "Proxy-Authorization" : "Authorization", user, realm, nonce, ruri,
		       resp, alg, ch->alg_sess ? "-sess" : "");
	if (ch->opaque.p)
		sip_buf_printf(out, ", opaque=\"%s\"", opaque);
	if (qop)
		sip_buf_printf(out, ", qop=auth, nc=00000001, cnonce=\"%s\"", cnonce);
	else if (ch->alg_sess)
		sip_buf_printf(out, ", cnonce=\"%s\"", cnonce);
	sip_buf_printf(out, "\r\n");
	return out->oom ? -ENOMEM : 0;
}

int sip_uac_authorize(const struct sip_rx *resp, const char *method, const char *ruri,
		      const struct sip_uac_cred *creds, size_t ncreds, struct sip_buf *out)
{
	bool proxy = resp->msg.status == 407;
	const struct sip_hdr *h = sip_msg_hdr(&resp->msg, proxy ? SIP_HDR_PROXY_AUTHENTICATE
								 : SIP_HDR_WWW_AUTHENTICATE);
	int result = -ENOENT;
	for (; h; h = sip_msg_hdr_next(&resp->msg, h)) {
		struct sip_auth_hdr ch;
		int err = sip_auth_parse(h->value, &ch);
		if (err == -EPROTONOSUPPORT)
			continue;
		if (err) {
			result = -EBADMSG;
			continue;
		}
		if (ch.alg != SIP_DIGEST_MD5 && ch.alg != SIP_DIGEST_SHA256)
			continue;
		if (ch.qop.len && !sip_auth_qop_has(ch.qop, "auth"))
			continue; /* auth-int only */
		for (size_t i = 0; i < ncreds; i++) {
			const struct sip_uac_cred *c = &creds[i];
			if (!realm_ok(c, ch.realm))
				continue;
			if (!c->password && (!c->ha1 || ch.alg != SIP_DIGEST_MD5 || ch.alg_sess))
				continue;
			return answer(&ch, proxy, method, ruri, c, out);
		}
	}
	return result;
}

int sip_uac_uri_hostport(const char *uri, char *host, size_t size, uint16_t *portp)
{
	const char *s = uri;
	while (*s == ' ' || *s == '<')
		s++;
	size_t len = strcspn(s, ">");
	struct sip_uri u;
	if (sip_uri_parse(zv_str_make(s, len), &u) || !u.host.len || u.host.len >= size)
		return -EINVAL;
	zv_str_copy(u.host, host, size);
	*portp = u.has_port ? u.port : 0;
	return 0;
}

int sip_uac_uri_addr(const char *uri, struct sip_sockaddr *addr)
{
	char host[256], text[300];
	uint16_t port;
	if (sip_uac_uri_hostport(uri, host, sizeof(host), &port))
		return -EINVAL;
	if (strchr(host, ':'))
		snprintf(text, sizeof(text), "[%s]:%u", host, port ? port : 5060);
	else
		snprintf(text, sizeof(text), "%s:%u", host, port ? port : 5060);
	return sip_sockaddr_parse(text, 5060, addr) ? -EAGAIN : 0;
}

int sip_uac_resolve(const char *host, uint16_t port, struct sip_sockaddr *addr)
{
	/* RFC 3263 (NAPTR, SRV, A/AAAA); our requests go over UDP unless the
	 * transport says otherwise, so the first UDP target wins, else the
	 * first of any transport. */
	struct sip_dns_target t[16];
	int n = sip_dns_resolve(host, port, -1, false, t, 16);
	if (n <= 0)
		return -EHOSTUNREACH;
	int pick = 0;
	for (int i = 0; i < n; i++)
		if (t[i].proto == SIP_TP_UDP) {
			pick = i;
			break;
		}
	*addr = t[pick].addr;
	return 0;
}

static bool is_wildcard(const struct sip_sockaddr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ((const struct sockaddr_in *)&a->ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (a->ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&a->ss)->sin6_addr);
	return true;
}

int sip_uac_local_hostport(const struct sip_tp *tp, const struct sip_sockaddr *dst, char *buf,
			   size_t size)
{
	const struct sip_sockaddr *local = sip_tp_local(tp);
	if (!is_wildcard(local) || !dst) {
		sip_sockaddr_str(local, buf, size);
		return 0;
	}
	struct sip_sockaddr me = {.len = sizeof(me.ss)};
	int fd = socket(dst->ss.ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		return -errno;
	int err = 0;
	if (connect(fd, (const struct sockaddr *)&dst->ss, dst->len) ||
	    getsockname(fd, (struct sockaddr *)&me.ss, &me.len))
		err = -errno;
	close(fd);
	if (err)
		return err;
	if (me.ss.ss_family == AF_INET)
		((struct sockaddr_in *)&me.ss)->sin_port = htons(sip_sockaddr_port(local));
	else
		((struct sockaddr_in6 *)&me.ss)->sin6_port = htons(sip_sockaddr_port(local));
	sip_sockaddr_str(&me, buf, size);
	return 0;
}

const char *sip_uac_transport_param(const struct sip_tp *tp)
{
	switch (sip_tp_proto(tp)) {
	case SIP_TP_TCP:
		return ";transport=tcp";
	case SIP_TP_TLS:
		return ";transport=tls";
	case SIP_TP_WS:
		return ";transport=ws";
	case SIP_TP_WSS:
		return ";transport=wss";
	default:
		return "";
	}
}

int sip_uac_build_request(const struct sip_uac_request *r, struct sip_buf *out)
{
	size_t blen = r->body ? strlen(r->body) : 0;
	sip_buf_printf(out,
		       "%s %s SIP/2.0\r\n"
		       "Via: SIP/2.0/%s %s;rport;branch=%s\r\n"
		       "%s"
		       "Max-Forwards: %u\r\n"
		       "From: %s\r\n"
		       "To: %s\r\n"
		       "Call-ID: %s\r\n"
		       "CSeq: %u %s\r\n",
		       r->method, r->ruri, r->transport ? r->transport : "UDP", r->via_hostport,
		       r->branch, r->route_lines ? r->route_lines : "",
		       r->max_forwards ? r->max_forwards : 70, r->from, r->to, r->call_id,
		       (unsigned)r->cseq, r->method);
	if (r->contact)
		sip_buf_printf(out, "Contact: <%s>\r\n", r->contact);
	if (r->extra)
		sip_buf_printf(out, "%s", r->extra);
	sip_buf_printf(out, "User-Agent: %s\r\n", sip_user_agent());
	if (blen && r->ctype)
		sip_buf_printf(out, "Content-Type: %s\r\n", r->ctype);
	sip_buf_printf(out, "Content-Length: %zu\r\n\r\n", blen);
	if (blen)
		sip_buf_append(out, r->body, blen);
	return out->oom ? -ENOMEM : 0;
}

/* One Record-Route value as a Route line; the first one's URI to first. */
static int route_line(struct zv_str v, bool is_first, struct sip_buf *lines, char *first,
		      size_t size)
{
	struct sip_addr a;
	if (sip_addr_parse(v, &a))
		return -EBADMSG;
	if (is_first)
		zv_str_copy(a.uri, first, size);
	sip_buf_printf(lines, "Route: %.*s\r\n", ZV_STR_FMT(v));
	return 0;
}

int sip_uac_route_set(const struct sip_rx *rx, bool reverse, struct sip_buf *lines, char *first,
		      size_t size)
{
	struct zv_str vals[32];
	size_t n = 0;
	struct sip_value_iter it;
	struct zv_str v;
	int rc;
	first[0] = '\0';
	sip_buf_printf(lines, "%s", "");
	sip_value_iter_init(&it, &rx->msg, SIP_HDR_RECORD_ROUTE);
	while ((rc = sip_value_iter_next(&it, &v)) > 0) {
		if (!reverse) {
			if (route_line(v, n++ == 0, lines, first, size))
				return -EBADMSG;
			continue;
		}
		if (n == sizeof(vals) / sizeof(*vals))
			return -E2BIG;
		vals[n++] = v;
	}
	if (rc < 0)
		return rc;
	for (size_t i = 0; reverse && i < n; i++)
		if (route_line(vals[n - 1 - i], i == 0, lines, first, size))
			return -EBADMSG;
	return 0;
}
