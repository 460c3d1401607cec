/*
 * SRTP and SRTCP with SDES keys (RFC 4568) on libsrtp2.
 *
 * DESIGN
 * Each session has up to two libsrtp sessions: srtp_tx keyed with our
 * key (policy ssrc_any_outbound) protects every RTP and RTCP packet we
 * send; srtp_rx keyed with the remote's key (ssrc_any_inbound) checks and
 * decrypts every packet received, and packets that fail are dropped.
 * Protection works in place in the per-thread buffers.  Suites:
 * AES_CM_128_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32 (a 32-bit tag on
 * SRTP, 80 bits on SRTCP as RFC 4568 6.2.1 says).  srtp_init() runs once
 * per process.  Keys are 30 octets (16 key, 14 salt), base64 without
 * padding in the SDP (40 characters).
 */
#include <errno.h>
#include <pthread.h>
#include <srtp2/srtp.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#define ZV_LOG_MODULE "rtp"
#include <zvonok/log.h>

#include "media/rtp/rtp_int.h"

#define KEY_LEN 30 /* SRTP_AES_ICM_128_KEY_LEN_WSALT */

static pthread_once_t srtp_once = PTHREAD_ONCE_INIT;
static srtp_err_status_t srtp_init_status;

static void srtp_init_once(void)
{
	srtp_init_status = srtp_init();
	if (srtp_init_status)
		zv_error("srtp_init failed (%d): SRTP is unavailable", (int)srtp_init_status);
}

/* ---- base64 (RFC 4648, no padding needed for 30 octets) ------------------ */

static const char b64_alpha[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_encode(const uint8_t *in, size_t len, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < len; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		if (i + 2 < len)
			v |= in[i + 2];
		out[o++] = b64_alpha[v >> 18 & 63];
		out[o++] = b64_alpha[v >> 12 & 63];
		out[o++] = i + 1 < len ? b64_alpha[v >> 6 & 63] : '=';
		out[o++] = i + 2 < len ? b64_alpha[v & 63] : '=';
	}
	out[o] = 0;
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64_alpha, c) : NULL;
	return p ? (int)(p - b64_alpha) : -1;
}

/* Decode exactly n characters (trailing '=' allowed) into out, at most
 * cap octets.  The number of octets or -EINVAL. */
static int b64_decode(const char *in, size_t n, uint8_t *out, size_t cap)
{
	while (n && in[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return -EINVAL;
	size_t o = 0;
	uint32_t acc = 0;
	unsigned bits = 0;
	for (size_t i = 0; i < n; i++) {
		int v = b64_val(in[i]);
		if (v < 0)
			return -EINVAL;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap)
				return -EINVAL;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	return (int)o;
}

/* ---- policies -------------------------------------------------------------- */

static int suite_policy(const char *suite, srtp_policy_t *pol)
{
	memset(pol, 0, sizeof(*pol));
	if (!suite)
		return -EINVAL;
	if (!strcasecmp(suite, "AES_CM_128_HMAC_SHA1_80"))
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtp);
	else if (!strcasecmp(suite, "AES_CM_128_HMAC_SHA1_32"))
		srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&pol->rtp);
	else
		return -EINVAL;
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&pol->rtcp);
	pol->window_size = 128;
	return 0;
}

static int make_session(const char *suite, uint8_t key[KEY_LEN], bool outbound,
			srtp_t *sessp)
{
	pthread_once(&srtp_once, srtp_init_once);
	if (srtp_init_status)
		return -ENOTSUP;
	srtp_policy_t pol;
	int err = suite_policy(suite, &pol);
	if (err)
		return err;
	pol.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	pol.key = key;
	srtp_t s = NULL;
	srtp_err_status_t st = srtp_create(&s, &pol);
	if (st) {
		zv_warn("srtp_create failed (%d)", (int)st);
		return st == srtp_err_status_alloc_fail ? -ENOMEM : -EINVAL;
	}
	*sessp = s;
	return 0;
}

