/*
 * SDP parser: one pass over the lines of a session description; contracts
 * and strictness rules in sdp.h.
 *
 * DESIGN
 * Lines are dispatched on their type letter.  Session-level lines fill the
 * session, lines after an m= fill that media.  Values inherited from the
 * session (c=, direction, ICE credentials, setup, fingerprint) are applied
 * when the whole text has been read, because RFC 4566 lets a media
 * override them anywhere inside its own section.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "sip/parser/sdp.h"
#include "sip/parser/sip_scan.h"

struct sdp_state {
	struct sdp_session *sess;
	struct sdp_media *m;		/* NULL at session level */
	bool seen_v, seen_o, seen_s, seen_t;
	bool dir_set[SDP_MAX_MEDIA];
};

static int bad(struct sdp_session *sess, const char *why)
{
	sess->err = why;
	return -EBADMSG;
}

static int too_many(struct sdp_session *sess, const char *why)
{
	sess->err = why;
	return -E2BIG;
}

/* Next space-separated field of *s. */
static struct zv_str field(struct zv_str *s)
{
	while (s->len && *s->p == ' ')
		sip__advance(s, 1);
	size_t n = 0;
	while (n < s->len && s->p[n] != ' ')
		n++;
	struct zv_str f = zv_str_make(s->p, n);
	sip__advance(s, n);
	return f;
}

static bool rest_empty(struct zv_str s)
{
	while (s.len && *s.p == ' ')
		sip__advance(&s, 1);
	return !s.len;
}

static int u64_of(struct zv_str v, uint64_t *outp)
{
	uint64_t n = 0;

	if (!v.len || v.len > 19)
		return -EINVAL;
	for (size_t i = 0; i < v.len; i++) {
		if (!sip__is_digit(v.p[i]))
			return -EINVAL;
		n = n * 10 + (uint64_t)(v.p[i] - '0');
	}
	*outp = n;
	return 0;
}

static int addr_type(struct zv_str nettype, struct zv_str addrtype, bool *ipv6p)
{
	if (!sip__eq_cstr(nettype, "IN"))
		return -EINVAL;
	if (sip__eq_cstr(addrtype, "IP4"))
		*ipv6p = false;
	else if (sip__eq_cstr(addrtype, "IP6"))
		*ipv6p = true;
	else
		return -EINVAL;
	return 0;
}

