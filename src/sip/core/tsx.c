/*
 * SIP transactions (RFC 3261 §17, RFC 6026): server and client, INVITE
 * and non-INVITE, with timers A-K, retransmission absorption and matching
 * by branch (with the RFC 2543 fallback for requests without the magic
 * cookie).
 *
 * DESIGN
 * Each worker keeps its own transaction table in a thread-local struct: a
 * transaction lives on the worker that owns its Call-ID, so nothing here
 * is shared or locked.  The table is open addressing with linear probing
 * (slots of 64-bit hash + pointer, doubled at half load, backward-shift
 * deletion): a lookup reads one slot line and compares the full key only
 * on a hash match.  Keys are built on the stack and copied into the
 * transaction's own allocation.  Server transactions keep the request
 * (struct sip_rx) while the TU may answer and the last response text.
 * On UDP, a completed non-INVITE server transaction (once its handler
 * returned) and an INVITE one once ACKed only absorb retransmissions
 * until timer J, L or I: each is then replaced in its table slot by a
 * remnant (key, target, the non-INVITE answer, its end) packed in a
 * per-worker FIFO arena of 64 KB mmap'd blocks, so that it does not pin a
 * page of the heap among the freed memory of its call for 32 s; one
 * sweep timer per worker drops remnants in order and unmaps drained
 * blocks, and a lookup ignores a remnant past its end.
 * INVITE server transactions in Accepted are also on a list, for the ACK
 * of a 2xx.  Client transactions keep the request text for
 * retransmission.  Timers are zv_timer on the worker loop.  Over reliable
 * transports the retransmission timers are not started and the wait
 * timers are zero.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ZV_LOG_MODULE "sip"
#include <zvonok/core.h>
#include <zvonok/fifo_arena.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/obj.h>

#include "sip/core/sip.h"

#define T1 500u
#define T2 4000u
#define T4 5000u
#define TRYING_MS 200u /* INVITE: 100 Trying if no response by then */
#define TABLE_MIN 4096 /* slots; a power of two */
#define KEY_INLINE 192

enum tsx_state {
	TSX_TRYING,
	TSX_PROCEEDING,
	TSX_COMPLETED,
	TSX_ACCEPTED, /* INVITE server after 2xx (RFC 6026) */
	TSX_CONFIRMED,
	TSX_TERMINATED,
};

/* What the table and a lookup read: shared by transactions and remnants. */
struct tsx_head {
	uint64_t hash;
	char *key; /* in the same allocation, after the struct */
	uint32_t key_len;
	bool server;
	bool remnant;   /* a struct tsx_remnant, not a transaction */
	uint8_t method; /* enum sip_method */
	uint8_t state;  /* enum tsx_state */
};

struct tsx_common {
	struct tsx_head h; /* first: a table entry points here */
	struct zv_timer retrans; /* A, E, G, or 2xx retransmission */
	struct zv_timer timeout; /* B, F, H, D, I, J, K, L */
	uint32_t interval;
	bool reliable;
	struct sip_target target;
};

struct sip_stsx {
	struct tsx_common c;
	struct sip_rx *rx;
	char *last; /* last response sent */
	size_t last_len;
	unsigned last_status;
	struct sip_stsx *acc_next, **acc_pprev; /* INVITE in Accepted */
	uint64_t final_ms; /* when the final response went out (now_ms()) */
	bool setup; /* a new call's INVITE without final answer (zv_core_setup_*) */
	bool tu_done; /* the request handler has returned */
	char to_tag[24];
};

struct sip_ctsx {
	struct tsx_common c;
	char *req;
	size_t req_len;
	sip_response_cb *cb;
	void *arg;
	char branch[64];
};

/*
 * A server transaction over UDP reduced to what absorbs retransmissions
 * once nothing else can happen to it: a non-INVITE one with its final
 * answer sent (timer J), an INVITE one whose answer was ACKed (timer L
 * after a 2xx, I after a non-2xx).  Key, where to send, the answer to
 * resend (non-INVITE only; an INVITE retransmission after the ACK gets
 * nothing, as before) and when it ends.  Kept in a per-worker FIFO arena
 * (fifo_arena.h), not in malloc's heap: a whole call's memory is freed
 * around these while they live 32 s, and scattered there each would keep
 * its page resident.  No timers of its own: one sweep timer per worker
 * drops them in order, and a lookup ignores one past its end.
 */
struct tsx_remnant {
	struct tsx_head h; /* h.remnant; h.key points into data */
	uint64_t expire_ms; /* now_ms() at which the transaction ends */
	struct sip_tp *tp;
	uint32_t last_len; /* 0: nothing to resend */
	socklen_t addr_len;
	union {
		struct sockaddr sa;
		struct sockaddr_in in;
		struct sockaddr_in6 in6;
	} addr;
	char data[]; /* key, NUL, last response */
};

/* The remnants' FIFOs, one per lifetime so each is in expiry order. */
enum { REM_LONG, REM_SHORT, REM__COUNT }; /* 64*T1 after the answer; T4 after the ACK */
#define SWEEP_SLACK_MS 1000u /* remnants are dropped in batches up to 1 s late */

struct tsx_slot {
	uint64_t hash;
	struct tsx_head *t; /* NULL: free */
};

struct tsx_table {
	struct tsx_slot *slots;
	size_t mask; /* slots - 1 */
	size_t count;
	struct sip_stsx *accepted; /* INVITE server transactions in Accepted */
	struct zv_fifo_arena remnants[REM__COUNT];
	struct zv_timer sweep; /* drops expired remnants; ev NULL until the first */
	uint64_t sweep_due;    /* when the sweep timer fires, 0: not armed */
	bool closing;          /* worker stopping: no new client transactions */
};

