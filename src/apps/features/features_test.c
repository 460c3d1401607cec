/*
 * features.conf parsing (defaults, every option, bad values kept at their
 * default with a warning, refused sections) and feature-code matching.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <zvonok/config.h>
#include <zvonok/obj.h>

#include "apps/features/features.h"

static unsigned parse(const char *text, struct features_cfg *cfg)
{
	const struct zv_conf_opts opts = {.no_includes = true};
	struct zv_diag diag;
	struct zv_conf *conf = NULL;
	zv_diag_init(&diag);
	assert_int_equal(zv_conf_parse_buffer("features.conf", text, strlen(text), &opts, &diag,
					      &conf),
			 0);
	assert_int_equal(features_conf_parse(conf, &diag, cfg), 0);
	unsigned warnings = (unsigned)diag.warnings;
	zv_diag_clear(&diag);
	zv_unref(conf);
	return warnings;
}

static void test_defaults(void **state)
{
	struct features_cfg cfg;
	struct zv_diag diag;
	zv_diag_init(&diag);
	features_conf_parse(NULL, &diag, &cfg);
	assert_int_equal(diag.warnings, 0);
	assert_int_equal(cfg.featuredigittimeout_ms, 1000);
	assert_int_equal(cfg.transferdigittimeout_ms, 3000);
	assert_int_equal(cfg.atxfernoanswertimeout_ms, 15000);
	assert_string_equal(cfg.code[FEAT_BLINDXFER], "#");
	assert_string_equal(cfg.code[FEAT_DISCONNECT], "*");
	assert_string_equal(cfg.code[FEAT_ATXFER], "");
	assert_string_equal(cfg.atxferabort, "*1");
	assert_string_equal(cfg.atxfercomplete, "*2");
	assert_string_equal(cfg.pickupexten, "*8");
	zv_diag_clear(&diag);
}

static void test_options(void **state)
{
	struct features_cfg cfg;
	unsigned w = parse("[general]\n"
			   "featuredigittimeout = 1500\n"
			   "transferdigittimeout = 5\n"
			   "atxfernoanswertimeout = 20\n"
			   "atxferabort = *9\n"
			   "atxfercomplete = #9\n"
			   "pickupexten = **\n"
			   "pickupsound = beep\n"
			   "pickupfailsound = beeperr\n"
			   "atxferdropcall = no\n"
			   "[featuremap]\n"
			   "blindxfer => #1\n"
			   "disconnect => *0\n"
			   "atxfer => *2\n"
			   "automixmon => *3\n",
			   &cfg);
	assert_int_equal(w, 0);
	assert_int_equal(cfg.featuredigittimeout_ms, 1500);
	assert_int_equal(cfg.transferdigittimeout_ms, 5000);
	assert_int_equal(cfg.atxfernoanswertimeout_ms, 20000);
	assert_string_equal(cfg.atxferabort, "*9");
	assert_string_equal(cfg.atxfercomplete, "#9");
	assert_string_equal(cfg.pickupexten, "**");
	assert_string_equal(cfg.pickupsound, "beep");
	assert_string_equal(cfg.pickupfailsound, "beeperr");
	assert_string_equal(cfg.code[FEAT_BLINDXFER], "#1");
	assert_string_equal(cfg.code[FEAT_DISCONNECT], "*0");
	assert_string_equal(cfg.code[FEAT_ATXFER], "*2");
	assert_string_equal(cfg.code[FEAT_AUTOMIXMON], "*3");
}

static void test_bad_values(void **state)
{
	struct features_cfg cfg;
	unsigned w = parse("[general]\n"
			   "featuredigittimeout = soon\n"
			   "transferdigittimeout = -1\n"
			   "atxferabort = *x\n"
			   "colour = blue\n"
			   "[featuremap]\n"
			   "blindxfer => 12345678901234567890\n"
			   "teleport => 9\n"
			   "[applicationmap]\n"
			   "play => #9,self,Playback,tt-monkeys\n"
			   "[mygroup]\n"
			   "x => y\n",
			   &cfg);
	assert_int_equal(w, 8);
	assert_int_equal(cfg.featuredigittimeout_ms, 1000);
	assert_int_equal(cfg.transferdigittimeout_ms, 3000);
	assert_string_equal(cfg.atxferabort, "*1");
	assert_string_equal(cfg.code[FEAT_BLINDXFER], "#");
}

static void test_match(void **state)
{
	struct features_cfg cfg;
	features_defaults(&cfg);
	strcpy(cfg.code[FEAT_ATXFER], "*2");
	enum feat_id id = FEAT_N;
	unsigned all = FEAT_BIT(FEAT_BLINDXFER) | FEAT_BIT(FEAT_ATXFER) | FEAT_BIT(FEAT_DISCONNECT);
	assert_int_equal(features_match(&cfg, all, "#", &id), FEAT_MATCH_FULL);
	assert_int_equal(id, FEAT_BLINDXFER);
	assert_int_equal(features_match(&cfg, all, "*", &id), FEAT_MATCH_AMBIGUOUS);
	assert_int_equal(id, FEAT_DISCONNECT);
	assert_int_equal(features_match(&cfg, all, "*2", &id), FEAT_MATCH_FULL);
	assert_int_equal(id, FEAT_ATXFER);
	assert_int_equal(features_match(&cfg, all, "*5", &id), FEAT_MATCH_NONE);
	assert_int_equal(features_match(&cfg, all, "5", &id), FEAT_MATCH_NONE);
	/* Only the transfer codes: '*' starts atxfer only. */
	unsigned xfer = FEAT_BIT(FEAT_BLINDXFER) | FEAT_BIT(FEAT_ATXFER);
	assert_int_equal(features_match(&cfg, xfer, "*", &id), FEAT_MATCH_PREFIX);
	assert_int_equal(features_match(&cfg, 0, "#", &id), FEAT_MATCH_NONE);
	assert_int_equal(features_match(&cfg, all, "", &id), FEAT_MATCH_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_match),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
