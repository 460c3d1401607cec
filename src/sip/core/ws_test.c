/* WebSocket framing and handshake key tests (RFC 6455 values). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sip/core/ws.h"

static void test_accept_key(void **state)
{
	char out[32];
	/* The example of RFC 6455 section 1.3. */
	const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
	assert_int_equal(ws_accept_key(key, strlen(key), out, sizeof(out)), 0);
	assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
	assert_int_equal(ws_accept_key("", 0, out, sizeof(out)), -EINVAL);
}

static void test_masked_text(void **state)
{
	/* RFC 6455 5.7: a masked "Hello". */
	uint8_t frame[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
	struct ws_frame f;
	for (size_t n = 0; n < sizeof(frame); n++)
		assert_int_equal(ws_frame_parse(frame, n, &f), 0); /* incomplete */
	assert_int_equal(ws_frame_parse(frame, sizeof(frame), &f), (ssize_t)sizeof(frame));
	assert_true(f.fin);
	assert_true(f.masked);
	assert_int_equal(f.opcode, WS_OP_TEXT);
	assert_int_equal(f.payload_len, 5);
	ws_unmask(&f, frame + f.header_len, 5);
	assert_memory_equal(frame + f.header_len, "Hello", 5);
}

static void test_lengths(void **state)
{
	static uint8_t buf[70000 + 14];
	struct ws_frame f;
	size_t lens[] = {0, 125, 126, 65535, 65536};
	for (size_t i = 0; i < sizeof(lens) / sizeof(*lens); i++) {
		size_t h = ws_frame_header(WS_OP_BINARY, lens[i], buf);
		assert_int_equal(h, lens[i] < 126 ? 2 : lens[i] < 65536 ? 4 : 10);
		ssize_t r = ws_frame_parse(buf, h + lens[i], &f);
		assert_int_equal(r, (ssize_t)(h + lens[i]));
		assert_int_equal(f.payload_len, lens[i]);
		assert_false(f.masked);
	}
	/* Non-minimal lengths and oversize payloads are refused. */
	uint8_t nonmin[] = {0x82, 126, 0x00, 0x05};
	assert_int_equal(ws_frame_parse(nonmin, sizeof(nonmin), &f), -EBADMSG);
	uint8_t big[] = {0x82, 127, 0, 0, 0, 0, 0, 2, 0, 0};
	assert_int_equal(ws_frame_parse(big, sizeof(big), &f), -E2BIG);
}

static void test_control_and_errors(void **state)
{
	struct ws_frame f;
	uint8_t ping[] = {0x89, 0x80, 1, 2, 3, 4};
	assert_int_equal(ws_frame_parse(ping, sizeof(ping), &f), 6);
	assert_int_equal(f.opcode, WS_OP_PING);
	uint8_t frag_ping[] = {0x09, 0x00}; /* control without FIN */
	assert_int_equal(ws_frame_parse(frag_ping, 2, &f), -EBADMSG);
	uint8_t long_ping[] = {0x89, 126, 0, 200};
	assert_int_equal(ws_frame_parse(long_ping, 4, &f), -EBADMSG);
	uint8_t rsv[] = {0xc1, 0x00};
	assert_int_equal(ws_frame_parse(rsv, 2, &f), -EBADMSG);
	uint8_t bad_op[] = {0x83, 0x00};
	assert_int_equal(ws_frame_parse(bad_op, 2, &f), -EBADMSG);
	uint8_t cont[] = {0x00, 0x01, 'x'};
	assert_int_equal(ws_frame_parse(cont, 3, &f), 3);
	assert_false(f.fin);
	assert_int_equal(f.opcode, WS_OP_CONT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accept_key),
		cmocka_unit_test(test_masked_text),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_control_and_errors),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
