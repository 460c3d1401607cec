/*
 * Digest authentication for the registrar: stateless nonces, replay
 * protection, challenges and the check of an Authorization answer.
 *
 * DESIGN
 * A nonce is hex(time in µs) + hex(32-bit salt) + the first 128 bits of
 * HMAC-SHA256(secret, those 24 characters), in hex.  The secret is random
 * per process, so any worker can verify any nonce without a table, and a
 * nonce from before a restart is simply "not ours".  A valid nonce older
 * than REG_NONCE_LIFETIME is expired: a right answer to it earns a new
 * challenge with stale=true (RFC 7616 §3.3), not a failure.
 *
 * Replays: the highest nc seen per nonce is kept in a small hash table
 * behind one mutex (REGISTERs of one device may reach different workers).
 * Entries die with their nonce's lifetime (reg_nc_prune() from the
 * module's 1 s timer), so the table holds at most lifetime x rate entries.
 *
 * This is the only registrar file that includes sip_digest.h (see
 * reg_int.h for why).
 */
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sip/parser/sip_digest.h"
#include "sip/registrar/reg_int.h"

static unsigned char secret[32];
static pthread_once_t secret_once = PTHREAD_ONCE_INIT;

static void secret_pick(void)
{
	if (RAND_bytes(secret, sizeof(secret)) != 1) {
		/* Never expected; fall back to something unpredictable enough. */
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		for (size_t i = 0; i < sizeof(secret); i++)
			secret[i] = (unsigned char)((uint64_t)ts.tv_nsec >> (i % 8)) ^ (unsigned char)random();
	}
}

void reg_nonce_init(void)
{
	pthread_once(&secret_once, secret_pick);
}

uint64_t reg_now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t reg_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/*
 * HMAC-SHA256 with a keyed context per thread: OpenSSL's one-shot HMAC()
 * fetches the digest and allocates contexts on every call, which showed
 * as a tenth of the REGISTER cost.  EVP_MAC_init() with a NULL key reuses
 * the key already set.
 */
static _Thread_local EVP_MAC_CTX *mac_ctx;
static pthread_key_t mac_key; /* frees a thread's context when it exits */
static pthread_once_t mac_key_once = PTHREAD_ONCE_INIT;

static void mac_ctx_free(void *ctx)
{
	EVP_MAC_CTX_free(ctx);
}

static void mac_key_make(void)
{
	pthread_key_create(&mac_key, mac_ctx_free);
}

static void nonce_mac(const char *head, char *hex)
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	size_t len = 0;
	bool ok = false;
	if (!mac_ctx) {
		EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
		mac_ctx = m ? EVP_MAC_CTX_new(m) : NULL;
		EVP_MAC_free(m);
		OSSL_PARAM params[] = {
			OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256", 0),
			OSSL_PARAM_construct_end(),
		};
		if (mac_ctx && !EVP_MAC_init(mac_ctx, secret, sizeof(secret), params)) {
			EVP_MAC_CTX_free(mac_ctx);
			mac_ctx = NULL;
		}
		if (mac_ctx) {
			pthread_once(&mac_key_once, mac_key_make);
			pthread_setspecific(mac_key, mac_ctx);
		}
	}
	if (mac_ctx && EVP_MAC_init(mac_ctx, NULL, 0, NULL) &&
	    EVP_MAC_update(mac_ctx, (const unsigned char *)head, 24) &&
	    EVP_MAC_final(mac_ctx, mac, &len, sizeof(mac)) && len >= 16)
		ok = true;
	if (!ok) {
		unsigned int ulen = 0;
		HMAC(EVP_sha256(), secret, sizeof(secret), (const unsigned char *)head, 24, mac,
		     &ulen);
	}
	static const char digits[] = "0123456789abcdef";
	for (int i = 0; i < 16; i++) {
		hex[2 * i] = digits[mac[i] >> 4];
		hex[2 * i + 1] = digits[mac[i] & 15];
	}
	hex[32] = '\0';
}

