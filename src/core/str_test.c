/*
 * Unit tests for string views (src/core/str.c): equality with and without
 * case, prefixes, trimming, searching, number parsing at the edges of
 * uint32_t and uint64_t, and the two copy helpers.  Views here point into
 * larger buffers on purpose, so a function that reads past len fails.
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

#include <zvonok/str.h>

static void test_make_and_c(void **state)
{
	struct zv_str s = zv_str_c("INVITE");
	assert_int_equal(s.len, 6);
	assert_memory_equal(s.p, "INVITE", 6);

	struct zv_str n = zv_str_c(NULL);
	assert_null(n.p);
	assert_int_equal(n.len, 0);
	assert_true(zv_str_empty(n));
	assert_true(zv_str_empty(ZV_STR_NULL));
	assert_false(zv_str_empty(s));

	struct zv_str lit = ZV_STR_LIT("BYE");
	assert_int_equal(lit.len, 3);

	char buf[32];
	snprintf(buf, sizeof(buf), "[%.*s]", ZV_STR_FMT(zv_str_make("abcdef", 3)));
	assert_string_equal(buf, "[abc]");
}

static void test_eq(void **state)
{
	/* "INVITE sip:..." viewed as its first word only */
	const char *line = "INVITE sip:100@example.com";
	struct zv_str method = zv_str_make(line, 6);

	assert_true(zv_str_eq(method, ZV_STR_LIT("INVITE")));
	assert_false(zv_str_eq(method, ZV_STR_LIT("invite")));
	assert_false(zv_str_eq(method, ZV_STR_LIT("INVITE ")));
	assert_false(zv_str_eq(method, ZV_STR_LIT("INVIT")));
	assert_true(zv_str_eq_cstr(method, "INVITE"));
	assert_false(zv_str_eq_cstr(method, "INVITES"));

	assert_true(zv_str_eq_ci(method, ZV_STR_LIT("invite")));
	assert_true(zv_str_eq_ci(method, ZV_STR_LIT("InViTe")));
	assert_false(zv_str_eq_ci(method, ZV_STR_LIT("invitf")));
	assert_false(zv_str_eq_ci(method, ZV_STR_LIT("invit")));
	assert_true(zv_str_eq_cstr_ci(method, "iNVITE"));
	assert_false(zv_str_eq_cstr_ci(method, "BYE"));

	/* Only ASCII letters fold: '@' (0x40) and '`' (0x60) differ. */
	assert_false(zv_str_eq_ci(ZV_STR_LIT("@"), ZV_STR_LIT("`")));
	assert_false(zv_str_eq_ci(ZV_STR_LIT("["), ZV_STR_LIT("{")));

	/* Empty views are equal whatever their pointer. */
	assert_true(zv_str_eq(ZV_STR_NULL, zv_str_make("x", 0)));
	assert_true(zv_str_eq_ci(ZV_STR_NULL, ZV_STR_LIT("")));
	assert_true(zv_str_eq_cstr(ZV_STR_NULL, ""));
	assert_true(zv_str_eq_cstr(ZV_STR_NULL, NULL));
	assert_false(zv_str_eq_cstr(ZV_STR_NULL, "a"));
}

static void test_has_prefix_ci(void **state)
{
	struct zv_str s = zv_str_make("Content-Length: 12", 14);
	assert_true(zv_str_has_prefix_ci(s, "content-"));
	assert_true(zv_str_has_prefix_ci(s, "CONTENT-LENGTH"));
	assert_true(zv_str_has_prefix_ci(s, ""));
	/* Longer than the view, though the buffer continues. */
	assert_false(zv_str_has_prefix_ci(s, "Content-Length:"));
	assert_false(zv_str_has_prefix_ci(s, "Content-Type"));
	assert_true(zv_str_has_prefix_ci(ZV_STR_NULL, ""));
	assert_false(zv_str_has_prefix_ci(ZV_STR_NULL, "a"));
}

static void test_trim(void **state)
{
	struct zv_str t = zv_str_trim(zv_str_c(" \t value with space \r\n"));
	assert_true(zv_str_eq_cstr(t, "value with space"));

	t = zv_str_trim(zv_str_c("plain"));
	assert_true(zv_str_eq_cstr(t, "plain"));

	t = zv_str_trim(zv_str_c(" \t\r\n "));
	assert_int_equal(t.len, 0);

	t = zv_str_trim(ZV_STR_NULL);
	assert_int_equal(t.len, 0);

	/* The view ends before the trailing "x": only spaces inside count. */
	const char *buf = "  ab  x";
	t = zv_str_trim(zv_str_make(buf, 6));
	assert_ptr_equal(t.p, buf + 2);
	assert_int_equal(t.len, 2);

	/* Vertical tab and form feed are not trimmed. */
	t = zv_str_trim(zv_str_c("\va\f"));
	assert_int_equal(t.len, 3);
}

