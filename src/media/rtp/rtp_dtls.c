/*
 * DTLS-SRTP (RFC 5763, RFC 5764) on OpenSSL: the handshake over the RTP
 * socket, the keys it exports into libsrtp, the peer's verification.
 *
 * DESIGN
 * Contexts (struct zv_dtls_ctx): one SSL_CTX per distinct set of dtls_*
 * settings, made on first use and kept in a process-wide list for the
 * life of the process (a mutex guards the list; an SSL_CTX is safe to
 * share between threads once set up).  It holds our certificate (from
 * dtls_cert_file/dtls_private_key, or one self-signed ECDSA P-256
 * certificate generated once per process), the use_srtp extension
 * offering SRTP_AES128_CM_SHA1_80 then _32, and the verification mode.
 * The peer always has to present a certificate when we verify its
 * fingerprint; its chain is checked against dtls_ca_file only with
 * dtls_verify=certificate or yes.
 *
 * Sessions: one SSL per RTP session, created by zv_rtp_dtls_start(),
 * with a BIO of our own whose writes are datagrams sent on the RTP socket
 * (to the remote, or before one is known to where DTLS last came from)
 * and whose reads return the one datagram being handled.  The receive
 * path hands every datagram with a first octet of 20..63 (RFC 7983) to
 * rtp__dtls_input(), which feeds it to the handshake (or, after it, to
 * SSL_read for retransmitted flights and alerts).  Retransmissions run on
 * a one-shot timer on the session's loop, armed from DTLSv1_get_timeout()
 * after every step; a handshake not done 30 s after it began fails.
 * When it is done and the peer's certificate matches the SDP's
 * a=fingerprint (which may arrive after the handshake: the keys wait for
 * it), 60 octets of "EXTRACTOR-dtls_srtp" are exported (client key,
 * server key, client salt, server salt) and key the session's libsrtp
 * contexts, our half for sending.  Until then the session neither
 * delivers nor sends media (rtp__dtls_pending()).  No thread of its own,
 * no lock on the packet path.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <netinet/in.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/srtp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define ZV_LOG_MODULE "rtp"
#include <zvonok/log.h>

#include "media/rtp/rtp_int.h"

#define DTLS_MTU 1200		 /* datagrams we send, IP and UDP included */
#define DTLS_GIVE_UP_MS 30000	 /* a handshake that long fails */
#define DTLS_KEY 16
#define DTLS_SALT 14
#define FP_MAX 64 /* SHA-512 */

struct zv_dtls_ctx {
	atomic_uint refs;
	SSL_CTX *ssl;
	char *cert_file, *key_file, *ca_file, *ca_path;
	bool auto_generate;
	unsigned verify;
	enum zv_dtls_hash hash;
	char fingerprint[16 + FP_MAX * 3];
	struct zv_dtls_ctx *next;
};

struct rtp_dtls {
	struct zv_rtp *rtp;
	struct zv_dtls_ctx *ctx;
	SSL *ssl;
	bool rtcp; /* the RTCP port's association */
	enum zv_dtls_role role;
	bool begun;	/* a flight went out or came in */
	bool done;	/* handshake complete (keys may wait for the fingerprint) */
	int result;	/* 0 in progress, 1 keyed, < 0 failed */
	uint64_t begun_us;
	const EVP_MD *fp_md; /* the peer's a=fingerprint, NULL: not known */
	uint8_t fp[FP_MAX];
	unsigned fp_len;
	const uint8_t *in; /* the datagram being read */
	size_t in_len;
	struct sockaddr_storage peer; /* where DTLS last came from */
	bool have_peer;
	struct zv_timer timer;
};

/* ---- contexts ------------------------------------------------------------ */

static pthread_mutex_t ctx_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zv_dtls_ctx *ctx_list;
static EVP_PKEY *auto_key; /* the generated certificate, under ctx_lock */
static X509 *auto_cert;