/* Salts need to differ, not to be secret (the MAC protects the nonce):
 * a per-thread xorshift seeded once from RAND_bytes(). */
static uint32_t next_salt(void)
{
	static _Thread_local uint64_t x;
	if (!x) {
		if (RAND_bytes((unsigned char *)&x, sizeof(x)) != 1 || !x)
			x = reg_now_us() | 1;
	}
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return (uint32_t)(x >> 16);
}

void reg_nonce_make(uint64_t now_us, char *buf, size_t size)
{
	reg_nonce_init();
	uint32_t salt = next_salt();
	char head[32];
	snprintf(head, sizeof(head), "%016llx%08x", (unsigned long long)now_us, salt);
	char mac[33];
	nonce_mac(head, mac);
	snprintf(buf, size, "%s%s", head, mac);
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

enum reg_nonce_state reg_nonce_check(struct zv_str nonce, uint64_t now_us, unsigned lifetime_s)
{
	reg_nonce_init();
	if (nonce.len != REG_NONCE_LEN)
		return REG_NONCE_BAD;
	for (size_t i = 0; i < nonce.len; i++)
		if (hexval(nonce.p[i]) < 0)
			return REG_NONCE_BAD;
	char head[25], mac[33];
	memcpy(head, nonce.p, 24);
	head[24] = '\0';
	nonce_mac(head, mac);
	if (!sip_digest_equal(zv_str_make(mac, 32), zv_str_make(nonce.p + 24, 32)))
		return REG_NONCE_BAD;
	uint64_t t = 0;
	for (int i = 0; i < 16; i++)
		t = t << 4 | (uint64_t)hexval(nonce.p[i]);
	/* A nonce from the future (clock stepped back) counts as expired. */
	if (t > now_us + 1000000u || now_us - t > (uint64_t)lifetime_s * 1000000u)
		return REG_NONCE_EXPIRED;
	return REG_NONCE_VALID;
}

/* ---- replay table ------------------------------------------------------------- */

#define NC_BUCKETS 65536

struct nc_entry {
	struct nc_entry *next;
	uint64_t born_us;
	uint32_t nc;
	char nonce[REG_NONCE_LEN + 1];
};

static pthread_mutex_t nc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct nc_entry *nc_table[NC_BUCKETS];
static size_t nc_count;

static unsigned nc_hash(struct zv_str s)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < s.len; i++) {
		h ^= (unsigned char)s.p[i];
		h *= 16777619u;
	}
	return h % NC_BUCKETS;
}

static uint64_t nonce_time(struct zv_str nonce)
{
	uint64_t t = 0;
	for (int i = 0; i < 16 && (size_t)i < nonce.len; i++)
		t = t << 4 | (uint64_t)hexval(nonce.p[i]);
	return t;
}

int reg_nc_check(struct zv_str nonce, uint32_t nc, uint64_t now_us)
{
	if (nonce.len != REG_NONCE_LEN)
		return -EINVAL;
	unsigned b = nc_hash(nonce);
	int rc = 0;
	pthread_mutex_lock(&nc_lock);
	struct nc_entry *e;
	for (e = nc_table[b]; e; e = e->next)
		if (!memcmp(e->nonce, nonce.p, REG_NONCE_LEN))
			break;
	if (e) {
		if (nc <= e->nc)
			rc = -EALREADY;
		else
			e->nc = nc;
	} else if ((e = malloc(sizeof(*e)))) {
		memcpy(e->nonce, nonce.p, REG_NONCE_LEN);
		e->nonce[REG_NONCE_LEN] = '\0';
		e->nc = nc;
		e->born_us = nonce_time(nonce);
		e->next = nc_table[b];
		nc_table[b] = e;
		nc_count++;
	} else {
		rc = -ENOMEM;
	}
	pthread_mutex_unlock(&nc_lock);
	return rc;
}

