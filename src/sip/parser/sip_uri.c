/*
 * SIP/SIPS/tel URI parsing, unescaping and comparison; contracts in
 * sip_uri.h.
 */
#include <errno.h>
#include <string.h>

#include "sip/parser/sip_scan.h"
#include "sip/parser/sip_uri.h"

/* Length of the valid run at s made of class cls or %XX escapes; -1 on a bad escape. */
static ptrdiff_t run_len(struct zv_str s, unsigned cls)
{
	size_t i = 0;

	while (i < s.len) {
		char c = s.p[i];
		if (c == '%') {
			if (i + 2 >= s.len || sip__hexval(s.p[i + 1]) < 0 ||
			    sip__hexval(s.p[i + 2]) < 0)
				return -1;
			i += 3;
		} else if (sip__is(c, cls)) {
			i++;
		} else {
			break;
		}
	}
	return (ptrdiff_t)i;
}

/* The whole view is made of class cls or escapes, and is non-empty. */
static bool all_of(struct zv_str s, unsigned cls)
{
	ptrdiff_t n = run_len(s, cls);
	return s.len && n == (ptrdiff_t)s.len;
}

static int parse_host(struct zv_str *s, struct sip_uri *u)
{
	if (sip__eat(s, '[')) {
		size_t n = 0;
		while (n < s->len && (sip__is(s->p[n], SIP_C_HEX) || s->p[n] == ':' || s->p[n] == '.'))
			n++;
		if (n < 2 || n >= s->len || s->p[n] != ']' || !memchr(s->p, ':', n))
			return -EBADMSG;
		u->host = zv_str_make(s->p, n);
		u->host_ipv6 = true;
		sip__advance(s, n + 1);
		return 0;
	}
	size_t n = 0;
	while (n < s->len && (sip__is(s->p[n], SIP_C_ALNUM) || s->p[n] == '-' || s->p[n] == '.'))
		n++;
	if (!n || s->p[0] == '-' || s->p[0] == '.')
		return -EBADMSG;
	u->host = zv_str_make(s->p, n);
	sip__advance(s, n);
	return 0;
}

/*
 * Validate "name[=value]" items separated by sep in s, each part made of
 * class cls or escapes; values may be empty only if allow_empty_val.
 */
static bool kv_list_ok(struct zv_str s, char sep, unsigned cls, bool allow_empty_val)
{
	for (;;) {
		const char *e = s.len ? memchr(s.p, sep, s.len) : NULL;
		struct zv_str item = zv_str_make(s.p, e ? (size_t)(e - s.p) : s.len);
		const char *eq = item.len ? memchr(item.p, '=', item.len) : NULL;
		struct zv_str name = zv_str_make(item.p, eq ? (size_t)(eq - item.p) : item.len);
		if (!all_of(name, cls))
			return false;
		if (eq) {
			struct zv_str val = zv_str_make(eq + 1, item.len - name.len - 1);
			if (val.len ? !all_of(val, cls) : !allow_empty_val)
				return false;
		}
		if (!e)
			return true;
		sip__advance(&s, item.len + 1);
	}
}

/* Find name in a sep-separated "name[=value]" list. */
static int kv_find(struct zv_str s, char sep, const char *name, struct zv_str *valp)
{
	while (s.len) {
		const char *e = memchr(s.p, sep, s.len);
		struct zv_str item = zv_str_make(s.p, e ? (size_t)(e - s.p) : s.len);
		const char *eq = item.len ? memchr(item.p, '=', item.len) : NULL;
		struct zv_str n = zv_str_make(item.p, eq ? (size_t)(eq - item.p) : item.len);
		if (sip__eq_cstr_ci(n, name)) {
			if (valp)
				*valp = eq ? zv_str_make(eq + 1, item.len - n.len - 1) : ZV_STR_NULL;
			return 0;
		}
		if (!e)
			break;
		sip__advance(&s, item.len + 1);
	}
	return -ENOENT;
}

static void pick_params(struct sip_uri *u)
{
	struct zv_str v;

	if (!kv_find(u->params, ';', "transport", &v))
		u->transport = v;
	if (!kv_find(u->params, ';', "maddr", &v))
		u->maddr = v;
	if (!kv_find(u->params, ';', "user", &v))
		u->user_param = v;
	if (!kv_find(u->params, ';', "method", &v))
		u->method = v;
	if (!kv_find(u->params, ';', "ttl", &v))
		u->ttl = v;
	u->lr = !kv_find(u->params, ';', "lr", NULL);
}

static int parse_tel(struct zv_str s, struct sip_uri *u)
{
	size_t n = 0;

	while (n < s.len && s.p[n] != ';')
		n++;
	u->user = zv_str_make(s.p, n);
	if (!n)
		return -EBADMSG;
	for (size_t i = 0; i < n; i++) {
		char c = s.p[i];
		if (!(sip__is(c, SIP_C_HEX) || strchr("+-.()*#", c)) || !c)
			return -EBADMSG;
		if (c == '+' && i)
			return -EBADMSG;
	}
	if (n < s.len) {
		u->params = zv_str_make(s.p + n + 1, s.len - n - 1);
		if (!kv_list_ok(u->params, ';', SIP_C_UNRES | SIP_C_PARAM, false))
			return -EBADMSG;
	}
	pick_params(u);
	return 0;
}

