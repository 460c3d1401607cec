/*
 * Unit tests for the registry of live channels (src/channels/channel.c):
 * lookups by name (case-insensitive) and by uniqueid among a few thousand
 * channels, through renames and removals in any order, so that the hash
 * chains and the array they index stay consistent; named group lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include <zvonok/channel.h>
#include <zvonok/loop.h>
#include <zvonok/obj.h>

#include "core/internal.h"

#define N 3000

static void tech_hangup(struct zv_channel *c)
{
}

static const struct zv_channel_tech tech = {.type = "Reg", .hangup = tech_hangup};

static int setup(void **state)
{
	return zv_loops_init(1);
}

static int teardown(void **state)
{
	zv_loops_fini();
	return 0;
}

static void expect_found(const char *name, const char *uid, struct zv_channel *want)
{
	struct zv_channel *a = zv_channel_find(name), *b = zv_channel_find_by_uniqueid(uid);
	assert_ptr_equal(a, want);
	assert_ptr_equal(b, want);
	zv_unref(a);
	zv_unref(b);
}

static void test_many(void **state)
{
	static struct zv_channel *c[N];
	static char uid[N][40];
	size_t before = zv_channel_count();
	for (int i = 0; i < N; i++) {
		char peer[16];
		snprintf(peer, sizeof(peer), "p%d", i);
		c[i] = zv_channel_alloc(&tech, peer, NULL, "ctx", "s", ZV_STATE_DOWN);
		assert_non_null(c[i]);
		snprintf(uid[i], sizeof(uid[i]), "%s", zv_channel_uniqueid(c[i]));
	}
	assert_int_equal(zv_channel_count(), before + N);
	for (int i = 0; i < N; i++)
		expect_found(zv_channel_name(c[i]), uid[i], c[i]);

	/* Names are found whatever their case. */
	char upper[80];
	snprintf(upper, sizeof(upper), "%s", zv_channel_name(c[7]));
	for (char *p = upper; *p; p++)
		*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
	expect_found(upper, uid[7], c[7]);

	/* Renamed: found by the new name only. */
	char old[80];
	snprintf(old, sizeof(old), "%s", zv_channel_name(c[11]));
	assert_int_equal(zv_channel_set_name(c[11], "Local/11@ctx-00000001;1"), 0);
	expect_found("local/11@CTX-00000001;1", uid[11], c[11]);
	assert_null(zv_channel_find(old));

	/* Every third removed, from the middle out: the others stay found. */
	for (int i = 0; i < N; i += 3) {
		zv_channel_destroy(c[i]);
		assert_null(zv_channel_find_by_uniqueid(uid[i]));
	}
	for (int i = 0; i < N; i++) {
		if (i % 3 == 0)
			continue;
		expect_found(zv_channel_name(c[i]), uid[i], c[i]);
	}
	assert_int_equal(zv_channel_count(), before + N - (N + 2) / 3);
	for (int i = 0; i < N; i++) {
		zv_channel_destroy(c[i]); /* idempotent for the removed ones */
		zv_unref(c[i]);
	}
	assert_int_equal(zv_channel_count(), before);
	assert_null(zv_channel_find("nosuch"));
}

/* Named call/pickup groups: comma lists, spaces around names ignored,
 * names compared without case; empty items and lists match nothing. */
static void test_named_groups(void **state)
{
	assert_true(zv_named_groups_intersect("sales, support", "Support"));
	assert_true(zv_named_groups_intersect(" ,a,, b ", "c,b"));
	assert_false(zv_named_groups_intersect("sales,support", "sale,supports"));
	assert_false(zv_named_groups_intersect("a b", "a"));
	assert_false(zv_named_groups_intersect(", ,", ","));
	assert_false(zv_named_groups_intersect(NULL, "a"));
	assert_false(zv_named_groups_intersect("a", NULL));
	assert_false(zv_named_groups_intersect("", ""));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_many),
		cmocka_unit_test(test_named_groups),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
