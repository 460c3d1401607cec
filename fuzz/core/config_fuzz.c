/*
 * libFuzzer target for the .conf parser: parses the input as a buffer
 * (includes disabled), walks every section and variable, looks a few keys
 * up and frees everything.  Seeds are in fuzz/corpus/config/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zvonok/config.h>
#include <zvonok/obj.h>

static const struct zv_conf_option known[] = {
	{"type", NULL},
	{"allow", NULL},
	{"set*", NULL},
	{NULL, NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"type", "allow", "exten", "", "A"};
	const struct zv_conf_opts opts = {.no_includes = true};
	struct zv_diag diag;
	struct zv_conf *conf = NULL;
	size_t sum = 0;

	zv_diag_init(&diag);
	if (zv_conf_parse_buffer("fuzz.conf", (const char *)data, size, &opts,
				 &diag, &conf) == 0) {
		for (const struct zv_conf_section *s = zv_conf_section_next(conf, NULL);
		     s; s = zv_conf_section_next(conf, s)) {
			sum += strlen(s->name) + strlen(s->file) + s->line;
			for (size_t i = 0; i < s->ntemplates; i++)
				sum += strlen(s->templates[i]);
			for (const struct zv_conf_var *v = zv_conf_var_next(s, NULL, NULL);
			     v; v = zv_conf_var_next(s, NULL, v))
				sum += strlen(v->name) + strlen(v->value) +
				       strlen(v->file) + v->line;
			for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
				const char *val = zv_conf_get(s, keys[i]);
				bool b;
				long n;
				if (val) {
					sum += strlen(val);
					zv_conf_parse_bool(val, &b);
					zv_conf_parse_int(val, -100, 100, &n);
				}
			}
			zv_conf_check_options(s, known, &diag);
			sum += zv_conf_section_find(conf, s->name) != NULL;
		}
		if (zv_conf_lookup(conf, "general", "type"))
			sum++;
		conf = zv_unref(conf);
	}
	zv_diag_clear(&diag);
	/* Keep the walk from being optimised away. */
	volatile size_t sink = sum;
	(void)sink;
	return 0;
}
