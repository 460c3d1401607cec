/*
 * The CDR layer's private interface: the record a call leaves behind, the
 * per-channel state that builds it from channel events, the settings of
 * cdr.conf [general], and the backend registry the writer thread serves.
 * Nothing outside src/cdr includes this file.
 *
 * DESIGN (details in docs/design/cdr.md)
 * One struct cdr_live per channel, created by the engine's synchronous
 * Newchannel subscriber and kept in the channel's datastore CDR_DATASTORE.
 * It is touched only on the channel's loop: by the channel events
 * (published on that loop) and by CDR()/CDR_PROP() running in the
 * channel's coroutine.  At Hangup it is turned into an immutable struct
 * cdr_record, which goes to the writer thread's queue; backends (CSV,
 * sqlite) see records only on that thread, in hang-up order.
 *
 * The functions of cdr_record.c are pure (no channel, no I/O) so the rules
 * (disposition, billsec, which records are posted) are unit-tested from
 * event sequences.
 */
#ifndef ZV_CDR_CDR_H
#define ZV_CDR_CDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/time.h>

struct zv_channel;
struct zv_event;

#define CDR_DATASTORE "cdr-engine"

/* Asterisk's enum ast_cdr_disposition values. */
enum cdr_disposition {
	CDR_NOANSWER = 0,
	CDR_NULL = 1 << 0,
	CDR_FAILED = 1 << 1,
	CDR_BUSY = 1 << 2,
	CDR_ANSWERED = 1 << 3,
	CDR_CONGESTION = 1 << 4,
};

/* Asterisk's AMA flags (AST_AMA_*); the channel's 0 means the default,
 * DOCUMENTATION. */
enum cdr_ama {
	CDR_AMA_OMIT = 1,
	CDR_AMA_BILLING = 2,
	CDR_AMA_DOCUMENTATION = 3,
};

const char *cdr_disposition_name(int disposition);
const char *cdr_ama_name(int amaflags);

/* cdr.conf [general]. */
struct cdr_settings {
	bool enable;
	bool unanswered;
	bool congestion;
	bool endbeforehexten;
	bool initiatedseconds;
	bool batch; /* accepted; records are written at once */
	bool safeshutdown;
	bool channeldefaultenabled;
};

void cdr_settings_default(struct cdr_settings *s);

struct cdr_var {
	struct cdr_var *next;
	char *name;
	char *value;
};

/* A finished record: immutable once queued (heap, cdr_record_free()). */
struct cdr_record {
	char accountcode[80];
	char peeraccount[80];
	char src[80];
	char dst[80];
	char dcontext[80];
	char clid[168];
	char channel[80];
	char dstchannel[80];
	char lastapp[80];
	char lastdata[256];
	char userfield[256];
	char uniqueid[150];
	char linkedid[150];
	struct timeval start, answer, end;
	long duration, billsec;
	int disposition;
	int amaflags;
	unsigned sequence;
	struct cdr_var *vars; /* CDR(name)=value, in the order first set */
};

void cdr_record_free(struct cdr_record *rec);

/*
 * A field of rec as CDR(name[,options]) reads it: the built-in fields by
 * Asterisk's names, then the custom variables.  raw (option 'u'):
 * times as epoch.microseconds, disposition and amaflags as numbers.
 * Writes into buf; returns false when name is neither a built-in nor a
 * set variable (buf is then "").
 */
bool cdr_record_field(const struct cdr_record *rec, const char *name, bool raw, char *buf,
		      size_t len);

/* Is name one of the fields that CDR() may not set? */
bool cdr_field_readonly(const char *name);

/* Set or replace a custom variable (value NULL or "" deletes).  0 or
 * -ENOMEM. */
int cdr_vars_set(struct cdr_var **vars, const char *name, const char *value);
const char *cdr_vars_get(const struct cdr_var *vars, const char *name);
void cdr_vars_free(struct cdr_var *vars);

/* ---- the record being built (channel loop only) ---------------------- */

/* The text fields of a live record. */
enum cdr_live_str {
	CDR_S_CHANNEL,
	CDR_S_SRC,
	CDR_S_CLID,
	CDR_S_ACCOUNTCODE,
	CDR_S_DST,
	CDR_S_DCONTEXT,
	CDR_S_UNIQUEID,
	CDR_S_LINKEDID,
	CDR_S_DSTCHANNEL,
	CDR_S_PEERACCOUNT,
	CDR_S_LASTAPP,
	CDR_S_LASTDATA,
	CDR_S_USERFIELD,
	CDR_S_COUNT
};

/* The record being built.  Its text is kept as heap strings of their own
 * length (NULL: empty), not in a struct cdr_record's fixed fields (1.7
 * KiB a channel, two per bridged call, for ~150 bytes of text); the
 * fixed-width record is made by cdr_live_finish(), which truncates as the
 * record's fields do. */