static void ssl_err(char *err, size_t size, const char *what, const char *file)
{
	char e[200] = "";
	unsigned long code = ERR_get_error();
	if (code)
		ERR_error_string_n(code, e, sizeof(e));
	ERR_clear_error();
	snprintf(err, size, "%s%s%s%s%s", what, file ? " " : "", file ? file : "", *e ? ": " : "",
		 e);
}

static int make_auto_cert(char *err, size_t size)
{
	if (auto_cert)
		return 0;
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	uint8_t serial[8];
	if (!key || !x || RAND_bytes(serial, sizeof(serial)) != 1)
		goto fail;
	serial[0] &= 0x7f;
	BIGNUM *bn = BN_bin2bn(serial, sizeof(serial), NULL);
	bool ok = bn && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
	BN_free(bn);
	X509_NAME *name = X509_get_subject_name(x);
	if (!ok || !X509_set_version(x, 2) || !X509_gmtime_adj(X509_getm_notBefore(x), -86400) ||
	    !X509_gmtime_adj(X509_getm_notAfter(x), 365L * 86400) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const uint8_t *)"zvonok", -1,
					-1, 0) ||
	    !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, key) ||
	    !X509_sign(x, key, EVP_sha256()))
		goto fail;
	auto_key = key;
	auto_cert = x;
	return 0;
fail:
	ssl_err(err, size, "cannot generate a DTLS certificate", NULL);
	X509_free(x);
	EVP_PKEY_free(key);
	return -EIO;
}

/* Accept any chain: only the fingerprint (checked after the handshake)
 * matters, or nothing with dtls_verify=no. */
static int verify_any(int preverify_ok, X509_STORE_CTX *x)
{
	return 1;
}

static const char *hash_name(enum zv_dtls_hash h)
{
	return h == ZV_DTLS_SHA1 ? "sha-1" : "sha-256";
}

static void fp_hex(const uint8_t *md, unsigned n, char *out)
{
	for (unsigned i = 0; i < n; i++)
		sprintf(out + 3 * i, "%02X%s", md[i], i + 1 < n ? ":" : "");
}

static int ctx_setup(struct zv_dtls_ctx *c, char *err, size_t size)
{
	SSL_CTX *s = c->ssl = SSL_CTX_new(DTLS_method());
	if (!s || !SSL_CTX_set_min_proto_version(s, DTLS1_2_VERSION)) {
		ssl_err(err, size, "cannot create a DTLS context", NULL);
		return -ENOMEM;
	}
	/* 0 is success for this one */
	if (SSL_CTX_set_tlsext_use_srtp(s, "SRTP_AES128_CM_SHA1_80:SRTP_AES128_CM_SHA1_32")) {
		ssl_err(err, size, "use_srtp is not available", NULL);
		return -ENOTSUP;
	}
	if (c->auto_generate) {
		if (make_auto_cert(err, size) < 0)
			return -EIO;
		if (!SSL_CTX_use_certificate(s, auto_cert) || !SSL_CTX_use_PrivateKey(s, auto_key)) {
			ssl_err(err, size, "cannot use the generated certificate", NULL);
			return -EIO;
		}
	} else {
		if (!c->cert_file) {
			snprintf(err, size, "no dtls_cert_file (and dtls_auto_generate_cert=no)");
			return -EINVAL;
		}
		const char *key = c->key_file ? c->key_file : c->cert_file;
		if (!SSL_CTX_use_certificate_chain_file(s, c->cert_file)) {
			ssl_err(err, size, "cannot read the certificate", c->cert_file);
			return -EIO;
		}
		if (!SSL_CTX_use_PrivateKey_file(s, key, SSL_FILETYPE_PEM)) {
			ssl_err(err, size, "cannot read the private key", key);
			return -EIO;
		}
		if (!SSL_CTX_check_private_key(s)) {
			ssl_err(err, size, "the private key does not match the certificate", key);
			return -EINVAL;
		}
	}
	if ((c->ca_file || c->ca_path) &&
	    !SSL_CTX_load_verify_locations(s, c->ca_file, c->ca_path)) {
		ssl_err(err, size, "cannot read the CA", c->ca_file ? c->ca_file : c->ca_path);
		return -EIO;
	}
	int mode = c->verify ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER;
	SSL_CTX_set_verify(s, mode, c->verify & ZV_DTLS_VERIFY_CERTIFICATE ? NULL : verify_any);
	SSL_CTX_set_read_ahead(s, 1);

	uint8_t md[FP_MAX];
	unsigned n = 0;
	const EVP_MD *alg = c->hash == ZV_DTLS_SHA1 ? EVP_sha1() : EVP_sha256();
	if (!X509_digest(SSL_CTX_get0_certificate(s), alg, md, &n)) {
		ssl_err(err, size, "cannot hash the certificate", NULL);
		return -EIO;
	}
	int o = snprintf(c->fingerprint, sizeof(c->fingerprint), "%s ", hash_name(c->hash));
	fp_hex(md, n, c->fingerprint + o);
	return 0;
}