static void nc_prune_if(bool all, uint64_t now_us)
{
	/* Keep entries a little past the lifetime: an expired nonce is only
	 * ever answered with stale=true, never accepted. */
	uint64_t keep = (uint64_t)(REG_NONCE_LIFETIME + 5) * 1000000u;
	pthread_mutex_lock(&nc_lock);
	for (unsigned b = 0; b < NC_BUCKETS; b++) {
		for (struct nc_entry **pp = &nc_table[b]; *pp;) {
			struct nc_entry *e = *pp;
			if (all || e->born_us + keep < now_us) {
				*pp = e->next;
				free(e);
				nc_count--;
			} else {
				pp = &e->next;
			}
		}
	}
	pthread_mutex_unlock(&nc_lock);
}

void reg_nc_prune(uint64_t now_us)
{
	nc_prune_if(false, now_us);
}

void reg_nc_clear(void)
{
	nc_prune_if(true, 0);
}

size_t reg_nc_size(void)
{
	pthread_mutex_lock(&nc_lock);
	size_t n = nc_count;
	pthread_mutex_unlock(&nc_lock);
	return n;
}

/* ---- credentials --------------------------------------------------------------- */

static int copy_field(struct zv_str v, char *buf, size_t size, bool unquote)
{
	if (unquote) {
		size_t n;
		if (sip_unquote(v, buf, size - 1, &n) < 0)
			return -ENOSPC;
		buf[n] = '\0';
		return 0;
	}
	if (v.len >= size)
		return -ENOSPC;
	memcpy(buf, v.p, v.len);
	buf[v.len] = '\0';
	return 0;
}

int reg_cred_parse(struct zv_str value, struct reg_cred *c)
{
	struct sip_auth_hdr a;
	memset(c, 0, sizeof(*c));
	int err = sip_auth_parse(value, &a);
	if (err)
		return err;
	if (copy_field(a.username, c->username, sizeof(c->username), true) ||
	    copy_field(a.realm, c->realm, sizeof(c->realm), true) ||
	    copy_field(a.nonce, c->nonce, sizeof(c->nonce), false) ||
	    copy_field(a.uri, c->uri, sizeof(c->uri), false) ||
	    copy_field(a.response, c->response, sizeof(c->response), false) ||
	    copy_field(a.cnonce, c->cnonce, sizeof(c->cnonce), false) ||
	    copy_field(a.qop, c->qop, sizeof(c->qop), false) ||
	    copy_field(a.nc, c->nc, sizeof(c->nc), false))
		return -ENOSPC;
	c->alg = a.alg;
	c->sess = a.alg_sess;
	c->nc_value = c->nc[0] ? (uint32_t)strtoul(c->nc, NULL, 16) : 0;
	return 0;
}

void reg_algs_parse(const char *list, struct reg_algs *algs)
{
	algs->n = 0;
	while (list && *list && algs->n < REG_MAX_ALGS) {
		size_t skip = strspn(list, " \t,");
		list += skip;
		size_t len = strcspn(list, " \t,");
		if (!len)
			break;
		enum sip_digest_alg alg;
		bool sess;
		if (sip_digest_alg_parse(zv_str_make(list, len), &alg, &sess) == 0 && !sess) {
			bool dup = false;
			for (unsigned i = 0; i < algs->n; i++)
				dup |= algs->alg[i] == (int)alg;
			if (!dup)
				algs->alg[algs->n++] = alg;
		}
		list += len;
	}
	if (!algs->n) {
		/* Asterisk's default (supported_algorithms_uas=md5): many
		 * deployed phones, SIPp and baresip 1.0 answer only the first
		 * challenge or give up when a second one names an algorithm they
		 * do not know.  SHA-256 (RFC 8760) is offered when configured. */
		algs->alg[0] = SIP_DIGEST_MD5;
		algs->n = 1;
	}
}

/* Packed: count in the low 4 bits, then 4 bits per algorithm; 0: unset. */
static _Atomic uint32_t default_algs;

void reg_algs_set_default(const struct reg_algs *algs)
{
	uint32_t v = algs->n;
	for (unsigned i = 0; i < algs->n; i++)
		v |= (uint32_t)algs->alg[i] << (4 + 4 * i);
	atomic_store(&default_algs, v);
}

