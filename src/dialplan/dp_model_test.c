/*
 * Unit tests for the extensions.conf model (dp_model.c): every construct
 * of the file with the model it produces, the diagnostics with file:line,
 * and lookups: exact before patterns in Asterisk's order, priorities
 * falling through to the next matching pattern, includes after the
 * context's own extensions (with time ranges), caller-ID matches, hints,
 * labels, canmatch/matchmore and ignorepat.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <zvonok/config.h>
#include <zvonok/obj.h>

#include "dialplan/dp_model.h"

static struct zv_diag diag;

static bool only_known(const char *name)
{
	return strcasecmp(name, "Unknownapp") != 0;
}

/* Parse text as "ext.conf" and build; returns the model or NULL. */
static struct dp_model *build(const char *text, int expect_err)
{
	struct zv_conf *conf = NULL;
	struct zv_conf_opts opts = {.no_includes = true};
	zv_diag_clear(&diag);
	zv_diag_init(&diag);
	assert_int_equal(zv_conf_parse_buffer("ext.conf", text, strlen(text), &opts, &diag, &conf),
			 0);
	struct dp_model *m = NULL;
	int err = dp_model_build(conf, only_known, &diag, &m);
	zv_unref(conf);
	assert_int_equal(err, expect_err);
	return m;
}

/* Is there a diagnostic of sev at line containing text? */
static bool has_diag(enum zv_diag_sev sev, unsigned line, const char *text)
{
	for (size_t i = 0; i < diag.n; i++) {
		const struct zv_diag_entry *e = &diag.v[i];
		if (e->sev == sev && e->line == line && strstr(e->msg, text) && e->file &&
		    strstr(e->file, "ext.conf"))
			return true;
	}
	return false;
}

static void dump_diag(void)
{
	for (size_t i = 0; i < diag.n; i++) {
		char line[512];
		zv_diag_format(&diag.v[i], line, sizeof(line));
		print_message("%s\n", line);
	}
}

static const struct dp_exten *ext(const struct dp_model *m, const char *ctx, const char *name)
{
	const struct dp_context *c = dp_model_context(m, ctx);
	assert_non_null(c);
	for (size_t i = 0; i < c->nextens; i++)
		if (!strcmp(c->extens[i]->name, name))
			return c->extens[i];
	fail_msg("no extension %s in %s", name, ctx);
	return NULL;
}

static void test_constructs(void **state)
{
	struct dp_model *m = build("[general]\n"
				   "autofallthrough=no\n"
				   "clearglobalvars=yes\n"
				   "userscontext=users\n"
				   "[globals]\n"
				   "A=1\n"
				   "B=${A}2\n"
				   "EXT=555\n"
				   "[default]\n"
				   "exten => 100,1,Answer()\n" /* 10 */
				   " same => n(start),Dial(SIP/100,20)\n"
				   " same => n,Dial,SIP/100,30\n" /* legacy comma form */
				   " same => 10(late),NoOp(x)\n"
				   " same => s,NoOp(dup)\n" /* 'same' priority: 10 again */
				   "exten => 100,hint,SIP/100&Custom:foo\n"
				   "exten => 1-800-555,1,NoOp()\n"
				   "exten => _1-NX[1-3]X,1,NoOp()\n"
				   "exten => 500/_2XX,1,NoOp(cid)\n"
				   "exten => ${EXT},1,Set(x=${A})\n"
				   "exten => 600,1,NoOp()\n" /* 20 */
				   "exten => 600,n,NoOp(two)\n"
				   "exten => 700,1(first),NoOp()\n"
				   "exten => 700,first,NoOp(dup label prio)\n"
				   "include => other\n"
				   "include => other,09:00-17:00,mon-fri,*,*\n"
				   "ignorepat => 9\n"
				   "[other]\n"
				   "exten => 200,1,NoOp()\n"
				   "[default]\n"
				   "exten => 800,1,NoOp(merged)\n",
				   0);
	dump_diag();
	assert_int_equal(diag.errors, 0);
	assert_false(m->autofallthrough);
	assert_true(m->clearglobalvars);
	assert_string_equal(m->userscontext, "users");
	assert_int_equal(m->nglobals, 3);
	assert_string_equal(m->globals[1].name, "B");
	assert_string_equal(m->globals[1].value, "12");
	assert_int_equal(m->ncontexts, 2);

	const struct dp_exten *e = ext(m, "default", "100");
	assert_int_equal(e->nprios, 4);
	assert_string_equal(e->prios[0].app, "Answer");
	assert_string_equal(e->prios[0].data, "");
	assert_int_equal(e->prios[0].line, 10);
	assert_string_equal(e->prios[1].label, "start");
	assert_string_equal(e->prios[1].data, "SIP/100,20");
	assert_string_equal(e->prios[2].app, "Dial");
	assert_string_equal(e->prios[2].data, "SIP/100,30");
	assert_int_equal(e->prios[3].prio, 10);
	assert_string_equal(e->prios[3].label, "late");
	assert_true(has_diag(ZV_DIAG_WARNING, 14, "priority 10"));
	assert_string_equal(e->hint, "SIP/100&Custom:foo");
	ext(m, "default", "1800555");
	ext(m, "default", "_1NX[1-3]X");
	e = ext(m, "default", "500");
	assert_string_equal(e->cid, "_2XX");
	e = ext(m, "default", "555");
	assert_string_equal(e->prios[0].data, "x=${A}"); /* data is not substituted */
	e = ext(m, "default", "600");
	assert_int_equal(e->nprios, 2); /* n follows the previous line */
	e = ext(m, "default", "700");
	assert_int_equal(e->nprios, 1);
	assert_true(has_diag(ZV_DIAG_WARNING, 23, "already in use"));
	ext(m, "default", "800");
	const struct dp_context *c = dp_model_context(m, "default");
	assert_int_equal(c->nincludes, 2);
	assert_null(c->includes[0].timespec);
	assert_string_equal(c->includes[1].timespec, "09:00-17:00,mon-fri,*,*");
	assert_int_equal(c->nignorepats, 1);
	zv_unref(m);
}