static bool str_eq(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static bool ctx_matches(const struct zv_dtls_ctx *c, const struct zv_dtls_conf *conf)
{
	return c->auto_generate == conf->auto_generate && c->verify == conf->verify &&
	       c->hash == conf->hash && str_eq(c->ca_file, conf->ca_file) &&
	       str_eq(c->ca_path, conf->ca_path) &&
	       (conf->auto_generate ||
		(str_eq(c->cert_file, conf->cert_file) && str_eq(c->key_file, conf->key_file)));
}

static char *dup_or_null(const char *s, bool *oom)
{
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*oom = true;
	return d;
}

static void ctx_free(struct zv_dtls_ctx *c)
{
	SSL_CTX_free(c->ssl);
	free(c->cert_file);
	free(c->key_file);
	free(c->ca_file);
	free(c->ca_path);
	free(c);
}

static struct zv_dtls_ctx *ctx_make(const struct zv_dtls_conf *conf, char *err, size_t size)
{
	struct zv_dtls_ctx *c = calloc(1, sizeof(*c));
	bool oom = !c;
	if (oom)
		goto nomem;
	c->auto_generate = conf->auto_generate;
	c->verify = conf->verify;
	c->hash = conf->hash;
	if (!conf->auto_generate) {
		c->cert_file = dup_or_null(conf->cert_file, &oom);
		c->key_file = dup_or_null(conf->key_file, &oom);
	}
	c->ca_file = dup_or_null(conf->ca_file, &oom);
	c->ca_path = dup_or_null(conf->ca_path, &oom);
	if (oom)
		goto nomem;
	if (ctx_setup(c, err, size) < 0) {
		ctx_free(c);
		return NULL;
	}
	atomic_init(&c->refs, 1); /* the list's */
	return c;
nomem:
	snprintf(err, size, "out of memory");
	if (c)
		ctx_free(c);
	return NULL;
}

struct zv_dtls_ctx *zv_dtls_ctx_get(const struct zv_dtls_conf *conf, char *err, size_t size)
{
	char dummy[8];
	if (!err || !size) {
		err = dummy;
		size = sizeof(dummy);
	}
	*err = 0;
	pthread_mutex_lock(&ctx_lock);
	struct zv_dtls_ctx *c = ctx_list;
	while (c && !ctx_matches(c, conf))
		c = c->next;
	if (!c && (c = ctx_make(conf, err, size))) {
		c->next = ctx_list;
		ctx_list = c;
	}
	if (c)
		atomic_fetch_add(&c->refs, 1);
	pthread_mutex_unlock(&ctx_lock);
	return c;
}

void zv_dtls_ctx_put(struct zv_dtls_ctx *ctx)
{
	/* the list keeps one reference for the life of the process */
	if (ctx)
		atomic_fetch_sub(&ctx->refs, 1);
}

const char *zv_dtls_ctx_fingerprint(const struct zv_dtls_ctx *ctx)
{
	return ctx->fingerprint;
}

unsigned zv_dtls_ctx_verify(const struct zv_dtls_ctx *ctx)
{
	return ctx->verify;
}

/* ---- the BIO: datagrams on the RTP socket ---------------------------------- */

static BIO_METHOD *bio_method;
static pthread_once_t bio_once = PTHREAD_ONCE_INIT;

static int bio_write(BIO *b, const char *buf, int len)
{
	struct rtp_dtls *d = BIO_get_data(b);
	struct zv_rtp *rtp = d->rtp;
	const struct sockaddr_storage *to = d->have_peer ? &d->peer : NULL;
	if (rtp->have_remote)
		to = d->rtcp ? &rtp->remote_rtcp : &rtp->remote;
	int fd = rtp->fd[d->rtcp];
	if (!to || fd < 0)
		return len; /* lost: the retransmission timer sends it again */
	socklen_t tl = to->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6)
						 : sizeof(struct sockaddr_in);
	if (sendto(fd, buf, (size_t)len, 0, (const struct sockaddr *)to, tl) < 0)
		zv_debug(2, "DTLS on port %u: sendto: %s", rtp->port, strerror(errno));
	return len;
}