static void replace(srtp_t *slot, srtp_t s)
{
	if (*slot)
		srtp_dealloc(*slot);
	*slot = s;
}

int zv_rtp_srtp_local_key(struct zv_rtp *rtp, const char *suite, char *b64, size_t size)
{
	uint8_t key[KEY_LEN];
	if (size < 41)
		return -ENOSPC;
	if (RAND_bytes(key, sizeof(key)) != 1)
		return -EIO;
	srtp_t s;
	int err = make_session(suite, key, true, &s);
	if (!err) {
		replace(&rtp->srtp_tx, s);
		b64_encode(key, sizeof(key), b64);
	}
	OPENSSL_cleanse(key, sizeof(key));
	return err;
}

int zv_rtp_srtp_set_remote_key(struct zv_rtp *rtp, const char *suite, const char *b64)
{
	if (!b64)
		return -EINVAL;
	if (!strncasecmp(b64, "inline:", 7))
		b64 += 7;
	size_t n = strcspn(b64, "| \t\r\n");
	/* "|lifetime" (2^20, 1048576) is ignored; "|MKI:length" unsupported. */
	for (const char *seg = strchr(b64 + n, '|'); seg; seg = strchr(seg + 1, '|')) {
		size_t sl = strcspn(seg + 1, "| \t\r\n");
		if (memchr(seg + 1, ':', sl))
			return -ENOTSUP;
	}
	uint8_t key[KEY_LEN + 3];
	int len = b64_decode(b64, n, key, sizeof(key));
	if (len != KEY_LEN) {
		OPENSSL_cleanse(key, sizeof(key));
		return -EINVAL;
	}
	srtp_t s;
	int err = make_session(suite, key, false, &s);
	if (!err)
		replace(&rtp->srtp_rx, s);
	OPENSSL_cleanse(key, sizeof(key));
	return err;
}

/* DTLS-SRTP (rtp_dtls.c): both directions from the exported keying
 * material at once, each key 30 octets (key || salt). */
int rtp__srtp_set_keys(struct zv_rtp *rtp, const char *suite, uint8_t tx_key[30],
		       uint8_t rx_key[30], bool rtcp)
{
	srtp_t tx, rx;
	int err = make_session(suite, tx_key, true, &tx);
	if (err)
		return err;
	err = make_session(suite, rx_key, false, &rx);
	if (err) {
		srtp_dealloc(tx);
		return err;
	}
	replace(rtcp ? &rtp->srtcp_tx : &rtp->srtp_tx, tx);
	replace(rtcp ? &rtp->srtcp_rx : &rtp->srtp_rx, rx);
	return 0;
}

/* ---- packets --------------------------------------------------------------- */

int rtp__srtp_protect(struct zv_rtp *rtp, uint8_t *buf, size_t *len, bool rtcp)
{
	int n = (int)*len;
	srtp_t tx = rtcp && rtp->srtcp_tx ? rtp->srtcp_tx : rtp->srtp_tx;
	srtp_err_status_t st = rtcp ? srtp_protect_rtcp(tx, buf, &n) : srtp_protect(tx, buf, &n);
	if (st)
		return -EIO;
	*len = (size_t)n;
	return 0;
}

int rtp__srtp_unprotect(struct zv_rtp *rtp, uint8_t *buf, size_t *len, bool rtcp)
{
	int n = (int)*len;
	srtp_t rx = rtcp && rtp->srtcp_rx ? rtp->srtcp_rx : rtp->srtp_rx;
	srtp_err_status_t st = rtcp ? srtp_unprotect_rtcp(rx, buf, &n) : srtp_unprotect(rx, buf, &n);
	if (st)
		return -EACCES;
	*len = (size_t)n;
	return 0;
}

void rtp__srtp_fini(struct zv_rtp *rtp)
{
	replace(&rtp->srtp_tx, NULL);
	replace(&rtp->srtp_rx, NULL);
	replace(&rtp->srtcp_tx, NULL);
	replace(&rtp->srtcp_rx, NULL);
}
