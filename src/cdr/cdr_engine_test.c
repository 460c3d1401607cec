/*
 * The CDR engine on real channels: records built from the channel events,
 * CDR() and CDR_PROP() through the function registry, a Dial-like leg
 * created in its caller's coroutine becoming the caller's party B, and
 * the records handed to a backend.  The modules are loaded by the real
 * registry but not started, so cdr_flush() writes on this thread.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <zvonok/channel.h>
#include <zvonok/coro.h>
#include <zvonok/loop.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>

#include "cdr/cdr.h"
#include "core/internal.h"

static char confdir[64];

#define MAX_GOT 8
static struct cdr_record *got[MAX_GOT];
static size_t ngot;

static int capture(void *arg, struct cdr_record *const *recs, size_t n)
{
	for (size_t i = 0; i < n && ngot < MAX_GOT; i++)
		got[ngot++] = cdr_record_dup(recs[i]);
	return 0;
}

static struct cdr_backend test_backend = {.name = "test", .write = capture};

static void got_clear(void)
{
	for (size_t i = 0; i < ngot; i++)
		cdr_record_free(got[i]);
	ngot = 0;
}

static void test_hangup(struct zv_channel *c)
{
}

static const struct zv_channel_tech test_tech = {.type = "Test", .hangup = test_hangup};

static int setup(void **state)
{
	strcpy(confdir, "/tmp/zv_cdr_test.XXXXXX");
	if (!mkdtemp(confdir) || zv_loops_init(1))
		return -1;
	zv_settings.confdir = confdir;
	zv_settings.dbdir = confdir;
	struct zv_diag diag;
	zv_diag_init(&diag);
	int err = zv_modules_load_all(confdir, &diag);
	size_t errors = diag.errors;
	zv_diag_clear(&diag);
	if (err || errors)
		return -1;
	return cdr_backend_register(&test_backend);
}

static int teardown(void **state)
{
	cdr_backend_unregister(&test_backend);
	got_clear();
	zv_modules_unload_all();
	zv_loops_fini();
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", confdir);
	if (system(cmd))
		return -1;
	zv_settings.confdir = zv_settings.dbdir = NULL;
	return 0;
}

static struct zv_channel *new_chan(const char *peer, enum zv_chan_state st)
{
	struct zv_channel *c = zv_channel_alloc(&test_tech, peer, NULL, "test", "100", st);
	assert_non_null(c);
	return c;
}

static void end_chan(struct zv_channel *c, int cause)
{
	zv_channel_set_hangupcause(c, cause);
	zv_channel_destroy(c);
	zv_unref(c);
}

static void expect_field(struct zv_channel *c, const char *expr, const char *want)
{
	char buf[256];
	assert_int_equal(zv_func_read(c, expr, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
}

static void test_functions(void **state)
{
	struct zv_channel *c = new_chan("a", ZV_STATE_RING);
	zv_channel_set_cid(c, "Alice", "555");
	assert_int_equal(zv_func_write(c, "CDR(userfield)", "uf \"q\""), 0);
	assert_int_equal(zv_func_write(c, "CDR(mycustom)", "hello"), 0);
	assert_int_equal(zv_func_write(c, "CDR(billsec)", "5"), -EPERM);
	assert_int_equal(zv_func_write(c, "CDR(amaflags)", "billing"), 0);
	assert_int_equal(zv_func_write(c, "CDR(accountcode)", "acc1"), 0);
	expect_field(c, "CDR(mycustom)", "hello");
	expect_field(c, "CDR(userfield)", "uf \"q\"");
	expect_field(c, "CDR(dst)", "100");
	expect_field(c, "CDR(dcontext)", "test");
	expect_field(c, "CDR(clid)", "\"Alice\" <555>");
	expect_field(c, "CDR(disposition)", "NO ANSWER");
	expect_field(c, "CDR(amaflags)", "BILLING");
	expect_field(c, "CDR(accountcode)", "acc1");
	expect_field(c, "CDR(end)", "");
	expect_field(c, "CDR(channel)", zv_channel_name(c));
	expect_field(c, "CDR(uniqueid)", zv_channel_uniqueid(c));
	zv_channel_set_state(c, ZV_STATE_UP);
	expect_field(c, "CDR(disposition)", "ANSWERED");
	expect_field(c, "CDR(disposition,u)", "8");
	char name[80];
	snprintf(name, sizeof(name), "%s", zv_channel_name(c));
	end_chan(c, ZV_CAUSE_NORMAL_CLEARING);

	cdr_flush();
	assert_int_equal(ngot, 1);
	struct cdr_record *r = got[0];
	assert_string_equal(r->channel, name);
	assert_string_equal(r->userfield, "uf \"q\"");
	assert_string_equal(cdr_vars_get(r->vars, "mycustom"), "hello");
	assert_string_equal(r->accountcode, "acc1");
	assert_string_equal(r->src, "555");
	assert_int_equal(r->amaflags, CDR_AMA_BILLING);
	assert_int_equal(r->disposition, CDR_ANSWERED);
	assert_true(r->answer.tv_sec > 0);
	got_clear();
}

static void test_disable_and_unanswered(void **state)
{
	struct zv_channel *c = new_chan("b", ZV_STATE_UP);
	assert_int_equal(zv_func_write(c, "CDR_PROP(disable)", "1"), 0);
	end_chan(c, ZV_CAUSE_NORMAL_CLEARING);
	/* Unanswered without party B: not logged with unanswered=no. */
	c = new_chan("c", ZV_STATE_RING);
	end_chan(c, ZV_CAUSE_USER_BUSY);
	cdr_flush();
	assert_int_equal(ngot, 0);

	c = new_chan("d", ZV_STATE_UP);
	assert_int_equal(zv_func_write(c, "CDR_PROP(disable)", "1"), 0);
	assert_int_equal(zv_func_write(c, "CDR_PROP(disable)", "0"), 0);
	assert_int_equal(zv_func_write(c, "CDR_PROP(bogus)", "0"), -EINVAL);
	end_chan(c, ZV_CAUSE_NORMAL_CLEARING);
	cdr_flush();
	assert_int_equal(ngot, 1);
	got_clear();
}