static int bio_read(BIO *b, char *buf, int len)
{
	struct rtp_dtls *d = BIO_get_data(b);
	BIO_clear_retry_flags(b);
	if (!d->in) {
		BIO_set_retry_read(b);
		return -1;
	}
	int n = d->in_len < (size_t)len ? (int)d->in_len : len;
	memcpy(buf, d->in, (size_t)n);
	d->in = NULL;
	return n;
}

static long bio_ctrl(BIO *b, int cmd, long num, void *ptr)
{
	switch (cmd) {
	case BIO_CTRL_FLUSH:
		return 1;
	case BIO_CTRL_DGRAM_QUERY_MTU:
	case BIO_CTRL_DGRAM_GET_FALLBACK_MTU:
		return DTLS_MTU - 28;
	case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
		return 28;
	default:
		return 0;
	}
}

static int bio_create(BIO *b)
{
	BIO_set_init(b, 1);
	return 1;
}

static void bio_once_init(void)
{
	bio_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "zvonok rtp");
	if (bio_method) {
		BIO_meth_set_write(bio_method, bio_write);
		BIO_meth_set_read(bio_method, bio_read);
		BIO_meth_set_ctrl(bio_method, bio_ctrl);
		BIO_meth_set_create(bio_method, bio_create);
	}
}

/* ---- the handshake ----------------------------------------------------------- */

static void arm_timer(struct rtp_dtls *d)
{
	struct timeval tv;
	if (d->result || d->done || !DTLSv1_get_timeout(d->ssl, &tv)) {
		zv_timer_stop(&d->timer);
		return;
	}
	uint64_t ms = (uint64_t)tv.tv_sec * 1000u + ((uint64_t)tv.tv_usec + 999u) / 1000u;
	zv_timer_start(&d->timer, ms ? (uint32_t)ms : 1, 0);
}

/* The peer's chain did not verify (dtls_verify=certificate or yes). */
static bool chain_failed(const struct rtp_dtls *d)
{
	long vr = SSL_get_verify_result(d->ssl);
	if (!(d->ctx->verify & ZV_DTLS_VERIFY_CERTIFICATE) || vr == X509_V_OK)
		return false;
	zv_notice("DTLS on RTP port %u: the peer's certificate: %s", d->rtp->port,
		  X509_verify_cert_error_string(vr));
	return true;
}

/* Report the outcome; the callback may free the session, so the caller
 * must not touch d afterwards. */
