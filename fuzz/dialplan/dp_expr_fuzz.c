/*
 * libFuzzer target for the $[...] evaluator: evaluates the input into a
 * small and a heap buffer and checks that both agree and are terminated.
 * Seeds are in fuzz/corpus/dp_expr/.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dialplan/dp_expr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char small[16];
	char *r = NULL;

	if (size > 4096)
		return 0;
	int rc1 = dp_expr_eval((const char *)data, size, small, sizeof(small));
	int rc2 = dp_expr_eval_alloc((const char *)data, size, &r);

	if (rc2 == -ENOMEM)
		return 0;
	if (!r || strlen(small) >= sizeof(small))
		abort();
	if (rc1 != -ENOSPC && (rc1 != rc2 || strcmp(small, r)))
		abort();
	if (rc1 == -ENOSPC && strncmp(small, r, sizeof(small) - 1))
		abort();
	free(r);
	return 0;
}