static _Thread_local struct tsx_table *table;
static sip_request_cb *handlers[SIP_METHOD__COUNT];
static sip_rx_filter_cb *_Atomic rx_filter;

void sip_rx_filter_set(sip_rx_filter_cb *filter)
{
	atomic_store(&rx_filter, filter);
}

static sip_stray_response_cb *_Atomic stray_cb;

void sip_stray_response_set(sip_stray_response_cb *cb)
{
	atomic_store(&stray_cb, cb);
}

static atomic_ulong st_rx_req, st_rx_resp, st_tx_req, st_tx_resp, st_retrans, st_stsx, st_ctsx;
static atomic_ulong st_remnants, st_remnant_blocks;
unsigned long sip__malformed_count(void);

void sip_stats_get(struct sip_stats *s)
{
	s->rx_requests = atomic_load(&st_rx_req);
	s->rx_responses = atomic_load(&st_rx_resp);
	s->tx_requests = atomic_load(&st_tx_req);
	s->tx_responses = atomic_load(&st_tx_resp);
	s->retransmissions = atomic_load(&st_retrans);
	s->malformed = sip__malformed_count();
	s->stsx_alive = atomic_load(&st_stsx);
	s->ctsx_alive = atomic_load(&st_ctsx);
	s->stsx_remnants = atomic_load(&st_remnants);
	s->remnant_blocks = atomic_load(&st_remnant_blocks);
}

void sip_method_handler_set(enum sip_method method, sip_request_cb *cb)
{
	if ((unsigned)method < SIP_METHOD__COUNT)
		handlers[method] = cb;
}

void sip__tsx_worker_init(void *arg)
{
	if (table)
		return;
	struct tsx_table *t = calloc(1, sizeof(*t));
	if (!t || !(t->slots = calloc(TABLE_MIN, sizeof(*t->slots)))) {
		free(t);
		return;
	}
	t->mask = TABLE_MIN - 1;
	for (int i = 0; i < REM__COUNT; i++)
		zv_fifo_arena_init(&t->remnants[i], 64 << 10);
	table = t;
}

static _Thread_local uint64_t warp_ms; /* sip__tsx_time_warp() */

/* Monotonic milliseconds, for the remnants' ends. */
static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u + warp_ms;
}

/* ---- table -------------------------------------------------------------- */

/* 64-bit hash of a key: 8 bytes a step, then a final mix (MurmurHash3's
 * fmix64), so the low bits used for the slot depend on every byte. */
static uint64_t key_hash(const char *p, size_t len, bool server)
{
	const uint64_t k = 0x9e3779b97f4a7c15ull;
	uint64_t h = (uint64_t)len * k ^ (server ? 0x5bd1e995ull : 0);
	for (; len >= 8; p += 8, len -= 8) {
		uint64_t v;
		memcpy(&v, p, 8);
		h = (h ^ v) * k;
		h ^= h >> 29;
	}
	if (len) {
		uint64_t v = 0;
		memcpy(&v, p, len);
		h = (h ^ v) * k;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	return h;
}

/* A remnant past its end is gone, even before the sweep drops it. */
static bool remnant_over(const struct tsx_head *t)
{
	return t->remnant && ((const struct tsx_remnant *)t)->expire_ms <= now_ms();
}

static struct tsx_head *lookup(const char *key, size_t len, uint64_t h, bool server)
{
	if (!table)
		return NULL;
	for (size_t i = h & table->mask;; i = (i + 1) & table->mask) {
		struct tsx_slot *s = &table->slots[i];
		if (!s->t)
			return NULL;
		if (s->hash == h && s->t->server == server && s->t->key_len == len &&
		    !memcmp(s->t->key, key, len) && !remnant_over(s->t))
			return s->t;
	}
}

static void place(struct tsx_slot *slots, size_t mask, uint64_t h, struct tsx_head *t)
{
	size_t i = h & mask;
	while (slots[i].t)
		i = (i + 1) & mask;
	slots[i].hash = h;
	slots[i].t = t;
}

/* Doubles the table when it would pass half load; on failure the table
 * stays as it is (it still has room: the load stays below one). */
static void grow(void)
{
	size_t ncap = (table->mask + 1) * 2;
	struct tsx_slot *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return;
	for (size_t i = 0; i <= table->mask; i++)
		if (table->slots[i].t)
			place(ns, ncap - 1, table->slots[i].hash, table->slots[i].t);
	free(table->slots);
	table->slots = ns;
	table->mask = ncap - 1;
}

static int insert(struct tsx_head *t)
{
	if ((table->count + 1) * 2 > table->mask + 1)
		grow();
	if (table->count + 1 > table->mask)
		return -ENOMEM;
	place(table->slots, table->mask, t->hash, t);
	table->count++;
	return 0;
}

static void unlink_tsx(struct tsx_head *t)
{
	size_t mask = table->mask, i = t->hash & mask;
	while (table->slots[i].t != t) {
		if (!table->slots[i].t)
			return; /* not in the table (insert failed) */
		i = (i + 1) & mask;
	}
	/* Backward shift: move later entries of the cluster whose home slot
	 * is not in (i, j] into the hole, so probes never meet a gap. */
	for (size_t j = i;;) {
		j = (j + 1) & mask;
		struct tsx_slot *s = &table->slots[j];
		if (!s->t)
			break;
		size_t home = s->hash & mask;
		bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
		if (!stays) {
			table->slots[i] = *s;
			i = j;
		}
	}
	table->slots[i].t = NULL;
	table->count--;
}

/*
 * The key of a request or response: branch (with the cookie) + sent-by +
 * the method (ACK counts as INVITE so it finds its transaction; CANCEL has
 * its own).  Without the cookie (RFC 2543): Call-ID, CSeq number, From tag
 * and the raw top Via.  Client keys are branch + method.  Built in place
 * (on the heap only when longer than KEY_INLINE).
 */
struct tsx_key {
	char *p;
	size_t len;
	uint64_t hash;
	char inl[KEY_INLINE];
};

static char *put(char *w, const char *s, size_t n)
{
	memcpy(w, s, n);
	return w + n;
}

static char *put_u(char *w, unsigned v)
{
	char tmp[12];
	size_t n = 0;
	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10));
	while (n)
		*w++ = tmp[--n];
	return w;
}