int sip_uri_parse(struct zv_str s, struct sip_uri *urip)
{
	struct sip_uri *u = urip;
	const char *colon = s.len ? memchr(s.p, ':', s.len) : NULL;

	memset(u, 0, sizeof(*u));
	if (!colon)
		return -EBADMSG;
	struct zv_str scheme = zv_str_make(s.p, (size_t)(colon - s.p));
	sip__advance(&s, scheme.len + 1);
	if (sip__eq_cstr_ci(scheme, "sip")) {
		u->scheme = SIP_URI_SIP;
	} else if (sip__eq_cstr_ci(scheme, "sips")) {
		u->scheme = SIP_URI_SIPS;
	} else if (sip__eq_cstr_ci(scheme, "tel")) {
		u->scheme = SIP_URI_TEL;
		return parse_tel(s, u);
	} else {
		return all_of(scheme, SIP_C_ALNUM) ? -EPROTONOSUPPORT : -EBADMSG;
	}

	const char *at = s.len ? memchr(s.p, '@', s.len) : NULL;
	if (at) {
		struct zv_str ui = zv_str_make(s.p, (size_t)(at - s.p));
		const char *pc = ui.len ? memchr(ui.p, ':', ui.len) : NULL;
		u->user = zv_str_make(ui.p, pc ? (size_t)(pc - ui.p) : ui.len);
		if (!all_of(u->user, SIP_C_UNRES | SIP_C_USER))
			return -EBADMSG;
		if (pc) {
			u->has_password = true;
			u->password = zv_str_make(pc + 1, ui.len - u->user.len - 1);
			struct zv_str pw = u->password;
			while (pw.len) {
				char c = *pw.p;
				if (c == '%' && run_len(zv_str_make(pw.p, pw.len < 3 ? pw.len : 3),
							SIP_C_UNRES) == 3) {
					sip__advance(&pw, 3);
					continue;
				}
				if (c == '%' || !(sip__is(c, SIP_C_UNRES) || strchr("&=+$,", c)) || !c)
					return -EBADMSG;
				sip__advance(&pw, 1);
			}
		}
		sip__advance(&s, ui.len + 1);
	}
	if (parse_host(&s, u) < 0)
		return -EBADMSG;
	if (sip__eat(&s, ':')) {
		struct zv_str digits = sip__take(&s, SIP_C_ALNUM);
		uint32_t port;
		if (sip__uint(digits, 65535, &port) < 0)
			return -EBADMSG;
		u->has_port = true;
		u->port = (uint16_t)port;
	}
	if (sip__eat(&s, ';')) {
		const char *q = s.len ? memchr(s.p, '?', s.len) : NULL;
		u->params = zv_str_make(s.p, q ? (size_t)(q - s.p) : s.len);
		if (!kv_list_ok(u->params, ';', SIP_C_UNRES | SIP_C_PARAM, false))
			return -EBADMSG;
		sip__advance(&s, u->params.len);
	}
	if (sip__eat(&s, '?')) {
		u->headers = s;
		if (!kv_list_ok(u->headers, '&', SIP_C_UNRES | SIP_C_HNV, true))
			return -EBADMSG;
		/* every header needs '=' */
		struct zv_str h = s;
		while (h.len) {
			const char *amp = memchr(h.p, '&', h.len);
			size_t il = amp ? (size_t)(amp - h.p) : h.len;
			if (!memchr(h.p, '=', il))
				return -EBADMSG;
			sip__advance(&h, amp ? il + 1 : il);
		}
		s.len = 0;
	}
	if (s.len)
		return -EBADMSG;
	pick_params(u);
	return 0;
}

int sip_uri_param(const struct sip_uri *uri, const char *name, struct zv_str *valp)
{
	return kv_find(uri->params, ';', name, valp);
}

int sip_uri_header(const struct sip_uri *uri, const char *name, struct zv_str *valp)
{
	return kv_find(uri->headers, '&', name, valp);
}

int sip_unescape(struct zv_str in, char *buf, size_t size, size_t *lenp)
{
	size_t o = 0;

	for (size_t i = 0; i < in.len; i++) {
		char c = in.p[i];
		if (c == '%') {
			if (i + 2 >= in.len || sip__hexval(in.p[i + 1]) < 0 ||
			    sip__hexval(in.p[i + 2]) < 0)
				return -EBADMSG;
			c = (char)(sip__hexval(in.p[i + 1]) << 4 | sip__hexval(in.p[i + 2]));
			i += 2;
		}
		if (o >= size)
			return -ENOSPC;
		buf[o++] = c;
	}
	*lenp = o;
	return 0;
}

