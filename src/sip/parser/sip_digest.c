/*
 * Digest credentials/challenge parser and response calculator; contracts
 * in sip_digest.h.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <openssl/evp.h>

#include "sip/parser/sip_digest.h"
#include "sip/parser/sip_scan.h"

/* Parameter table: name and the offset of its view in struct sip_auth_hdr. */
static const struct {
	const char *name;
	size_t off;
} auth_fields[] = {
	{"username", offsetof(struct sip_auth_hdr, username)},
	{"realm", offsetof(struct sip_auth_hdr, realm)},
	{"nonce", offsetof(struct sip_auth_hdr, nonce)},
	{"uri", offsetof(struct sip_auth_hdr, uri)},
	{"response", offsetof(struct sip_auth_hdr, response)},
	{"algorithm", offsetof(struct sip_auth_hdr, algorithm)},
	{"cnonce", offsetof(struct sip_auth_hdr, cnonce)},
	{"opaque", offsetof(struct sip_auth_hdr, opaque)},
	{"qop", offsetof(struct sip_auth_hdr, qop)},
	{"nc", offsetof(struct sip_auth_hdr, nc)},
	{"domain", offsetof(struct sip_auth_hdr, domain)},
};

#define N_AUTH_FIELDS (sizeof(auth_fields) / sizeof(auth_fields[0]))

static bool all_hex(struct zv_str s)
{
	for (size_t i = 0; i < s.len; i++)
		if (!sip__is(s.p[i], SIP_C_HEX))
			return false;
	return true;
}

static int bool_param(struct zv_str v, bool *outp)
{
	if (sip__eq_cstr_ci(v, "true"))
		*outp = true;
	else if (sip__eq_cstr_ci(v, "false"))
		*outp = false;
	else
		return -EBADMSG;
	return 0;
}

int sip_auth_parse(struct zv_str value, struct sip_auth_hdr *authp)
{
	struct sip_auth_hdr *a = authp;
	struct zv_str s = sip__trim(value);
	unsigned seen = 0, seen_stale = 0, seen_uh = 0;

	memset(a, 0, sizeof(*a));
	a->scheme = sip__take(&s, SIP_C_TOKEN);
	if (!a->scheme.len)
		return -EBADMSG;
	if (!sip__eq_cstr_ci(a->scheme, "Digest"))
		return -EPROTONOSUPPORT;
	if (!s.len || !sip__is_lws(*s.p))
		return -EBADMSG;

	for (;;) {
		sip__skip_lws(&s);
		struct zv_str name = sip__take(&s, SIP_C_TOKEN), val;
		if (!name.len)
			return -EBADMSG;
		sip__skip_lws(&s);
		if (!sip__eat(&s, '='))
			return -EBADMSG;
		sip__skip_lws(&s);
		if (s.len && *s.p == '"') {
			if (sip__quoted(&s, &val) < 0)
				return -EBADMSG;
		} else {
			val = sip__take(&s, SIP_C_TOKEN);
			if (!val.len)
				return -EBADMSG;
		}

		bool known = false;
		for (unsigned i = 0; i < N_AUTH_FIELDS; i++) {
			if (!sip__eq_cstr_ci(name, auth_fields[i].name))
				continue;
			if (seen & (1u << i))
				return -EBADMSG;
			seen |= 1u << i;
			*(struct zv_str *)((char *)a + auth_fields[i].off) = val;
			known = true;
			break;
		}
		if (!known && sip__eq_cstr_ci(name, "stale")) {
			if (seen_stale++ || bool_param(val, &a->stale) < 0)
				return -EBADMSG;
		} else if (!known && sip__eq_cstr_ci(name, "userhash")) {
			if (seen_uh++ || bool_param(val, &a->userhash) < 0)
				return -EBADMSG;
		}

		sip__skip_lws(&s);
		if (!s.len)
			break;
		if (!sip__eat(&s, ','))
			return -EBADMSG;
	}
	if (a->nc.len && (a->nc.len != 8 || !all_hex(a->nc)))
		return -EBADMSG;
	if (sip_digest_alg_parse(a->algorithm, &a->alg, &a->alg_sess) < 0)
		return -EPROTONOSUPPORT;
	return 0;
}

bool sip_auth_qop_has(struct zv_str qop, const char *option)
{
	while (qop.len) {
		ptrdiff_t c = sip__find(qop, ',');
		struct zv_str item = sip__trim(zv_str_make(qop.p, c >= 0 ? (size_t)c : qop.len));
		if (sip__eq_cstr_ci(item, option))
			return true;
		if (c < 0)
			break;
		sip__advance(&qop, (size_t)c + 1);
	}
	return false;
}

