/*
 * Unit tests for the FIFO arena (src/core/fifo_arena.c): records come back
 * oldest first with their contents intact across block boundaries, a
 * block is unmapped once its last record is popped (checked with
 * mincore(), which fails on unmapped memory), the arena maps nothing once
 * empty, and records too large for a block are refused.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include <zvonok/fifo_arena.h>

/* Whether the page holding p is mapped. */
static bool mapped(const void *p)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	unsigned char v;
	void *base = (void *)((uintptr_t)p & ~(uintptr_t)(page - 1));
	return mincore(base, page, &v) == 0 || errno != ENOMEM;
}

static void fill(void *p, size_t size, unsigned seed)
{
	for (size_t i = 0; i < size; i++)
		((unsigned char *)p)[i] = (unsigned char)(seed * 31 + i);
}

static bool check(const void *p, size_t size, unsigned seed)
{
	for (size_t i = 0; i < size; i++)
		if (((const unsigned char *)p)[i] != (unsigned char)(seed * 31 + i))
			return false;
	return true;
}

static size_t size_of(unsigned i)
{
	return 1 + (i * 97) % 700; /* 1..700 bytes, odd sizes included */
}

static void test_order_and_contents(void **state)
{
	struct zv_fifo_arena fa;
	zv_fifo_arena_init(&fa, 8192);
	assert_null(zv_fifo_arena_peek(&fa));
	enum { N = 500 };
	for (unsigned i = 0; i < N; i++) {
		void *p = zv_fifo_arena_push(&fa, size_of(i));
		assert_non_null(p);
		assert_int_equal((uintptr_t)p % 8, 0);
		fill(p, size_of(i), i);
	}
	assert_int_equal(fa.records, N);
	assert_true(fa.blocks > 10); /* ~175 KB in 8 KB blocks */
	for (unsigned i = 0; i < N; i++) {
		void *p = zv_fifo_arena_peek(&fa);
		assert_non_null(p);
		assert_true(check(p, size_of(i), i));
		zv_fifo_arena_pop(&fa);
	}
	assert_null(zv_fifo_arena_peek(&fa));
	assert_int_equal(fa.records, 0);
	assert_int_equal(fa.blocks, 0);
	zv_fifo_arena_pop(&fa); /* empty: nothing happens */
	zv_fifo_arena_fini(&fa);
}

static void test_blocks_unmapped_when_drained(void **state)
{
	struct zv_fifo_arena fa;
	zv_fifo_arena_init(&fa, 4096);
	void *first = zv_fifo_arena_push(&fa, 1100);
	void *recs[8] = {first};
	for (int i = 1; i < 8; i++)
		recs[i] = zv_fifo_arena_push(&fa, 1100);
	/* Three 1100-byte records to a 4 KB block: 8 take three blocks. */
	assert_int_equal(fa.blocks, 3);
	assert_true(mapped(first));
	zv_fifo_arena_pop(&fa);
	zv_fifo_arena_pop(&fa);
	assert_true(mapped(first)); /* its block still holds a record */
	zv_fifo_arena_pop(&fa);
	assert_int_equal(fa.blocks, 2);
	assert_false(mapped(first));
	assert_true(mapped(recs[7]));
	/* Interleaved pushes and pops keep the order. */
	void *late = zv_fifo_arena_push(&fa, 16);
	memcpy(late, "late", 5);
	for (int i = 3; i < 8; i++) {
		assert_ptr_equal(zv_fifo_arena_peek(&fa), recs[i]);
		zv_fifo_arena_pop(&fa);
	}
	assert_string_equal(zv_fifo_arena_peek(&fa), "late");
	zv_fifo_arena_pop(&fa);
	assert_int_equal(fa.blocks, 0);
	assert_false(mapped(recs[7]));
	zv_fifo_arena_fini(&fa);
}

static void test_too_large_and_fini(void **state)
{
	struct zv_fifo_arena fa;
	zv_fifo_arena_init(&fa, 0);
	assert_int_equal(fa.block_size, 64 << 10);
	size_t max = zv_fifo_arena_max_record(&fa);
	assert_null(zv_fifo_arena_push(&fa, max + 1));
	assert_int_equal(fa.blocks, 0);
	void *p = zv_fifo_arena_push(&fa, max);
	assert_non_null(p);
	memset(p, 0xab, max);
	void *q = zv_fifo_arena_push(&fa, 8);
	assert_non_null(q);
	assert_int_equal(fa.blocks, 2);
	zv_fifo_arena_fini(&fa);
	assert_int_equal(fa.blocks, 0);
	assert_null(zv_fifo_arena_peek(&fa));
	assert_false(mapped(p));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_and_contents),
		cmocka_unit_test(test_blocks_unmapped_when_drained),
		cmocka_unit_test(test_too_large_and_fini),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
