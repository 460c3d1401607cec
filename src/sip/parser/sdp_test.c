/*
 * Unit tests of the SDP parser: typical offers (G.711, G.722, opus,
 * telephone-event, SRTP with SDES, rtcp-mux, ICE/DTLS, T.38, rejected
 * streams) and malformed descriptions.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "sip/parser/sdp.h"

static bool view_is(struct zv_str v, const char *s)
{
	return v.len == strlen(s) && memcmp(v.p, s, v.len) == 0;
}

#define assert_view(v, s) assert_true(view_is((v), (s)))

static struct sdp_session sess;
static char wire[8192];

/* Parse text written with "\n" line ends, sent with CRLF. */
static int parse(const char *text)
{
	size_t o = 0;
	for (; *text && o + 2 < sizeof(wire); text++) {
		if (*text == '\n')
			wire[o++] = '\r';
		wire[o++] = *text;
	}
	return sdp_parse(wire, o, &sess);
}

#define HEAD "v=0\no=- 1234 5678 IN IP4 192.0.2.1\ns=Zvonok\n"

static void test_basic_offer(void **state)
{
	assert_int_equal(parse(HEAD "c=IN IP4 192.0.2.1\n"
				    "t=0 0\n"
				    "a=sendonly\n"
				    "m=audio 10000 RTP/AVP 0 8 9 111 101\n"
				    "b=AS:64\n"
				    "a=rtpmap:0 PCMU/8000\n"
				    "a=rtpmap:8 PCMA/8000\n"
				    "a=rtpmap:9 G722/8000\n"
				    "a=rtpmap:111 opus/48000/2\n"
				    "a=fmtp:111 minptime=10;useinbandfec=1\n"
				    "a=rtpmap:101 telephone-event/8000\n"
				    "a=fmtp:101 0-16\n"
				    "a=ptime:20\n"
				    "a=maxptime:150\n"
				    "a=x-unknown:whatever\n"),
			 0);
	assert_view(sess.origin_user, "-");
	assert_view(sess.origin_sess_id, "1234");
	assert_int_equal(sess.origin_sess_version, 5678);
	assert_view(sess.origin_addr, "192.0.2.1");
	assert_view(sess.name, "Zvonok");
	assert_int_equal(sess.n_media, 1);
	const struct sdp_media *m = &sess.media[0];
	assert_int_equal(m->type, SDP_MEDIA_AUDIO);
	assert_int_equal(m->port, 10000);
	assert_int_equal(m->proto, SDP_PROTO_RTP_AVP);
	assert_int_equal(m->n_fmts, 5);
	assert_int_equal(m->pts[3], 111);
	assert_view(m->conn.addr, "192.0.2.1");
	assert_false(m->conn.ipv6);
	assert_int_equal(m->bandwidth_as, 64);
	assert_int_equal(m->n_rtpmaps, 5);
	const struct sdp_rtpmap *r = sdp_media_rtpmap(m, 111);
	assert_non_null(r);
	assert_view(r->encoding, "opus");
	assert_int_equal(r->clock_rate, 48000);
	assert_int_equal(r->channels, 2);
	r = sdp_media_rtpmap(m, 101);
	assert_view(r->encoding, "telephone-event");
	assert_int_equal(r->channels, 1);
	assert_null(sdp_media_rtpmap(m, 3));
	assert_view(sdp_media_fmtp(m, 101)->params, "0-16");
	assert_view(sdp_media_fmtp(m, 111)->params, "minptime=10;useinbandfec=1");
	assert_int_equal(m->ptime, 20);
	assert_int_equal(m->maxptime, 150);
	/* direction inherited from the session */
	assert_int_equal(m->dir, SDP_DIR_SENDONLY);
	assert_int_equal(m->n_other_attrs, 1);
}

static void test_srtp_two_media(void **state)
{
	assert_int_equal(parse(HEAD "t=0 0\n"
				    "a=recvonly\n"
				    "m=audio 20000 RTP/SAVP 0 101\n"
				    "c=IN IP6 2001:db8::5\n"
				    "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32\n"
				    "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32 KDR=1\n"
				    "a=rtcp-mux\n"
				    "a=rtcp:20001 IN IP6 2001:db8::5\n"
				    "a=sendrecv\n"
				    "m=video 0 RTP/AVP 96\n"
				    "a=rtpmap:96 H264/90000\n"),
			 0);
	assert_int_equal(sess.n_media, 2);
	const struct sdp_media *a = &sess.media[0], *v = &sess.media[1];
	assert_int_equal(a->proto, SDP_PROTO_RTP_SAVP);
	assert_true(a->conn.ipv6);
	assert_view(a->conn.addr, "2001:db8::5");
	assert_int_equal(a->n_cryptos, 2);
	assert_int_equal(a->cryptos[0].tag, 1);
	assert_view(a->cryptos[0].suite, "AES_CM_128_HMAC_SHA1_80");
	assert_view(a->cryptos[0].key_params,
		    "inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:32");
	assert_view(a->cryptos[1].session_params, "KDR=1");
	assert_true(a->rtcp_mux);
	assert_true(a->has_rtcp);
	assert_int_equal(a->rtcp_port, 20001);
	assert_view(a->rtcp_addr, "2001:db8::5");
	assert_int_equal(a->dir, SDP_DIR_SENDRECV);
	/* the rejected stream needs no c= and inherits the session direction */
	assert_int_equal(v->type, SDP_MEDIA_VIDEO);
	assert_int_equal(v->port, 0);
	assert_false(v->conn.present);
	assert_int_equal(v->dir, SDP_DIR_RECVONLY);
}