static void test_errors(void **state)
{
	struct dp_model *m = build("[a]\n"
				   "same => n,NoOp()\n"
				   "exten => 1,n,NoOp()\n"
				   "exten => 2,x,NoOp()\n"
				   "exten => 3,1\n"
				   "exten => 4,1,\n"
				   "exten => 5\n"
				   "exten => 6,1,Unknownapp(x)\n"
				   "switch => Loopback/foo\n"
				   "eswitch => IAX2/x\n"
				   "lswitch => IAX2/y\n" /* 11 */
				   "include => nosuch\n"
				   "bogus => 1\n"
				   "include => b,99:00,*,*,*\n"
				   "exten => 7,hint,\n",
				   -EINVAL);
	assert_null(m);
	dump_diag();
	assert_true(has_diag(ZV_DIAG_ERROR, 2, "'same =>' before any 'exten =>'"));
	assert_true(has_diag(ZV_DIAG_ERROR, 3, "'next' priority"));
	assert_true(has_diag(ZV_DIAG_ERROR, 4, "invalid priority/label 'x'"));
	assert_true(has_diag(ZV_DIAG_ERROR, 5, "no application"));
	assert_true(has_diag(ZV_DIAG_ERROR, 6, "no application"));
	assert_true(has_diag(ZV_DIAG_ERROR, 7, "no priority"));
	assert_true(has_diag(ZV_DIAG_WARNING, 8, "'Unknownapp' is not registered"));
	assert_true(has_diag(ZV_DIAG_WARNING, 9, "not supported"));
	assert_true(has_diag(ZV_DIAG_WARNING, 10, "not supported"));
	assert_true(has_diag(ZV_DIAG_WARNING, 11, "not supported"));
	assert_true(has_diag(ZV_DIAG_WARNING, 12, "'nosuch', which does not exist"));
	assert_true(has_diag(ZV_DIAG_WARNING, 13, "unknown directive 'bogus'"));
	assert_true(has_diag(ZV_DIAG_ERROR, 14, "invalid time range"));
	assert_true(has_diag(ZV_DIAG_ERROR, 15, "hint without devices"));

	/* Bad [general] value. */
	m = build("[general]\nautofallthrough=maybe\n", -EINVAL);
	assert_true(has_diag(ZV_DIAG_ERROR, 2, "not a boolean"));
	/* Empty file: an empty model with the defaults. */
	m = build("", 0);
	assert_true(m->autofallthrough);
	assert_int_equal(m->ncontexts, 0);
	zv_unref(m);
}

static const char *found(const struct dp_model *m, const char *ctx, const char *x,
			 const char *cid, int prio, time_t now)
{
	const struct dp_prio *p = NULL;
	const struct dp_exten *e =
		dp_model_find(m, ctx, x, cid, DP_MATCH_EXISTS, prio, NULL, now, &p);
	if (!e)
		return "(none)";
	assert_non_null(p);
	return p->data;
}