static void report(struct rtp_dtls *d, int result)
{
	struct zv_rtp *rtp = d->rtp;
	d->result = result;
	zv_timer_stop(&d->timer);
	if (d->rtcp) {
		/* RTCP keeps the RTP association's keys when this one fails
		 * (a peer multiplexing RTCP never answers it) */
		zv_debug(1, "DTLS on RTCP port %u: %s", rtp->port + 1,
			 result < 0 ? "failed" : "SRTCP keyed");
		return;
	}
	if (result < 0)
		zv_notice("DTLS on RTP port %u failed: %s", rtp->port,
			  result == -EACCES ? "the peer's certificate does not verify"
			  : result == -ETIMEDOUT ? "no answer"
						 : "handshake error");
	else
		zv_debug(1, "DTLS on RTP port %u: SRTP keyed", rtp->port);
	if (rtp->cb.on_dtls)
		rtp->cb.on_dtls(rtp->arg, rtp, result < 0 ? result : 0);
}

static const char *profile_suite(const SRTP_PROTECTION_PROFILE *p)
{
	if (p && p->id == SRTP_AES128_CM_SHA1_80)
		return "AES_CM_128_HMAC_SHA1_80";
	if (p && p->id == SRTP_AES128_CM_SHA1_32)
		return "AES_CM_128_HMAC_SHA1_32";
	return NULL;
}

static int check_peer(struct rtp_dtls *d)
{
	X509 *cert = SSL_get0_peer_certificate(d->ssl);
	if (!(d->ctx->verify & ZV_DTLS_VERIFY_FINGERPRINT))
		return 0;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned n = 0;
	if (!cert || !X509_digest(cert, d->fp_md, md, &n) || n != d->fp_len ||
	    CRYPTO_memcmp(md, d->fp, n))
		return -EACCES;
	return 0;
}

/* Handshake done and (when needed) the fingerprint known: verify, key. */
static int finish(struct rtp_dtls *d)
{
	if (check_peer(d) < 0)
		return -EACCES;
	const char *suite = profile_suite(SSL_get_selected_srtp_profile(d->ssl));
	if (!suite)
		return -EPROTO;
	static const char label[] = "EXTRACTOR-dtls_srtp";
	uint8_t m[2 * (DTLS_KEY + DTLS_SALT)], tx[DTLS_KEY + DTLS_SALT], rx[DTLS_KEY + DTLS_SALT];
	if (!SSL_export_keying_material(d->ssl, m, sizeof(m), label, sizeof(label) - 1, NULL, 0,
					0))
		return -EPROTO;
	bool client = !SSL_is_server(d->ssl);
	const uint8_t *ck = m, *sk = m + DTLS_KEY, *cs = m + 2 * DTLS_KEY,
		      *ss = cs + DTLS_SALT;
	memcpy(tx, client ? ck : sk, DTLS_KEY);
	memcpy(tx + DTLS_KEY, client ? cs : ss, DTLS_SALT);
	memcpy(rx, client ? sk : ck, DTLS_KEY);
	memcpy(rx + DTLS_KEY, client ? ss : cs, DTLS_SALT);
	int err = rtp__srtp_set_keys(d->rtp, suite, tx, rx, d->rtcp);
	OPENSSL_cleanse(m, sizeof(m));
	OPENSSL_cleanse(tx, sizeof(tx));
	OPENSSL_cleanse(rx, sizeof(rx));
	return err < 0 ? -EPROTO : 1;
}

/* Whether the keys can be made now. */
static bool can_finish(const struct rtp_dtls *d)
{
	return d->done && !d->result &&
	       (d->fp_md || !(d->ctx->verify & ZV_DTLS_VERIFY_FINGERPRINT));
}

/* Run the handshake (or read after it) with what the BIO holds; may
 * report (then d may be gone). */
