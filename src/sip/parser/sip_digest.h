/*
 * Digest authentication: parser for Authorization, Proxy-Authorization,
 * WWW-Authenticate and Proxy-Authenticate values, and the RFC 2617 /
 * RFC 7616 / RFC 8760 response calculation (MD5, SHA-256, SHA-512-256,
 * and their -sess variants) with OpenSSL EVP.
 *
 * The parser returns views into the header value; quoted values are given
 * without their quotes, escapes kept (sip_unquote() decodes them; only a
 * username can realistically contain one).  The calculator takes plain
 * (already unquoted) strings and writes lowercase hex.
 *
 * Thread-safe.  The parser never allocates; the calculator allocates only
 * inside OpenSSL (one EVP_MD_CTX per hash).
 */
#ifndef SIP_PARSER_SIP_DIGEST_H
#define SIP_PARSER_SIP_DIGEST_H

#include <stdbool.h>
#include <stddef.h>

#include <zvonok/str.h>

enum sip_digest_alg {
	SIP_DIGEST_MD5 = 0,
	SIP_DIGEST_SHA256,
	SIP_DIGEST_SHA512_256,
};

/* Longest hex digest plus NUL: size output buffers with this. */
#define SIP_DIGEST_HEX_MAX 65

struct sip_auth_hdr {
	struct zv_str scheme;		/* "Digest" */
	struct zv_str username;
	struct zv_str realm;
	struct zv_str nonce;
	struct zv_str uri;
	struct zv_str response;
	struct zv_str algorithm;	/* as written; empty means MD5 */
	struct zv_str cnonce;
	struct zv_str opaque;
	struct zv_str qop;		/* a token, or a list in a challenge */
	struct zv_str nc;
	struct zv_str domain;
	bool stale;
	bool userhash;
	enum sip_digest_alg alg;	/* from algorithm */
	bool alg_sess;			/* a -sess algorithm */
};

/*
 * Parse "Digest name=value, name="quoted", ..." into *authp.
 * Returns 0; -EPROTONOSUPPORT when the scheme is not Digest (scheme is
 * still set) or the algorithm is unknown; -EBADMSG for malformed text:
 * unterminated quotes, a parameter given twice, nc not 8 hex digits,
 * stale not true/false.
 */
int sip_auth_parse(struct zv_str value, struct sip_auth_hdr *authp);

/* Does the qop value (a token or a comma list) offer this option ("auth")? */
bool sip_auth_qop_has(struct zv_str qop, const char *option);

/*
 * Algorithm from its name, any case: "MD5" (or empty), "SHA-256",
 * "SHA-512-256", each optionally with "-sess".  Returns 0 or -ENOENT.
 */
int sip_digest_alg_parse(struct zv_str name, enum sip_digest_alg *algp, bool *sessp);

/* Hex length of a digest of alg (32 or 64). */
size_t sip_digest_hex_len(enum sip_digest_alg alg);

/*
 * Hex of H(parts[0] ":" parts[1] ":" ... parts[n - 1]) into out (size
 * bytes, NUL-terminated).  Returns 0, -ENOSPC, or -EIO if OpenSSL fails.
 */
int sip_digest_hash(enum sip_digest_alg alg, const struct zv_str *parts, unsigned n, char *out,
		    size_t size);

struct sip_digest_params {
	enum sip_digest_alg alg;
	bool sess;			/* MD5-sess etc.: needs nonce and cnonce */
	struct zv_str username;
	struct zv_str realm;
	struct zv_str password;		/* used if ha1 is empty */
	struct zv_str ha1;		/* precomputed H(user:realm:pass) in hex */
	struct zv_str method;
	struct zv_str uri;
	struct zv_str nonce;
	struct zv_str qop;		/* "", "auth" or "auth-int" */
	struct zv_str nc;
	struct zv_str cnonce;
	struct zv_str body;		/* for qop=auth-int */
};

/*
 * The expected "response" value for these parameters, lowercase hex into
 * out (size >= sip_digest_hex_len() + 1).  Without qop, the RFC 2069 form
 * H(HA1:nonce:HA2); with qop, H(HA1:nonce:nc:cnonce:qop:HA2).
 * Returns 0; -EINVAL for a qop other than auth/auth-int, a missing nc or
 * cnonce with qop, or an ha1 of the wrong length; -ENOSPC; -EIO.
 */
int sip_digest_compute(const struct sip_digest_params *p, char *out, size_t size);

/*
 * Compare two hex digests in time independent of their content
 * (case-insensitive).  False when the lengths differ.
 */
bool sip_digest_equal(struct zv_str a, struct zv_str b);

#endif
