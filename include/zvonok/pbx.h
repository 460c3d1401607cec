/*
 * The dialplan's extension points: applications, functions, execution.
 *
 * Applications (Dial, Set, Goto, ...) and functions (CALLERID(), CUT(),
 * DB(), ...) are registered against a module handle and disappear when it
 * unloads.  Both run on the channel's loop inside the channel's
 * coroutine, so they may wait (zv_channel_wait(), zv_channel_sleep()); they
 * must not block the thread (use zv_pool_submit() for blocking work and
 * wait for its completion).
 *
 *   static enum zv_app_result noop_exec(struct zv_channel *chan, const char *data)
 *   {
 *           return ZV_APP_CONTINUE;
 *   }
 *   static const struct zv_app noop_app = {
 *           .name = "NoOp", .synopsis = "Do Nothing", .syntax = "NoOp([text])",
 *           .exec = noop_exec,
 *   };
 *   ... zv_app_register(mod, &noop_app);
 */
#ifndef ZVONOK_PBX_H
#define ZVONOK_PBX_H

#include <stdbool.h>
#include <stddef.h>

struct zv_channel;
struct zv_module;

/* What the dialplan does after an application returns. */
enum zv_app_result {
	ZV_APP_CONTINUE = 0, /* next priority (or where a goto pointed) */
	ZV_APP_HANGUP, /* stop the dialplan and hang up (Asterisk's -1) */
};

struct zv_app {
	const char *name; /* case-insensitive at lookup */
	const char *synopsis; /* one line */
	const char *syntax; /* e.g. "Set(name=value)" */
	const char *description; /* what `core show application X` prints */
	/* data: the arguments after ${} substitution, not yet split (use
	 * the argument splitter with Asterisk's rules); never NULL. */
	enum zv_app_result (*exec)(struct zv_channel *chan, const char *data);
};

struct zv_func {
	const char *name; /* upper case by convention, case-insensitive */
	const char *synopsis;
	const char *syntax;
	const char *description;
	/* Write the value into buf (len bytes, NUL-terminated).  args is the
	 * text between the parentheses (substituted, writable, not split).
	 * Return 0 or a negative errno (the expression then yields ""). */
	int (*read)(struct zv_channel *chan, const char *name, char *args, char *buf,
		    size_t len);
	/* Set(FUNC(args)=value).  NULL: read-only. */
	int (*write)(struct zv_channel *chan, const char *name, char *args,
		     const char *value);
};

/* Register (main thread); removed when mod unloads.  0, -EEXIST, -ENOMEM. */
int zv_app_register(struct zv_module *mod, const struct zv_app *app);
int zv_func_register(struct zv_module *mod, const struct zv_func *func);
/* Register n applications / functions; stops at the first failure (those
 * registered so far stay owned by mod and go when it unloads). */
int zv_apps_register(struct zv_module *mod, const struct zv_app *apps, size_t n);
int zv_funcs_register(struct zv_module *mod, const struct zv_func *funcs, size_t n);

/* Lookup by name, case-insensitive (any thread; valid while the owning
 * module stays loaded, which is true for the duration of a call). */
const struct zv_app *zv_app_find(const char *name);
const struct zv_func *zv_func_find(const char *name);
void zv_app_foreach(void (*cb)(void *arg, const struct zv_app *app), void *arg);
void zv_func_foreach(void (*cb)(void *arg, const struct zv_func *func), void *arg);

/* Run an application on chan (records it for `core show channels`). */
enum zv_app_result zv_app_exec(struct zv_channel *chan, const struct zv_app *app,
			       const char *data);

/*
 * Call a function given as "NAME(args)" (read: result into buf; write:
 * set it).  chan may be NULL for functions that need none.  0, -ENOENT
 * (no such function), -EINVAL (syntax), -EPERM (read-only) or the
 * function's error.
 */
int zv_func_read(struct zv_channel *chan, const char *expr, char *buf, size_t len);
int zv_func_write(struct zv_channel *chan, const char *expr, const char *value);

/* Global variables ([globals] and Set(GLOBAL(x)=...)); any thread.
 * get copies into buf; -ENOENT when unset.  set with NULL deletes. */
int zv_pbx_global_get(const char *name, char *buf, size_t len);
int zv_pbx_global_set(const char *name, const char *value);

/*
 * ${...}/$[...] substitution with chan's variables, the globals and the
 * functions (chan may be NULL).  Result into a new heap string *outp
 * (free() it).  0 or a negative errno (see dp_subst()).
 */
int zv_pbx_substitute(struct zv_channel *chan, const char *in, char **outp);

