/*
 * Daemon-wide state that channel drivers and applications consult.
 * Any thread.
 */
#ifndef ZVONOK_CORE_H
#define ZVONOK_CORE_H

#include <stdbool.h>
#include <stddef.h>

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

#endif
