/*
 * libFuzzer target for the URI parser: sip_uri_parse(), parameter and
 * header lookup, sip_unescape() and sip_uri_equal().  The input is split
 * at the first NUL into two URIs that are compared both ways.
 */
#include <stdint.h>
#include <string.h>

#include "sip/parser/sip_uri.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	const char *nul = memchr(s, '\0', size);
	struct zv_str a = zv_str_make(s, nul ? (size_t)(nul - s) : size);
	struct zv_str b = nul ? zv_str_make(nul + 1, size - a.len - 1) : a;
	struct sip_uri ua, ub;
	struct zv_str v;
	char buf[256];
	size_t len;

	int ra = sip_uri_parse(a, &ua);
	int rb = sip_uri_parse(b, &ub);
	if (ra == 0) {
		sip_uri_param(&ua, "transport", &v);
		sip_uri_param(&ua, "lr", NULL);
		sip_uri_header(&ua, "subject", &v);
		if (sip_unescape(ua.user, buf, sizeof(buf), &len) == 0 && len > ua.user.len)
			__builtin_trap();
		sip_unescape(ua.host, buf, sizeof(buf), &len);
		/* duplicate parameters make self-comparison legitimately false */
		if (!nul && !ua.params.len && !ua.headers.len && !sip_uri_equal(&ua, &ua))
			__builtin_trap();
	}
	if (ra == 0 && rb == 0 && sip_uri_equal(&ua, &ub) != sip_uri_equal(&ub, &ua))
		__builtin_trap();
	return 0;
}
