/*
 * Core-private interfaces between the pieces of src/core and the daemon's
 * main().  Modules never include this file: their API is include/zvonok/.
 */
#ifndef ZVONOK_CORE_INTERNAL_H
#define ZVONOK_CORE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <zvonok/config.h>
#include <zvonok/core.h>
#include <zvonok/diag.h>
#include <zvonok/loop.h>
#include <zvonok/module.h>

/* ZV_ASAN: built with AddressSanitizer (GCC says so with a macro, clang
 * with __has_feature): coroutine stack switches must be announced to it,
 * and it keeps its own heap. */
#if defined(__SANITIZE_ADDRESS__)
#define ZV_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ZV_ASAN 1
#endif
#endif

/* ---- settings from zvonok.conf (asterisk.conf) ----------------------- */

struct zv_settings {
	char *config_file; /* the zvonok.conf actually read, or NULL */
	char *confdir; /* astetcdir */
	char *rundir; /* astrundir: control socket, pid file */
	char *logdir; /* astlogdir */
	char *spooldir; /* astspooldir */
	char *vardir; /* astvarlibdir */
	char *datadir; /* astdatadir: sounds, moh */
	char *dbdir; /* astdbdir: astdb.sqlite3 */
	char *socket_path; /* rundir/zvonok.ctl */
	char *systemname;
	unsigned workers; /* 0: one per core */
	int verbose, debug;
	unsigned maxcalls;
	double maxload; /* refuse calls above this 1-minute load average; 0 off */
	unsigned overload_delay_ms; /* enter overload above this message delay; 0 off */
	unsigned overload_setup_calls; /* refuse at this many calls in set-up; 0 off */
	unsigned overload_retry_after; /* Retry-After of the 503, seconds */
	bool foreground, console, dump_core;
	bool dont_warn; /* dontwarn: no disclaimer in `core show codecs` */
};

extern struct zv_settings zv_settings;

/*
 * Find and read zvonok.conf (falling back to asterisk.conf) from path,
 * which is a directory or a file, or NULL for the default location.
 * Fills zv_settings.  Problems go to diag.  Returns 0 or negative errno.
 */
int zv_settings_load(const char *path, struct zv_diag *diag);
void zv_settings_free(void);

/* ---- logger ---------------------------------------------------------- */

struct zv_log_channel {
	struct zv_log_channel *next;
	bool is_console;
	char *path;
	FILE *fp;
	unsigned levels; /* bit per enum zv_log_level */
	int verbose; /* verbose(N) limit, -1: the global level */
};

void zv_log__set_console(FILE *f);
void zv_log__channels_free(struct zv_log_channel *list);
/* Replace the output channels (takes ownership of list). */
void zv_log__configure(struct zv_log_channel *list, const char *datefmt);
void zv_log__shutdown(void);
int zv_log__parse_levels(struct zv_log_channel *c, const char *spec,
			 struct zv_diag *diag, const char *file, unsigned line);

/* ---- loops ------------------------------------------------------------ */

/* Create the main loop (calling thread) and n workers (0: one per core).
 * Workers start running at once. */
int zv_loops_init(unsigned n);
/* Run the main loop until zv_main_loop_exit(). */
void zv_main_loop_run(void);
void zv_main_loop_exit(void);
/* Stop and join the workers and the pool; pending posts are dropped. */
void zv_loops_fini(void);
uint64_t zv_loops_start_time_us(void);

/* ---- overload (overload.c) ------------------------------------------- */

/*
 * A worker's overload detector: the queueing delay of the SIP messages it
 * handles (arrival on the host to handling), smoothed over time, with
 * hysteresis.  Written only by the worker's thread; the atomics are read
 * by the CLI.
 */
struct zv_overload {
	uint64_t last_us; /* time of the last sample, 0: none yet */
	int64_t delay_us; /* smoothed delay (time-weighted, ZV_OVERLOAD_TAU_US) */
	uint64_t since_us; /* when the current state began */
	_Atomic uint32_t shown_delay_us; /* delay_us for the CLI */
	_Atomic uint32_t max_delay_us; /* highest single sample */
	_Atomic bool on;
	_Atomic uint64_t episodes; /* times it went on */
	_Atomic uint64_t refused; /* calls refused while on (any criterion) */
};