int sip_digest_alg_parse(struct zv_str name, enum sip_digest_alg *algp, bool *sessp)
{
	static const struct {
		const char *name;
		enum sip_digest_alg alg;
	} algs[] = {
		{"MD5", SIP_DIGEST_MD5},
		{"SHA-256", SIP_DIGEST_SHA256},
		{"SHA-512-256", SIP_DIGEST_SHA512_256},
	};

	*sessp = false;
	if (!name.len) {
		*algp = SIP_DIGEST_MD5;
		return 0;
	}
	if (name.len > 5 && sip__eq_cstr_ci(zv_str_make(name.p + name.len - 5, 5), "-sess")) {
		*sessp = true;
		name.len -= 5;
	}
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		if (sip__eq_cstr_ci(name, algs[i].name)) {
			*algp = algs[i].alg;
			return 0;
		}
	}
	return -ENOENT;
}

size_t sip_digest_hex_len(enum sip_digest_alg alg)
{
	return alg == SIP_DIGEST_MD5 ? 32 : 64;
}

static const EVP_MD *evp_of(enum sip_digest_alg alg)
{
	switch (alg) {
	case SIP_DIGEST_SHA256:
		return EVP_sha256();
	case SIP_DIGEST_SHA512_256:
		return EVP_sha512_256();
	default:
		return EVP_md5();
	}
}

int sip_digest_hash(enum sip_digest_alg alg, const struct zv_str *parts, unsigned n, char *out,
		    size_t size)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int rc = -EIO;

	if (size < sip_digest_hex_len(alg) + 1)
		return -ENOSPC;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (EVP_DigestInit_ex(ctx, evp_of(alg), NULL) != 1)
		goto out;
	for (unsigned i = 0; i < n; i++) {
		if (i && EVP_DigestUpdate(ctx, ":", 1) != 1)
			goto out;
		if (parts[i].len && EVP_DigestUpdate(ctx, parts[i].p, parts[i].len) != 1)
			goto out;
	}
	if (EVP_DigestFinal_ex(ctx, md, &mdlen) != 1 || mdlen * 2 != sip_digest_hex_len(alg))
		goto out;
	for (unsigned i = 0; i < mdlen; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[2 * mdlen] = '\0';
	rc = 0;
out:
	EVP_MD_CTX_free(ctx);
	return rc;
}

int sip_digest_compute(const struct sip_digest_params *p, char *out, size_t size)
{
	char ha1[SIP_DIGEST_HEX_MAX], ha2[SIP_DIGEST_HEX_MAX], hbody[SIP_DIGEST_HEX_MAX];
	size_t hl = sip_digest_hex_len(p->alg);
	bool auth_int = sip__eq_cstr_ci(p->qop, "auth-int");
	int rc;

	if (p->qop.len && !auth_int && !sip__eq_cstr_ci(p->qop, "auth"))
		return -EINVAL;
	if (p->qop.len && (!p->nc.len || !p->cnonce.len))
		return -EINVAL;
	if (p->sess && !p->cnonce.len)
		return -EINVAL;
	if (size < hl + 1)
		return -ENOSPC;

	/* HA1 */
	if (p->ha1.len) {
		if (p->ha1.len != hl || !all_hex(p->ha1))
			return -EINVAL;
		for (size_t i = 0; i < hl; i++)
			ha1[i] = sip__lower(p->ha1.p[i]);
		ha1[hl] = '\0';
	} else {
		struct zv_str a1[] = {p->username, p->realm, p->password};
		rc = sip_digest_hash(p->alg, a1, 3, ha1, sizeof(ha1));
		if (rc < 0)
			return rc;
	}
	if (p->sess) {
		struct zv_str a1s[] = {zv_str_make(ha1, hl), p->nonce, p->cnonce};
		rc = sip_digest_hash(p->alg, a1s, 3, ha1, sizeof(ha1));
		if (rc < 0)
			return rc;
	}

	/* HA2 */
	if (auth_int) {
		rc = sip_digest_hash(p->alg, &p->body, 1, hbody, sizeof(hbody));
		if (rc < 0)
			return rc;
		struct zv_str a2[] = {p->method, p->uri, zv_str_make(hbody, hl)};
		rc = sip_digest_hash(p->alg, a2, 3, ha2, sizeof(ha2));
	} else {
		struct zv_str a2[] = {p->method, p->uri};
		rc = sip_digest_hash(p->alg, a2, 2, ha2, sizeof(ha2));
	}
	if (rc < 0)
		return rc;

	if (p->qop.len) {
		struct zv_str r[] = {zv_str_make(ha1, hl), p->nonce, p->nc, p->cnonce, p->qop,
				     zv_str_make(ha2, hl)};
		return sip_digest_hash(p->alg, r, 6, out, size);
	}
	struct zv_str r[] = {zv_str_make(ha1, hl), p->nonce, zv_str_make(ha2, hl)};
	return sip_digest_hash(p->alg, r, 3, out, size);
}

bool sip_digest_equal(struct zv_str a, struct zv_str b)
{
	unsigned diff = 0;

	if (a.len != b.len)
		return false;
	for (size_t i = 0; i < a.len; i++)
		diff |= (unsigned)(sip__lower(a.p[i]) ^ sip__lower(b.p[i]));
	return diff == 0;
}
