/*
 * Typed SIP header value parsers (Via, CSeq, name-addr, Event,
 * Subscription-State, numbers, parameters); contracts in sip_hdr.h.
 */
#include <errno.h>
#include <string.h>

#include "sip/parser/sip_hdr.h"
#include "sip/parser/sip_msg.h"
#include "sip/parser/sip_scan.h"

static const struct {
	const char *name;
	enum sip_via_transport t;
} transports[] = {
	{"UDP", SIP_TRANSPORT_UDP}, {"TCP", SIP_TRANSPORT_TCP},
	{"TLS", SIP_TRANSPORT_TLS}, {"SCTP", SIP_TRANSPORT_SCTP},
	{"WS", SIP_TRANSPORT_WS},   {"WSS", SIP_TRANSPORT_WSS},
};

enum sip_via_transport sip_transport_lookup(struct zv_str name)
{
	for (size_t i = 0; i < sizeof(transports) / sizeof(transports[0]); i++)
		if (sip__eq_cstr_ci(name, transports[i].name))
			return transports[i].t;
	return SIP_TRANSPORT_OTHER;
}

/* "[v6]" or a host name / IPv4 address; sets *hostp without brackets. */
static int take_host(struct zv_str *s, struct zv_str *hostp, bool *ipv6p)
{
	*ipv6p = false;
	if (sip__eat(s, '[')) {
		size_t n = 0;
		while (n < s->len && (sip__is(s->p[n], SIP_C_HEX) || s->p[n] == ':' ||
				      s->p[n] == '.'))
			n++;
		if (n < 2 || n >= s->len || s->p[n] != ']')
			return -EBADMSG;
		*hostp = zv_str_make(s->p, n);
		sip__advance(s, n + 1);
		*ipv6p = true;
		return 0;
	}
	size_t n = 0;
	while (n < s->len && (sip__is(s->p[n], SIP_C_ALNUM) || s->p[n] == '-' || s->p[n] == '.'))
		n++;
	if (!n)
		return -EBADMSG;
	*hostp = zv_str_make(s->p, n);
	sip__advance(s, n);
	return 0;
}

static int take_port(struct zv_str *s, bool *hasp, uint16_t *portp)
{
	struct zv_str save = *s;
	sip__skip_lws(s);
	if (!sip__eat(s, ':')) {
		*s = save;
		*hasp = false;
		return 0;
	}
	sip__skip_lws(s);
	struct zv_str digits = sip__take(s, SIP_C_ALNUM);
	uint32_t v;
	if (sip__uint(digits, 65535, &v) < 0)
		return -EBADMSG;
	*hasp = true;
	*portp = (uint16_t)v;
	return 0;
}

int sip_via_parse(struct zv_str value, struct sip_via *viap)
{
	struct zv_str s = sip__trim(value);
	struct sip_via *v = viap;

	memset(v, 0, sizeof(*v));
	v->proto = sip__take(&s, SIP_C_TOKEN);
	sip__skip_lws(&s);
	if (!v->proto.len || !sip__eat(&s, '/'))
		return -EBADMSG;
	sip__skip_lws(&s);
	v->version = sip__take(&s, SIP_C_TOKEN);
	sip__skip_lws(&s);
	if (!v->version.len || !sip__eat(&s, '/'))
		return -EBADMSG;
	sip__skip_lws(&s);
	v->transport_name = sip__take(&s, SIP_C_TOKEN);
	if (!v->transport_name.len || !s.len || !sip__is_lws(*s.p))
		return -EBADMSG;
	v->transport = sip_transport_lookup(v->transport_name);
	sip__skip_lws(&s);
	if (take_host(&s, &v->host, &v->host_ipv6) < 0)
		return -EBADMSG;
	if (take_port(&s, &v->has_port, &v->port) < 0)
		return -EBADMSG;
	sip__skip_lws(&s);
	v->params = s;

	struct zv_str name, val;
	int rc;
	while ((rc = sip__param_next(&s, &name, &val)) > 0) {
		if (sip__eq_cstr_ci(name, "branch")) {
			v->branch = val;
		} else if (sip__eq_cstr_ci(name, "received")) {
			v->received = val;
		} else if (sip__eq_cstr_ci(name, "maddr")) {
			v->maddr = val;
		} else if (sip__eq_cstr_ci(name, "rport")) {
			v->rport = true;
			if (val.len) {
				uint32_t p;
				if (sip__uint(val, 65535, &p) < 0)
					return -EBADMSG;
				v->has_rport_value = true;
				v->rport_value = (uint16_t)p;
			}
		} else if (sip__eq_cstr_ci(name, "ttl")) {
			uint32_t t;
			if (sip__uint(val, 255, &t) < 0)
				return -EBADMSG;
			v->has_ttl = true;
			v->ttl = (uint8_t)t;
		}
	}
	return rc < 0 ? -EBADMSG : 0;
}

int sip_cseq_parse(struct zv_str value, struct sip_cseq *cseqp)
{
	struct zv_str s = sip__trim(value);
	struct zv_str num = sip__take(&s, SIP_C_ALNUM);
	uint32_t seq;
	int rc = sip__uint(num, 0x7fffffffu, &seq);

	if (rc < 0)
		return rc == -ERANGE ? -ERANGE : -EBADMSG;
	if (!s.len || !sip__is_lws(*s.p))
		return -EBADMSG;
	sip__skip_lws(&s);
	struct zv_str method = sip__take(&s, SIP_C_TOKEN);
	if (!method.len || s.len)
		return -EBADMSG;
	cseqp->seq = seq;
	cseqp->method_name = method;
	cseqp->method = sip_method_lookup(method);
	return 0;
}

