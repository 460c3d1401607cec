/*
 * libFuzzer target for the features.conf reader: the input is parsed as a
 * .conf buffer (includes disabled) and read by features_conf_parse(), then
 * every code is matched against a prefix of the input.  Seeds are in
 * fuzz/corpus/features_conf/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zvonok/config.h>
#include <zvonok/obj.h>

#include "apps/features/features.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct zv_conf_opts opts = {.no_includes = true};
	struct zv_diag diag;
	struct zv_conf *conf = NULL;
	struct features_cfg cfg;

	zv_diag_init(&diag);
	if (zv_conf_parse_buffer("features.conf", (const char *)data, size, &opts, &diag,
				 &conf) == 0) {
		features_conf_parse(conf, &diag, &cfg);
		char digits[8];
		size_t n = size < sizeof(digits) - 1 ? size : sizeof(digits) - 1;
		memcpy(digits, data, n);
		digits[n] = '\0';
		enum feat_id id;
		features_match(&cfg, ~0u, digits, &id);
		zv_unref(conf);
	}
	zv_diag_clear(&diag);
	return 0;
}
