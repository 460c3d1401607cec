/*
 * Registrar internals shared by the files of src/sip/registrar/: digest
 * challenges and nonces (auth.c), failed-auth protection (protect.c), the
 * contact store and its sqlite persistence (store.c, persist.c), REGISTER
 * handling (register.c), qualify (qualify.c), CLI (cli.c) and the module
 * (module.c).  Not for use outside this folder: see registrar.h.
 *
 * auth.c is the only file that includes sip/parser/sip_digest.h: that
 * header's `struct sip_auth` (a parsed Authorization) has the same tag as
 * the endpoint model's `struct sip_auth` (sip/config/sip_config.h), so the
 * two cannot meet in one translation unit.  auth.c therefore copies the
 * parsed credentials into struct reg_cred.
 */
#ifndef SIP_REGISTRAR_REG_INT_H
#define SIP_REGISTRAR_REG_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <zvonok/str.h>

#include "sip/core/sip.h"
#include "sip/registrar/registrar.h"

/* ---- nonces and digest (auth.c) ------------------------------------------------ */

#define REG_NONCE_LIFETIME 30 /* seconds */
/* 16 hex digits of time (µs) + 8 of salt + 32 of HMAC-SHA256 (truncated). */
#define REG_NONCE_LEN 56

/* Pick the per-process random secret (idempotent; any thread). */
void reg_nonce_init(void);
/* A new nonce for the time now_us (wall clock, µs) into buf (>= 57). */
void reg_nonce_make(uint64_t now_us, char *buf, size_t size);

enum reg_nonce_state {
	REG_NONCE_VALID,
	REG_NONCE_EXPIRED, /* ours, but older than the lifetime */
	REG_NONCE_BAD, /* not ours (forged, from before a restart, mangled) */
};
enum reg_nonce_state reg_nonce_check(struct zv_str nonce, uint64_t now_us, unsigned lifetime_s);

/*
 * Replay protection: the highest nc seen per nonce.  Returns 0 and records
 * nc when it is above the highest seen for this nonce, -EALREADY when not
 * (a replay), -ENOMEM.  A table behind a mutex; entries are pruned when
 * their nonce has expired (reg_nc_prune()).  Any thread.
 */
int reg_nc_check(struct zv_str nonce, uint32_t nc, uint64_t now_us);
void reg_nc_prune(uint64_t now_us);
void reg_nc_clear(void);
size_t reg_nc_size(void);

/* Digest credentials copied from an Authorization header. */
struct reg_cred {
	char username[128];
	char realm[128];
	char nonce[128];
	char uri[512];
	char response[132];
	char cnonce[128];
	char qop[16];
	char nc[12];
	int alg; /* enum sip_digest_alg */
	bool sess;
	uint32_t nc_value;
};

/* Parse an Authorization value.  0, -EPROTONOSUPPORT (not Digest, unknown
 * algorithm), -EBADMSG, -ENOSPC (a field too long). */
int reg_cred_parse(struct zv_str value, struct reg_cred *c);

/*
 * The digest algorithms offered for an auth, in preference order: an auth
 * object's supported_algorithms_uas ("sha-256, md5", as Asterisk 20.12+
 * spells it) or, when list is NULL or names none we know, SHA-256 then
 * MD5 (RFC 8760 §2.4: the preferred first).
 */
#define REG_MAX_ALGS 3
struct reg_algs {
	int alg[REG_MAX_ALGS]; /* enum sip_digest_alg */
	unsigned n;
};
void reg_algs_parse(const char *list, struct reg_algs *algs);
/* The default for challenges not tied to an auth object (unknown users):
 * pjsip.conf [global] default_auth_algorithms_uas, refreshed by the
 * module once a second; SHA-256, MD5 when unset.  Any thread. */
void reg_algs_default(struct reg_algs *algs);
void reg_algs_set_default(const struct reg_algs *algs);

enum reg_auth_result {
	REG_AUTH_OK,
	REG_AUTH_STALE, /* right answer to an expired nonce: stale=true */
	REG_AUTH_FAIL, /* wrong password, foreign nonce, wrong realm */
	REG_AUTH_REPLAY, /* nc not above the last one seen */
};

/*
 * Check credentials against a password (or HA1 hex, MD5 only; password
 * NULL) for method, the expected realm and the algorithms offered (an
 * answer with another algorithm fails).  Records nc (replay table) when
 * the answer is right.
 */
enum reg_auth_result reg_auth_check(const struct reg_cred *c, const char *method,
				    const char *realm, const struct reg_algs *algs,
				    const char *password, const char *ha1, uint64_t now_us);


/* Append one WWW-Authenticate line per algorithm, each with a fresh
 * nonce. */
