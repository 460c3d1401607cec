/*
 * Failed-auth protection per source IP: failure counting over a window,
 * bans, and a token bucket for unauthenticated requests.
 *
 * DESIGN
 * One hash table keyed by the address (family + bytes, port ignored)
 * behind one mutex; every operation is a lookup and a few integer updates.
 * Failures are counted in a fixed window that starts with the first
 * failure: when ban_window seconds have passed since then the count starts
 * again.  The failure that reaches ban_threshold bans the address for
 * ban_time seconds.  Times are monotonic milliseconds passed in by the
 * caller, so tests drive the clock.  Entries with no failures, no ban and
 * a full bucket are pruned by reg_prot_prune() (1 s timer).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sip/registrar/reg_int.h"

#define PROT_BUCKETS 4096

struct prot_key {
	int family;
	uint8_t addr[16];
};

struct prot_entry {
	struct prot_entry *next;
	struct prot_key key;
	unsigned failures;
	uint64_t window_start_ms;
	uint64_t banned_until_ms;
	double tokens;
	uint64_t refill_ms;
};

static pthread_mutex_t prot_lock = PTHREAD_MUTEX_INITIALIZER;
static struct prot_entry *prot_table[PROT_BUCKETS];
static struct reg_prot_cfg prot_cfg = {5, 60, 600, 50};

void reg_prot_configure(const struct reg_prot_cfg *cfg)
{
	pthread_mutex_lock(&prot_lock);
	prot_cfg = *cfg;
	pthread_mutex_unlock(&prot_lock);
}

static bool key_of(const struct sockaddr *sa, struct prot_key *k)
{
	memset(k, 0, sizeof(*k));
	k->family = sa->sa_family;
	if (sa->sa_family == AF_INET) {
		memcpy(k->addr, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		return true;
	}
	if (sa->sa_family == AF_INET6) {
		memcpy(k->addr, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		return true;
	}
	return false;
}

static unsigned key_hash(const struct prot_key *k)
{
	uint32_t h = 2166136261u ^ (uint32_t)k->family;
	for (int i = 0; i < 16; i++) {
		h ^= k->addr[i];
		h *= 16777619u;
	}
	return h % PROT_BUCKETS;
}

/* Locked. */
static struct prot_entry *find(const struct prot_key *k, bool create, uint64_t now_ms)
{
	unsigned b = key_hash(k);
	for (struct prot_entry *e = prot_table[b]; e; e = e->next)
		if (!memcmp(&e->key, k, sizeof(*k)))
			return e;
	if (!create)
		return NULL;
	struct prot_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->key = *k;
	e->tokens = prot_cfg.rate;
	e->refill_ms = now_ms;
	e->next = prot_table[b];
	prot_table[b] = e;
	return e;
}

bool reg_prot_banned(const struct sockaddr *sa, uint64_t now_ms)
{
	struct prot_key k;
	if (!key_of(sa, &k))
		return false;
	pthread_mutex_lock(&prot_lock);
	struct prot_entry *e = find(&k, false, now_ms);
	bool banned = e && e->banned_until_ms > now_ms;
	pthread_mutex_unlock(&prot_lock);
	return banned;
}

bool reg_prot_rate_ok(const struct sockaddr *sa, uint64_t now_ms)
{
	struct prot_key k;
	if (!key_of(sa, &k))
		return true;
	pthread_mutex_lock(&prot_lock);
	bool ok = true;
	unsigned rate = prot_cfg.rate;
	if (rate) {
		struct prot_entry *e = find(&k, true, now_ms);
		if (e) {
			/* Bucket of one second's worth of requests. */
			e->tokens += (double)(now_ms - e->refill_ms) * rate / 1000.0;
			if (e->tokens > rate)
				e->tokens = rate;
			e->refill_ms = now_ms;
			if (e->tokens >= 1.0)
				e->tokens -= 1.0;
			else
				ok = false;
		}
	}
	pthread_mutex_unlock(&prot_lock);
	return ok;
}