static int key_alloc(struct tsx_key *k, size_t max)
{
	k->p = max <= sizeof(k->inl) ? k->inl : malloc(max);
	return k->p ? 0 : -ENOMEM;
}

static void key_fini(struct tsx_key *k)
{
	if (k->p != k->inl)
		free(k->p);
	k->p = NULL;
}

static int key_server(struct tsx_key *k, const struct sip_msg *m, enum sip_method method)
{
	const struct sip_via *v = &m->via;
	unsigned km = (unsigned)(method == SIP_METHOD_ACK ? SIP_METHOD_INVITE : method);
	bool cookie = v->branch.len > 7 && !memcmp(v->branch.p, "z9hG4bK", 7);
	size_t max = v->host.len + 40 +
		     (cookie ? v->branch.len : m->call_id.len + m->from.tag.len);
	if (key_alloc(k, max) < 0)
		return -ENOMEM;
	char *w = k->p;
	if (cookie) {
		w = put(w, v->branch.p, v->branch.len);
		*w++ = '|';
		w = put(w, v->host.p, v->host.len);
		*w++ = ':';
		w = put_u(w, v->has_port ? v->port : 0);
	} else {
		w = put(w, "2543|", 5);
		w = put(w, m->call_id.p, m->call_id.len);
		*w++ = '|';
		w = put_u(w, m->cseq.seq);
		*w++ = '|';
		w = put(w, m->from.tag.p, m->from.tag.len);
		*w++ = '|';
		w = put(w, v->host.p, v->host.len);
	}
	*w++ = '|';
	w = put_u(w, km);
	k->len = (size_t)(w - k->p);
	k->hash = key_hash(k->p, k->len, true);
	return 0;
}

static int key_client(struct tsx_key *k, struct zv_str branch, enum sip_method method)
{
	unsigned km = (unsigned)(method == SIP_METHOD_ACK ? SIP_METHOD_INVITE : method);
	if (key_alloc(k, branch.len + 16) < 0)
		return -ENOMEM;
	char *w = put(k->p, branch.p, branch.len);
	*w++ = '|';
	w = put_u(w, km);
	k->len = (size_t)(w - k->p);
	k->hash = key_hash(k->p, k->len, false);
	return 0;
}

/* Copies the key into the transaction (allocated with room for it). */
static void key_set(struct tsx_common *c, const struct tsx_key *k)
{
	c->h.key_len = k->len;
	c->h.hash = k->hash;
	memcpy(c->h.key, k->p, k->len);
	c->h.key[k->len] = '\0';
}

/* ---- server transactions --------------------------------------------------- */

static void accepted_link(struct sip_stsx *st)
{
	st->acc_next = table->accepted;
	if (st->acc_next)
		st->acc_next->acc_pprev = &st->acc_next;
	st->acc_pprev = &table->accepted;
	table->accepted = st;
}

static void accepted_unlink(struct sip_stsx *st)
{
	if (!st->acc_pprev)
		return;
	*st->acc_pprev = st->acc_next;
	if (st->acc_next)
		st->acc_next->acc_pprev = st->acc_pprev;
	st->acc_next = NULL;
	st->acc_pprev = NULL;
}

/* ---- remnants ------------------------------------------------------------- */

static void remnant_sweep(void *arg);

/* Arm the sweep for a remnant ending at expire, unless it fires before. */
static void sweep_arm(uint64_t expire)
{
	uint64_t due = expire + SWEEP_SLACK_MS;
	if (table->sweep_due && table->sweep_due <= due)
		return;
	if (!table->sweep.ev &&
	    zv_timer_init(&table->sweep, zv_loop_current(), remnant_sweep, NULL) < 0)
		return; /* dropped at fini; lookups ignore them once over */
	uint64_t now = now_ms();
	zv_timer_start(&table->sweep, due > now ? (uint32_t)(due - now) : 0, 0);
	table->sweep_due = due;
}

/* Blocks mapped by this worker's FIFOs (for sip show stats). */
static size_t blocks_now(void)
{
	size_t n = 0;
	for (int i = 0; i < REM__COUNT; i++)
		n += table->remnants[i].blocks;
	return n;
}

static void blocks_count(size_t before)
{
	size_t after = blocks_now();
	if (after > before)
		atomic_fetch_add(&st_remnant_blocks, after - before);
	else if (before > after)
		atomic_fetch_sub(&st_remnant_blocks, before - after);
}

/* Drops the remnants that are over, oldest first, and their drained
 * blocks; then waits for the next one to end. */
static void remnant_sweep(void *arg)
{
	table->sweep_due = 0;
	uint64_t now = now_ms();
	size_t blocks = blocks_now();
	for (int i = 0; i < REM__COUNT; i++) {
		struct zv_fifo_arena *fa = &table->remnants[i];
		struct tsx_remnant *r;
		while ((r = zv_fifo_arena_peek(fa)) && r->expire_ms <= now) {
			unlink_tsx(&r->h);
			zv_fifo_arena_pop(fa);
			atomic_fetch_sub(&st_remnants, 1);
			atomic_fetch_sub(&st_stsx, 1);
		}
	}
	blocks_count(blocks);
	for (int i = 0; i < REM__COUNT; i++) {
		struct tsx_remnant *r = zv_fifo_arena_peek(&table->remnants[i]);
		if (r)
			sweep_arm(r->expire_ms);
	}
}

