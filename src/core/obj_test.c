/*
 * Unit tests for refcounted objects (src/core/obj.c): the refcount moves
 * as documented, the destructor runs exactly once and on the last unref,
 * zv_obj_live() counts live objects, memory is zeroed and aligned, and
 * references taken and dropped concurrently from several threads leave the
 * count exact.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <zvonok/obj.h>

static long live_before;

static int setup(void **state)
{
	live_before = zv_obj_live();
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(zv_obj_live(), live_before);
	return 0;
}

struct thing {
	int *destroyed; /* counter bumped by the destructor */
	char payload[40];
};

static void thing_destroy(void *obj)
{
	struct thing *t = obj;
	(*t->destroyed)++;
}

static void test_alloc_zeroed_aligned(void **state)
{
	long live = zv_obj_live();
	unsigned char *p = zv_obj_alloc(100, NULL);
	assert_non_null(p);
	assert_int_equal(zv_obj_live(), live + 1);
	assert_int_equal(zv_obj_refs(p), 1);
	for (size_t i = 0; i < 100; i++)
		assert_int_equal(p[i], 0);
	assert_int_equal((uintptr_t)p % alignof(max_align_t), 0);
	memset(p, 0xab, 100); /* the whole size is usable */
	assert_null(zv_unref(p));
	assert_int_equal(zv_obj_live(), live);

	/* A zero-sized object is still a distinct live object. */
	void *z = zv_obj_alloc(0, NULL);
	assert_non_null(z);
	assert_int_equal(zv_obj_live(), live + 1);
	z = zv_unref(z);
	assert_null(z);
	assert_int_equal(zv_obj_live(), live);
}

static void test_refcount_and_destroy_once(void **state)
{
	int destroyed = 0;
	struct thing *t = zv_obj_alloc(sizeof(*t), thing_destroy);
	assert_non_null(t);
	t->destroyed = &destroyed;

	struct thing *a = zv_ref(t);
	assert_ptr_equal(a, t);
	struct thing *b = zv_ref(t);
	assert_int_equal(zv_obj_refs(t), 3);

	a = zv_unref(a);
	assert_null(a);
	assert_int_equal(zv_obj_refs(t), 2);
	assert_int_equal(destroyed, 0);

	b = zv_unref(b);
	assert_int_equal(zv_obj_refs(t), 1);
	assert_int_equal(destroyed, 0);

	long live = zv_obj_live();
	t = zv_unref(t);
	assert_null(t);
	assert_int_equal(destroyed, 1);
	assert_int_equal(zv_obj_live(), live - 1);
}

static int *seen_destroyed;
static const char *seen_payload;

/* The destructor still sees the object's contents. */
static void check_contents(void *obj)
{
	struct thing *t = obj;
	seen_payload = strcmp(t->payload, "still here") == 0 ? "ok" : "bad";
	(*seen_destroyed)++;
}

static void test_destructor_sees_contents(void **state)
{
	int destroyed = 0;
	seen_destroyed = &destroyed;
	seen_payload = NULL;
	struct thing *t = zv_obj_alloc(sizeof(*t), check_contents);
	assert_non_null(t);
	strcpy(t->payload, "still here");
	zv_unref(t);
	assert_int_equal(destroyed, 1);
	assert_string_equal(seen_payload, "ok");
}

static void test_null_is_fine(void **state)
{
	assert_null(zv_ref(NULL));
	assert_null(zv_unref(NULL));
}

static void test_strdup(void **state)
{
	long live = zv_obj_live();
	char *s = zv_obj_strdup("SIP/100-00000001");
	assert_non_null(s);
	assert_string_equal(s, "SIP/100-00000001");
	assert_int_equal(zv_obj_refs(s), 1);

	char *n = zv_obj_strndup("abcdef", 3);
	assert_non_null(n);
	assert_string_equal(n, "abc");

	char *e = zv_obj_strndup("", 0);
	assert_non_null(e);
	assert_string_equal(e, "");

	assert_int_equal(zv_obj_live(), live + 3);
	char *r = zv_ref(s);
	zv_unref(s);
	assert_string_equal(r, "SIP/100-00000001");
	zv_unref(r);
	zv_unref(n);
	zv_unref(e);
	assert_int_equal(zv_obj_live(), live);
}