#define ZV_OVERLOAD_TAU_US 100000 /* smoothing time constant */
#define ZV_OVERLOAD_HOLD_US 500000 /* shortest overload episode */

/* One sample: a message that arrived at arrived_us was handled at now_us
 * (both zv_mono_us()).  Turns the detector on above high_us, off below
 * high_us / 4 once on for ZV_OVERLOAD_HOLD_US.  high_us 0: never on.
 * Pure (no clock read): unit-tested with made-up times. */
void zv__overload_sample(struct zv_overload *o, uint64_t now_us, uint64_t arrived_us,
			 uint64_t high_us);
/* The calling worker's detector (NULL on other threads) and worker idx's. */
struct zv_overload *zv__overload_current(void);
struct zv_overload *zv__loop_overload(struct zv_loop *loop);
/* Cached 1-minute load average (refreshed at most once a second). */
double zv__loadavg(void);
struct zv_cli_req;
void zv__overload_show(struct zv_cli_req *req);

/* ---- snapshots -------------------------------------------------------- */

/*
 * Parse each named file in confdir into a new snapshot.  Missing files are
 * absent from it.  Every file is tried even after an error: on -EINVAL the
 * snapshot is still returned with the broken files absent and marked
 * failed (zv_snapshot_file_failed()), so every module can be checked and
 * all problems reported at once; such a snapshot must never become
 * current.  Returns 0, -EINVAL (diag has the errors) or -ENOMEM (no
 * snapshot).
 */
int zv_snapshot_build(const char *confdir, const char *const *files,
		      size_t nfiles, struct zv_diag *diag,
		      struct zv_snapshot **snapp);
bool zv_snapshot_file_known(const struct zv_snapshot *snap, const char *name);
bool zv_snapshot_file_failed(const struct zv_snapshot *snap, const char *name);
/* Copy base, re-reading the files in names (adding those base lacks);
 * other files are shared with base.  Same results as zv_snapshot_build(). */
int zv_snapshot_rebuild_some(const struct zv_snapshot *base,
			     const char *const *names, size_t n,
			     struct zv_diag *diag, struct zv_snapshot **snapp);
/* Make snap current (takes a reference), numbering its generation. */
void zv_snapshot_set_current(struct zv_snapshot *snap);

/* ---- module registry -------------------------------------------------- */

/*
 * Decide which linked-in modules load (modules.conf in confdir), order
 * them by .requires and run their load().  Problems go to diag.
 */
int zv_modules_load_all(const char *confdir, struct zv_diag *diag);
/* Parse every file the loaded modules read; prepare all; commit all or
 * none.  On success the snapshot becomes current.  Returns 0, or -EINVAL
 * with the reasons in diag (nothing changed). */
int zv_modules_configure(struct zv_diag *diag);
/* As above for one module's files only (`module reload name`). */
int zv_modules_reconfigure_one(const char *name, struct zv_diag *diag);
int zv_modules_start_all(void);
void zv_modules_stop_all(void);
void zv_modules_unload_all(void);

/* ---- control socket, console ----------------------------------------- */

int zv_ctl_listen(const char *path);
void zv_ctl_close(void);
/* -r / -rx client.  Returns the process exit status. */
int zv_ctl_remote(const char *path, const char *command);
/* -c: a console on stdin/stdout running commands in-process. */
int zv_console_start(void);

/* ---- shutdown and reload requests (any thread) ------------------------ */

enum zv_stop_mode {
	ZV_STOP_NOW,
	ZV_STOP_GRACEFULLY, /* refuse new calls, wait for calls to end */
	ZV_STOP_WHEN_CONVENIENT, /* wait for calls to end, keep accepting */
};
void zv_core_request_stop(enum zv_stop_mode mode);
void zv_core_request_reload(void);
/* Reload now (main loop); result text into diag. */
int zv_core_reload(struct zv_diag *diag);

/* Log every diag entry at its severity; returns the error count. */
size_t zv_diag_log(const struct zv_diag *diag);

#endif
