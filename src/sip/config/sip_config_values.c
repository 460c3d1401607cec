/*
 * Value parsers shared by the pjsip.conf and sip.conf readers: the codec
 * table and allow=/disallow= lists, caller ID strings, address matches
 * (IP, CIDR, netmask, host name), bind addresses, comma lists, and the
 * boolean and number helpers that report bad values with file:line.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zvonok/channel.h>

#include "sip_config_int.h"

/* ---- codecs ------------------------------------------------------------ */

/* Payload types and clock rates from RFC 3551; slin rates as Asterisk's
 * L16 formats; opus per RFC 7587. */
static const struct sip_codec codecs[] = {
	{"ulaw", 0, 8000, 8000, 1, "PCMU"},
	{"alaw", 8, 8000, 8000, 1, "PCMA"},
	{"gsm", 3, 8000, 8000, 1, "GSM"},
	{"g722", 9, 8000, 16000, 1, "G722"},
	{"g729", 18, 8000, 8000, 1, "G729"},
	{"opus", -1, 48000, 48000, 2, "opus"},
	{"slin", -1, 8000, 8000, 1, "L16"},
	{"slin16", -1, 16000, 16000, 1, "L16"},
	{"slin48", -1, 48000, 48000, 1, "L16"},
};

static const struct {
	const char *alias;
	const char *name;
} codec_aliases[] = {
	{"pcmu", "ulaw"}, {"g711u", "ulaw"}, {"pcma", "alaw"},
	{"g711a", "alaw"}, {"g729a", "g729"}, {"slin8", "slin"},
};

/* Asterisk knows these; Zvonok cannot transcode or pass them yet. */
static const char *const unsupported_codecs[] = {
	"g723", "g726", "g726aal2", "adpcm", "lpc10", "ilbc", "speex",
	"speex16", "speex32", "siren7", "siren14", "g719", "testlaw",
	"slin12", "slin24", "slin32", "slin44", "slin96", "slin192",
	"silk", "silk8", "silk12", "silk16", "silk24", "codec2",
	"h261", "h263", "h263p", "h264", "h265", "mpeg4", "vp8", "vp9",
	"jpeg", "png", "red", "t140", "t140red", "none",
};

const struct sip_codec *sip_codec_from_name(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(codec_aliases) / sizeof(codec_aliases[0]);
	     i++)
		if (!strcasecmp(name, codec_aliases[i].alias))
			name = codec_aliases[i].name;
	for (size_t i = 0; i < sizeof(codecs) / sizeof(codecs[0]); i++)
		if (!strcasecmp(name, codecs[i].name))
			return &codecs[i];
	return NULL;
}

static bool codec_is_unsupported(const char *name)
{
	for (size_t i = 0;
	     i < sizeof(unsupported_codecs) / sizeof(unsupported_codecs[0]); i++)
		if (!strcasecmp(name, unsupported_codecs[i]))
			return true;
	return false;
}

static void codecs_add(struct sip__codecs *c, const struct sip_codec *codec)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i] == codec)
			return;
	if (c->n < sizeof(c->v) / sizeof(c->v[0]))
		c->v[c->n++] = codec;
}

static void codecs_del(struct sip__codecs *c, const struct sip_codec *codec)
{
	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i] == codec) {
			memmove(&c->v[i], &c->v[i + 1],
				(c->n - i - 1) * sizeof(c->v[0]));
			c->n--;
			return;
		}
	}
}

void sip__codecs_apply(struct sip__build *b, struct sip__codecs *c,
		       bool allow, const struct zv_conf_var *v)
{
	const char *p = v->value;
	while (*p) {
		while (*p == ',' || *p == ' ' || *p == '\t' || *p == '&')
			p++;
		if (!*p)
			break;
		size_t len = strcspn(p, ",& \t");
		char name[32];
		size_t nlen = strcspn(p, ":,& \t"); /* ulaw:20 is a framing */
		if (nlen >= sizeof(name))
			nlen = sizeof(name) - 1;
		memcpy(name, p, nlen);
		name[nlen] = '\0';
		p += len;
		bool add = allow;
		char *nm = name;
		if (*nm == '!') { /* allow=!all,ulaw: disallow in allow= */
			add = false;
			nm++;
		}
		if (!strcasecmp(nm, "all")) {
			if (add)
				for (size_t i = 0;
				     i < sizeof(codecs) / sizeof(codecs[0]); i++)
					codecs_add(c, &codecs[i]);
			else
				c->n = 0;
			continue;
		}
		const struct sip_codec *codec = sip_codec_from_name(nm);
		if (codec) {
			if (add)
				codecs_add(c, codec);
			else
				codecs_del(c, codec);
		} else if (codec_is_unsupported(nm)) {
			if (add)
				zv_diag_warn(b->diag, v->file, v->line,
					     "codec '%s' is not supported yet, "
					     "ignored",
					     nm);
		} else {
			zv_diag_warn(b->diag, v->file, v->line,
				     "unknown codec '%s' in %s=", nm, v->name);
		}
	}
}