static bool addr_ok(struct zv_str a)
{
	if (!a.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		if (!(sip__is(a.p[i], SIP_C_ALNUM) || a.p[i] == '.' || a.p[i] == ':' ||
		      a.p[i] == '-' || a.p[i] == '_'))
			return false;
	return true;
}

static int parse_conn(struct zv_str v, struct sdp_conn *c)
{
	struct zv_str nt = field(&v), at = field(&v), addr = field(&v);
	if (!rest_empty(v) || addr_type(nt, at, &c->ipv6) < 0)
		return -EBADMSG;
	ptrdiff_t slash = sip__find(addr, '/');
	if (slash >= 0) {
		struct zv_str suffix = zv_str_make(addr.p + slash + 1, addr.len - (size_t)slash - 1);
		for (size_t i = 0; i < suffix.len; i++)
			if (!sip__is_digit(suffix.p[i]) && suffix.p[i] != '/')
				return -EBADMSG;
		if (!suffix.len)
			return -EBADMSG;
		addr.len = (size_t)slash;
	}
	if (!addr_ok(addr))
		return -EBADMSG;
	c->addr = addr;
	c->present = true;
	return 0;
}

static int parse_origin(struct sdp_session *sess, struct zv_str v)
{
	struct zv_str user = field(&v), id = field(&v), ver = field(&v);
	struct zv_str nt = field(&v), at = field(&v), addr = field(&v);

	if (!user.len || !id.len || !addr.len || !rest_empty(v))
		return bad(sess, "Bad o= line");
	if (u64_of(ver, &sess->origin_sess_version) < 0 ||
	    addr_type(nt, at, &sess->origin_ipv6) < 0 || !addr_ok(addr))
		return bad(sess, "Bad o= line");
	for (size_t i = 0; i < id.len; i++)
		if (!sip__is_digit(id.p[i]))
			return bad(sess, "Bad o= line");
	sess->origin_user = user;
	sess->origin_sess_id = id;
	sess->origin_addr = addr;
	return 0;
}

static int parse_bandwidth(struct zv_str v, uint32_t *asp)
{
	ptrdiff_t colon = sip__find(v, ':');
	uint32_t n;
	if (colon <= 0)
		return -EBADMSG;
	struct zv_str type = zv_str_make(v.p, (size_t)colon);
	if (sip__uint(zv_str_make(v.p + colon + 1, v.len - (size_t)colon - 1), UINT32_MAX, &n) < 0)
		return -EBADMSG;
	if (sip__eq_cstr(type, "AS"))
		*asp = n;
	return 0;
}

static const struct {
	const char *name;
	enum sdp_proto proto;
	bool rtp;
} protos[] = {
	{"RTP/AVP", SDP_PROTO_RTP_AVP, true},
	{"RTP/AVPF", SDP_PROTO_RTP_AVPF, true},
	{"RTP/SAVP", SDP_PROTO_RTP_SAVP, true},
	{"RTP/SAVPF", SDP_PROTO_RTP_SAVPF, true},
	{"UDP/TLS/RTP/SAVPF", SDP_PROTO_UDP_TLS_RTP_SAVPF, true},
	{"udptl", SDP_PROTO_UDPTL, false},
};

static const struct {
	const char *name;
	enum sdp_media_type type;
} media_types[] = {
	{"audio", SDP_MEDIA_AUDIO}, {"video", SDP_MEDIA_VIDEO},	{"image", SDP_MEDIA_IMAGE},
	{"text", SDP_MEDIA_TEXT},   {"application", SDP_MEDIA_APPLICATION},
};

static int parse_media(struct sdp_state *st, struct zv_str v)
{
	struct sdp_session *sess = st->sess;

	if (!st->seen_v || !st->seen_o || !st->seen_s || !st->seen_t)
		return bad(sess, "m= before v=, o=, s= and t=");
	if (sess->n_media >= SDP_MAX_MEDIA)
		return too_many(sess, "Too many m= lines");
	struct sdp_media *m = &sess->media[sess->n_media];
	memset(m, 0, sizeof(*m));

	m->type_name = field(&v);
	if (!m->type_name.len)
		return bad(sess, "Bad m= line");
	for (size_t i = 0; i < sizeof(media_types) / sizeof(media_types[0]); i++)
		if (sip__eq_cstr(m->type_name, media_types[i].name))
			m->type = media_types[i].type;

	struct zv_str port = field(&v);
	ptrdiff_t slash = sip__find(port, '/');
	uint32_t n;
	m->n_ports = 1;
	if (slash >= 0) {
		if (sip__uint(zv_str_make(port.p + slash + 1, port.len - (size_t)slash - 1), 65535,
			      &n) < 0 || !n)
			return bad(sess, "Bad m= port count");
		m->n_ports = (uint16_t)n;
		port.len = (size_t)slash;
	}
	if (sip__uint(port, 65535, &n) < 0)
		return bad(sess, "Bad m= port");
	m->port = (uint16_t)n;

	m->proto_name = field(&v);
	bool rtp = false;
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (sip__eq_cstr_ci(m->proto_name, protos[i].name)) {
			m->proto = protos[i].proto;
			rtp = protos[i].rtp;
		}
	}
	if (!m->proto_name.len)
		return bad(sess, "Bad m= protocol");

	for (;;) {
		struct zv_str f = field(&v);
		if (!f.len)
			break;
		if (m->n_fmts >= SDP_MAX_FMT)
			return too_many(sess, "Too many formats");
		if (rtp) {
			if (sip__uint(f, 127, &n) < 0)
				return bad(sess, "Bad RTP payload type");
			m->pts[m->n_fmts] = (uint8_t)n;
		}
		m->fmts[m->n_fmts++] = f;
	}
	if (!m->n_fmts)
		return bad(sess, "m= without formats");
	sess->n_media++;
	st->m = m;
	return 0;
}