static void test_webrtc_and_t38(void **state)
{
	assert_int_equal(parse(HEAD "c=IN IP4 203.0.113.9\n"
				    "t=0 0\n"
				    "a=ice-ufrag:F7gI\n"
				    "a=ice-pwd:x9cml/YzichV2+XlhiMu8g\n"
				    "a=fingerprint:sha-256 49:66:12:17:0D:1C:91:AE:57:4C:C6:36:DD:D5:97:D2:7D:62:C9:9A:7F:B9:A3:F4:70:03:E7:43:91:73:23:5E\n"
				    "m=audio 9 UDP/TLS/RTP/SAVPF 111\n"
				    "a=setup:actpass\n"
				    "a=mid:0\n"
				    "a=candidate:1 1 udp 2122260223 203.0.113.9 54400 typ host\n"
				    "a=candidate:2 1 udp 1686052607 198.51.100.2 54400 typ srflx raddr 203.0.113.9 rport 54400\n"
				    "a=rtpmap:111 opus/48000/2\n"
				    "m=image 4000 udptl t38\n"
				    "a=T38FaxVersion:0\n"
				    "a=inactive\n"),
			 0);
	const struct sdp_media *a = &sess.media[0], *t = &sess.media[1];
	assert_int_equal(a->proto, SDP_PROTO_UDP_TLS_RTP_SAVPF);
	assert_view(a->ice_ufrag, "F7gI");
	assert_view(a->ice_pwd, "x9cml/YzichV2+XlhiMu8g");
	assert_int_equal(a->n_candidates, 2);
	assert_view(a->setup, "actpass");
	assert_view(a->fingerprint_hash, "sha-256");
	assert_view(a->mid, "0");
	assert_int_equal(t->type, SDP_MEDIA_IMAGE);
	assert_int_equal(t->proto, SDP_PROTO_UDPTL);
	assert_view(t->fmts[0], "t38");
	assert_int_equal(t->dir, SDP_DIR_INACTIVE);
	assert_view(t->conn.addr, "203.0.113.9");
}

static void test_lf_and_no_final_newline(void **state)
{
	const char s[] = "v=0\no=- 1 1 IN IP4 h.example\ns=-\nc=IN IP4 192.0.2.7/127\nt=0 0\n"
			 "m=audio 5004/2 RTP/AVP 0";
	assert_int_equal(sdp_parse(s, strlen(s), &sess), 0);
	assert_view(sess.conn.addr, "192.0.2.7");
	assert_int_equal(sess.media[0].n_ports, 2);
}

struct bad_case {
	const char *name;
	const char *text;
	int rc;
};