/* Parse ";p=v" header parameters, validating them and picking out tag. */
static int addr_params(struct zv_str s, struct sip_addr *a)
{
	struct zv_str name, val;
	int rc;

	sip__skip_lws(&s);
	a->params = s;
	while ((rc = sip__param_next(&s, &name, &val)) > 0) {
		if (sip__eq_cstr_ci(name, "tag")) {
			if (!val.len || *val.p == '"')
				return -EBADMSG;
			a->tag = val;
			a->has_tag = true;
		}
	}
	return rc < 0 ? -EBADMSG : 0;
}

int sip_addr_parse(struct zv_str value, struct sip_addr *addrp)
{
	struct zv_str s = sip__trim(value);
	struct sip_addr *a = addrp;

	memset(a, 0, sizeof(*a));
	if (!s.len)
		return -EBADMSG;
	if (s.len == 1 && *s.p == '*') {
		a->star = true;
		return 0;
	}
	if (*s.p == '"') {
		if (sip__quoted(&s, &a->display) < 0)
			return -EBADMSG;
		a->quoted_display = true;
		sip__skip_lws(&s);
		if (!s.len || *s.p != '<')
			return -EBADMSG;
	} else {
		size_t n = 0;
		while (n < s.len && sip__is(s.p[n], SIP_C_TOKEN | SIP_C_LWS))
			n++;
		if (n < s.len && s.p[n] == '<') {
			a->display = sip__rtrim(zv_str_make(s.p, n));
			sip__advance(&s, n);
		}
	}
	if (sip__eat(&s, '<')) {
		const char *gt = s.len ? memchr(s.p, '>', s.len) : NULL;
		if (!gt)
			return -EBADMSG;
		a->uri = sip__trim(zv_str_make(s.p, (size_t)(gt - s.p)));
		if (!a->uri.len || sip__find(a->uri, '<') >= 0)
			return -EBADMSG;
		sip__advance(&s, (size_t)(gt - s.p) + 1);
		return addr_params(s, a);
	}
	/* addr-spec: the URI runs to the first ';' or white space */
	size_t n = 0;
	while (n < s.len && s.p[n] != ';' && !sip__is_lws(s.p[n])) {
		char c = s.p[n];
		if (c == '"' || c == '>' || c == ',')
			return -EBADMSG;
		n++;
	}
	a->uri = zv_str_make(s.p, n);
	if (!n || sip__find(a->uri, ':') < 0)
		return -EBADMSG;
	sip__advance(&s, n);
	return addr_params(s, a);
}

int sip_event_parse(struct zv_str value, struct sip_event *evp)
{
	struct zv_str s = sip__trim(value);
	struct zv_str name, val;
	int rc;

	memset(evp, 0, sizeof(*evp));
	evp->package = sip__take(&s, SIP_C_TOKEN);
	if (!evp->package.len)
		return -EBADMSG;
	sip__skip_lws(&s);
	evp->params = s;
	while ((rc = sip__param_next(&s, &name, &val)) > 0)
		if (sip__eq_cstr_ci(name, "id"))
			evp->id = val;
	return rc < 0 ? -EBADMSG : 0;
}

int sip_subscription_state_parse(struct zv_str value, struct sip_subscription_state *ssp)
{
	struct zv_str s = sip__trim(value);
	struct zv_str name, val;
	int rc;

	memset(ssp, 0, sizeof(*ssp));
	ssp->state_name = sip__take(&s, SIP_C_TOKEN);
	if (!ssp->state_name.len)
		return -EBADMSG;
	if (sip__eq_cstr_ci(ssp->state_name, "active"))
		ssp->state = SIP_SUBSTATE_ACTIVE;
	else if (sip__eq_cstr_ci(ssp->state_name, "pending"))
		ssp->state = SIP_SUBSTATE_PENDING;
	else if (sip__eq_cstr_ci(ssp->state_name, "terminated"))
		ssp->state = SIP_SUBSTATE_TERMINATED;
	sip__skip_lws(&s);
	ssp->params = s;
	while ((rc = sip__param_next(&s, &name, &val)) > 0) {
		if (sip__eq_cstr_ci(name, "expires")) {
			if (sip__uint(val, UINT32_MAX, &ssp->expires) < 0)
				return -EBADMSG;
			ssp->has_expires = true;
		} else if (sip__eq_cstr_ci(name, "retry-after")) {
			if (sip__uint(val, UINT32_MAX, &ssp->retry_after) < 0)
				return -EBADMSG;
			ssp->has_retry_after = true;
		} else if (sip__eq_cstr_ci(name, "reason")) {
			ssp->reason = val;
		}
	}
	return rc < 0 ? -EBADMSG : 0;
}

int sip_uint_parse(struct zv_str value, uint32_t max, uint32_t *outp)
{
	int rc = sip__uint(sip__trim(value), max, outp);
	if (rc == -EINVAL)
		return -EBADMSG;
	return rc;
}

int sip_param_find(struct zv_str params, const char *name, struct zv_str *valp)
{
	struct zv_str n, v;
	int rc;

	while ((rc = sip__param_next(&params, &n, &v)) > 0) {
		if (sip__eq_cstr_ci(n, name)) {
			*valp = v;
			return 0;
		}
	}
	return rc < 0 ? -EBADMSG : -ENOENT;
}

int sip_unquote(struct zv_str inner, char *buf, size_t size, size_t *lenp)
{
	size_t o = 0;

	for (size_t i = 0; i < inner.len; i++) {
		char c = inner.p[i];
		if (c == '\\') {
			if (++i >= inner.len)
				return -EBADMSG;
			c = inner.p[i];
		}
		if (o >= size)
			return -ENOSPC;
		buf[o++] = c;
	}
	*lenp = o;
	return 0;
}
