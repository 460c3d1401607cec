/*
 * Internals shared by the dialplan engine's files: the current model, the
 * per-channel execution state, the executor loop used by Gosub/Macro, the
 * Local channel driver, hints and the CLI.  Not a public API: modules use
 * include/zvonok/pbx.h.
 *
 * THREADS: the current model is swapped on the main thread (commit) and
 * read from any thread through dp_engine_model_ref().  Everything taking
 * a channel runs on that channel's loop.
 */
#ifndef ZV_DP_ENGINE_H
#define ZV_DP_ENGINE_H

#include <stdbool.h>
#include <stddef.h>

#include <zvonok/pbx.h>

#include "dialplan/dp_model.h"

struct zv_channel;
struct zv_module;
struct zv_cli_req;

/* ---- the model in force (pbx.c) ---------------------------------------- */

/* A reference to the current model (never NULL once the module loaded:
 * an empty model stands in before the first commit); zv_unref() it. */
struct dp_model *dp_engine_model_ref(void);
/* Install m (a new reference is taken); main thread.  For tests and
 * commit. */
void dp_engine_model_set(struct dp_model *m);

/* ---- per-channel execution state (pbx.c) ------------------------------- */

struct dp_saved_var {
	char *name;
	char *value; /* NULL: the variable was unset */
};

/* One Gosub frame: where Return goes, and the LOCAL() variables to put
 * back. */
struct dp_frame {
	char *context, *exten;
	int prio; /* the priority to continue at */
	bool sync; /* pushed by zv_pbx_gosub_run(): Return ends that run */
	unsigned nargs;
	struct dp_saved_var *saved;
	size_t nsaved;
};

struct dp_while {
	char *context, *exten;
	int prio; /* of the While() */
};

struct dp_run {
	struct dp_model *model; /* referenced: the dialplan this call runs */
	bool jumped; /* a goto happened: do not advance */
	bool unwind; /* Return of a sync frame, or MacroExit: end the inner loop */
	bool in_h; /* running the h extension: the channel is already hung up */
	struct dp_frame *frames;
	size_t nframes;
	struct dp_while *whiles;
	size_t nwhiles;
	unsigned macro_depth;
};

/* The state of chan (created with a reference to the current model on
 * first use), or NULL on ENOMEM. */
struct dp_run *dp_run_get(struct zv_channel *chan);

/* Why an executor loop ended. */
enum dp_end {
	DP_END_RAN_OUT, /* no such priority: end of extension or bad location */
	DP_END_HANGUP, /* an application hung up, or the channel did */
	DP_END_UNWIND, /* Return of a sync frame, or MacroExit */
};

/* Run priorities from chan's location until one of the ends above. */
enum dp_end dp_exec_loop(struct zv_channel *chan, struct dp_run *run);

/* Does context/exten/prio exist in chan's model (or the current one)? */
bool dp_exists(struct zv_channel *chan, const char *context, const char *exten, int prio);

/* Jump like Goto (Asterisk semantics: also to a place that does not
 * exist; the executor then goes to `i`).  Sets the jumped flag. */
void dp_jump(struct zv_channel *chan, const char *context, const char *exten, int prio);

/*
 * Parse "[[context,]exten,]priority" (priority: number, +n/-n, or label)
 * relative to chan's location into *contextp and *extenp (heap, free()) and
 * *priop.  0, -EINVAL (syntax) or -ENOENT (label not found).
 */
int dp_goto_parse(struct zv_channel *chan, const char *target, char **contextp,
		  char **extenp, int *priop);

/* Is a condition true as GotoIf/ExecIf/While see it (Asterisk's
 * pbx_checkcondition: empty false, integers by value, other text true)? */
bool dp_check_condition(const char *s);

/*
 * Collect digits into an extension as Asterisk does after WaitExten()
 * and when autofallthrough is off: first digit (already read) then more
 * while the number can still grow, TIMEOUT(digit)-style 5 s between
 * digits.  Returns 0 and jumps (to the number, `i` or `t`), or
 * ZV_WAKE_HANGUP / -ENOENT (no handler: hang up).
 */
int dp_collect_and_jump(struct zv_channel *chan, int first_digit, unsigned first_timeout_ms);

/* Run one application by name with already-substituted data, printing the
 * Executing line as the pbx does. */
enum zv_app_result dp_exec_app(struct zv_channel *chan, const char *app, const char *data);

/* The common body of a channel's dialplan: run, then `h`, then destroy.
 * Runs inside the channel's coroutine; takes over one reference to chan. */
void dp_pbx_body(struct zv_channel *chan);

/* ---- control-flow applications (dp_apps.c) -------------------------------- */

int dp_apps_register(struct zv_module *mod);

/* ---- Local channels and originate (dp_local.c) ---------------------------- */

int dp_local_register(struct zv_module *mod);

enum dp_orig_kind {
	DP_ORIG_APP,
	DP_ORIG_EXTEN,
};

struct dp_originate {
	char *dest; /* "Local/100@ctx" */
	enum dp_orig_kind kind;
	char *app, *appdata; /* DP_ORIG_APP */
	char *context, *exten; /* DP_ORIG_EXTEN */
	int prio;
	unsigned timeout_ms; /* 0: 30 s */
	struct zv_channel *parent; /* Originate() caller (inherits vars), or NULL */
};

/*
 * Create the outgoing channel on the calling loop, call it and, once it
 * answers, run the application or the dialplan on it (in its own
 * coroutine).  Returns 0 when the call was placed (*chanp, may be NULL,
 * gets a reference to the outgoing channel), or a negative errno.  The
 * strings are copied.
 */
int dp_originate_start(const struct dp_originate *o, struct zv_channel **chanp);

/* ---- hints (dp_hints.c) ------------------------------------------------------ */

int dp_hints_load(struct zv_module *mod);
void dp_hints_unload(void);
/* Install the hints of m (main thread, after a commit). */
void dp_hints_update(const struct dp_model *m);
/* `core show hints` body. */
void dp_hints_show(struct zv_cli_req *req);
/* Aggregate extension state of a hint string now. */
int dp_hint_state(const char *hint);

/* ---- CLI (dp_cli.c) ------------------------------------------------------------ */

int dp_cli_register(struct zv_module *mod);

#endif
