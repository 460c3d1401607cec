/* RFC 3263 / RFC 2782 selection rules (pure parts of src/sip/dns). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sip/dns/sip_dns.h"

static unsigned fixed_r;
static unsigned rand_fixed(unsigned n)
{
	return fixed_r % n;
}

static void test_priority_first(void **state)
{
	struct sip_dns_srv v[] = {
		{20, 10, 5060, "c"}, {10, 0, 5060, "b"}, {5, 100, 5060, "a"}, {10, 50, 5060, "d"},
	};
	fixed_r = 0;
	sip_dns_srv_order(v, 4, rand_fixed);
	assert_string_equal(v[0].target, "a"); /* priority 5 */
	assert_int_equal(v[1].priority, 10);
	assert_int_equal(v[2].priority, 10);
	assert_string_equal(v[3].target, "c"); /* priority 20 last */
}

static void test_weights(void **state)
{
	/* r = 0 picks the weight-0 record first (running sum 0 >= 0). */
	struct sip_dns_srv v[] = {{10, 60, 1, "heavy"}, {10, 0, 2, "zero"}, {10, 40, 3, "light"}};
	fixed_r = 0;
	sip_dns_srv_order(v, 3, rand_fixed);
	assert_string_equal(v[0].target, "zero");
	/* A large r picks by running sum: 0, 60 ("heavy"), 100 ("light"). */
	struct sip_dns_srv w[] = {{10, 60, 1, "heavy"}, {10, 40, 3, "light"}};
	fixed_r = 61;
	sip_dns_srv_order(w, 2, rand_fixed);
	assert_string_equal(w[0].target, "light");
	fixed_r = 30;
	struct sip_dns_srv x[] = {{10, 60, 1, "heavy"}, {10, 40, 3, "light"}};
	sip_dns_srv_order(x, 2, rand_fixed);
	assert_string_equal(x[0].target, "heavy");
}

static void test_naptr_services(void **state)
{
	assert_int_equal(sip_dns_naptr_proto("SIP+D2U", false), SIP_TP_UDP);
	assert_int_equal(sip_dns_naptr_proto("sip+d2t", false), SIP_TP_TCP);
	assert_int_equal(sip_dns_naptr_proto("SIPS+D2T", false), SIP_TP_TLS);
	assert_int_equal(sip_dns_naptr_proto("SIP+D2W", false), SIP_TP_WS);
	assert_int_equal(sip_dns_naptr_proto("SIP+D2S", false), -1); /* SCTP */
	assert_int_equal(sip_dns_naptr_proto("E2U+sip", false), -1);
	assert_int_equal(sip_dns_naptr_proto("SIP+D2U", true), -1); /* sips: TLS only */
}

static void test_literal(void **state)
{
	struct sip_dns_target t[4];
	assert_int_equal(sip_dns_resolve("127.0.0.1", 0, -1, false, t, 4), 1);
	assert_int_equal(t[0].proto, SIP_TP_UDP);
	assert_int_equal(sip_sockaddr_port(&t[0].addr), 5060);
	assert_int_equal(sip_dns_resolve("::1", 5080, SIP_TP_TCP, false, t, 4), 1);
	assert_int_equal(t[0].proto, SIP_TP_TCP);
	assert_int_equal(sip_sockaddr_port(&t[0].addr), 5080);
	assert_int_equal(sip_dns_resolve("10.0.0.1", 0, -1, true, t, 4), 1);
	assert_int_equal(t[0].proto, SIP_TP_TLS);
	assert_int_equal(sip_sockaddr_port(&t[0].addr), 5061);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priority_first),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_naptr_services),
		cmocka_unit_test(test_literal),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
