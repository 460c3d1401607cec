/*
 * libFuzzer target for musiconhold.conf mode=custom classes: the input is
 * parsed as a .conf file and every section goes through
 * moh_custom_parse() (application=, format=, kill_escalation_delay=,
 * kill_method=); a usable class's application= is split into arguments
 * as the player would run it.  Traps on a usable class without a program,
 * an argument list not NULL-terminated or with empty or separator-holding
 * arguments, or a format name other than slin/ulaw/alaw.  Seeds are in
 * fuzz/corpus/moh_custom/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zvonok/config.h>
#include <zvonok/diag.h>
#include <zvonok/obj.h>

#include "apps/media/moh_custom.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct zv_conf_opts opts = {.no_includes = true};
	struct zv_diag d;
	struct zv_conf *conf = NULL;
	zv_diag_init(&d);
	if (zv_conf_parse_buffer("musiconhold.conf", (const char *)data, size, &opts, &d, &conf) <
	    0) {
		zv_diag_clear(&d);
		return 0;
	}
	for (const struct zv_conf_section *s = NULL; (s = zv_conf_section_next(conf, s));) {
		struct moh_custom_cfg *cfg;
		if (moh_custom_parse(s, &d, &cfg) < 0 || !cfg)
			continue;
		char *buf, *argv[8];
		size_t n = moh_custom_split(moh_custom_app(cfg), &buf, argv, 8);
		if (!n || n > 7 || argv[n])
			__builtin_trap();
		for (size_t i = 0; i < n; i++)
			if (!argv[i][0] || strpbrk(argv[i], " ,\t"))
				__builtin_trap();
		const char *f = moh_custom_format(cfg);
		if (strcmp(f, "slin") && strcmp(f, "ulaw") && strcmp(f, "alaw"))
			__builtin_trap();
		free(buf);
		moh_custom_cfg_free(cfg);
	}
	zv_unref(conf);
	zv_diag_clear(&d);
	return 0;
}
