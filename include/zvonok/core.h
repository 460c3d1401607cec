/*
 * Daemon-wide state that channel drivers and applications consult.
 * Any thread.
 */
#ifndef ZVONOK_CORE_H
#define ZVONOK_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Calls (channels) alive now; `core stop gracefully` waits for 0. */
long zv_core_active_calls(void);
/* False after `core stop gracefully` or above maxcalls: drivers refuse new
 * calls (SIP answers 503). */
bool zv_core_accepting_calls(void);
/* The channel core counts channels with these. */
void zv_core_call_started(void);
void zv_core_call_ended(void);
/* Channels ended since start (`core show channels`' "calls processed"). */
unsigned long zv_core_calls_processed(void);
/* zvonok.conf maxcalls; 0: no limit. */
unsigned zv_core_maxcalls(void);

/*
 * Overload protection (zvonok.conf [options] overload_delay,
 * overload_setup_calls, overload_retry_after, maxload; see
 * src/core/overload.c for the criteria).
 *
 * zv_core_load_sample: the calling worker handles a message that arrived
 * on the host at arrived_us (zv_mono_us()); feeds its delay detector.
 * Other threads: ignored.
 * zv_core_shed_call: true when a new call must be refused now (SIP: 503
 * with Retry-After: zv_core_retry_after()); the refusal is counted.
 * Any thread (the delay criterion is the calling worker's).
 * zv_core_setup_begin/end: a call's set-up began (INVITE received) and
 * ended (final answer sent, or the transaction gone).  Any thread.
 */
void zv_core_load_sample(uint64_t arrived_us);
bool zv_core_shed_call(void);
unsigned zv_core_retry_after(void);
void zv_core_setup_begin(void);
void zv_core_setup_end(void);
long zv_core_calls_in_setup(void);
/* Calls refused by zv_core_shed_call() since start. */
unsigned long zv_core_overload_refused(void);

/* n cryptographically random bytes (a per-thread pool refilled from
 * OpenSSL's DRBG); for tags, Call-IDs, SSRCs.  Key material should call
 * RAND_bytes() itself.  Any thread. */
void zv_random_bytes(void *out, size_t n);

/* Directories from zvonok.conf (astdatadir, astspooldir, ...). */
const char *zv_core_datadir(void);
const char *zv_core_spooldir(void);
/* astdbdir: where sqlite databases live (astdb.sqlite3, sip_contacts...);
 * NULL when not configured (unit tests). */
const char *zv_core_dbdir(void);
const char *zv_core_systemname(void);
/* zvonok.conf [options] dontwarn (Asterisk's): leave out informational
 * disclaimers such as the one of `core show codecs`. */
bool zv_core_dontwarn(void);

#endif
