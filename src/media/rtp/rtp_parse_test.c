/*
 * Unit tests for the pure parsers (src/media/rtp/rtp_parse.c): RTP
 * headers with CSRCs, extensions and padding, RFC 4733 payloads and
 * digits, compound RTCP; and rtp.conf parsing (rtp_module.c).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <zvonok/config.h>
#include <zvonok/obj.h>

#include "media/rtp/rtp_int.h"

static const uint8_t basic[] = {0x80, 0x80 | 0, 0x12, 0x34, 0x00, 0x00, 0x01, 0x00,
				0xde, 0xad, 0xbe, 0xef, 'a', 'b', 'c'};

static void test_basic(void **state)
{
	struct zv_rtp_pkt p;
	assert_int_equal(zv_rtp_parse(basic, sizeof(basic), &p), 0);
	assert_true(p.marker);
	assert_int_equal(p.pt, 0);
	assert_int_equal(p.seq, 0x1234);
	assert_int_equal(p.ts, 256);
	assert_int_equal(p.ssrc, 0xdeadbeef);
	assert_int_equal(p.len, 3);
	assert_ptr_equal(p.payload, basic + 12);
	assert_memory_equal(p.payload, "abc", 3);
	assert_ptr_equal(p.raw, basic);
	assert_int_equal(p.raw_len, sizeof(basic));
}

static void test_header_only(void **state)
{
	struct zv_rtp_pkt p;
	assert_int_equal(zv_rtp_parse(basic, 12, &p), 0);
	assert_int_equal(p.len, 0);
	assert_int_equal(zv_rtp_parse(basic, 11, &p), -EBADMSG);
	assert_int_equal(zv_rtp_parse(basic, 0, &p), -EBADMSG);
}

static void test_version(void **state)
{
	uint8_t b[sizeof(basic)];
	struct zv_rtp_pkt p;
	for (uint8_t v = 0; v < 4; v++) {
		memcpy(b, basic, sizeof(b));
		b[0] = (uint8_t)(v << 6);
		assert_int_equal(zv_rtp_parse(b, sizeof(b), &p), v == 2 ? 0 : -EBADMSG);
	}
}

static void test_csrc_ext_padding(void **state)
{
	/* 2 CSRCs, a 1-word extension, 4 payload octets, 3 padding octets. */
	uint8_t b[] = {0xb2, 8, 0, 1, 0, 0, 0, 2, 1, 2, 3, 4,
		       /* CSRC */ 0, 0, 0, 5, 0, 0, 0, 6,
		       /* ext */ 0xbe, 0xde, 0, 1, 0x10, 0xaa, 0, 0,
		       /* payload */ 'w', 'x', 'y', 'z',
		       /* padding */ 0, 0, 3};
	struct zv_rtp_pkt p;
	assert_int_equal(zv_rtp_parse(b, sizeof(b), &p), 0);
	assert_int_equal(p.pt, 8);
	assert_false(p.marker);
	assert_int_equal(p.len, 4);
	assert_memory_equal(p.payload, "wxyz", 4);

	/* Padding count 0, or reaching into the header, is invalid. */
	b[sizeof(b) - 1] = 0;
	assert_int_equal(zv_rtp_parse(b, sizeof(b), &p), -EBADMSG);
	b[sizeof(b) - 1] = 8; /* payload + padding = 7 */
	assert_int_equal(zv_rtp_parse(b, sizeof(b), &p), -EBADMSG);
	b[sizeof(b) - 1] = 7; /* exactly the payload and padding: empty payload */
	assert_int_equal(zv_rtp_parse(b, sizeof(b), &p), 0);
	assert_int_equal(p.len, 0);
	b[sizeof(b) - 1] = 3;

	/* Extension longer than the packet. */
	b[23] = 9;
	assert_int_equal(zv_rtp_parse(b, sizeof(b), &p), -EBADMSG);
	b[23] = 1;
	/* Extension header cut off. */
	assert_int_equal(zv_rtp_parse(b, 22, &p), -EBADMSG);
	/* Too many CSRCs for the length. */
	b[0] = 0x8f;
	assert_int_equal(zv_rtp_parse(b, sizeof(b), &p), -EBADMSG);
}

