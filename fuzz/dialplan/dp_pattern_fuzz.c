/*
 * libFuzzer target for extension patterns: the input is a pattern and a
 * number separated by the first newline.  Checks the relations between
 * match, canmatch and matchmore, and that dp_pattern_cmp() is
 * antisymmetric.  Seeds are in fuzz/corpus/dp_pattern/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialplan/dp_pattern.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data;
	const char *nl = memchr(p, '\n', size);
	struct zv_str pat, num;

	if (nl) {
		pat = zv_str_make(p, (size_t)(nl - p));
		num = zv_str_make(nl + 1, size - pat.len - 1);
	} else {
		pat = zv_str_make(p, size);
		num = zv_str_make(p, 0);
	}
	bool m = dp_pattern_match(pat, num);
	bool c = dp_pattern_canmatch(pat, num);
	bool mm = dp_pattern_matchmore(pat, num);

	if ((m && !c) || (mm && !c))
		abort();
	/* a literal name always matches itself */
	if (!dp_pattern_is_pattern(pat) && !dp_pattern_match(pat, pat))
		abort();
	int r1 = dp_pattern_cmp(pat, num), r2 = dp_pattern_cmp(num, pat);
	if ((r1 > 0) != (r2 < 0) || (r1 == 0) != (r2 == 0))
		abort();
	if (dp_pattern_cmp(pat, pat) != 0)
		abort();
	return 0;
}