void sip__tsx_time_warp(uint32_t ms, bool sweep)
{
	warp_ms += ms;
	if (table && sweep)
		remnant_sweep(NULL);
}

static void remnant_resend(const struct tsx_remnant *r)
{
	if (!r->last_len)
		return;
	struct sip_target t = {.tp = r->tp};
	memcpy(&t.addr.ss, &r->addr, r->addr_len);
	t.addr.len = r->addr_len;
	sip_send(&t, r->data + r->h.key_len + 1, r->last_len);
	atomic_fetch_add(&st_retrans, 1);
}

/*
 * Replaces a server transaction over UDP that only absorbs retransmissions
 * from now on by a remnant (struct tsx_remnant) ending at expire, in the
 * FIFO of its lifetime, and frees it; the table slot now points to the
 * remnant.  A non-INVITE one keeps its final answer to resend.  False when
 * it stays as it is (a stream transport, an answer too large for a block,
 * no memory): its timers end it as before.
 */
static bool stsx_to_remnant(struct sip_stsx *st, int fifo, uint64_t expire)
{
	if (st->c.reliable || st->c.target.addr.len > sizeof(((struct tsx_remnant *)0)->addr))
		return false;
	size_t klen = st->c.h.key_len;
	size_t last_len = st->c.h.method == SIP_METHOD_INVITE ? 0 : st->last_len;
	size_t blocks = blocks_now();
	struct tsx_remnant *r =
		zv_fifo_arena_push(&table->remnants[fifo], sizeof(*r) + klen + 1 + last_len);
	if (!r)
		return false;
	blocks_count(blocks);
	r->h = st->c.h;
	r->h.remnant = true;
	r->h.key = r->data;
	memcpy(r->data, st->c.h.key, klen + 1);
	r->expire_ms = expire;
	r->tp = st->c.target.tp;
	r->addr_len = st->c.target.addr.len;
	memcpy(&r->addr, &st->c.target.addr.ss, r->addr_len);
	r->last_len = (uint32_t)last_len;
	if (last_len)
		memcpy(r->data + klen + 1, st->last, last_len);
	/* Same key and hash: the remnant takes the transaction's slot. */
	for (size_t i = st->c.h.hash & table->mask; table->slots[i].t;
	     i = (i + 1) & table->mask) {
		if (table->slots[i].t == &st->c.h) {
			table->slots[i].t = &r->h;
			break;
		}
	}
	atomic_fetch_add(&st_remnants, 1);
	sweep_arm(expire);
	zv_timer_fini(&st->c.retrans);
	zv_timer_fini(&st->c.timeout);
	accepted_unlink(st);
	free(st->last);
	sip_rx_free(st->rx);
	free(st);
	return true;
}

/*
 * Once a non-INVITE server transaction over UDP has its final answer and
 * its handler returned, it only absorbs retransmissions until timer J
 * (64*T1 after the answer): it becomes a remnant.  Should that fail, it
 * drops at least the request, most of its memory.  Over stream transports
 * the target borrows the request's connection, and the transaction ends
 * at once anyway.
 */
static void stsx_trim(struct sip_stsx *st)
{
	if (st->c.reliable || st->c.h.method == SIP_METHOD_INVITE ||
	    st->c.h.state != TSX_COMPLETED)
		return;
	if (stsx_to_remnant(st, REM_LONG, st->final_ms + 64 * T1))
		return;
	sip_rx_free(st->rx);
	st->rx = NULL;
}

/*
 * An INVITE server transaction over UDP whose final answer was ACKed
 * stays (Confirmed until timer I, T4 after the ACK of a non-2xx; or until
 * timer L, 64*T1 after a 2xx, RFC 6026) only to absorb retransmissions by
 * key; neither the request nor the answer is read again (a late INVITE
 * retransmission gets nothing, its sender already ACKed): it becomes a
 * remnant.  Should that fail it drops request and answer (~6 KB: struct
 * sip_rx is 4.5 KB, plus the INVITE and the 200 with SDP).  Over stream
 * transports the target borrows the request's connection, and the
 * request stays.
 */
static void stsx_trim_acked(struct sip_stsx *st, bool two_xx)
{
	if (st->c.reliable)
		return;
	if (two_xx ? stsx_to_remnant(st, REM_LONG, st->final_ms + 64 * T1)
		   : stsx_to_remnant(st, REM_SHORT, now_ms() + T4))
		return;
	sip_stsx_to_tag(st); /* kept, should anyone ask */
	sip_rx_free(st->rx);
	st->rx = NULL;
	free(st->last);
	st->last = NULL;
	st->last_len = 0;
}

static void stsx_free(struct sip_stsx *st)
{
	if (st->setup)
		zv_core_setup_end();
	zv_timer_fini(&st->c.retrans);
	zv_timer_fini(&st->c.timeout);
	unlink_tsx(&st->c.h);
	accepted_unlink(st);
	free(st->last);
	sip_rx_free(st->rx);
	free(st);
	atomic_fetch_sub(&st_stsx, 1);
}

static void stsx_timeout(void *arg)
{
	/* H (no ACK), I, J, L: the transaction ends. */
	stsx_free(arg);
}

static void stsx_resend(struct sip_stsx *st)
{
	if (st->last) {
		sip_send(&st->c.target, st->last, st->last_len);
		atomic_fetch_add(&st_retrans, 1);
	}
}