bool reg_prot_failure(const struct sockaddr *sa, uint64_t now_ms, unsigned *countp)
{
	struct prot_key k;
	bool banned_now = false;
	if (countp)
		*countp = 0;
	if (!key_of(sa, &k))
		return false;
	pthread_mutex_lock(&prot_lock);
	struct prot_entry *e = find(&k, true, now_ms);
	if (e) {
		if (!e->failures || now_ms - e->window_start_ms >= (uint64_t)prot_cfg.window * 1000u) {
			e->failures = 0;
			e->window_start_ms = now_ms;
		}
		e->failures++;
		if (prot_cfg.threshold && e->failures >= prot_cfg.threshold &&
		    e->banned_until_ms <= now_ms) {
			e->banned_until_ms = now_ms + (uint64_t)prot_cfg.ban_time * 1000u;
			banned_now = true;
		}
		if (countp)
			*countp = e->failures;
	}
	pthread_mutex_unlock(&prot_lock);
	return banned_now;
}

void reg_prot_success(const struct sockaddr *sa)
{
	struct prot_key k;
	if (!key_of(sa, &k))
		return;
	pthread_mutex_lock(&prot_lock);
	struct prot_entry *e = find(&k, false, 0);
	if (e)
		e->failures = 0;
	pthread_mutex_unlock(&prot_lock);
}

int reg_prot_unban(const char *ip)
{
	struct prot_key k = {0};
	if (inet_pton(AF_INET, ip, k.addr) == 1)
		k.family = AF_INET;
	else if (inet_pton(AF_INET6, ip, k.addr) == 1)
		k.family = AF_INET6;
	else
		return -EINVAL;
	pthread_mutex_lock(&prot_lock);
	struct prot_entry *e = find(&k, false, 0);
	int rc = -ENOENT;
	if (e && (e->banned_until_ms || e->failures)) {
		e->banned_until_ms = 0;
		e->failures = 0;
		rc = 0;
	}
	pthread_mutex_unlock(&prot_lock);
	return rc;
}

static void prune(bool all, uint64_t now_ms)
{
	pthread_mutex_lock(&prot_lock);
	for (unsigned b = 0; b < PROT_BUCKETS; b++) {
		for (struct prot_entry **pp = &prot_table[b]; *pp;) {
			struct prot_entry *e = *pp;
			bool idle = e->banned_until_ms <= now_ms &&
				    (!e->failures ||
				     now_ms - e->window_start_ms >= (uint64_t)prot_cfg.window * 1000u) &&
				    now_ms - e->refill_ms >= 1000u;
			if (all || idle) {
				*pp = e->next;
				free(e);
			} else {
				pp = &e->next;
			}
		}
	}
	pthread_mutex_unlock(&prot_lock);
}

void reg_prot_prune(uint64_t now_ms)
{
	prune(false, now_ms);
}

void reg_prot_clear(void)
{
	prune(true, 0);
}

size_t reg_prot_list(uint64_t now_ms, struct reg_prot_entry **entriesp)
{
	size_t n = 0, cap = 0;
	struct reg_prot_entry *v = NULL;
	pthread_mutex_lock(&prot_lock);
	for (unsigned b = 0; b < PROT_BUCKETS; b++) {
		for (struct prot_entry *e = prot_table[b]; e; e = e->next) {
			bool banned = e->banned_until_ms > now_ms;
			if (!banned && !e->failures)
				continue;
			if (n == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct reg_prot_entry *nv = realloc(v, ncap * sizeof(*v));
				if (!nv)
					goto out;
				v = nv;
				cap = ncap;
			}
			struct reg_prot_entry *o = &v[n++];
			inet_ntop(e->key.family, e->key.addr, o->ip, sizeof(o->ip));
			o->failures = e->failures;
			o->banned_until_ms = banned ? e->banned_until_ms : 0;
		}
	}
out:
	pthread_mutex_unlock(&prot_lock);
	*entriesp = v;
	return n;
}
