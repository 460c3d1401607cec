/*
 * libFuzzer target for the endpoint model built from pjsip.conf and
 * sip.conf (src/sip/config): the input is parsed as a .conf buffer
 * (includes disabled) and built once as pjsip.conf and once as sip.conf,
 * which runs every option's value parser (direct_media and directmedia
 * lists, dtmf modes, codecs, groups of identify, ...).  Diagnostics are
 * dropped; a build that succeeds is freed.  Seeds: fuzz/corpus/sip_config/.
 */
#include <stdint.h>
#include <stdlib.h>

#include <zvonok/config.h>
#include <zvonok/obj.h>

#include "sip/config/sip_config.h"

static void build_as(const uint8_t *data, size_t size, bool pjsip)
{
	const struct zv_conf_opts opts = {.no_includes = true};
	struct zv_diag diag;
	struct zv_conf *conf = NULL;
	struct sip_config *cfg = NULL;
	zv_diag_init(&diag);
	if (zv_conf_parse_buffer(pjsip ? "pjsip.conf" : "sip.conf", (const char *)data, size,
				 &opts, &diag, &conf) == 0) {
		if (sip_config_build(pjsip ? conf : NULL, pjsip ? NULL : conf, &diag, &cfg) == 0)
			zv_unref(cfg);
		zv_unref(conf);
	}
	zv_diag_clear(&diag);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	build_as(data, size, true);
	build_as(data, size, false);
	return 0;
}