static void test_lookup_order(void **state)
{
	struct dp_model *m = build("[c]\n"
				   "exten => _X.,1,NoOp(X.)\n"
				   "exten => _X.,2,NoOp(X. 2)\n"
				   "exten => _1XX,1,NoOp(1XX)\n"
				   "exten => 100,1,NoOp(100)\n"
				   "exten => _10X,1,NoOp(10X)\n"
				   "exten => _1!,1,NoOp(1!)\n"
				   "exten => _[1-2]00,1,NoOp(set)\n"
				   "exten => 500/100,1,NoOp(500 from 100)\n"
				   "exten => 500/_2XX,1,NoOp(500 from 2XX)\n"
				   "exten => 500,1,NoOp(500)\n"
				   "exten => 600,1(lbl),NoOp(600)\n"
				   "exten => 600,2(other),NoOp(600b)\n"
				   "include => inc\n"
				   "include => timed,09:00-17:00,mon-fri,*,*\n"
				   "[inc]\n"
				   "exten => 300,1,NoOp(inc 300)\n"
				   "exten => *99,1,NoOp(inc star)\n"
				   "include => c\n" /* loop back: must not recurse forever */
				   "[timed]\n"
				   "exten => #1,1,NoOp(timed)\n",
				   0);
	setenv("TZ", "UTC", 1);
	tzset();
	struct tm mon_noon = {.tm_year = 126, .tm_mon = 10, .tm_mday = 23, .tm_hour = 12};
	struct tm sun_noon = {.tm_year = 126, .tm_mon = 10, .tm_mday = 22, .tm_hour = 12};
	time_t mon = timegm(&mon_noon), sun = timegm(&sun_noon);

	assert_string_equal(found(m, "c", "100", NULL, 1, mon), "100");
	assert_string_equal(found(m, "c", "101", NULL, 1, mon), "10X");
	assert_string_equal(found(m, "c", "155", NULL, 1, mon), "1XX");
	assert_string_equal(found(m, "c", "200", NULL, 1, mon), "set");
	assert_string_equal(found(m, "c", "1555", NULL, 1, mon), "1!");
	assert_string_equal(found(m, "c", "2555", NULL, 1, mon), "X.");
	/* Priority 2 exists only in _X.: the lookup falls through to it. */
	assert_string_equal(found(m, "c", "100", NULL, 2, mon), "X. 2");
	/* Own extensions before includes: _X. catches 300. */
	assert_string_equal(found(m, "c", "300", NULL, 1, mon), "X.");
	assert_string_equal(found(m, "c", "*99", NULL, 1, mon), "inc star");
	assert_string_equal(found(m, "inc", "300", NULL, 1, mon), "inc 300");
	/* Timed include: Monday noon yes, Sunday no. */
	assert_string_equal(found(m, "c", "#1", NULL, 1, mon), "timed");
	assert_string_equal(found(m, "c", "#1", NULL, 1, sun), "(none)");
	/* Caller ID. */
	assert_string_equal(found(m, "c", "500", "100", 1, mon), "500 from 100");
	assert_string_equal(found(m, "c", "500", "250", 1, mon), "500 from 2XX");
	assert_string_equal(found(m, "c", "500", "999", 1, mon), "500");
	assert_string_equal(found(m, "c", "500", NULL, 1, mon), "500");
	/* Unknown context, unknown priority. */
	assert_string_equal(found(m, "nope", "100", NULL, 1, mon), "(none)");
	assert_string_equal(found(m, "inc", "300", NULL, 5, mon), "(none)");
	/* Labels. */
	const struct dp_prio *p = NULL;
	assert_non_null(dp_model_find(m, "c", "600", NULL, DP_MATCH_EXISTS, 0, "other", mon, &p));
	assert_int_equal(p->prio, 2);
	assert_null(dp_model_find(m, "c", "600", NULL, DP_MATCH_EXISTS, 0, "nolabel", mon, &p));
	/* canmatch / matchmore. */
	assert_non_null(dp_model_find(m, "inc", "*9", NULL, DP_MATCH_CANMATCH, 0, NULL, mon, NULL));
	assert_non_null(dp_model_find(m, "inc", "*9", NULL, DP_MATCH_MATCHMORE, 0, NULL, mon, NULL));
	assert_null(dp_model_find(m, "timed", "#1", NULL, DP_MATCH_MATCHMORE, 0, NULL, mon, NULL));
	zv_unref(m);
}

static void test_hints_and_ignorepat(void **state)
{
	struct dp_model *m = build("[c]\n"
				   "exten => 100,hint,SIP/100\n"
				   "exten => 100,1,NoOp()\n"
				   "exten => _2XX,hint,SIP/${EXTEN}\n"
				   "ignorepat => 9\n"
				   "include => d\n"
				   "[d]\n"
				   "ignorepat => 8\n",
				   0);
	const struct dp_exten *e =
		dp_model_find(m, "c", "100", NULL, DP_MATCH_EXISTS, DP_PRIO_HINT, NULL, 0, NULL);
	assert_non_null(e);
	assert_string_equal(e->hint, "SIP/100");
	e = dp_model_find(m, "c", "250", NULL, DP_MATCH_EXISTS, DP_PRIO_HINT, NULL, 0, NULL);
	assert_non_null(e);
	assert_true(dp_model_ignored(m, "c", "9"));
	assert_true(dp_model_ignored(m, "c", "8"));
	assert_false(dp_model_ignored(m, "c", "7"));
	zv_unref(m);
}

int main(void)
{
	zv_diag_init(&diag);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_constructs),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_lookup_order),
		cmocka_unit_test(test_hints_and_ignorepat),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	zv_diag_clear(&diag);
	return r;
}