static void stsx_retrans(void *arg)
{
	/* G: retransmit the final response until ACK; also the 2xx in
	 * Accepted (the UAS core's duty, done here for all TUs). */
	struct sip_stsx *st = arg;
	if (st->c.h.method != SIP_METHOD_INVITE) {
		/* Answered after its handler returned: now a remnant. */
		stsx_trim(st);
		return;
	}
	if (st->c.h.state == TSX_TRYING) {
		/* The TU has not answered the INVITE within TRYING_MS. */
		sip_stsx_respond(st, 100, NULL, NULL, NULL, NULL, NULL);
		return;
	}
	stsx_resend(st);
	st->c.interval = st->c.interval * 2 < T2 ? st->c.interval * 2 : T2;
	zv_timer_start(&st->c.retrans, st->c.interval, 0);
}

const struct sip_rx *sip_stsx_request(const struct sip_stsx *st)
{
	return st->rx;
}

const char *sip_stsx_to_tag(struct sip_stsx *st)
{
	if (!st->to_tag[0]) {
		if (st->rx && st->rx->msg.to.has_tag)
			zv_str_copy(st->rx->msg.to.tag, st->to_tag, sizeof(st->to_tag));
		else
			sip_random_token(st->to_tag, 12);
	}
	return st->to_tag;
}

int sip_stsx_respond(struct sip_stsx *st, unsigned status, const char *reason,
		     const char *to_tag, const char *extra, const char *ctype, const char *body)
{
	if (st->c.h.state != TSX_TRYING && st->c.h.state != TSX_PROCEEDING)
		return -EALREADY;
	if (st->c.h.state == TSX_TRYING)
		zv_timer_stop(&st->c.retrans); /* the deferred 100 Trying */
	struct sip_buf b;
	sip_buf_init(&b);
	int err = sip_build_response(st->rx, status, reason, to_tag ? to_tag : sip_stsx_to_tag(st),
				     extra, ctype, body, &b);
	if (err) {
		sip_buf_free(&b);
		return err;
	}
	if (status >= 200 && b.cap > b.len + 1) {
		/* Kept for retransmissions until the transaction ends. */
		char *p = realloc(b.p, b.len + 1);
		if (p)
			b.p = p;
	}
	free(st->last);
	st->last = b.p;
	st->last_len = b.len;
	st->last_status = status;
	err = sip_send(&st->c.target, b.p, b.len);
	atomic_fetch_add(&st_tx_resp, 1);
	if (status < 200) {
		st->c.h.state = TSX_PROCEEDING;
		return err;
	}
	if (st->setup) {
		st->setup = false;
		zv_core_setup_end();
	}
	st->final_ms = now_ms();
	bool invite = st->c.h.method == SIP_METHOD_INVITE;
	if (!invite) {
		/* J: absorb retransmissions for 64*T1 on UDP. */
		st->c.h.state = TSX_COMPLETED;
		zv_timer_start(&st->c.timeout, st->c.reliable ? 0 : 64 * T1, 0);
		/* Answered after the handler returned: the caller may still
		 * read the request, so it becomes a remnant on the next turn
		 * of the loop (the non-INVITE retransmission timer is free). */
		if (st->tu_done && !st->c.reliable)
			zv_timer_start(&st->c.retrans, 0, 0);
	} else if (status < 300) {
		st->c.h.state = TSX_ACCEPTED;
		accepted_link(st);
		st->c.interval = T1;
		if (!st->c.reliable)
			zv_timer_start(&st->c.retrans, T1, 0);
		zv_timer_start(&st->c.timeout, 64 * T1, 0); /* L */
	} else {
		st->c.h.state = TSX_COMPLETED;
		st->c.interval = T1;
		if (!st->c.reliable)
			zv_timer_start(&st->c.retrans, T1, 0);
		zv_timer_start(&st->c.timeout, 64 * T1, 0); /* H */
	}
	return err;
}

int sip_respond_stateless(const struct sip_rx *rx, unsigned status, const char *reason,
			  const char *extra)
{
	struct sip_buf b;
	sip_buf_init(&b);
	char tag[16];
	sip_random_token(tag, 12);
	int err = sip_build_response(rx, status, reason, tag, extra, NULL, NULL, &b);
	if (!err) {
		struct sip_target t;
		sip_response_target(rx, &t);
		err = sip_send(&t, b.p, b.len);
		atomic_fetch_add(&st_tx_resp, 1);
	}
	sip_buf_free(&b);
	return err;
}

static struct sip_stsx *stsx_new(struct sip_rx *rx, const struct tsx_key *key)
{
	struct sip_stsx *st = calloc(1, sizeof(*st) + key->len + 1);
	if (!st)
		return NULL;
	st->c.h.server = true;
	st->c.h.key = (char *)(st + 1);
	key_set(&st->c, key);
	st->c.h.method = rx->msg.method;
	st->c.h.state = TSX_TRYING;
	st->c.reliable = rx->conn != NULL;
	sip_response_target(rx, &st->c.target);
	st->rx = rx;
	struct zv_loop *loop = zv_loop_current();
	if (zv_timer_init(&st->c.retrans, loop, stsx_retrans, st) < 0 ||
	    zv_timer_init(&st->c.timeout, loop, stsx_timeout, st) < 0) {
		zv_timer_fini(&st->c.retrans);
		free(st);
		return NULL;
	}
	if (insert(&st->c.h) < 0) {
		zv_timer_fini(&st->c.retrans);
		zv_timer_fini(&st->c.timeout);
		free(st);
		return NULL;
	}
	atomic_fetch_add(&st_stsx, 1);
	return st;
}