void reg_challenge_build(struct sip_buf *b, const char *realm, bool stale,
			 const struct reg_algs *algs, uint64_t now_us);

/* Wall clock in µs; monotonic clock in ms. */
uint64_t reg_now_us(void);
uint64_t reg_mono_ms(void);

/* ---- protection (protect.c) ------------------------------------------------------ */

struct reg_prot_cfg {
	unsigned threshold; /* failures that ban; 0 disables bans */
	unsigned window; /* seconds failures are counted over */
	unsigned ban_time; /* seconds */
	unsigned rate; /* unauthenticated requests per second, 0: no limit */
};

/* Tables behind one mutex, keyed by IP address (the port is ignored). */
void reg_prot_configure(const struct reg_prot_cfg *cfg);
bool reg_prot_banned(const struct sockaddr *sa, uint64_t now_ms);
/* Token bucket: true when an unauthenticated request may pass. */
bool reg_prot_rate_ok(const struct sockaddr *sa, uint64_t now_ms);
/* Count a failed authentication; true when this one started a ban.
 * *countp: failures in the current window. */
bool reg_prot_failure(const struct sockaddr *sa, uint64_t now_ms, unsigned *countp);
/* A successful authentication clears the failure count. */
void reg_prot_success(const struct sockaddr *sa);
/* Lift a ban ("1.2.3.4" or an IPv6 address): 0 or -ENOENT / -EINVAL. */
int reg_prot_unban(const char *ip);
/* Drop entries with nothing left to remember. */
void reg_prot_prune(uint64_t now_ms);
void reg_prot_clear(void);

struct reg_prot_entry {
	char ip[64];
	unsigned failures;
	uint64_t banned_until_ms; /* monotonic, 0: not banned */
};
/* Copy of the entries with failures or a ban (malloc'd array, free()). */
size_t reg_prot_list(uint64_t now_ms, struct reg_prot_entry **entriesp);

/* ---- contact store (store.c) ------------------------------------------------------ */

struct reg_contact {
	struct reg_contact *next; /* in its AOR, oldest registration first */
	uint64_t id;
	char *aor, *endpoint, *uri, *path, *user_agent, *call_id;
	uint32_t cseq;
	time_t expires, registered, updated;
	struct sip_sockaddr src; /* where the REGISTER came from */
	struct sip_sockaddr target; /* where requests go */
	char tp_name[48];
	struct sip_tp *tp; /* NULL after a restart until resolved */
	struct sip_conn *conn; /* referenced, NULL for UDP */
	bool pjsip; /* the endpoint is from pjsip.conf */
	enum sip_contact_status status;
	int64_t rtt_us;
	uint64_t next_qualify_ms; /* monotonic; 0: qualify soon */
	bool qualify_busy;
	char hash[12];
};

/* One Contact of a REGISTER, expiry already decided. */
struct reg_binding {
	const char *uri;
	unsigned expires;
};

/* What the REGISTER says about the registering device. */
struct reg_meta {
	const char *endpoint;
	bool pjsip;
	const char *call_id;
	uint32_t cseq;
	const char *path;
	const char *user_agent;
	struct sip_sockaddr src;
	struct sip_sockaddr target;
	struct sip_tp *tp;
	struct sip_conn *conn;
};

struct reg_policy {
	unsigned max_contacts;
	bool remove_existing;
};

/* Refreshes of a known contact are not changes: nothing to announce. */
enum reg_change_kind { REG_CREATED, REG_REMOVED, REG_STATUS };

/* A change to announce after the lock is released (events, devstate). */
struct reg_change {
	struct reg_change *next;
	enum reg_change_kind kind;
	char *aor, *endpoint, *uri, *user_agent, *call_id;
	bool pjsip;
	char via[80];
	time_t expires;
	enum sip_contact_status status;
	int64_t rtt_us;
};
void reg_changes_free(struct reg_change *list);

struct reg_store;

struct reg_store *reg_store_new(void);
void reg_store_free(struct reg_store *s);

/*
 * Apply one REGISTER's bindings to aor (RFC 3261 §10.3 steps 6-8):
 *  - star: remove every binding except those with the same Call-ID and a
 *    CSeq not lower than the request's (out of order);
 *  - a known URI with the same Call-ID and CSeq <= the stored one is left
 *    alone (out of order); otherwise it is refreshed, or removed with
 *    expires 0;
 *  - a new URI is added; when that would exceed max_contacts the oldest
 *    contacts not named in this request are removed (remove_existing), or
 *    nothing at all changes and -EXFULL is returned.
 * Changes are appended to *changesp (caller frees with
 * reg_changes_free()).  Returns 0, -EXFULL, -EPERM (max_contacts 0) or
 * -ENOMEM.
 */