static void test_event(void **state)
{
	const uint8_t e[] = {11, 0x80 | 10, 0x03, 0x20};
	struct rtp_event ev;
	assert_int_equal(rtp__event_parse(e, 4, &ev), 0);
	assert_int_equal(ev.event, 11);
	assert_true(ev.end);
	assert_int_equal(ev.volume, 10);
	assert_int_equal(ev.duration, 800);
	assert_int_equal(rtp__event_parse(e, 3, &ev), -EBADMSG);

	const char *digits = "0123456789*#ABCD";
	for (int i = 0; i < 16; i++) {
		assert_int_equal(rtp__event_digit((uint8_t)i), digits[i]);
		assert_int_equal(rtp__digit_event(digits[i]), i);
	}
	assert_int_equal(rtp__event_digit(16), 0);
	assert_int_equal(rtp__digit_event('d'), 15);
	assert_int_equal(rtp__digit_event('E'), -EINVAL);
	assert_int_equal(rtp__digit_event(0), -EINVAL);
}

/* SR with one block + SDES CNAME "ab" + BYE. */
static const uint8_t compound[] = {
	0x81, 200, 0, 12, 0, 0, 0, 7, /* SR, ssrc 7 */
	0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, /* NTP */
	0, 0, 1, 0, 0, 0, 0, 10, 0, 0, 0, 100, /* rtp ts, pkts, octets */
	0, 0, 0, 9, 64, 0xff, 0xff, 0xfe, 0, 1, 0, 5, 0, 0, 0, 3, 0xa, 0xb, 0xc, 0xd, 0, 1, 0, 0,
	0x81, 202, 0, 3, 0, 0, 0, 7, 1, 2, 'a', 'b', 0, 0, 0, 0, /* SDES */
	0x81, 203, 0, 1, 0, 0, 0, 7, /* BYE */
};

static void test_rtcp_compound(void **state)
{
	struct rtcp_info in;
	assert_int_equal(rtp__rtcp_parse(compound, sizeof(compound), &in), 0);
	assert_true(in.sr);
	assert_int_equal(in.ssrc, 7);
	assert_int_equal(in.ntp_msw, 0x11223344);
	assert_int_equal(in.ntp_lsw, 0x55667788);
	assert_int_equal(in.rtp_ts, 256);
	assert_int_equal(in.pkts, 10);
	assert_int_equal(in.octets, 100);
	assert_int_equal(in.nblocks, 1);
	assert_int_equal(in.blocks[0].ssrc, 9);
	assert_int_equal(in.blocks[0].fraction, 64);
	assert_int_equal(in.blocks[0].lost, -2);
	assert_int_equal(in.blocks[0].ext_seq, 0x10005);
	assert_int_equal(in.blocks[0].jitter, 3);
	assert_int_equal(in.blocks[0].lsr, 0x0a0b0c0d);
	assert_int_equal(in.blocks[0].dlsr, 0x10000);
	assert_true(in.bye);
	assert_int_equal(in.cname_len, 2);
	assert_memory_equal(in.cname, "ab", 2);
}

static void test_rtcp_invalid(void **state)
{
	uint8_t b[sizeof(compound)];
	struct rtcp_info in;
	/* Lengths must add up exactly. */
	assert_int_equal(rtp__rtcp_parse(compound, sizeof(compound) - 4, &in), -EBADMSG);
	memcpy(b, compound, sizeof(b));
	/* First packet must be SR or RR. */
	assert_int_equal(rtp__rtcp_parse(compound + 52, sizeof(compound) - 52, &in), -EBADMSG);
	/* Version. */
	b[52] = 0x41;
	assert_int_equal(rtp__rtcp_parse(b, sizeof(b), &in), -EBADMSG);
	memcpy(b, compound, sizeof(b));
	/* Padding on a packet that is not the last. */
	b[0] |= 0x20;
	assert_int_equal(rtp__rtcp_parse(b, sizeof(b), &in), -EBADMSG);
	memcpy(b, compound, sizeof(b));
	/* Report count beyond the packet. */
	b[0] = 0x82;
	assert_int_equal(rtp__rtcp_parse(b, sizeof(b), &in), -EBADMSG);
	memcpy(b, compound, sizeof(b));
	/* SDES item longer than the chunk. */
	b[61] = 9;
	assert_int_equal(rtp__rtcp_parse(b, sizeof(b), &in), -EBADMSG);
	memcpy(b, compound, sizeof(b));
	/* SDES chunk without its null item. */
	const uint8_t nonull[] = {0x80, 201, 0, 1, 0, 0, 0, 1, 0x81, 202, 0, 1, 0, 0, 0, 1};
	assert_int_equal(rtp__rtcp_parse(nonull, sizeof(nonull), &in), -EBADMSG);
	/* Not an RTCP packet type. */
	memcpy(b, compound, sizeof(b));
	b[53] = 100;
	assert_int_equal(rtp__rtcp_parse(b, sizeof(b), &in), -EBADMSG);
	/* Too short. */
	assert_int_equal(rtp__rtcp_parse(compound, 4, &in), -EBADMSG);
}

