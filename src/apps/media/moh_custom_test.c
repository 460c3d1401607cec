/*
 * musiconhold.conf mode=custom options (moh_custom.c): how application=
 * is split into arguments, format= and the kill options, and which
 * classes are refused (with a warning at the section's line).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <zvonok/config.h>
#include <zvonok/diag.h>
#include <zvonok/obj.h>

#include "apps/media/moh_custom.h"

static void test_split(void **state)
{
	char *buf, *argv[5];
	assert_int_equal(moh_custom_split("/usr/bin/sox -q  -n,-r,8000", &buf, argv, 5), 4);
	assert_string_equal(argv[0], "/usr/bin/sox");
	assert_string_equal(argv[1], "-q");
	assert_string_equal(argv[2], "-n");
	assert_string_equal(argv[3], "-r");
	assert_null(argv[4]); /* the fifth slot is the NULL: 8000 is cut */
	free(buf);
	assert_int_equal(moh_custom_split(" \t,, ", &buf, argv, 5), 0);
	assert_null(argv[0]);
	free(buf);
	assert_int_equal(moh_custom_split(NULL, &buf, argv, 5), 0);
	free(buf);
	assert_int_equal(moh_custom_split("one", &buf, argv, 5), 1);
	assert_string_equal(argv[0], "one");
	assert_null(argv[1]);
	free(buf);
}

/* Parse section name of text with moh_custom_parse(). */
static int parse(const char *text, const char *name, struct zv_diag *d,
		 struct moh_custom_cfg **cfgp)
{
	static const struct zv_conf_opts opts = {.no_includes = true};
	struct zv_conf *conf = NULL;
	zv_diag_init(d);
	assert_int_equal(zv_conf_parse_buffer("musiconhold.conf", text, strlen(text), &opts, d,
					      &conf),
			 0);
	const struct zv_conf_section *s = zv_conf_section_find(conf, name);
	assert_non_null(s);
	int err = moh_custom_parse(s, d, cfgp);
	zv_unref(conf);
	return err;
}

static bool warned(const struct zv_diag *d, unsigned line, const char *text)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].line == line && strstr(d->v[i].msg, text))
			return true;
	return false;
}

static void test_parse(void **state)
{
	struct zv_diag d;
	struct moh_custom_cfg *cfg;
	assert_int_equal(parse("[a]\nmode=custom\napplication=/bin/p -x\n", "a", &d, &cfg), 0);
	assert_non_null(cfg);
	assert_string_equal(moh_custom_app(cfg), "/bin/p -x");
	assert_string_equal(moh_custom_format(cfg), "slin");
	assert_int_equal(d.n, 0);
	moh_custom_cfg_free(cfg);
	zv_diag_clear(&d);

	assert_int_equal(parse("[a]\nmode=custom\napplication=p\nformat=ULAW\n", "a", &d, &cfg), 0);
	assert_string_equal(moh_custom_format(cfg), "ulaw");
	moh_custom_cfg_free(cfg);
	zv_diag_clear(&d);
	assert_int_equal(parse("[a]\napplication=p\nformat=alaw\nkill_method=process\n"
			       "kill_escalation_delay=20\n",
			       "a", &d, &cfg),
			 0);
	assert_string_equal(moh_custom_format(cfg), "alaw");
	assert_int_equal(d.n, 0);
	moh_custom_cfg_free(cfg);
	zv_diag_clear(&d);

	/* bad kill options: warned, defaults kept, class usable */
	assert_int_equal(parse("[a]\napplication=p\nkill_method=pg\nkill_escalation_delay=x\n",
			       "a", &d, &cfg),
			 0);
	assert_non_null(cfg);
	assert_true(warned(&d, 1, "kill_method=pg"));
	assert_true(warned(&d, 1, "kill_escalation_delay=x"));
	moh_custom_cfg_free(cfg);
	zv_diag_clear(&d);

	/* refused: no application, an empty one, format=mp3 */
	assert_int_equal(parse("\n[nope]\nmode=custom\n", "nope", &d, &cfg), 0);
	assert_null(cfg);
	assert_true(warned(&d, 2, "needs application="));
	zv_diag_clear(&d);
	assert_int_equal(parse("[e]\napplication= , \n", "e", &d, &cfg), 0);
	assert_null(cfg);
	zv_diag_clear(&d);
	assert_int_equal(parse("[m]\napplication=p\nformat=mp3\n", "m", &d, &cfg), 0);
	assert_null(cfg);
	assert_true(warned(&d, 1, "format=mp3 is not supported"));
	zv_diag_clear(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_parse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