static int parse_rtpmap(struct sdp_session *sess, struct sdp_media *m, struct zv_str v)
{
	struct zv_str pt = field(&v), enc = field(&v);
	uint32_t n;

	if (!rest_empty(v) || sip__uint(pt, 127, &n) < 0)
		return bad(sess, "Bad rtpmap");
	if (m->n_rtpmaps >= SDP_MAX_FMT)
		return too_many(sess, "Too many rtpmaps");
	struct sdp_rtpmap *r = &m->rtpmaps[m->n_rtpmaps];
	r->pt = (uint8_t)n;
	ptrdiff_t s1 = sip__find(enc, '/');
	if (s1 <= 0)
		return bad(sess, "Bad rtpmap");
	r->encoding = zv_str_make(enc.p, (size_t)s1);
	struct zv_str rest = zv_str_make(enc.p + s1 + 1, enc.len - (size_t)s1 - 1);
	ptrdiff_t s2 = sip__find(rest, '/');
	r->channels = 1;
	if (s2 >= 0) {
		if (sip__uint(zv_str_make(rest.p + s2 + 1, rest.len - (size_t)s2 - 1), 255, &n) < 0 ||
		    !n)
			return bad(sess, "Bad rtpmap channels");
		r->channels = (uint8_t)n;
		rest.len = (size_t)s2;
	}
	if (sip__uint(rest, UINT32_MAX, &r->clock_rate) < 0 || !r->clock_rate)
		return bad(sess, "Bad rtpmap clock rate");
	for (size_t i = 0; i < r->encoding.len; i++)
		if (!sip__is(r->encoding.p[i], SIP_C_TOKEN))
			return bad(sess, "Bad rtpmap encoding");
	m->n_rtpmaps++;
	return 0;
}

static int parse_fmtp(struct sdp_session *sess, struct sdp_media *m, struct zv_str v)
{
	struct zv_str pt = field(&v);
	uint32_t n;

	if (sip__uint(pt, 127, &n) < 0)
		return bad(sess, "Bad fmtp");
	while (v.len && *v.p == ' ')
		sip__advance(&v, 1);
	if (m->n_fmtps >= SDP_MAX_FMTP)
		return too_many(sess, "Too many fmtps");
	m->fmtps[m->n_fmtps].pt = (uint8_t)n;
	m->fmtps[m->n_fmtps].params = v;
	m->n_fmtps++;
	return 0;
}

/* "20" or "20.5" (fraction dropped). */
static int parse_ms(struct zv_str v, uint32_t *outp)
{
	ptrdiff_t dot = sip__find(v, '.');
	if (dot >= 0) {
		for (size_t i = (size_t)dot + 1; i < v.len; i++)
			if (!sip__is_digit(v.p[i]))
				return -EBADMSG;
		v.len = (size_t)dot;
	}
	return sip__uint(v, 100000, outp) < 0 ? -EBADMSG : 0;
}

static int parse_crypto(struct sdp_session *sess, struct sdp_media *m, struct zv_str v)
{
	struct zv_str tag = field(&v), suite = field(&v), keys = field(&v);

	if (m->n_cryptos >= SDP_MAX_CRYPTO)
		return too_many(sess, "Too many crypto lines");
	struct sdp_crypto *c = &m->cryptos[m->n_cryptos];
	if (sip__uint(tag, 999999999, &c->tag) < 0 || !suite.len || !keys.len)
		return bad(sess, "Bad crypto");
	for (size_t i = 0; i < suite.len; i++)
		if (!sip__is(suite.p[i], SIP_C_ALNUM) && suite.p[i] != '_')
			return bad(sess, "Bad crypto suite");
	if (!sip__has_prefix_ci(keys, "inline:") || keys.len == 7)
		return bad(sess, "Bad crypto key");
	ptrdiff_t semi = sip__find(keys, ';');
	c->suite = suite;
	c->key_params = semi >= 0 ? zv_str_make(keys.p, (size_t)semi) : keys;
	while (v.len && *v.p == ' ')
		sip__advance(&v, 1);
	c->session_params = v;
	m->n_cryptos++;
	return 0;
}

static bool dir_of(struct zv_str name, enum sdp_dir *dirp)
{
	static const char *const names[] = {
		[SDP_DIR_SENDRECV] = "sendrecv",
		[SDP_DIR_SENDONLY] = "sendonly",
		[SDP_DIR_RECVONLY] = "recvonly",
		[SDP_DIR_INACTIVE] = "inactive",
	};
	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (sip__eq_cstr(name, names[i])) {
			*dirp = (enum sdp_dir)i;
			return true;
		}
	}
	return false;
}

