/*
 * res_parking.conf parsing: Asterisk's defaults without a file, a lot with
 * every option, a lot that only names some (the rest default), the
 * default lot added when the file has none, errors and warnings with
 * file:line, and the extensions the lots give the dialplan.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <zvonok/config.h>
#include <zvonok/obj.h>

#include "apps/parking/parking.h"

static struct zv_diag diag;

static int parse(const char *text, struct park_cfg *cfg)
{
	const struct zv_conf_opts opts = {.no_includes = true};
	struct zv_conf *conf = NULL;
	zv_diag_init(&diag);
	assert_int_equal(zv_conf_parse_buffer("res_parking.conf", text, strlen(text), &opts,
					      &diag, &conf),
			 0);
	int err = parking_conf_parse(conf, &diag, cfg);
	zv_unref(conf);
	return err;
}

static bool has(enum zv_diag_sev sev, unsigned line, const char *text)
{
	for (size_t i = 0; i < diag.n; i++)
		if (diag.v[i].sev == sev && diag.v[i].line == line && strstr(diag.v[i].msg, text))
			return true;
	return false;
}

static void test_defaults(void **state)
{
	struct park_cfg cfg;
	zv_diag_init(&diag);
	assert_int_equal(parking_conf_parse(NULL, &diag, &cfg), 0);
	assert_int_equal(cfg.n, 1);
	const struct park_lot *l = parking_lot_find(&cfg, "default");
	assert_non_null(l);
	assert_string_equal(l->parkext, "700");
	assert_string_equal(l->context, "parkedcalls");
	assert_int_equal(l->start, 701);
	assert_int_equal(l->end, 720);
	assert_int_equal(l->parkingtime_s, 45);
	assert_true(l->comebacktoorigin);
	assert_string_equal(l->comebackcontext, "parkedcallstimeout");
	assert_int_equal(l->comebackdialtime_s, 30);
	assert_false(l->findslot_next);
	zv_diag_clear(&diag);
}

static void test_lots(void **state)
{
	struct park_cfg cfg;
	assert_int_equal(parse("[default]\n"
			       "parkext => 70\n"
			       "parkpos => 71-79\n"
			       "context => parkedcalls\n"
			       "parkingtime => 60\n"
			       "comebacktoorigin = no\n"
			       "comebackcontext = back\n"
			       "comebackdialtime = 20\n"
			       "parkedmusicclass = parked\n"
			       "findslot => next\n"
			       "parkinghints = yes\n"
			       "parkedplay = caller\n"
			       "[sales]\n"
			       "parkext => 800\n"
			       "parkpos => 801-803\n"
			       "context => sales-park\n",
			       &cfg),
			 0);
	assert_int_equal(diag.n, 0);
	assert_int_equal(cfg.n, 2);
	const struct park_lot *l = parking_lot_find(&cfg, "default");
	assert_string_equal(l->parkext, "70");
	assert_int_equal(l->start, 71);
	assert_int_equal(l->end, 79);
	assert_int_equal(l->parkingtime_s, 60);
	assert_false(l->comebacktoorigin);
	assert_string_equal(l->comebackcontext, "back");
	assert_int_equal(l->comebackdialtime_s, 20);
	assert_string_equal(l->musicclass, "parked");
	assert_true(l->findslot_next);
	assert_true(l->parkinghints);
	l = parking_lot_find(&cfg, "SALES");
	assert_non_null(l);
	assert_string_equal(l->context, "sales-park");
	assert_int_equal(l->parkingtime_s, 45); /* left out: the default */
	assert_true(l->comebacktoorigin);
	zv_diag_clear(&diag);

	char *text = parking_conf_text(&cfg);
	assert_non_null(text);
	assert_non_null(strstr(text, "[parkedcalls]\nexten => 70,1,Park(default)\n"));
	assert_non_null(strstr(text, "exten => 79,1,ParkedCall(default,79)\n"));
	assert_non_null(strstr(text, "exten => 71,hint,park:71@parkedcalls\n"));
	assert_non_null(strstr(text, "[sales-park]\nexten => 800,1,Park(sales)\n"));
	assert_null(strstr(text, "hint,park:801"));
	free(text);

	/* no [default] in the file: it is added with Asterisk's values */
	assert_int_equal(parse("[other]\nparkpos => 1-2\nparkext => 9\n", &cfg), 0);
	assert_int_equal(cfg.n, 2);
	assert_non_null(parking_lot_find(&cfg, "default"));
	zv_diag_clear(&diag);
}

static void test_errors(void **state)
{
	struct park_cfg cfg;
	assert_int_equal(parse("[general]\n"		/* 1 */
			       "parkeddynamic = yes\n"	/* 2 */
			       "[default]\n"		/* 3 */
			       "parkext => 7a\n"	/* 4 */
			       "parkpos => 79-71\n"	/* 5 */
			       "parkingtime => soon\n"	/* 6 */
			       "comebacktoorigin = maybe\n" /* 7 */
			       "findslot => last\n"	/* 8 */
			       "context => a b\n"	/* 9 */
			       "colour = blue\n"	/* 10 */
			       "parkpos => 1-5000\n"	/* 11 */
			       "[bad,name]\n"		/* 12 */
			       "[two]\n"		/* 13 */
			       "parkpos => 701-702\n",	/* 14 */
			       &cfg),
			 -EINVAL);
	assert_true(has(ZV_DIAG_WARNING, 2, "parkeddynamic"));
	assert_true(has(ZV_DIAG_ERROR, 4, "parkext=7a"));
	assert_true(has(ZV_DIAG_ERROR, 5, "parkpos=79-71"));
	assert_true(has(ZV_DIAG_ERROR, 6, "parkingtime=soon"));
	assert_true(has(ZV_DIAG_ERROR, 7, "comebacktoorigin=maybe"));
	assert_true(has(ZV_DIAG_ERROR, 8, "findslot=last"));
	assert_true(has(ZV_DIAG_ERROR, 9, "context=a b"));
	assert_true(has(ZV_DIAG_WARNING, 10, "colour"));
	assert_true(has(ZV_DIAG_ERROR, 11, "parkpos=1-5000"));
	assert_true(has(ZV_DIAG_ERROR, 12, "bad,name"));
	/* [two] 701-702 and [default] 701-720 (its parkpos errors kept the
	 * default range) in the same context */
	assert_true(has(ZV_DIAG_ERROR, 0, "share spaces"));
	zv_diag_clear(&diag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_lots),
		cmocka_unit_test(test_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