int reg_store_apply(struct reg_store *s, const char *aor, const struct reg_binding *b,
		    size_t n, bool star, const struct reg_meta *m, const struct reg_policy *pol,
		    time_t now, struct reg_change **changesp);

/* Contact header lines of aor's current bindings with their remaining
 * expiry ("Contact: <uri>;expires=N\r\n"). */
void reg_store_contact_lines(struct reg_store *s, const char *aor, time_t now,
			     struct sip_buf *b);

/* Remove the contacts expired at now; returns how many. */
size_t reg_store_expire(struct reg_store *s, time_t now, struct reg_change **changesp);

/* Remove every contact of aor (NULL: all).  Returns how many. */
size_t reg_store_remove_aor(struct reg_store *s, const char *aor, struct reg_change **changesp);

/* Set a contact's qualify result.  A change of status is appended. */
void reg_store_set_status(struct reg_store *s, uint64_t id, enum sip_contact_status status,
			  int64_t rtt_us, uint64_t next_qualify_ms, struct reg_change **changesp);

/*
 * Visit contacts under the store lock: of aor (NULL: all AORs).  fn must
 * be short: no sending, no logging, no other locks.  Returns the count.
 */
typedef void(reg_contact_fn)(void *arg, struct reg_contact *c);
size_t reg_store_foreach(struct reg_store *s, const char *aor, reg_contact_fn *fn, void *arg);

size_t reg_store_count(struct reg_store *s, const char *aor);

/* Insert a contact as loaded from the database (takes c). */
void reg_store_insert_loaded(struct reg_store *s, struct reg_contact *c);

void reg_contact_free(struct reg_contact *c);

/* ---- persistence (persist.c) --------------------------------------------------- */

/*
 * Contacts in sqlite (<astdbdir>/sip_contacts.sqlite3).  The store marks
 * AORs dirty; reg_persist_flush() copies the dirty AORs' contacts under
 * the store lock and rewrites those rows in one transaction.  The module
 * runs it from the blocking pool once a second (never on a worker) and
 * once synchronously at stop.  One flush at a time (own mutex).
 */
int reg_persist_open(const char *path);
void reg_persist_close(void);
/* Load the unexpired contacts into s (at start).  Returns how many. */
int reg_persist_load(struct reg_store *s, time_t now);
/* Write the dirty AORs.  0 or -EIO. */
int reg_persist_flush(struct reg_store *s);
/* Internal to store.c/persist.c: take the dirty AOR names (malloc'd
 * NULL-terminated array) and copies of their contacts. */
struct reg_dirty {
	char **aors;
	size_t naors;
	struct reg_contact **contacts; /* copies */
	size_t ncontacts;
};
int reg_store_take_dirty(struct reg_store *s, struct reg_dirty *d);
void reg_dirty_free(struct reg_dirty *d);

/* ---- the running module (module.c, register.c, qualify.c) ---------------------- */

/* The store of the running module (NULL when stopped). */
struct reg_store *reg_store_peek(void);

/* Publish ContactStatus events and device states for changes (takes the
 * list).  Any thread. */
void reg_announce(struct reg_change *changes);

/* The bindings of one REGISTER (register.c). */
#define REG_MAX_BINDINGS 32
struct reg_req {
	struct reg_binding b[REG_MAX_BINDINGS];
	char *uris[REG_MAX_BINDINGS];
	size_t n;
	bool star;
	char path[1024];
};

/*
 * Read the Contact and Path headers of m into r (zeroed by the caller)
 * and decide each expiry: the contact's expires parameter, else the
 * Expires header, else deflt; above maximum is clamped; non-zero below
 * minimum gives 423.  "Contact: *" must be alone and come with Expires: 0.
 * Returns 0 or the status to answer: 400, 423, 500 (no memory).  Free r
 * with reg_req_free() in every case.
 */
unsigned reg_parse_contacts(const struct sip_msg *m, unsigned minimum, unsigned maximum,
			    unsigned deflt, struct reg_req *r);
void reg_req_free(struct reg_req *r);

/* The REGISTER handler and the admission filter. */
void reg_on_register(struct sip_stsx *st, const struct sip_rx *rx);
bool reg_rx_filter(const struct sip_rx *rx);
/* Security: count a failed authentication from rx (logs, bans). */
void reg_auth_failed(const struct sip_rx *rx, const char *account);

/* Qualify: per-worker timer. */
void reg_qualify_worker_start(void *arg);
void reg_qualify_worker_stop(void *arg);

/* CLI commands (cli.c). */
struct zv_module;
int reg_cli_register(struct zv_module *mod);

#endif