/* Value of a variable as ${name} sees it: the channel's own variables,
 * then Asterisk's built-ins (EXTEN, CONTEXT, PRIORITY, CHANNEL, UNIQUEID,
 * CALLERID(num) aliases such as CALLERIDNUM, EPOCH, HANGUPCAUSE,
 * DIALSTATUS...), then the globals.  0 or -ENOENT. */
int zv_pbx_var_get(struct zv_channel *chan, const char *name, char *buf, size_t len);

/* ---- running the dialplan (implemented by the dialplan engine) ------ */

/*
 * Start the dialplan on chan from its context/exten/priority in a new
 * coroutine on chan's loop (the caller must be on that loop).  When it
 * ends, the `h` extension runs if present and the channel is destroyed.
 * 0 or a negative errno.
 */
int zv_pbx_start(struct zv_channel *chan);

/*
 * A module may take a new channel before its dialplan starts (features.conf
 * pickupexten: the extension asked for picks up a ringing call, whatever
 * the dialplan has).  The hook runs first in the coroutine of every
 * channel started by zv_pbx_start() (Local channels excepted) and returns
 * true when it handled the channel, which then hangs up without running
 * the dialplan or `h`.  One hook; registered against mod (dropped when it
 * unloads).  Main thread.  0, -EBUSY (another hook), -ENOMEM.
 */
typedef bool(zv_pbx_start_hook)(struct zv_channel *chan);
int zv_pbx_start_hook_register(struct zv_module *mod, zv_pbx_start_hook *hook);

/*
 * A module may add contexts to the dialplan, as Asterisk's res_parking
 * creates its lots' extensions: each time extensions.conf is built (load,
 * `dialplan reload`, `core reload`), provider(snap, &text) returns .conf
 * text in extensions.conf syntax (malloc'd, freed by the caller) made from
 * that snapshot; its contexts are merged after extensions.conf's.  A
 * non-zero return adds nothing.  One provider; registered against mod.
 * Main thread.  0 or -EBUSY.
 */
struct zv_snapshot;
typedef int(zv_pbx_dialplan_provider)(const struct zv_snapshot *snap, char **textp);
int zv_pbx_dialplan_provider_register(struct zv_module *mod, zv_pbx_dialplan_provider *cb);

/*
 * Collect an extension from the caller's digits, as after WaitExten() or
 * a digit pressed during Background(): first_digit (0: wait up to
 * first_timeout_ms for one), then more while the number can still grow,
 * and jump to it (or to `i`, or `t` on time-out).  Coroutine only.
 * 0 after the jump, ZV_WAKE_HANGUP, or -ENOENT (nowhere to go).
 */
int zv_pbx_collect_and_jump(struct zv_channel *chan, int first_digit, unsigned first_timeout_ms);

/* Jump (Goto semantics: the pbx does not advance the priority after the
 * current application).  NULL context/exten keep the current ones.
 * 0 or -ENOENT when the target does not exist. */
int zv_pbx_goto(struct zv_channel *chan, const char *context, const char *exten,
		int priority);
/* Parse "[[context,]exten,]priority" or a label as Goto() does and jump. */
int zv_pbx_parseable_goto(struct zv_channel *chan, const char *target);

/* Does context/exten/priority exist (callerid may be NULL)? */
bool zv_pbx_exists(struct zv_channel *chan, const char *context, const char *exten,
		   int priority, const char *callerid);
/* Could exten still match with more digits (overlap dialing)? */
bool zv_pbx_canmatch(struct zv_channel *chan, const char *context, const char *exten,
		     const char *callerid);
bool zv_pbx_matchmore(struct zv_channel *chan, const char *context, const char *exten,
		      const char *callerid);
/* Priority number of a label in context/exten, or -ENOENT. */
int zv_pbx_findlabel(struct zv_channel *chan, const char *context, const char *exten,
		     const char *label, const char *callerid);

/*
 * Run a subroutine (Gosub) or macro synchronously on chan from an
 * application (e.g. Dial's U() and M() options): returns when it returns.
 * 0 or a negative errno; ZV_WAKE_HANGUP semantics apply.
 */
int zv_pbx_gosub_run(struct zv_channel *chan, const char *target, const char *args);

/* Hint of context/exten ("SIP/100&Custom:x") into buf; 0 or -ENOENT. */
int zv_pbx_hint_get(const char *context, const char *exten, char *buf, size_t len);
/* Extension state (ZV_EXTSTATE_* from devstate.h) of a hint; -ENOENT. */
int zv_pbx_extension_state(const char *context, const char *exten);

#endif