void reg_algs_default(struct reg_algs *algs)
{
	uint32_t v = atomic_load(&default_algs);
	if (!v) {
		reg_algs_parse(NULL, algs);
		return;
	}
	algs->n = v & 15;
	for (unsigned i = 0; i < algs->n && i < REG_MAX_ALGS; i++)
		algs->alg[i] = (int)((v >> (4 + 4 * i)) & 15);
}

static const char *alg_name(int alg)
{
	switch (alg) {
	case SIP_DIGEST_SHA256:
		return "SHA-256";
	case SIP_DIGEST_SHA512_256:
		return "SHA-512-256";
	default:
		return "MD5";
	}
}

enum reg_auth_result reg_auth_check(const struct reg_cred *c, const char *method,
				    const char *realm, const struct reg_algs *algs,
				    const char *password, const char *ha1, uint64_t now_us)
{
	if (strcmp(c->realm, realm) || c->sess)
		return REG_AUTH_FAIL;
	bool offered = false;
	for (unsigned i = 0; i < algs->n; i++)
		offered |= algs->alg[i] == c->alg;
	if (!offered)
		return REG_AUTH_FAIL;
	if (c->qop[0] && strcasecmp(c->qop, "auth"))
		return REG_AUTH_FAIL;
	enum reg_nonce_state ns = reg_nonce_check(zv_str_c(c->nonce), now_us, REG_NONCE_LIFETIME);
	if (ns == REG_NONCE_BAD)
		return REG_AUTH_FAIL;
	struct sip_digest_params p = {
		.alg = (enum sip_digest_alg)c->alg,
		.sess = c->sess,
		.username = zv_str_c(c->username),
		.realm = zv_str_c(c->realm),
		.method = zv_str_c(method),
		.uri = zv_str_c(c->uri),
		.nonce = zv_str_c(c->nonce),
		.qop = zv_str_c(c->qop),
		.nc = zv_str_c(c->nc),
		.cnonce = zv_str_c(c->cnonce),
	};
	if (password) {
		p.password = zv_str_c(password);
	} else if (ha1 && c->alg == SIP_DIGEST_MD5) {
		p.ha1 = zv_str_c(ha1);
	} else {
		return REG_AUTH_FAIL;
	}
	char expect[SIP_DIGEST_HEX_MAX];
	if (sip_digest_compute(&p, expect, sizeof(expect)) < 0)
		return REG_AUTH_FAIL;
	if (!sip_digest_equal(zv_str_c(expect), zv_str_c(c->response)))
		return REG_AUTH_FAIL;
	if (ns == REG_NONCE_EXPIRED)
		return REG_AUTH_STALE;
	/* Without qop (RFC 2069) there is no nc: each nonce serves once. */
	uint32_t nc = c->qop[0] ? c->nc_value : 1;
	if (reg_nc_check(zv_str_c(c->nonce), nc, now_us) < 0)
		return REG_AUTH_REPLAY;
	return REG_AUTH_OK;
}

static char process_opaque[17];

static void opaque_pick(void)
{
	sip_random_token(process_opaque, sizeof(process_opaque));
}

void reg_challenge_build(struct sip_buf *b, const char *realm, bool stale,
			 const struct reg_algs *algs, uint64_t now_us)
{
	/* opaque is only echoed back: one random value per process. */
	static pthread_once_t opaque_once = PTHREAD_ONCE_INIT;
	pthread_once(&opaque_once, opaque_pick);
	const char *opaque = process_opaque;
	for (unsigned i = 0; i < algs->n; i++) {
		char nonce[REG_NONCE_LEN + 1];
		reg_nonce_make(now_us, nonce, sizeof(nonce));
		sip_buf_printf(b,
			       "WWW-Authenticate: Digest realm=\"%s\",nonce=\"%s\",opaque=\"%s\","
			       "algorithm=%s,qop=\"auth\"%s\r\n",
			       realm, nonce, opaque, alg_name(algs->alg[i]), stale ? ",stale=true" : "");
	}
}