static void handle_ack(struct sip_rx *rx)
{
	struct tsx_key key;
	struct tsx_head *t = NULL;
	if (key_server(&key, &rx->msg, SIP_METHOD_ACK) == 0) {
		t = lookup(key.p, key.len, key.hash, true);
		key_fini(&key);
	}
	if (t && !t->remnant && t->state == TSX_COMPLETED) {
		/* ACK for our non-2xx answer: stop G, wait I, then end. */
		struct sip_stsx *st = (struct sip_stsx *)t;
		st->c.h.state = TSX_CONFIRMED;
		zv_timer_stop(&st->c.retrans);
		zv_timer_start(&st->c.timeout, st->c.reliable ? 0 : T4, 0);
		stsx_trim_acked(st, false);
		sip_rx_free(rx);
		return;
	}
	if (t && t->state == TSX_CONFIRMED) {
		/* Already ACKed (a remnant on UDP): absorbed. */
		sip_rx_free(rx);
		return;
	}
	/* ACK for a 2xx: stop retransmitting the 2xx of that INVITE, which
	 * has the same Call-ID and CSeq number but another branch. */
	for (struct sip_stsx *is = table->accepted, *next; is; is = next) {
		next = is->acc_next;
		if (is->rx->msg.cseq.seq == rx->msg.cseq.seq &&
		    zv_str_eq(is->rx->msg.call_id, rx->msg.call_id)) {
			zv_timer_stop(&is->c.retrans);
			is->c.h.state = TSX_CONFIRMED;
			accepted_unlink(is);
			stsx_trim_acked(is, true); /* until timer L */
		}
	}
	if (handlers[SIP_METHOD_ACK]) {
		/* The dialog layer wants to see it; no transaction. */
		struct sip_stsx tmp = {.rx = rx};
		handlers[SIP_METHOD_ACK](&tmp, rx);
	}
	sip_rx_free(rx);
}

static void handle_cancel(struct sip_rx *rx, const struct tsx_key *key)
{
	struct tsx_key ikey;
	struct tsx_head *inv = NULL;
	if (key_server(&ikey, &rx->msg, SIP_METHOD_INVITE) == 0) {
		inv = lookup(ikey.p, ikey.len, ikey.hash, true);
		key_fini(&ikey);
	}
	struct sip_stsx *st = stsx_new(rx, key);
	if (!st) {
		sip_rx_free(rx);
		return;
	}
	if (!inv) {
		sip_stsx_respond(st, 481, NULL, NULL, NULL, NULL, NULL);
		stsx_trim(st);
		return;
	}
	sip_stsx_respond(st, 200, NULL, NULL, NULL, NULL, NULL);
	/* A remnant is past its final answer: nothing to cancel. */
	if (!inv->remnant && (inv->state == TSX_TRYING || inv->state == TSX_PROCEEDING)) {
		struct sip_stsx *ist = (struct sip_stsx *)inv;
		if (handlers[SIP_METHOD_CANCEL])
			handlers[SIP_METHOD_CANCEL](ist, rx);
		else
			sip_stsx_respond(ist, 487, NULL, NULL, NULL, NULL, NULL);
	}
	stsx_trim(st);
}

static bool ruri_scheme_ok(struct zv_str ruri)
{
	static const char *const schemes[] = {"sip:", "sips:", "tel:"};
	for (size_t i = 0; i < sizeof(schemes) / sizeof(*schemes); i++) {
		size_t n = strlen(schemes[i]);
		if (ruri.len > n && !strncasecmp(ruri.p, schemes[i], n))
			return true;
	}
	return false;
}

static void handle_request(struct sip_rx *rx)
{
	atomic_fetch_add(&st_rx_req, 1);
	enum sip_method method = rx->msg.method;
	if (method == SIP_METHOD_ACK) {
		handle_ack(rx);
		return;
	}
	struct tsx_key key;
	if (key_server(&key, &rx->msg, method) < 0) {
		sip_rx_free(rx);
		return;
	}
	struct tsx_head *t = lookup(key.p, key.len, key.hash, true);
	if (t) {
		/* A retransmission: answer with what we sent; an INVITE not
		 * answered yet gets its 100 Trying now. */
		atomic_fetch_add(&st_retrans, 1);
		struct sip_stsx *old = (struct sip_stsx *)t;
		if (t->remnant)
			remnant_resend((struct tsx_remnant *)t);
		else if (old->c.h.state != TSX_TRYING)
			stsx_resend(old);
		else if (old->c.h.method == SIP_METHOD_INVITE)
			sip_stsx_respond(old, 100, NULL, NULL, NULL, NULL, NULL);
		key_fini(&key);
		sip_rx_free(rx);
		return;
	}
	if (method == SIP_METHOD_CANCEL) {
		handle_cancel(rx, &key);
		key_fini(&key);
		return;
	}
	bool new_call = method == SIP_METHOD_INVITE && !rx->msg.to.has_tag;
	if (new_call && zv_core_shed_call()) {
		/* Overload: refuse the new call before it costs a transaction
		 * or a channel.  Stateless (RFC 3261 8.2.7): a retransmission
		 * gets the same answer, and the ACK matches nothing.  Requests
		 * of calls in progress and retransmissions (matched above) are
		 * served as usual. */
		char ra[40];
		snprintf(ra, sizeof(ra), "Retry-After: %u\r\n", zv_core_retry_after());
		key_fini(&key);
		sip_respond_stateless(rx, 503, NULL, ra);
		sip_rx_free(rx);
		return;
	}
	struct sip_stsx *st = stsx_new(rx, &key);
	key_fini(&key);
	if (!st) {
		sip_respond_stateless(rx, 503, NULL, "Retry-After: 5\r\n");
		sip_rx_free(rx);
		return;
	}
	/* RFC 3261 17.2.1: 100 Trying only when the TU takes longer than
	 * 200 ms; a dialplan that answers or rings at once spares one
	 * datagram per call. */
	if (method == SIP_METHOD_INVITE)
		zv_timer_start(&st->c.retrans, TRYING_MS, 0);
	if (new_call) {
		st->setup = true;
		zv_core_setup_begin();
	}
	sip_request_cb *h = (unsigned)method < SIP_METHOD__COUNT ? handlers[method] : NULL;
	if (!h) {
		sip_stsx_respond(st, method == SIP_METHOD_UNKNOWN ? 501 : 405, NULL, NULL,
				 "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, SUBSCRIBE, "
				 "NOTIFY, MESSAGE, INFO, REFER, UPDATE, PRACK\r\n",
				 NULL, NULL);
		stsx_trim(st);
		return;
	}
	if (!ruri_scheme_ok(rx->msg.ruri)) {
		/* RFC 3261 8.2.2.1: a Request-URI scheme we do not serve. */
		sip_stsx_respond(st, 416, NULL, NULL, NULL, NULL, NULL);
		stsx_trim(st);
		return;
	}
	h(st, rx);
	st->tu_done = true;
	stsx_trim(st);
}

