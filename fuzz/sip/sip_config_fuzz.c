/*
 * libFuzzer target for the SIP endpoint model (src/sip/config/): the input
 * is pjsip.conf text, then optionally a line "%%" and sip.conf text; both
 * are parsed as .conf buffers (includes disabled) and built into one
 * sip_config, which is dropped again.  The first line is also given to
 * sip_group_parse() (call/pickup group lists), whose mask must hold only
 * groups 0..63 it named.  Seeds are in fuzz/corpus/sip_config/.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* group list: the first line */
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
	if (mask && !memchr(text, '0', line) && !memchr(text, '1', line) &&
	    !memchr(text, '2', line) && !memchr(text, '3', line) &&
	    !memchr(text, '4', line) && !memchr(text, '5', line) &&
	    !memchr(text, '6', line) && !memchr(text, '7', line) &&
	    !memchr(text, '8', line) && !memchr(text, '9', line))
		abort(); /* groups set from a list without a digit */

	size_t pj_len = size;
	const uint8_t *sc = NULL;
	size_t sc_len = 0;
	for (size_t i = 0; i + 3 <= size; i++) {
		if ((i == 0 || data[i - 1] == '\n') && data[i] == '%' && data[i + 1] == '%' &&
		    (i + 2 == size || data[i + 2] == '\n')) {
			pj_len = i;
			sc = data + i + 2;
			sc_len = size - i - 2;
			break;
		}
	}
	struct zv_diag diag;
	zv_diag_init(&diag);
	struct zv_conf *pj = parse("pjsip.conf", data, pj_len, &diag);
	struct zv_conf *scf = sc ? parse("sip.conf", sc, sc_len, &diag) : NULL;
	struct sip_config *cfg = NULL;
	if (pj || scf) {
		if (sip_config_build(pj, scf, &diag, &cfg) == 0 && !cfg)
			abort();
	}
	zv_unref(cfg);
	zv_unref(pj);
	zv_unref(scf);
	zv_diag_clear(&diag);
	return 0;
}
