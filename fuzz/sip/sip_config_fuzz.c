/*
 * libFuzzer target for the SIP endpoint model (src/sip/config/):
 *  - the whole input is parsed as a .conf buffer (includes disabled) and
 *    built once as pjsip.conf and once as sip.conf, which runs every
 *    option's value parser (direct_media and directmedia lists, dtmf
 *    modes, codecs, groups of identify, call/pickup groups, ...);
 *  - when it has a line "%%", the text before is pjsip.conf and the text
 *    after sip.conf, built together into one sip_config (the two files
 *    sharing transports and names);
 *  - the first line is also given to sip_group_parse() (call/pickup group
 *    lists), whose mask must hold only groups 0..63 it named.
 * Diagnostics are dropped; a build that succeeds is freed.
 * Seeds are in fuzz/corpus/sip_config/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zvonok/config.h>
#include <zvonok/obj.h>

#include "sip/config/sip_config.h"

static struct zv_conf *parse(const char *name, const uint8_t *data, size_t size,
			     struct zv_diag *diag)
{
	const struct zv_conf_opts opts = {.no_includes = true};
	struct zv_conf *conf = NULL;
	if (zv_conf_parse_buffer(name, (const char *)data, size, &opts, diag, &conf) < 0)
		return NULL;
	return conf;
}

/* Builds pjsip.conf text and/or sip.conf text into one config. */
static void build(const uint8_t *pj_text, size_t pj_len, const uint8_t *sc_text, size_t sc_len)
{
	struct zv_diag diag;
	zv_diag_init(&diag);
	struct zv_conf *pj = pj_text ? parse("pjsip.conf", pj_text, pj_len, &diag) : NULL;
	struct zv_conf *sc = sc_text ? parse("sip.conf", sc_text, sc_len, &diag) : NULL;
	struct sip_config *cfg = NULL;
	if (pj || sc) {
		if (sip_config_build(pj, sc, &diag, &cfg) == 0 && !cfg)
			abort();
	}
	zv_unref(cfg);
	zv_unref(pj);
	zv_unref(sc);
	zv_diag_clear(&diag);
}

static void groups(const uint8_t *data, size_t size)
{
	size_t line = 0;
	while (line < size && line < 256 && data[line] != '\n')
		line++;
	char text[257];
	memcpy(text, data, line);
	text[line] = '\0';
	uint64_t mask = 0;
	int rc = sip_group_parse(text, &mask);
	if (rc != 0 && rc != -1)
		abort();
	bool digit = false;
	for (size_t i = 0; i < line; i++)
		digit |= text[i] >= '0' && text[i] <= '9';
	if (mask && !digit)
		abort(); /* groups set from a list without a digit */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	groups(data, size);
	build(data, size, NULL, 0);
	build(NULL, 0, data, size);
	for (size_t i = 0; i + 2 <= size; i++) {
		if ((i == 0 || data[i - 1] == '\n') && data[i] == '%' && data[i + 1] == '%' &&
		    (i + 2 == size || data[i + 2] == '\n')) {
			build(data, i, data + i + 2, size - i - 2);
			break;
		}
	}
	return 0;
}