int sip__codecs_store(struct sip_config *cfg, const struct sip__codecs *c,
		      const struct sip_codec *const **arrp, size_t *np)
{
	const struct sip_codec **v = sip__alloc(cfg, (c->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	memcpy(v, c->v, c->n * sizeof(*v));
	*arrp = v;
	*np = c->n;
	return 0;
}

/* ---- strings ----------------------------------------------------------- */

int sip__split(struct sip_config *cfg, const char *list,
	       int (*fn)(void *arg, const char *item), void *arg)
{
	const char *p = list;
	while (p && *p) {
		size_t len = strcspn(p, ",");
		const char *s = p, *e = p + len;
		while (s < e && isspace((unsigned char)*s))
			s++;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (e > s) {
			char *item = sip__strndup(cfg, s, (size_t)(e - s));
			if (!item)
				return -ENOMEM;
			int err = fn(arg, item);
			if (err)
				return err;
		}
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

static bool is_phone_number(const char *s, size_t len)
{
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr("0123456789*#+-.() ", s[i]))
			return false;
	return true;
}

static const char *trim_dup(struct sip_config *cfg, const char *s, size_t len)
{
	while (len && isspace((unsigned char)*s)) {
		s++;
		len--;
	}
	while (len && isspace((unsigned char)s[len - 1]))
		len--;
	if (len >= 2 && s[0] == '"' && s[len - 1] == '"') {
		s++;
		len -= 2;
	}
	return len ? sip__strndup(cfg, s, len) : NULL;
}

void sip__callerid_parse(struct sip_config *cfg, const char *text,
			 const char **namep, const char **numberp)
{
	*namep = NULL;
	*numberp = NULL;
	const char *lt = strrchr(text, '<');
	const char *gt = lt ? strchr(lt, '>') : NULL;
	if (lt && gt) {
		*namep = trim_dup(cfg, text, (size_t)(lt - text));
		*numberp = trim_dup(cfg, lt + 1, (size_t)(gt - lt - 1));
		return;
	}
	size_t len = strlen(text);
	const char *t = trim_dup(cfg, text, len);
	if (t && is_phone_number(t, strlen(t)) && text[0] != '"')
		*numberp = t;
	else
		*namep = t;
}

/* ---- addresses --------------------------------------------------------- */

static int netmask_prefix(int family, const char *s, unsigned *prefixp)
{
	uint8_t m[16];
	size_t n = family == AF_INET ? 4 : 16;
	if (inet_pton(family, s, m) != 1)
		return -EINVAL;
	unsigned prefix = 0;
	size_t i = 0;
	for (; i < n && m[i] == 0xff; i++)
		prefix += 8;
	if (i < n) {
		uint8_t b = m[i];
		while (b & 0x80) {
			prefix++;
			b = (uint8_t)(b << 1);
		}
		if (b)
			return -EINVAL; /* not contiguous */
		for (i++; i < n; i++)
			if (m[i])
				return -EINVAL;
	}
	*prefixp = prefix;
	return 0;
}

static bool valid_hostname(const char *s)
{
	if (!*s || strlen(s) > 253)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '.' &&
		    *s != '_')
			return false;
	return true;
}

int sip__match_parse(struct sip_config *cfg, const char *text,
		     struct sip_match *m)
{
	char buf[256];
	long port = 0;
	memset(m, 0, sizeof(*m));
	m->text = text;
	if (strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	char *addr = buf, *mask = strchr(buf, '/');
	if (mask)
		*mask++ = '\0';
	if (addr[0] == '[') {
		char *close = strchr(addr, ']');
		if (!close)
			return -EINVAL;
		*close = '\0';
		if (close[1] == ':' &&
		    zv_conf_parse_int(close + 2, 1, 65535, &port))
			return -EINVAL;
		else if (close[1] && close[1] != ':')
			return -EINVAL;
		addr++;
	} else {
		char *colon = strchr(addr, ':');
		if (colon && !strchr(colon + 1, ':')) {
			*colon = '\0';
			if (zv_conf_parse_int(colon + 1, 1, 65535, &port))
				return -EINVAL;
		}
	}
	m->port = (uint16_t)port;
	if (inet_pton(AF_INET, addr, m->addr) == 1) {
		m->family = AF_INET;
		m->prefix = 32;
	} else if (inet_pton(AF_INET6, addr, m->addr) == 1) {
		m->family = AF_INET6;
		m->prefix = 128;
	} else {
		if (mask || !valid_hostname(addr))
			return -EINVAL;
		m->family = AF_UNSPEC;
		m->host = sip__strdup(cfg, addr);
		return 0;
	}
	if (mask) {
		long p;
		unsigned max = m->family == AF_INET ? 32 : 128;
		if (!zv_conf_parse_int(mask, 0, max, &p))
			m->prefix = (unsigned)p;
		else if (netmask_prefix(m->family, mask, &m->prefix))
			return -EINVAL;
	}
	unsigned full = m->prefix / 8, rest = m->prefix % 8;
	if (rest)
		m->addr[full++] &= (uint8_t)(0xff << (8 - rest));
	for (; full < 16; full++)
		m->addr[full] = 0;
	return 0;
}

int sip__addr_parse(const char *text, uint16_t default_port,
		    struct sockaddr_storage *ss)
{
	char buf[128];
	long port = default_port;
	if (!text || strlen(text) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, text);
	char *addr = buf;
	memset(ss, 0, sizeof(*ss));
	if (addr[0] == '[') {
		char *close = strchr(addr, ']');
		if (!close)
			return -EINVAL;
		*close = '\0';
		if (close[1] == ':') {
			if (zv_conf_parse_int(close + 2, 0, 65535, &port))
				return -EINVAL;
		} else if (close[1]) {
			return -EINVAL;
		}
		addr++;
	} else {
		char *colon = strchr(addr, ':');
		if (colon && !strchr(colon + 1, ':')) {
			*colon = '\0';
			if (zv_conf_parse_int(colon + 1, 0, 65535, &port))
				return -EINVAL;
		}
	}
	struct sockaddr_in *in = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
	} else {
		return -EINVAL;
	}
	return 0;
}

const char *sip_transport_proto_name(enum sip_transport_proto proto)
{
	switch (proto) {
	case SIP_PROTO_UDP:
		return "udp";
	case SIP_PROTO_TCP:
		return "tcp";
	case SIP_PROTO_TLS:
		return "tls";
	case SIP_PROTO_WS:
		return "ws";
	case SIP_PROTO_WSS:
		return "wss";
	}
	return "?";
}

/* ---- option values ----------------------------------------------------- */

void sip__get_bool(struct sip__build *b, const struct zv_conf_var *v,
		   bool *outp)
{
	if (zv_conf_parse_bool(v->value, outp))
		zv_diag_error(b->diag, v->file, v->line,
			      "%s=%s: expected yes or no", v->name, v->value);
}

void sip__get_groups(struct sip__build *b, const struct zv_conf_var *v,
		     uint64_t *outp)
{
	if (sip_group_parse(v->value, outp))
		zv_diag_error(b->diag, v->file, v->line,
			      "%s=%s: expected numbers or ranges 0-63, e.g. 1,3-4",
			      v->name, v->value);
}

void sip__get_pres(struct sip__build *b, const struct zv_conf_var *v, int *outp)
{
	int p = zv_pres_parse(v->value);
	if (p < 0)
		zv_diag_error(b->diag, v->file, v->line,
			      "%s=%s: expected allowed_not_screened, allowed_passed_screen, "
			      "allowed_failed_screen, allowed, prohib_not_screened, "
			      "prohib_passed_screen, prohib_failed_screen, prohib, unavailable "
			      "or a number",
			      v->name, v->value);
	else
		*outp = p;
}

void sip__get_uint(struct sip__build *b, const struct zv_conf_var *v,
		   unsigned long max, unsigned *outp)
{
	long n;
	if (max > UINT_MAX)
		max = UINT_MAX;
	if (zv_conf_parse_int(v->value, 0, (long)max, &n))
		zv_diag_error(b->diag, v->file, v->line,
			      "%s=%s: expected a number from 0 to %lu", v->name,
			      v->value, max);
	else
		*outp = (unsigned)n;
}