static int parse_attr(struct sdp_state *st, struct zv_str v)
{
	struct sdp_session *sess = st->sess;
	struct sdp_media *m = st->m;
	ptrdiff_t colon = sip__find(v, ':');
	struct zv_str name = colon >= 0 ? zv_str_make(v.p, (size_t)colon) : v;
	struct zv_str val = colon >= 0 ? zv_str_make(v.p + colon + 1, v.len - (size_t)colon - 1) :
					 zv_str_make(v.p + v.len, 0);
	uint32_t n;

	if (!name.len)
		return bad(sess, "Bad a= line");
	for (size_t i = 0; i < name.len; i++)
		if (!sip__is(name.p[i], SIP_C_TOKEN))
			return bad(sess, "Bad attribute name");

	enum sdp_dir dir;
	if (dir_of(name, &dir)) {
		if (val.len)
			return bad(sess, "Bad direction attribute");
		if (m) {
			m->dir = dir;
			st->dir_set[m - sess->media] = true;
		} else {
			sess->dir = dir;
		}
		return 0;
	}

	struct zv_str *ufrag = m ? &m->ice_ufrag : &sess->ice_ufrag;
	struct zv_str *pwd = m ? &m->ice_pwd : &sess->ice_pwd;
	struct zv_str *setup = m ? &m->setup : &sess->setup;
	struct zv_str *fph = m ? &m->fingerprint_hash : &sess->fingerprint_hash;
	struct zv_str *fp = m ? &m->fingerprint : &sess->fingerprint;

	if (sip__eq_cstr(name, "ice-ufrag")) {
		if (!val.len)
			return bad(sess, "Bad ice-ufrag");
		*ufrag = val;
	} else if (sip__eq_cstr(name, "ice-pwd")) {
		if (!val.len)
			return bad(sess, "Bad ice-pwd");
		*pwd = val;
	} else if (sip__eq_cstr(name, "setup")) {
		if (!sip__eq_cstr(val, "active") && !sip__eq_cstr(val, "passive") &&
		    !sip__eq_cstr(val, "actpass") && !sip__eq_cstr(val, "holdconn"))
			return bad(sess, "Bad setup");
		*setup = val;
	} else if (sip__eq_cstr(name, "fingerprint")) {
		struct zv_str h = field(&val), f = field(&val);
		if (!h.len || !f.len || !rest_empty(val))
			return bad(sess, "Bad fingerprint");
		*fph = h;
		*fp = f;
	} else if (!m) {
		if (sip__eq_cstr(name, "ice-lite"))
			sess->ice_lite = true;
		else
			sess->n_other_attrs++;
	} else if (sip__eq_cstr(name, "rtpmap")) {
		return parse_rtpmap(sess, m, val);
	} else if (sip__eq_cstr(name, "fmtp")) {
		return parse_fmtp(sess, m, val);
	} else if (sip__eq_cstr(name, "ptime")) {
		if (parse_ms(val, &m->ptime) < 0 || !m->ptime)
			return bad(sess, "Bad ptime");
	} else if (sip__eq_cstr(name, "maxptime")) {
		if (parse_ms(val, &m->maxptime) < 0 || !m->maxptime)
			return bad(sess, "Bad maxptime");
	} else if (sip__eq_cstr(name, "rtcp")) {
		struct zv_str port = field(&val);
		if (sip__uint(port, 65535, &n) < 0)
			return bad(sess, "Bad rtcp");
		m->has_rtcp = true;
		m->rtcp_port = (uint16_t)n;
		if (!rest_empty(val)) {
			struct sdp_conn c = {0};
			if (parse_conn(val, &c) < 0)
				return bad(sess, "Bad rtcp address");
			m->rtcp_addr = c.addr;
		}
	} else if (sip__eq_cstr(name, "rtcp-mux")) {
		m->rtcp_mux = true;
	} else if (sip__eq_cstr(name, "crypto")) {
		return parse_crypto(sess, m, val);
	} else if (sip__eq_cstr(name, "candidate")) {
		m->n_candidates++;
	} else if (sip__eq_cstr(name, "mid")) {
		m->mid = val;
	} else {
		m->n_other_attrs++;
	}
	return 0;
}