static void step(struct rtp_dtls *d)
{
	ERR_clear_error();
	if (!d->done) {
		int r = SSL_do_handshake(d->ssl);
		if (r == 1) {
			d->done = true;
		} else {
			int e = SSL_get_error(d->ssl, r);
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
				ERR_clear_error();
				report(d, chain_failed(d) ? -EACCES : -EPROTO);
				return;
			}
		}
	} else {
		uint8_t junk[256]; /* no application data in DTLS-SRTP */
		while (SSL_read(d->ssl, junk, sizeof(junk)) > 0)
			;
		ERR_clear_error();
	}
	d->in = NULL;
	arm_timer(d);
	if (can_finish(d))
		report(d, finish(d));
}

void rtp__dtls_input(struct zv_rtp *rtp, const uint8_t *buf, size_t len,
		     const struct sockaddr_storage *src, bool rtcp)
{
	struct rtp_dtls *d = rtcp ? rtp->dtls_rtcp : rtp->dtls;
	if (!d || d->result < 0) {
		rtp->rx_dropped++;
		return;
	}
	d->peer = *src;
	d->have_peer = true;
	if (!d->begun) {
		d->begun = true;
		d->begun_us = rtp__now_us();
	}
	d->in = buf;
	d->in_len = len;
	rtp__hold(rtp);
	step(d);
	rtp__release(rtp);
}

static void on_timer(void *arg)
{
	struct rtp_dtls *d = arg;
	struct zv_rtp *rtp = d->rtp;
	if (d->result || d->done)
		return;
	rtp__hold(rtp);
	if (rtp__now_us() - d->begun_us > (uint64_t)DTLS_GIVE_UP_MS * 1000u)
		report(d, -ETIMEDOUT);
	else if (DTLSv1_handle_timeout(d->ssl) < 0)
		report(d, -ETIMEDOUT);
	else
		arm_timer(d);
	rtp__release(rtp);
}

static struct rtp_dtls *dtls_new(struct zv_rtp *rtp, struct zv_dtls_ctx *ctx, bool rtcp)
{
	pthread_once(&bio_once, bio_once_init);
	struct rtp_dtls *d = calloc(1, sizeof(*d));
	if (!d || !bio_method)
		goto fail;
	d->rtp = rtp;
	d->rtcp = rtcp;
	d->ssl = SSL_new(ctx->ssl);
	BIO *b = BIO_new(bio_method);
	if (!d->ssl || !b) {
		BIO_free(b);
		goto fail;
	}
	BIO_set_data(b, d);
	SSL_set_bio(d->ssl, b, b); /* the SSL owns it now */
	SSL_set_options(d->ssl, SSL_OP_NO_QUERY_MTU);
	SSL_set_mtu(d->ssl, DTLS_MTU - 28);
	if (zv_timer_init(&d->timer, rtp->loop, on_timer, d) < 0)
		goto fail;
	atomic_fetch_add(&ctx->refs, 1);
	d->ctx = ctx;
	d->role = ZV_DTLS_ACTPASS;
	SSL_set_accept_state(d->ssl);
	return d;
fail:
	if (d)
		SSL_free(d->ssl);
	free(d);
	return NULL;
}

static void dtls_free(struct rtp_dtls *d)
{
	if (!d)
		return;
	zv_timer_fini(&d->timer);
	if (d->done && d->result >= 0)
		SSL_shutdown(d->ssl); /* close_notify, while the socket is open */
	ERR_clear_error();
	SSL_free(d->ssl);
	zv_dtls_ctx_put(d->ctx);
	free(d);
}

/* Settle one association's role (see zv_rtp_dtls_start()). */
static int settle(struct rtp_dtls *d, enum zv_dtls_role role)
{
	if (role == ZV_DTLS_ACTPASS || role == d->role)
		return 0;
	if (d->role != ZV_DTLS_ACTPASS)
		return -EINVAL; /* active and passive swapped */
	if (role == ZV_DTLS_PASSIVE) {
		d->role = role;
		return 0;
	}
	if (d->begun)
		return -EINVAL; /* the peer already started as the client */
	struct zv_rtp *rtp = d->rtp;
	d->role = ZV_DTLS_ACTIVE;
	SSL_set_connect_state(d->ssl);
	d->begun = true;
	d->begun_us = rtp__now_us();
	rtp__hold(rtp);
	step(d); /* the ClientHello; may report, and the callback free d */
	rtp__release(rtp);
	return 0;
}

