/*
 * Unit tests for zv_random_bytes() (src/core/random.c): requests larger
 * than the pool, requests that straddle a refill, and that the bytes are
 * not constant (each byte value seen, two draws differ).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <zvonok/core.h>

static void test_large_request(void **state)
{
	static unsigned char a[4096], b[4096];
	zv_random_bytes(a, sizeof(a));
	zv_random_bytes(b, sizeof(b));
	assert_memory_not_equal(a, b, sizeof(a));
	unsigned seen[256] = {0};
	for (size_t i = 0; i < sizeof(a); i++)
		seen[a[i]]++;
	unsigned values = 0;
	for (int v = 0; v < 256; v++)
		values += seen[v] != 0;
	/* 4096 uniform bytes miss a given value with p = 1e-7. */
	assert_int_equal(values, 256);
}

static void test_straddles_refill(void **state)
{
	unsigned char x[7];
	unsigned char prev[7] = {0};
	/* 7 does not divide 512: some draws take the pool's last bytes and
	 * the first of the next fill; none may come back all zero (the pool
	 * is wiped after use, so a bad index would hand out zeros). */
	for (int i = 0; i < 1000; i++) {
		memset(x, 0, sizeof(x));
		zv_random_bytes(x, sizeof(x));
		static const unsigned char zero[7];
		assert_memory_not_equal(x, zero, sizeof(x));
		assert_memory_not_equal(x, prev, sizeof(x));
		memcpy(prev, x, sizeof(x));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_large_request),
		cmocka_unit_test(test_straddles_refill),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