/* Next decoded character of *s, or -1 at the end (bad escapes stay literal). */
static int next_char(struct zv_str *s)
{
	if (!s->len)
		return -1;
	unsigned char c = (unsigned char)s->p[0];
	if (c == '%' && s->len >= 3 && sip__hexval(s->p[1]) >= 0 && sip__hexval(s->p[2]) >= 0) {
		c = (unsigned char)(sip__hexval(s->p[1]) << 4 | sip__hexval(s->p[2]));
		sip__advance(s, 3);
		return c;
	}
	sip__advance(s, 1);
	return c;
}

static bool esc_eq(struct zv_str a, struct zv_str b, bool ci)
{
	for (;;) {
		int ca = next_char(&a), cb = next_char(&b);
		if (ci) {
			ca = ca >= 0 ? sip__lower((char)ca) : ca;
			cb = cb >= 0 ? sip__lower((char)cb) : cb;
		}
		if (ca != cb)
			return false;
		if (ca < 0)
			return true;
	}
}

static bool param_special(struct zv_str name)
{
	static const char *const special[] = {"user", "ttl", "method", "maddr", "transport"};
	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++)
		if (esc_eq(name, zv_str_make(special[i], strlen(special[i])), true))
			return true;
	return false;
}

/* One "name[=value]" item of a list: split it. */
static void kv_split(struct zv_str item, struct zv_str *namep, struct zv_str *valp)
{
	const char *eq = item.len ? memchr(item.p, '=', item.len) : NULL;
	*namep = zv_str_make(item.p, eq ? (size_t)(eq - item.p) : item.len);
	*valp = eq ? zv_str_make(eq + 1, item.len - namep->len - 1) : ZV_STR_NULL;
}

/* Find the item whose unescaped name equals name's, any case. */
static bool kv_find_esc(struct zv_str s, char sep, struct zv_str name, struct zv_str *valp)
{
	while (s.len) {
		const char *e = memchr(s.p, sep, s.len);
		struct zv_str item = zv_str_make(s.p, e ? (size_t)(e - s.p) : s.len), n;
		kv_split(item, &n, valp);
		if (esc_eq(n, name, true))
			return true;
		if (!e)
			break;
		sip__advance(&s, item.len + 1);
	}
	return false;
}

/*
 * Walk list a: every item found in b must match; an item missing from b
 * fails if strict or if its name is special.
 */
static bool kv_match(struct zv_str a, struct zv_str b, char sep, bool strict, bool val_ci)
{
	while (a.len) {
		const char *e = memchr(a.p, sep, a.len);
		struct zv_str item = zv_str_make(a.p, e ? (size_t)(e - a.p) : a.len), n, va, vb;
		kv_split(item, &n, &va);
		if (kv_find_esc(b, sep, n, &vb)) {
			if (!esc_eq(va, vb, val_ci))
				return false;
		} else if (strict || (sep == ';' && param_special(n))) {
			return false;
		}
		if (!e)
			break;
		sip__advance(&a, item.len + 1);
	}
	return true;
}

/* tel numbers: compare ignoring visual separators, hex digits any case. */
static bool tel_eq(struct zv_str a, struct zv_str b)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < a.len && strchr("-.()", a.p[i]))
			i++;
		while (j < b.len && strchr("-.()", b.p[j]))
			j++;
		if (i == a.len || j == b.len)
			return i == a.len && j == b.len;
		if (sip__lower(a.p[i]) != sip__lower(b.p[j]))
			return false;
		i++;
		j++;
	}
}

bool sip_uri_equal(const struct sip_uri *a, const struct sip_uri *b)
{
	if (a->scheme != b->scheme)
		return false;
	if (a->scheme == SIP_URI_TEL)
		return tel_eq(a->user, b->user) && kv_match(a->params, b->params, ';', true, true) &&
		       kv_match(b->params, a->params, ';', true, true);
	if (!esc_eq(a->user, b->user, false) || a->has_password != b->has_password ||
	    !esc_eq(a->password, b->password, false))
		return false;
	if (a->host_ipv6 != b->host_ipv6 || !sip__eq_ci(a->host, b->host))
		return false;
	if (a->has_port != b->has_port || a->port != b->port)
		return false;
	if (!kv_match(a->params, b->params, ';', false, true) ||
	    !kv_match(b->params, a->params, ';', false, true))
		return false;
	return kv_match(a->headers, b->headers, '&', true, false) &&
	       kv_match(b->headers, a->headers, '&', true, false);
}

const char *sip_uri_user(struct zv_str uri, char *buf, size_t size)
{
	struct sip_uri u;
	size_t n = 0;
	buf[0] = '\0';
	if (sip_uri_parse(uri, &u) == 0 && u.user.len && sip_unescape(u.user, buf, size - 1, &n) == 0)
		buf[n] = '\0';
	else
		buf[0] = '\0';
	return buf;
}