static void test_rtcp_rr_padding(void **state)
{
	/* RR, no blocks, then an APP packet with 4 octets of padding. */
	const uint8_t b[] = {0x80, 201, 0, 1, 0, 0, 0, 1, 0xa0, 204, 0, 3, 0, 0,
			     0,    1,   'n', 'a', 'm', 'e', 0, 0, 0, 4};
	struct rtcp_info in;
	assert_int_equal(rtp__rtcp_parse(b, sizeof(b), &in), 0);
	assert_false(in.sr);
	assert_int_equal(in.ssrc, 1);
	assert_int_equal(in.nblocks, 0);
	uint8_t c[sizeof(b)];
	memcpy(c, b, sizeof(c));
	c[sizeof(c) - 1] = 0; /* a padding count of 0 */
	assert_int_equal(rtp__rtcp_parse(c, sizeof(c), &in), -EBADMSG);
	c[sizeof(c) - 1] = 17; /* more than the packet */
	assert_int_equal(rtp__rtcp_parse(c, sizeof(c), &in), -EBADMSG);
	assert_true(rtp__is_rtcp(b, sizeof(b)));
	assert_false(rtp__is_rtcp(basic, sizeof(basic)));
}

/* ---- rtp.conf ------------------------------------------------------------- */

static struct zv_conf *conf_of(const char *text, struct zv_diag *diag)
{
	struct zv_conf *conf = NULL;
	struct zv_conf_opts opts = {.no_includes = true};
	assert_int_equal(zv_conf_parse_buffer("rtp.conf", text, strlen(text), &opts, diag, &conf),
			 0);
	return conf;
}

static void test_conf(void **state)
{
	struct zv_diag diag;
	zv_diag_init(&diag);
	struct rtp_settings s;
	assert_int_equal(rtp__conf_parse(NULL, &diag, &s), 0);
	assert_int_equal(s.port_start, 10000);
	assert_int_equal(s.port_end, 20000);
	assert_int_equal(s.rtcp_interval_ms, 5000);
	assert_int_equal(s.dtmf_timeout_ms, 500);

	struct zv_conf *conf = conf_of("[general]\nrtpstart=12000\nrtpend=12999\n"
				       "rtpchecksums=no\nstrictrtp=yes\nicesupport=no\n"
				       "rtcpinterval=1000\ndtmftimeout=3000\nbogus=1\n",
				       &diag);
	assert_int_equal(rtp__conf_parse(conf, &diag, &s), 0);
	assert_int_equal(s.port_start, 12000);
	assert_int_equal(s.port_end, 12999);
	assert_int_equal(s.rtcp_interval_ms, 1000);
	assert_int_equal(s.dtmf_timeout_ms, 375);
	assert_int_equal(diag.errors, 0);
	assert_int_equal(diag.warnings, 1);
	assert_int_equal(diag.v[0].line, 9);
	assert_non_null(strstr(diag.v[0].msg, "bogus"));
	zv_unref(conf);
	zv_diag_clear(&diag);

	zv_diag_init(&diag);
	conf = conf_of("[general]\nrtpstart=30000\nrtpend=20000\n[odd]\n", &diag);
	assert_int_equal(rtp__conf_parse(conf, &diag, &s), 0);
	assert_int_equal(s.port_start, 10000);
	assert_int_equal(s.port_end, 20000);
	assert_int_equal(diag.warnings, 2); /* start > end, unknown section */
	zv_unref(conf);
	zv_diag_clear(&diag);

	zv_diag_init(&diag);
	conf = conf_of("[general]\nrtpstart=abc\nrtpend=70000\n", &diag);
	assert_int_equal(rtp__conf_parse(conf, &diag, &s), 0);
	assert_int_equal(s.port_start, 10000);
	assert_int_equal(s.port_end, 20000);
	assert_int_equal(diag.warnings, 2);
	assert_int_equal(diag.v[0].line, 2);
	assert_int_equal(diag.v[1].line, 3);
	zv_unref(conf);
	zv_diag_clear(&diag);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_header_only),
		cmocka_unit_test(test_version),
		cmocka_unit_test(test_csrc_ext_padding),
		cmocka_unit_test(test_event),
		cmocka_unit_test(test_rtcp_compound),
		cmocka_unit_test(test_rtcp_invalid),
		cmocka_unit_test(test_rtcp_rr_padding),
		cmocka_unit_test(test_conf),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
