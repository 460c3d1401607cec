/*
 * DIALSTATUS of an unanswered Dial from its legs' hang-up causes, as
 * Asterisk's app_dial counts them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <zvonok/channel.h>

#include "apps/dial/dial.h"

#define STATUS(...)                                                                                \
	dial_status_unanswered((const int[]){__VA_ARGS__},                                        \
			       sizeof((const int[]){__VA_ARGS__}) / sizeof(int))

static void test_one_leg(void **state)
{
	(void)state;
	assert_string_equal(STATUS(ZV_CAUSE_USER_BUSY), "BUSY");
	assert_string_equal(STATUS(ZV_CAUSE_CONGESTION), "CONGESTION");
	assert_string_equal(STATUS(ZV_CAUSE_NO_ANSWER), "NOANSWER"); /* 480, 487 */
	assert_string_equal(STATUS(ZV_CAUSE_NORMAL_CLEARING), "NOANSWER");
	assert_string_equal(STATUS(ZV_CAUSE_UNALLOCATED), "CHANUNAVAIL"); /* 404 */
	assert_string_equal(STATUS(ZV_CAUSE_CALL_REJECTED), "CHANUNAVAIL"); /* 403, 603 */
	assert_string_equal(STATUS(0), "CHANUNAVAIL"); /* could not be called */
}

static void test_all_failed(void **state)
{
	(void)state;
	/* busy before congestion before unavailable, whatever the order */
	assert_string_equal(STATUS(ZV_CAUSE_USER_BUSY, ZV_CAUSE_USER_BUSY, ZV_CAUSE_USER_BUSY),
			    "BUSY");
	assert_string_equal(STATUS(0, ZV_CAUSE_CONGESTION, ZV_CAUSE_USER_BUSY), "BUSY");
	assert_string_equal(STATUS(ZV_CAUSE_UNALLOCATED, ZV_CAUSE_CONGESTION), "CONGESTION");
	assert_string_equal(STATUS(0, ZV_CAUSE_UNALLOCATED), "CHANUNAVAIL");
}

static void test_some_gave_up(void **state)
{
	(void)state;
	/* a leg that stopped ringing keeps the status NOANSWER */
	assert_string_equal(STATUS(ZV_CAUSE_USER_BUSY, ZV_CAUSE_NO_ANSWER), "NOANSWER");
	assert_string_equal(STATUS(0, ZV_CAUSE_CONGESTION, ZV_CAUSE_NORMAL_CLEARING), "NOANSWER");
}

static void test_no_legs(void **state)
{
	(void)state;
	assert_string_equal(dial_status_unanswered(NULL, 0), "CHANUNAVAIL");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_leg),
		cmocka_unit_test(test_all_failed),
		cmocka_unit_test(test_some_gave_up),
		cmocka_unit_test(test_no_legs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