static void test_find(void **state)
{
	struct zv_str s = zv_str_c("user@host@x");
	assert_int_equal(zv_str_find(s, '@'), 4);
	assert_int_equal(zv_str_find(s, 'u'), 0);
	assert_int_equal(zv_str_find(s, 'x'), 10);
	assert_int_equal(zv_str_find(s, ':'), -1);
	/* Must not look past the view's end. */
	assert_int_equal(zv_str_find(zv_str_make("abc:", 3), ':'), -1);
	assert_int_equal(zv_str_find(ZV_STR_NULL, 'a'), -1);
}

static void test_to_u32(void **state)
{
	uint32_t v = 7;
	assert_int_equal(zv_str_to_u32(zv_str_c("0"), &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(zv_str_to_u32(zv_str_c("5060"), &v), 0);
	assert_int_equal(v, 5060);
	assert_int_equal(zv_str_to_u32(zv_str_c("000123"), &v), 0);
	assert_int_equal(v, 123);
	assert_int_equal(zv_str_to_u32(zv_str_c("4294967295"), &v), 0);
	assert_int_equal(v, UINT32_MAX);

	/* Errors leave *outp alone. */
	v = 42;
	assert_int_equal(zv_str_to_u32(zv_str_c("4294967296"), &v), -ERANGE);
	assert_int_equal(zv_str_to_u32(zv_str_c("99999999999999999999999"), &v), -ERANGE);
	assert_int_equal(zv_str_to_u32(ZV_STR_NULL, &v), -EINVAL);
	assert_int_equal(zv_str_to_u32(zv_str_c(""), &v), -EINVAL);
	assert_int_equal(zv_str_to_u32(zv_str_c("-1"), &v), -EINVAL);
	assert_int_equal(zv_str_to_u32(zv_str_c("+1"), &v), -EINVAL);
	assert_int_equal(zv_str_to_u32(zv_str_c(" 1"), &v), -EINVAL);
	assert_int_equal(zv_str_to_u32(zv_str_c("1 "), &v), -EINVAL);
	assert_int_equal(zv_str_to_u32(zv_str_c("12a"), &v), -EINVAL);
	assert_int_equal(zv_str_to_u32(zv_str_c("0x10"), &v), -EINVAL);
	assert_int_equal(v, 42);

	/* Only the view is parsed: "12" of "123". */
	assert_int_equal(zv_str_to_u32(zv_str_make("123", 2), &v), 0);
	assert_int_equal(v, 12);
}

static void test_to_u64(void **state)
{
	uint64_t v = 0;
	assert_int_equal(zv_str_to_u64(zv_str_c("18446744073709551615"), &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(zv_str_to_u64(zv_str_c("18446744073709551610"), &v), 0);
	assert_true(v == UINT64_MAX - 5);
	assert_int_equal(zv_str_to_u64(zv_str_c("4294967296"), &v), 0);
	assert_true(v == UINT64_C(4294967296));

	v = 9;
	assert_int_equal(zv_str_to_u64(zv_str_c("18446744073709551616"), &v), -ERANGE);
	assert_int_equal(zv_str_to_u64(zv_str_c("18446744073709551620"), &v), -ERANGE);
	assert_int_equal(zv_str_to_u64(zv_str_c("184467440737095516150"), &v), -ERANGE);
	assert_int_equal(zv_str_to_u64(zv_str_c("1.5"), &v), -EINVAL);
	assert_int_equal(zv_str_to_u64(ZV_STR_NULL, &v), -EINVAL);
	assert_true(v == 9);
}

static void test_dup(void **state)
{
	char *d = zv_str_dup(zv_str_make("hello world", 5));
	assert_non_null(d);
	assert_string_equal(d, "hello");
	free(d);

	d = zv_str_dup(ZV_STR_NULL);
	assert_non_null(d);
	assert_string_equal(d, "");
	free(d);
}

static void test_copy(void **state)
{
	char buf[6];
	memset(buf, 'Z', sizeof(buf));
	assert_ptr_equal(zv_str_copy(zv_str_c("abc"), buf, sizeof(buf)), buf);
	assert_string_equal(buf, "abc");

	/* Truncated to size - 1 and terminated. */
	assert_ptr_equal(zv_str_copy(zv_str_c("abcdefghij"), buf, sizeof(buf)), buf);
	assert_string_equal(buf, "abcde");

	/* Exactly fits. */
	zv_str_copy(zv_str_c("12345"), buf, sizeof(buf));
	assert_string_equal(buf, "12345");

	zv_str_copy(ZV_STR_NULL, buf, sizeof(buf));
	assert_string_equal(buf, "");

	/* size 1: only the terminator; size 0: nothing written. */
	buf[0] = 'Q';
	zv_str_copy(zv_str_c("xyz"), buf, 1);
	assert_int_equal(buf[0], '\0');
	buf[0] = 'Q';
	assert_ptr_equal(zv_str_copy(zv_str_c("xyz"), buf, 0), buf);
	assert_int_equal(buf[0], 'Q');
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_make_and_c),
		cmocka_unit_test(test_eq),
		cmocka_unit_test(test_has_prefix_ci),
		cmocka_unit_test(test_trim),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_to_u32),
		cmocka_unit_test(test_to_u64),
		cmocka_unit_test(test_dup),
		cmocka_unit_test(test_copy),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