static const struct bad_case bad[] = {
	{"empty", "", -EBADMSG},
	{"no v=", "o=- 1 1 IN IP4 h\ns=-\nt=0 0\n", -EBADMSG},
	{"v=1", "v=1\no=- 1 1 IN IP4 h\ns=-\nt=0 0\n", -EBADMSG},
	{"o= short", "v=0\no=- 1 1 IN IP4\ns=-\nt=0 0\n", -EBADMSG},
	{"o= bad version", "v=0\no=- 1 x IN IP4 h\ns=-\nt=0 0\n", -EBADMSG},
	{"o= not second", "v=0\ns=-\no=- 1 1 IN IP4 h\nt=0 0\n", -EBADMSG},
	{"no s=", "v=0\no=- 1 1 IN IP4 h\nt=0 0\n", -EBADMSG},
	{"no t=", HEAD "c=IN IP4 h\n", -EBADMSG},
	{"bad t=", HEAD "t=0\n", -EBADMSG},
	{"m= before t=", HEAD "m=audio 1 RTP/AVP 0\nt=0 0\n", -EBADMSG},
	{"no equals", HEAD "t=0 0\nbogus\n", -EBADMSG},
	{"unknown type", HEAD "t=0 0\nq=x\n", -EBADMSG},
	{"bad c= nettype", HEAD "c=XX IP4 1.2.3.4\nt=0 0\n", -EBADMSG},
	{"bad c= addrtype", HEAD "c=IN IPX 1.2.3.4\nt=0 0\n", -EBADMSG},
	{"c= no address", HEAD "c=IN IP4\nt=0 0\n", -EBADMSG},
	{"media without c=", HEAD "t=0 0\nm=audio 4000 RTP/AVP 0\n", -EBADMSG},
	{"m= port too big", HEAD "c=IN IP4 h\nt=0 0\nm=audio 70000 RTP/AVP 0\n", -EBADMSG},
	{"m= no formats", HEAD "c=IN IP4 h\nt=0 0\nm=audio 4000 RTP/AVP\n", -EBADMSG},
	{"m= pt 128", HEAD "c=IN IP4 h\nt=0 0\nm=audio 4000 RTP/AVP 128\n", -EBADMSG},
	{"m= pt word", HEAD "c=IN IP4 h\nt=0 0\nm=audio 4000 RTP/AVP PCMU\n", -EBADMSG},
	{"rtpmap no rate", HEAD "c=IN IP4 h\nt=0 0\nm=audio 4000 RTP/AVP 0\na=rtpmap:0 PCMU\n", -EBADMSG},
	{"rtpmap rate 0", HEAD "c=IN IP4 h\nt=0 0\nm=audio 4000 RTP/AVP 0\na=rtpmap:0 PCMU/0\n", -EBADMSG},
	{"rtpmap bad pt", HEAD "c=IN IP4 h\nt=0 0\nm=audio 4000 RTP/AVP 0\na=rtpmap:x PCMU/8000\n", -EBADMSG},
	{"ptime word", HEAD "c=IN IP4 h\nt=0 0\nm=audio 4000 RTP/AVP 0\na=ptime:abc\n", -EBADMSG},
	{"crypto no inline", HEAD "c=IN IP4 h\nt=0 0\nm=audio 4000 RTP/SAVP 0\na=crypto:1 AES_CM_128_HMAC_SHA1_80 key\n", -EBADMSG},
	{"crypto bad tag", HEAD "c=IN IP4 h\nt=0 0\nm=audio 4000 RTP/SAVP 0\na=crypto:x AES_CM_128_HMAC_SHA1_80 inline:abc\n", -EBADMSG},
	{"rtcp bad port", HEAD "c=IN IP4 h\nt=0 0\nm=audio 4000 RTP/AVP 0\na=rtcp:99999\n", -EBADMSG},
	{"setup bad", HEAD "c=IN IP4 h\nt=0 0\nm=audio 4000 RTP/AVP 0\na=setup:sideways\n", -EBADMSG},
	{"direction with value", HEAD "c=IN IP4 h\nt=0 0\nm=audio 4000 RTP/AVP 0\na=sendrecv:1\n", -EBADMSG},
	{"fingerprint without value", HEAD "t=0 0\na=fingerprint\n", -EBADMSG},
	{"rtpmap without value", HEAD "c=IN IP4 h\nt=0 0\nm=audio 4000 RTP/AVP 0\na=rtpmap\n", -EBADMSG},
	{"empty attribute", HEAD "c=IN IP4 h\nt=0 0\na=\n", -EBADMSG},
	{"empty line inside", HEAD "c=IN IP4 h\n\nt=0 0\n", -EBADMSG},
	{"control char in attribute name", HEAD "c=IN IP4 h\nt=0 0\nm=audio 4000 RTP/AVP 0\na=x\1y\n", -EBADMSG},
	{"too many formats",
	 HEAD "c=IN IP4 h\nt=0 0\nm=audio 4000 RTP/AVP 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 "
	      "19 20 21 22 23 24 25 26 27 28 29 30 31 32\n",
	 -E2BIG},
	{"too many media",
	 HEAD "c=IN IP4 h\nt=0 0\nm=audio 1 RTP/AVP 0\nm=audio 1 RTP/AVP 0\nm=audio 1 RTP/AVP 0\n"
	      "m=audio 1 RTP/AVP 0\nm=audio 1 RTP/AVP 0\nm=audio 1 RTP/AVP 0\nm=audio 1 RTP/AVP 0\n"
	      "m=audio 1 RTP/AVP 0\nm=audio 1 RTP/AVP 0\n",
	 -E2BIG},
};

static void test_malformed(void **state)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i].text);
		if (rc != bad[i].rc)
			fail_msg("%s: rc %d (%s, line %u), want %d", bad[i].name, rc,
				 sess.err ? sess.err : "-", sess.err_line, bad[i].rc);
		if (rc < 0)
			assert_non_null(sess.err);
	}
	/* a real NUL byte is rejected */
	char s[] = "v=0\no=- 1 1 IN IP4 h\ns=-\nt=0 0\n";
	s[17] = '\0';
	assert_int_equal(sdp_parse(s, sizeof(s) - 1, &sess), -EBADMSG);
	assert_int_equal(sess.err_line, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_basic_offer),
		cmocka_unit_test(test_srtp_two_media),
		cmocka_unit_test(test_webrtc_and_t38),
		cmocka_unit_test(test_lf_and_no_final_newline),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