/* ---- client transactions ------------------------------------------------------ */

static void ctsx_free(struct sip_ctsx *ct)
{
	zv_timer_fini(&ct->c.retrans);
	zv_timer_fini(&ct->c.timeout);
	unlink_tsx(&ct->c.h);
	free(ct->req);
	zv_unref(ct->c.target.conn);
	free(ct);
	atomic_fetch_sub(&st_ctsx, 1);
}

static void ctsx_finish(struct sip_ctsx *ct, unsigned status, const struct sip_rx *rx)
{
	sip_response_cb *cb = ct->cb;
	ct->cb = NULL;
	if (cb)
		cb(ct->arg, ct, status, rx);
}

static void ctsx_retrans(void *arg)
{
	struct sip_ctsx *ct = arg;
	sip_send(&ct->c.target, ct->req, ct->req_len);
	atomic_fetch_add(&st_retrans, 1);
	bool invite = ct->c.h.method == SIP_METHOD_INVITE;
	/* A doubles without bound (B ends it); E caps at T2 (and stays at
	 * T2 once a provisional arrived). */
	uint32_t next = ct->c.interval * 2;
	if (!invite && (next > T2 || ct->c.h.state == TSX_PROCEEDING))
		next = T2;
	ct->c.interval = next;
	zv_timer_start(&ct->c.retrans, next, 0);
}

static void ctsx_timeout(void *arg)
{
	struct sip_ctsx *ct = arg;
	if (ct->c.h.state == TSX_TRYING || ct->c.h.state == TSX_PROCEEDING) {
		/* B or F: no final answer. */
		ctsx_finish(ct, 408, NULL);
	}
	/* D or K in Completed: just end. */
	ctsx_free(ct);
}

int sip_ctsx_send(const struct sip_target *target, enum sip_method method, const char *branch,
		  const char *buf, size_t len, sip_response_cb *cb, void *arg,
		  struct sip_ctsx **ctp)
{
	if (!table)
		return -EINVAL;
	if (table->closing)
		return -ESHUTDOWN;
	struct tsx_key key;
	if (key_client(&key, zv_str_c(branch), method) < 0)
		return -ENOMEM;
	struct sip_ctsx *ct = calloc(1, sizeof(*ct) + key.len + 1);
	if (!ct) {
		key_fini(&key);
		return -ENOMEM;
	}
	ct->c.h.key = (char *)(ct + 1);
	key_set(&ct->c, &key);
	key_fini(&key);
	ct->req = malloc(len);
	if (!ct->req) {
		free(ct);
		return -ENOMEM;
	}
	memcpy(ct->req, buf, len);
	ct->req_len = len;
	ct->cb = cb;
	ct->arg = arg;
	snprintf(ct->branch, sizeof(ct->branch), "%s", branch);
	ct->c.h.method = method;
	ct->c.h.state = TSX_TRYING;
	ct->c.target = *target;
	ct->c.target.conn = sip_conn_ref(target->conn);
	ct->c.reliable = target->tp && sip_tp_proto(target->tp) != SIP_TP_UDP;
	ct->c.interval = T1;
	struct zv_loop *loop = zv_loop_current();
	zv_timer_init(&ct->c.retrans, loop, ctsx_retrans, ct);
	zv_timer_init(&ct->c.timeout, loop, ctsx_timeout, ct);
	atomic_fetch_add(&st_ctsx, 1);
	if (insert(&ct->c.h) < 0) {
		ctsx_free(ct);
		return -ENOMEM;
	}
	atomic_fetch_add(&st_tx_req, 1);
	int err = sip_send(&ct->c.target, buf, len);
	if (err) {
		ctsx_free(ct);
		return err;
	}
	if (!ct->c.reliable)
		zv_timer_start(&ct->c.retrans, T1, 0);
	zv_timer_start(&ct->c.timeout, 64 * T1, 0);
	if (ctp)
		*ctp = ct;
	return 0;
}

void sip_ctsx_abandon(struct sip_ctsx *ct)
{
	ct->cb = NULL;
}

/*
 * The ACK for a non-2xx final answer to our INVITE (RFC 3261 §17.1.1.3):
 * the request's Request-URI, top Via, Route, From, Call-ID, and the To of
 * the response.  Replaces the stored request so a retransmitted answer
 * gets the same ACK again.
 */
