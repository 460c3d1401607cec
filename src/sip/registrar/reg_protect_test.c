/*
 * Unit tests of failed-auth protection: counting inside and across the
 * window, the ban and its end, success clearing the count, unban, per-IP
 * independence (port ignored), the unauthenticated token bucket, listing.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sip/registrar/reg_int.h"

static struct sockaddr_in addr(const char *ip, unsigned port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	inet_pton(AF_INET, ip, &a.sin_addr);
	return a;
}

#define SA(a) sa_of(&(a))

static const struct sockaddr *sa_of(const struct sockaddr_in *a)
{
	return (const struct sockaddr *)a;
}

static int setup(void **state)
{
	struct reg_prot_cfg c = {.threshold = 5, .window = 60, .ban_time = 600, .rate = 5};
	reg_prot_clear();
	reg_prot_configure(&c);
	return 0;
}

static void test_ban_at_threshold(void **state)
{
	struct sockaddr_in a = addr("10.0.0.2", 5060), b = addr("10.0.0.2", 5999);
	struct sockaddr_in other = addr("10.0.0.3", 5060);
	uint64_t t = 1000000;
	unsigned n;
	for (int i = 1; i <= 4; i++) {
		/* Different ports, same IP: one counter. */
		assert_false(reg_prot_failure(i % 2 ? SA(a) : SA(b), t + (uint64_t)i * 1000, &n));
		assert_int_equal(n, i);
		assert_false(reg_prot_banned(SA(a), t + (uint64_t)i * 1000));
	}
	assert_true(reg_prot_failure(SA(a), t + 5000, &n));
	assert_int_equal(n, 5);
	assert_true(reg_prot_banned(SA(a), t + 5000));
	assert_true(reg_prot_banned(SA(b), t + 5000));
	assert_false(reg_prot_banned(SA(other), t + 5000));
	/* A further failure while banned does not restart the ban. */
	assert_false(reg_prot_failure(SA(a), t + 6000, NULL));
	assert_true(reg_prot_banned(SA(a), t + 5000 + 599999));
	assert_false(reg_prot_banned(SA(a), t + 5000 + 600000));
}

static void test_window(void **state)
{
	struct sockaddr_in a = addr("10.0.0.4", 5060);
	uint64_t t = 5000000;
	unsigned n;
	/* 4 failures, then the window (60 s from the first) passes. */
	for (int i = 0; i < 4; i++)
		reg_prot_failure(SA(a), t + (uint64_t)i * 10000, &n);
	assert_int_equal(n, 4);
	assert_false(reg_prot_failure(SA(a), t + 60000, &n));
	assert_int_equal(n, 1);
	assert_false(reg_prot_banned(SA(a), t + 60000));
	/* Success clears the count. */
	reg_prot_failure(SA(a), t + 61000, &n);
	assert_int_equal(n, 2);
	reg_prot_success(SA(a));
	reg_prot_failure(SA(a), t + 62000, &n);
	assert_int_equal(n, 1);
}

static void test_unban_and_list(void **state)
{
	struct sockaddr_in a = addr("10.0.0.5", 5060), b = addr("10.0.0.6", 5060);
	uint64_t t = 9000000;
	for (int i = 0; i < 5; i++)
		reg_prot_failure(SA(a), t, NULL);
	reg_prot_failure(SA(b), t, NULL);
	struct reg_prot_entry *v = NULL;
	size_t n = reg_prot_list(t, &v);
	assert_int_equal(n, 2);
	int banned = 0;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v[i].ip, "10.0.0.5")) {
			assert_int_equal(v[i].failures, 5);
			assert_true(v[i].banned_until_ms > t);
			banned++;
		} else {
			assert_string_equal(v[i].ip, "10.0.0.6");
			assert_int_equal(v[i].banned_until_ms, 0);
		}
	}
	assert_int_equal(banned, 1);
	free(v);
	assert_int_equal(reg_prot_unban("10.0.0.5"), 0);
	assert_false(reg_prot_banned(SA(a), t));
	assert_int_equal(reg_prot_unban("10.0.0.5"), -ENOENT);
	assert_int_equal(reg_prot_unban("nonsense"), -EINVAL);
	/* Pruning keeps what still matters. */
	reg_prot_prune(t + 1000);
	n = reg_prot_list(t + 1000, &v);
	assert_int_equal(n, 1);
	free(v);
	reg_prot_prune(t + 120000);
	n = reg_prot_list(t + 120000, &v);
	assert_int_equal(n, 0);
	free(v);
}

static void test_rate(void **state)
{
	struct sockaddr_in a = addr("10.0.0.7", 5060), b = addr("10.0.0.8", 5060);
	uint64_t t = 20000000;
	for (int i = 0; i < 5; i++)
		assert_true(reg_prot_rate_ok(SA(a), t));
	assert_false(reg_prot_rate_ok(SA(a), t));
	assert_true(reg_prot_rate_ok(SA(b), t));
	/* 5/s: one token back after 200 ms. */
	assert_false(reg_prot_rate_ok(SA(a), t + 100));
	assert_true(reg_prot_rate_ok(SA(a), t + 300));
	assert_false(reg_prot_rate_ok(SA(a), t + 300));
	struct reg_prot_cfg off = {.threshold = 5, .window = 60, .ban_time = 600, .rate = 0};
	reg_prot_configure(&off);
	for (int i = 0; i < 100; i++)
		assert_true(reg_prot_rate_ok(SA(a), t + 300));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_ban_at_threshold, setup),
		cmocka_unit_test_setup(test_window, setup),
		cmocka_unit_test_setup(test_unban_and_list, setup),
		cmocka_unit_test_setup(test_rate, setup),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	reg_prot_clear();
	return rc;
}