static int parse_line(struct sdp_state *st, char type, struct zv_str v, unsigned lineno)
{
	struct sdp_session *sess = st->sess;

	if (lineno == 1 && type != 'v')
		return bad(sess, "SDP must start with v=");
	switch (type) {
	case 'v':
		if (st->seen_v || !sip__eq_cstr(v, "0"))
			return bad(sess, "Bad v= line");
		st->seen_v = true;
		return 0;
	case 'o':
		if (st->seen_o || lineno != 2)
			return bad(sess, "o= must be the second line");
		st->seen_o = true;
		return parse_origin(sess, v);
	case 's':
		if (st->seen_s || st->m)
			return bad(sess, "Misplaced s= line");
		st->seen_s = true;
		sess->name = v;
		return 0;
	case 't': {
		if (st->m)
			return bad(sess, "t= inside a media");
		struct zv_str a = field(&v), b = field(&v);
		if (u64_of(a, &sess->t_start) < 0 || u64_of(b, &sess->t_stop) < 0 || !rest_empty(v))
			return bad(sess, "Bad t= line");
		st->seen_t = true;
		return 0;
	}
	case 'c':
		if (parse_conn(v, st->m ? &st->m->conn : &sess->conn) < 0)
			return bad(sess, "Bad c= line");
		return 0;
	case 'b':
		if (parse_bandwidth(v, st->m ? &st->m->bandwidth_as : &sess->bandwidth_as) < 0)
			return bad(sess, "Bad b= line");
		return 0;
	case 'm':
		return parse_media(st, v);
	case 'a':
		return parse_attr(st, v);
	case 'i':
	case 'k':
		return 0;
	case 'u':
	case 'e':
	case 'p':
	case 'r':
	case 'z':
		if (st->m)
			return bad(sess, "Session-only line inside a media");
		return 0;
	default:
		return bad(sess, "Unknown SDP line type");
	}
}

int sdp_parse(const char *buf, size_t len, struct sdp_session *sess)
{
	struct sdp_state st = {.sess = sess};
	const char *p = buf, *end = buf + len;
	unsigned lineno = 0;
	int rc;

	memset(sess, 0, offsetof(struct sdp_session, media));
	sess->n_media = 0;
	sess->n_other_attrs = 0;
	sess->err_line = 0;
	sess->err = NULL;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		size_t ll = (size_t)(le - p);
		if (nl && ll && p[ll - 1] == '\r')
			ll--;
		lineno++;
		if (memchr(p, '\0', ll) || memchr(p, '\r', ll)) {
			rc = bad(sess, "Control character in SDP");
			goto fail;
		}
		if (!ll) {
			/* only trailing empty lines are tolerated */
			const char *q = le;
			while (q < end && (*q == '\r' || *q == '\n'))
				q++;
			if (q != end) {
				rc = bad(sess, "Empty line in SDP");
				goto fail;
			}
			break;
		}
		if (ll < 2 || p[1] != '=') {
			rc = bad(sess, "Bad SDP line");
			goto fail;
		}
		rc = parse_line(&st, p[0], zv_str_make(p + 2, ll - 2), lineno);
		if (rc < 0)
			goto fail;
		p = nl ? nl + 1 : end;
	}
	if (!st.seen_v || !st.seen_o || !st.seen_s || !st.seen_t) {
		lineno = 0;
		rc = bad(sess, "Missing v=, o=, s= or t=");
		goto fail;
	}
	for (unsigned i = 0; i < sess->n_media; i++) {
		struct sdp_media *m = &sess->media[i];
		if (!m->conn.present)
			m->conn = sess->conn;
		if (!m->conn.present && m->port) {
			lineno = 0;
			rc = bad(sess, "Media without c= line");
			goto fail;
		}
		if (!st.dir_set[i])
			m->dir = sess->dir;
		if (!m->ice_ufrag.len)
			m->ice_ufrag = sess->ice_ufrag;
		if (!m->ice_pwd.len)
			m->ice_pwd = sess->ice_pwd;
		if (!m->setup.len)
			m->setup = sess->setup;
		if (!m->fingerprint.len) {
			m->fingerprint_hash = sess->fingerprint_hash;
			m->fingerprint = sess->fingerprint;
		}
	}
	return 0;

fail:
	sess->err_line = lineno;
	return rc;
}

const struct sdp_rtpmap *sdp_media_rtpmap(const struct sdp_media *m, uint8_t pt)
{
	for (unsigned i = 0; i < m->n_rtpmaps; i++)
		if (m->rtpmaps[i].pt == pt)
			return &m->rtpmaps[i];
	return NULL;
}

const struct sdp_fmtp *sdp_media_fmtp(const struct sdp_media *m, uint8_t pt)
{
	for (unsigned i = 0; i < m->n_fmtps; i++)
		if (m->fmtps[i].pt == pt)
			return &m->fmtps[i];
	return NULL;
}
