/*
 * libFuzzer target for digest authentication: sip_auth_parse() on the
 * input, then sip_unquote() and sip_digest_compute() with what it found.
 */
#include <stdint.h>

#include "sip/parser/sip_digest.h"
#include "sip/parser/sip_hdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sip_auth_hdr a;
	char user[128], out[SIP_DIGEST_HEX_MAX];
	size_t ulen;

	if (sip_auth_parse(zv_str_make((const char *)data, size), &a) < 0)
		return 0;
	if (sip_unquote(a.username, user, sizeof(user), &ulen) < 0)
		ulen = 0;
	struct sip_digest_params p = {
		.alg = a.alg,
		.sess = a.alg_sess,
		.username = zv_str_make(user, ulen),
		.realm = a.realm,
		.password = a.opaque,
		.ha1 = a.response.len == sip_digest_hex_len(a.alg) ? a.response : ZV_STR_NULL,
		.method = a.scheme,
		.uri = a.uri,
		.nonce = a.nonce,
		.qop = a.qop,
		.nc = a.nc,
		.cnonce = a.cnonce,
		.body = a.domain,
	};
	if (sip_digest_compute(&p, out, sizeof(out)) == 0 &&
	    !sip_digest_equal(zv_str_make(out, sip_digest_hex_len(a.alg)),
			      zv_str_make(out, sip_digest_hex_len(a.alg))))
		__builtin_trap();
	return 0;
}
