/*
 * libFuzzer target for ${...}/$[...] substitution, with a small variable
 * store and a function callback that echoes its arguments.  Substitutes
 * into a small fixed buffer and a bounded heap one.  Seeds are in
 * fuzz/corpus/dp_subst/.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialplan/dp_subst.h"

static const char *const vars[][2] = {
	{"A", "hello"}, {"B", "A"}, {"N", "42"}, {"E", ""},
	{"L", "0123456789"}, {"R", "${A}$[1+"},
};

static int get_var(void *ctx, const char *name, char *buf, size_t size)
{
	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (!strcmp(vars[i][0], name)) {
			snprintf(buf, size, "%s", vars[i][1]);
			return 0;
		}
	return -ENOENT;
}

static int read_func(void *ctx, const char *name, const char *args,
		     char *buf, size_t size)
{
	snprintf(buf, size, "%s", args);
	return 0;
}

static void warn(void *ctx, const char *what, const char *text)
{
	(*(int *)ctx)++;
}

static const struct dp_subst_ops ops = {
	.get_var = get_var, .read_func = read_func, .warn = warn,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char small[32];
	char *r = NULL;
	size_t len = 0;
	int warnings = 0;

	if (size > 4096)
		return 0;
	dp_subst((const char *)data, size, &ops, &warnings, small, sizeof(small));
	if (strlen(small) >= sizeof(small))
		abort();
	int rc = dp_subst_alloc((const char *)data, size, &ops, &warnings, 8192,
				&r, &len);
	if (rc == -ENOMEM)
		return 0;
	if (!r || len > 8192 || strlen(r) > len)
		abort();
	free(r);
	return 0;
}