struct cdr_live {
	char *str[CDR_S_COUNT];
	struct timeval start, answer, end;
	int amaflags;
	unsigned sequence;
	struct cdr_var *vars; /* CDR(name)=value */
	int state; /* last channel state seen (enum zv_chan_state) */
	int cause; /* hang-up cause of this channel */
	bool answered, ended, disabled;
	/* A channel created while another channel's coroutine ran (Dial):
	 * its caller's record, referenced.  Confirmed at hang-up. */
	struct cdr_live *parent;
	bool dialed;
	/* Party B, copied from a dialed leg when it ended. */
	bool has_peer, peer_answered;
	int peer_cause;
	/* Channel while it lives (borrowed; NULL after Hangup). */
	struct zv_channel *chan;
	struct cdr_live *next_live, *prev_live; /* this thread's live list */
};

/* A new live record (refcounted with zv_obj) from a Newchannel event, or
 * NULL on ENOMEM.  sequence is the CDR's global sequence number. */
struct cdr_live *cdr_live_alloc(const struct zv_event *ev, unsigned sequence);

/* A text field ("" when empty). */
const char *cdr_live_get(const struct cdr_live *live, enum cdr_live_str f);
/* Set a text field (NULL or "": empty); unchanged text costs nothing.
 * 0, or -ENOMEM (the field is then empty). */
int cdr_live_set(struct cdr_live *live, enum cdr_live_str f, const char *value);
/* src and clid from a caller ID number and name ("" when absent):
 * clid is "name" <num> with both, else whichever is set. */
void cdr_live_set_callerid(struct cdr_live *live, const char *num, const char *name);

/* Apply Newstate / Hangup (other names are ignored). */
void cdr_live_apply(struct cdr_live *live, const struct zv_event *ev);

/* A dialed leg ended: make it live's party B (the first leg, or a later
 * one that answered when the first did not). */
void cdr_live_set_peer(struct cdr_live *live, const struct cdr_live *leg);

/*
 * Fill out the final fields (end = now_tv when the record has not ended),
 * disposition, duration and billsec, by Asterisk's rules under s.
 */
void cdr_live_finish(const struct cdr_live *live, const struct cdr_settings *s,
		     const struct timeval *now, struct cdr_record *out);

/*
 * Should the finished record be posted?  Not when CDRs are disabled
 * (globally or on the channel), for a dialed leg that ran no dialplan
 * (Asterisk: the leg is the caller's party B), nor for an unanswered
 * record without a party B unless unanswered=yes.
 */
bool cdr_should_post(const struct cdr_live *live, const struct cdr_record *rec,
		     const struct cdr_settings *s);

/* Copy of rec with its variables (heap), or NULL on ENOMEM. */
struct cdr_record *cdr_record_dup(const struct cdr_record *rec);

/* ---- backends and the writer (cdr_engine.c) -------------------------- */

/*
 * A backend writes batches of records on the writer thread, in order.
 * write returns 0 or a negative errno (the records are then lost for that
 * backend, logged once per failure).
 */
struct cdr_backend {
	const char *name; /* "csv", "sqlite3_custom" as Asterisk names them */
	const char *description;
	int (*write)(void *arg, struct cdr_record *const *recs, size_t n);
	/* Optional: make what write() gave so far durable (fdatasync,
	 * checkpoint).  The writer calls it at most once per CDR_SYNC_MS
	 * after writes, and before it stops; write() itself need not sync,
	 * as a process crash or kill -9 cannot lose what was written. */
	void (*sync)(void *arg);
	void *arg;
	struct cdr_backend *next; /* private */
};

/* Longest time a written record stays unsynced (power loss only). */
#define CDR_SYNC_MS 1000

/* Main thread.  0 or -EEXIST. */
int cdr_backend_register(struct cdr_backend *be);
/* Waits until the records queued so far are written, then removes be. */
void cdr_backend_unregister(struct cdr_backend *be);

/* Block until the queue is empty and the writer idle (tests, shutdown). */
void cdr_flush(void);

/* The directory Master.csv and master.db go under (astlogdir). */
const char *cdr_logdir(void);

/* key of a cdr.conf section as a boolean into *out (the last setting
 * wins; a bad value is a warning with file:line and leaves *out). */
struct zv_conf_section;
struct zv_diag;
void cdr_conf_bool(const struct zv_conf_section *sec, const char *key, bool *out,
		   struct zv_diag *diag);

/* ---- CSV (cdr_csv.c) --------------------------------------------------- */

struct cdr_csv_opts {
	bool usegmtime, loguniqueid, loguserfield, accountlogs, newcdrcolumns;
};

/* One CSV line for rec (ending in "\n") in Asterisk's cdr_csv column
 * order and quoting, into buf.  Returns its length, or -ENOSPC when it
 * does not fit (buf then holds nothing usable). */
int cdr_csv_format(const struct cdr_record *rec, const struct cdr_csv_opts *o, char *buf,
		   size_t len);

/* "YYYY-MM-DD HH:MM:SS" of tv (local or GMT), "" for a zero time. */
void cdr_format_time(const struct timeval *tv, bool gmt, char *buf, size_t len);

#endif
