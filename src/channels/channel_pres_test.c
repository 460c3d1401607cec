/*
 * Unit tests for caller ID presentation (src/channels/channel.c): the
 * names and numbers CALLERID(pres) and SetCallerPres accept, the combined
 * presentation of a name and a number (Asterisk's priority: prohibited,
 * allowed, unavailable), and that zv_channel_copy_cid() carries both
 * presentations along with the name and number.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <zvonok/channel.h>
#include <zvonok/loop.h>
#include <zvonok/obj.h>

#include "core/internal.h"

static void tech_hangup(struct zv_channel *c)
{
}

static const struct zv_channel_tech tech = {.type = "Pres", .hangup = tech_hangup};

static int setup(void **state)
{
	return zv_loops_init(1);
}

static int teardown(void **state)
{
	zv_loops_fini();
	return 0;
}

static void test_names(void **state)
{
	static const struct {
		const char *name;
		int value;
	} t[] = {
		{"allowed_not_screened", 0x00}, {"allowed_passed_screen", 0x01},
		{"allowed_failed_screen", 0x02}, {"allowed", 0x03},
		{"prohib_not_screened", 0x20}, {"prohib_passed_screen", 0x21},
		{"prohib_failed_screen", 0x22}, {"prohib", 0x23},
		{"unavailable", 0x43},
	};
	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++) {
		assert_int_equal(zv_pres_parse(t[i].name), t[i].value);
		assert_string_equal(zv_pres_name(t[i].value), t[i].name);
	}
	assert_int_equal(zv_pres_parse("PROHIB"), 0x23);
	assert_int_equal(zv_pres_parse(" prohib "), 0x23);
	assert_int_equal(zv_pres_parse("32"), 0x20);
	assert_int_equal(zv_pres_parse("0"), 0);
	assert_int_equal(zv_pres_parse("67"), 0x43);
	assert_int_equal(zv_pres_parse("prohibited"), -1);
	assert_int_equal(zv_pres_parse(""), -1);
	assert_int_equal(zv_pres_parse("256"), -1);
	assert_int_equal(zv_pres_parse("3x"), -1);
	assert_int_equal(zv_pres_parse(NULL), -1);
	assert_string_equal(zv_pres_name(0x10), "unknown");
	assert_string_equal(zv_pres_describe(0x20), "Presentation Prohibited, Not Screened");
	assert_string_equal(zv_pres_describe(0x43), "Number Unavailable");
	assert_true(zv_pres_private(0x20));
	assert_true(zv_pres_private(0x43));
	assert_false(zv_pres_private(0x03));
}

static void test_combine(void **state)
{
	/* the number's screening, the stronger restriction */
	assert_int_equal(zv_pres_combine(0x00, 0x01), 0x01);
	assert_int_equal(zv_pres_combine(0x20, 0x01), 0x21);
	assert_int_equal(zv_pres_combine(0x01, 0x22), 0x22);
	/* allowed beats unavailable; unavailable is always 0x43 */
	assert_int_equal(zv_pres_combine(0x43, 0x00), 0x00);
	assert_int_equal(zv_pres_combine(0x00, 0x43), 0x03); /* the number's screening */
	assert_int_equal(zv_pres_combine(0x43, 0x41), 0x43);
	/* the reserved restriction 0x60 counts as unavailable */
	assert_int_equal(zv_pres_combine(0x60, 0x60), 0x43);
	assert_int_equal(zv_pres_combine(0x60, 0x21), 0x21);
}

static void test_channel(void **state)
{
	struct zv_channel *a = zv_channel_alloc(&tech, "a", NULL, "ctx", "s", ZV_STATE_DOWN);
	struct zv_channel *b = zv_channel_alloc(&tech, "b", NULL, "ctx", "s", ZV_STATE_DOWN);
	assert_non_null(a);
	assert_non_null(b);
	assert_int_equal(zv_channel_cid_pres(a), 0); /* allowed_not_screened */
	zv_channel_set_cid(a, "Alice", "100");
	zv_channel_set_cid_pres(a, 0x01, 0x20);
	assert_int_equal(zv_channel_cid_name_pres(a), 0x01);
	assert_int_equal(zv_channel_cid_num_pres(a), 0x20);
	assert_int_equal(zv_channel_cid_pres(a), 0x20);
	/* setting the name/number keeps the presentation */
	zv_channel_set_cid(a, "Alice", "101");
	assert_int_equal(zv_channel_cid_pres(a), 0x20);
	zv_channel_copy_cid(b, a);
	assert_string_equal(zv_channel_cid_name(b), "Alice");
	assert_string_equal(zv_channel_cid_num(b), "101");
	assert_int_equal(zv_channel_cid_name_pres(b), 0x01);
	assert_int_equal(zv_channel_cid_num_pres(b), 0x20);
	/* the connected line has its own */
	assert_int_equal(zv_channel_connected_pres(b), 0);
	zv_channel_set_connected_pres(b, 0x23, 0x23);
	assert_int_equal(zv_channel_connected_pres(b), 0x23);
	assert_int_equal(zv_channel_cid_pres(b), 0x20);
	zv_channel_destroy(a);
	zv_channel_destroy(b);
	zv_unref(a);
	zv_unref(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_combine),
		cmocka_unit_test(test_channel),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