/* What Dial does: the leg is created in the caller's coroutine, shares it
 * while ringing, and is released (no coroutine) before it is destroyed. */
static char leg_name[80];

static void dial_body(void *arg)
{
	struct zv_channel *caller = arg;
	struct zv_channel *leg = new_chan("200", ZV_STATE_DOWN);
	zv_channel_set_coro(leg, zv_channel_coro(caller));
	snprintf(leg_name, sizeof(leg_name), "%s", zv_channel_name(leg));
	zv_channel_set_coro(leg, NULL);
	end_chan(leg, ZV_CAUSE_USER_BUSY);
}

static void test_dialed_leg(void **state)
{
	struct zv_channel *caller = new_chan("caller", ZV_STATE_RING);
	struct zv_coro *co = zv_coro_alloc(dial_body, caller, 0);
	assert_non_null(co);
	zv_channel_set_coro(caller, co);
	zv_coro_start(co);
	assert_true(zv_coro_finished(co));
	zv_channel_set_coro(caller, NULL);
	zv_unref(co);
	char name[80];
	snprintf(name, sizeof(name), "%s", zv_channel_name(caller));
	end_chan(caller, ZV_CAUSE_NORMAL_CLEARING);

	cdr_flush();
	/* Only the caller's record: the leg is its party B. */
	assert_int_equal(ngot, 1);
	assert_string_equal(got[0]->channel, name);
	assert_string_equal(got[0]->dstchannel, leg_name);
	assert_int_equal(got[0]->disposition, CDR_BUSY);
	got_clear();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_functions),
		cmocka_unit_test(test_disable_and_unanswered),
		cmocka_unit_test(test_dialed_leg),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