int zv_rtp_dtls_start(struct zv_rtp *rtp, struct zv_dtls_ctx *ctx, enum zv_dtls_role role)
{
	if (!ctx || rtp->closed)
		return -EINVAL;
	if (rtp->dtls && rtp->dtls->ctx != ctx)
		return -EINVAL;
	if (!rtp->dtls) {
		rtp->dtls = dtls_new(rtp, ctx, false);
		rtp->dtls_rtcp = rtp->dtls ? dtls_new(rtp, ctx, true) : NULL;
		if (!rtp->dtls_rtcp) {
			rtp__dtls_fini(rtp);
			return -ENOMEM;
		}
	}
	/* the RTCP association first: the RTP one's report may free rtp */
	if (rtp->dtls_rtcp)
		settle(rtp->dtls_rtcp, role);
	return settle(rtp->dtls, role);
}

static const EVP_MD *md_by_sdp_name(const char *h)
{
	static const struct {
		const char *sdp, *ossl;
	} map[] = {{"sha-1", "SHA1"},	  {"sha-224", "SHA224"}, {"sha-256", "SHA256"},
		   {"sha-384", "SHA384"}, {"sha-512", "SHA512"}};
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcasecmp(h, map[i].sdp))
			return EVP_get_digestbyname(map[i].ossl);
	return NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)(c | 0x20);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* "AB:CD:..." into out; the number of octets or -EINVAL. */
static int fp_parse(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	for (;;) {
		int hi = hexval(s[0]), lo = hi < 0 ? -1 : hexval(s[1]);
		if (lo < 0 || n == cap)
			return -EINVAL;
		out[n++] = (uint8_t)(hi << 4 | lo);
		s += 2;
		if (!*s || *s == ' ' || *s == '\r' || *s == '\n')
			return (int)n;
		if (*s++ != ':')
			return -EINVAL;
	}
}

/* The fingerprint for one association; may report. */
static void take_fp(struct rtp_dtls *d, const EVP_MD *md, const uint8_t *v, int n)
{
	if (!d || d->result)
		return; /* settled: a re-INVITE repeating it changes nothing */
	memcpy(d->fp, v, (size_t)n);
	d->fp_len = (unsigned)n;
	d->fp_md = md;
	if (can_finish(d)) {
		struct zv_rtp *rtp = d->rtp;
		rtp__hold(rtp);
		report(d, finish(d)); /* the callback may free d */
		rtp__release(rtp);
	}
}

int zv_rtp_dtls_set_fingerprint(struct zv_rtp *rtp, const char *hash, const char *fp)
{
	const EVP_MD *md = hash ? md_by_sdp_name(hash) : NULL;
	if (!rtp->dtls || !md || !fp)
		return -EINVAL;
	uint8_t v[FP_MAX];
	int n = fp_parse(fp, v, sizeof(v));
	if (n != EVP_MD_get_size(md))
		return -EINVAL;
	take_fp(rtp->dtls_rtcp, md, v, n);
	take_fp(rtp->dtls, md, v, n); /* last: its report may free rtp */
	return 0;
}

int zv_rtp_dtls_state(const struct zv_rtp *rtp)
{
	return rtp->dtls ? rtp->dtls->result : 0;
}

void rtp__dtls_fini(struct zv_rtp *rtp)
{
	dtls_free(rtp->dtls);
	dtls_free(rtp->dtls_rtcp);
	rtp->dtls = rtp->dtls_rtcp = NULL;
}
