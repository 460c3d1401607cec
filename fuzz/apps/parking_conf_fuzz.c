/*
 * libFuzzer target for the res_parking.conf reader: the input is parsed
 * as a .conf buffer (includes disabled) and read by parking_conf_parse();
 * every lot must come out with a sane range, and the extensions text
 * made from it must parse again as a .conf buffer.  Seeds are in
 * fuzz/corpus/parking_conf/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zvonok/config.h>
#include <zvonok/obj.h>

#include "apps/parking/parking.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct zv_conf_opts opts = {.no_includes = true};
	struct zv_diag diag;
	struct zv_conf *conf = NULL;
	static struct park_cfg cfg;

	zv_diag_init(&diag);
	if (zv_conf_parse_buffer("res_parking.conf", (const char *)data, size, &opts, &diag,
				 &conf) == 0) {
		if (parking_conf_parse(conf, &diag, &cfg) == 0) {
			if (!cfg.n || cfg.n > PARK_LOTS_MAX)
				abort();
			for (unsigned i = 0; i < cfg.n; i++)
				if (cfg.lots[i].end < cfg.lots[i].start ||
				    cfg.lots[i].end - cfg.lots[i].start >= PARK_SPACES_MAX)
					abort();
			char *text = parking_conf_text(&cfg);
			struct zv_conf *again = NULL;
			struct zv_diag d2;
			zv_diag_init(&d2);
			if (text && zv_conf_parse_buffer("(generated)", text, strlen(text), &opts, &d2,
							 &again) < 0)
				abort();
			zv_unref(again);
			zv_diag_clear(&d2);
			free(text);
		}
		zv_unref(conf);
	}
	zv_diag_clear(&diag);
	return 0;
}
