/*
 * libFuzzer target for extensions.conf: the input is parsed as a config
 * buffer (no #include) and built into a dialplan model; then every
 * extension of every context is looked up again (exists, canmatch,
 * matchmore, labels, hints, ignorepat) and the first line is tried as a
 * time range.  Seeds are in fuzz/corpus/dp_extensions/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zvonok/config.h>
#include <zvonok/obj.h>

#include "dialplan/dp_model.h"
#include "dialplan/dp_time.h"

static void lookups(const struct dp_model *m)
{
	for (size_t i = 0; i < m->ncontexts; i++) {
		const struct dp_context *c = m->contexts[i];
		for (size_t j = 0; j < c->nextens; j++) {
			const struct dp_exten *e = c->extens[j];
			const struct dp_prio *p = NULL;
			const char *x = e->name[0] == '_' ? e->name + 1 : e->name;
			dp_model_find(m, c->name, x, e->cid, DP_MATCH_EXISTS, 1, NULL, 0, &p);
			dp_model_find(m, c->name, x, NULL, DP_MATCH_CANMATCH, 0, NULL, 0, NULL);
			dp_model_find(m, c->name, x, NULL, DP_MATCH_MATCHMORE, 0, NULL, 0, NULL);
			dp_model_find(m, c->name, x, NULL, DP_MATCH_EXISTS, DP_PRIO_HINT, NULL, 0, NULL);
			if (e->nprios && e->prios[0].label)
				dp_model_find(m, c->name, x, NULL, DP_MATCH_EXISTS, 0,
					      e->prios[0].label, 0, NULL);
			dp_model_ignored(m, c->name, x);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct zv_conf_opts opts = {.no_includes = true};
	struct zv_diag diag;
	struct zv_conf *conf = NULL;

	zv_diag_init(&diag);
	if (zv_conf_parse_buffer("extensions.conf", (const char *)data, size, &opts, &diag,
				 &conf) == 0) {
		struct dp_model *m = NULL;
		if (dp_model_build(conf, NULL, &diag, &m) == 0) {
			lookups(m);
			zv_unref(m);
		}
		zv_unref(conf);
	}
	zv_diag_clear(&diag);

	char line[256];
	size_t n = 0;
	while (n < size && n < sizeof(line) - 1 && data[n] != '\n' && data[n])
		n++;
	memcpy(line, data, n);
	line[n] = '\0';
	dp_time_match(line, 1700000000);
	return 0;
}