static void ctsx_send_ack(struct sip_ctsx *ct, const struct sip_rx *resp)
{
	struct sip_msg *req = malloc(sizeof(*req));
	if (!req)
		return;
	if (sip_msg_parse(ct->req, ct->req_len, req) < 0) {
		free(req);
		return;
	}
	struct sip_buf b;
	sip_buf_init(&b);
	sip_buf_printf(&b, "ACK %.*s SIP/2.0\r\n", ZV_STR_FMT(req->ruri));
	const struct sip_hdr *via = sip_msg_hdr(req, SIP_HDR_VIA);
	struct zv_str rest = via->value, top;
	sip_list_next(&rest, &top);
	sip_buf_printf(&b, "Via: %.*s\r\nMax-Forwards: 70\r\n", ZV_STR_FMT(top));
	for (const struct sip_hdr *h = sip_msg_hdr(req, SIP_HDR_ROUTE); h; h = sip_msg_hdr_next(req, h))
		sip_buf_printf(&b, "Route: %.*s\r\n", ZV_STR_FMT(h->value));
	sip_buf_printf(&b, "From: %.*s\r\n", ZV_STR_FMT(sip_msg_hdr(req, SIP_HDR_FROM)->value));
	sip_buf_printf(&b, "To: %.*s\r\n", ZV_STR_FMT(sip_msg_hdr(&resp->msg, SIP_HDR_TO)->value));
	sip_buf_printf(&b, "Call-ID: %.*s\r\nCSeq: %u ACK\r\nContent-Length: 0\r\n\r\n",
		       ZV_STR_FMT(req->call_id), req->cseq.seq);
	free(req);
	if (b.oom) {
		sip_buf_free(&b);
		return;
	}
	free(ct->req);
	ct->req = b.p;
	ct->req_len = b.len;
	sip_send(&ct->c.target, ct->req, ct->req_len);
}

static void handle_response(struct sip_rx *rx)
{
	atomic_fetch_add(&st_rx_resp, 1);
	const struct sip_msg *m = &rx->msg;
	enum sip_method method = (enum sip_method)m->cseq.method;
	struct tsx_key key;
	struct sip_ctsx *ct = NULL;
	if (key_client(&key, m->via.branch, method) == 0) {
		ct = (struct sip_ctsx *)lookup(key.p, key.len, key.hash, false); /* h first */
		key_fini(&key);
	}
	if (!ct) {
		/* Stray.  The INVITE client transaction ends at its first 2xx
		 * (RFC 3261 17.1.1.2), so a retransmitted 2xx lands here: the
		 * dialog layer re-sends its ACK (13.2.2.4).  Anything else is
		 * dropped. */
		sip_stray_response_cb *cb = atomic_load(&stray_cb);
		if (cb && method == SIP_METHOD_INVITE && m->status >= 200 && m->status < 300)
			cb(rx);
		sip_rx_free(rx);
		return;
	}
	unsigned status = m->status;
	if (ct->c.h.state == TSX_COMPLETED) {
		/* Retransmitted final response: absorb (and re-ACK INVITE). */
		if (ct->c.h.method == SIP_METHOD_INVITE)
			sip_send(&ct->c.target, ct->req, ct->req_len);
		sip_rx_free(rx);
		return;
	}
	if (status < 200) {
		if (ct->c.h.method == SIP_METHOD_INVITE)
			zv_timer_stop(&ct->c.retrans);
		ct->c.h.state = TSX_PROCEEDING;
		if (ct->cb)
			ct->cb(ct->arg, ct, status, rx);
		sip_rx_free(rx);
		return;
	}
	zv_timer_stop(&ct->c.retrans);
	zv_timer_stop(&ct->c.timeout);
	ctsx_finish(ct, status, rx);
	if (ct->c.h.method == SIP_METHOD_INVITE && status >= 300) {
		/* D: absorb retransmissions (32 s on UDP). */
		ctsx_send_ack(ct, rx);
		ct->c.h.state = TSX_COMPLETED;
		zv_timer_start(&ct->c.timeout, ct->c.reliable ? 0 : 32000, 0);
	} else if (ct->c.h.method != SIP_METHOD_INVITE) {
		/* K */
		ct->c.h.state = TSX_COMPLETED;
		zv_timer_start(&ct->c.timeout, ct->c.reliable ? 0 : T4, 0);
	} else {
		ctsx_free(ct);
	}
	sip_rx_free(rx);
}

void sip__tsx_rx(struct sip_rx *rx)
{
	if (!table)
		sip__tsx_worker_init(NULL);
	if (!table) {
		sip_rx_free(rx);
		return;
	}
	zv_core_load_sample(rx->rx_us);
	sip_rx_filter_cb *filter = atomic_load(&rx_filter);
	if (rx->msg.is_request && filter && !filter(rx)) {
		sip_rx_free(rx);
		return;
	}
	if (rx->msg.is_request)
		handle_request(rx);
	else
		handle_response(rx);
}

/* At shutdown a client transaction still waiting (an INVITE ringing, a
 * CANCEL before timer F) ends as its timeout would, with 408, so whoever
 * waits on it lets go of what it holds.  Callbacks may end other
 * transactions (entries shift), hence the rescan; they cannot start new
 * ones. */
static void finish_pending_clients(void)
{
	table->closing = true;
	for (bool again = true; again;) {
		again = false;
		for (size_t i = 0; i <= table->mask; i++) {
			struct tsx_head *t = table->slots[i].t;
			if (!t || t->server || t->remnant || !((struct sip_ctsx *)t)->cb)
				continue;
			ctsx_finish((struct sip_ctsx *)t, 408, NULL);
			again = true;
		}
	}
}

void sip__tsx_worker_fini(void *arg)
{
	if (!table)
		return;
	finish_pending_clients();
	/* Freeing shifts later entries back, never before the slot freed. */
	for (size_t i = 0; i <= table->mask;) {
		struct tsx_head *t = table->slots[i].t;
		if (!t) {
			i++;
		} else if (t->remnant) {
			unlink_tsx(t);
			atomic_fetch_sub(&st_remnants, 1);
			atomic_fetch_sub(&st_stsx, 1);
		} else if (t->server)
			stsx_free((struct sip_stsx *)t);
		else
			ctsx_free((struct sip_ctsx *)t);
	}
	size_t blocks = blocks_now();
	for (int i = 0; i < REM__COUNT; i++)
		zv_fifo_arena_fini(&table->remnants[i]);
	blocks_count(blocks);
	zv_timer_fini(&table->sweep);
	free(table->slots);
	free(table);
	table = NULL;
}