/* ---- several threads ------------------------------------------------ */

#define NTHREADS 8
#define NROUNDS 20000

struct shared {
	int destroyed;
};

static void shared_destroy(void *obj)
{
	struct shared *s = obj;
	s->destroyed++;
	/* Runs once, in whichever thread drops the last reference; a second
	 * run would be a double free, caught by the sanitizer build. */
	*seen_destroyed = s->destroyed;
}

static pthread_barrier_t barrier;

static void *ref_unref_worker(void *arg)
{
	void *obj = arg;
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < NROUNDS; i++) {
		void *r = zv_ref(obj);
		if (i % 3 == 0) {
			void *r2 = zv_ref(obj);
			zv_unref(r2);
		}
		zv_unref(r);
	}
	return NULL;
}

static void test_threads_balance(void **state)
{
	int destroyed_seen = 0;
	seen_destroyed = &destroyed_seen;
	struct shared *s = zv_obj_alloc(sizeof(*s), shared_destroy);
	assert_non_null(s);

	pthread_t th[NTHREADS];
	assert_int_equal(pthread_barrier_init(&barrier, NULL, NTHREADS), 0);
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, ref_unref_worker, s), 0);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);

	/* Every thread's refs were dropped: only ours is left. */
	assert_int_equal(zv_obj_refs(s), 1);
	assert_int_equal(s->destroyed, 0);
	zv_unref(s);
	assert_int_equal(destroyed_seen, 1);
}

/* Each thread owns one reference handed to it and drops it; the last one
 * out (in some other thread) runs the destructor exactly once. */
static void *drop_worker(void *arg)
{
	pthread_barrier_wait(&barrier);
	zv_unref(arg);
	return NULL;
}

static void test_threads_last_unref_destroys_once(void **state)
{
	for (int round = 0; round < 50; round++) {
		int destroyed_seen = 0;
		seen_destroyed = &destroyed_seen;
		long live = zv_obj_live();
		struct shared *s = zv_obj_alloc(sizeof(*s), shared_destroy);
		assert_non_null(s);

		pthread_t th[NTHREADS];
		/* The threads wait for us: all references exist before any
		 * is dropped. */
		assert_int_equal(pthread_barrier_init(&barrier, NULL, NTHREADS + 1), 0);
		for (int i = 0; i < NTHREADS; i++)
			assert_int_equal(pthread_create(&th[i], NULL, drop_worker,
							zv_ref(s)), 0);
		assert_int_equal(zv_obj_refs(s), NTHREADS + 1);
		/* Ours goes at the same moment as theirs. */
		struct shared *mine = s;
		s = NULL;
		pthread_barrier_wait(&barrier);
		zv_unref(mine);
		for (int i = 0; i < NTHREADS; i++)
			pthread_join(th[i], NULL);
		pthread_barrier_destroy(&barrier);
		assert_int_equal(destroyed_seen, 1);
		assert_int_equal(zv_obj_live(), live);
	}
}

static void *alloc_worker(void *arg)
{
	pthread_barrier_wait(&barrier);
	for (int i = 0; i < 2000; i++) {
		char *s = zv_obj_strdup("x");
		zv_unref(s);
	}
	return NULL;
}

/* zv_obj_live() stays exact when many threads allocate and free. */
static void test_threads_live_count(void **state)
{
	long live = zv_obj_live();
	pthread_t th[NTHREADS];
	assert_int_equal(pthread_barrier_init(&barrier, NULL, NTHREADS), 0);
	for (int i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, alloc_worker, NULL), 0);
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&barrier);
	assert_int_equal(zv_obj_live(), live);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_alloc_zeroed_aligned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refcount_and_destroy_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_destructor_sees_contents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_is_fine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strdup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_balance, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads_last_unref_destroys_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_threads_live_count, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
