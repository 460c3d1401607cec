/*
 * Control-flow applications of the dialplan engine: Goto, GotoIf,
 * GotoIfTime, ExecIf, ExecIfTime, Exec, Gosub, GosubIf, Return, StackPop,
 * Macro, MacroExit, While, EndWhile, ExitWhile, ContinueWhile, WaitExten,
 * and the functions LOCAL() and LOCAL_PEEK() that scope Gosub variables;
 * also zv_pbx_gosub_run().
 *
 * DESIGN
 * Gosub pushes a frame (struct dp_frame, in the channel's dp_run) holding
 * the return address and the previous values of every variable set
 * through LOCAL() or as an argument (ARG1..n); Return puts them back and
 * jumps.  A frame pushed by zv_pbx_gosub_run() (Dial's U() option and
 * friends) is marked sync: its Return ends the nested executor loop
 * instead of jumping.  Macro runs its context in a nested executor loop
 * and comes back when the priorities run out or MacroExit runs.
 * While keeps a stack of the While() locations; a false condition,
 * ExitWhile and the search for the matching EndWhile scan the priorities
 * of the extension, counting nested While/EndWhile pairs.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ZV_LOG_MODULE "pbx"
#include <zvonok/channel.h>
#include <zvonok/log.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>

#include "dialplan/dp_args.h"
#include "dialplan/dp_engine.h"
#include "dialplan/dp_time.h"

#define GOSUB_MAX_DEPTH 1000
#define MACRO_MAX_DEPTH 7
#define MAX_ARGS 100

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* First c in s outside (...) and [...], or NULL. */
static char *find_top(char *s, char c)
{
	int depth = 0;
	for (char *p = s; *p; p++) {
		if (*p == '(' || *p == '[')
			depth++;
		else if ((*p == ')' || *p == ']') && depth)
			depth--;
		else if (*p == c && !depth)
			return p;
	}
	return NULL;
}

/* "App(args)" or "App,args" → name and args (in place). */
static void split_call(char *s, char **namep, char **argsp)
{
	s = trim(s);
	char *paren = strchr(s, '(');
	char *comma = strchr(s, ',');
	char *args = "";
	if (paren && (!comma || paren < comma)) {
		*paren = '\0';
		args = paren + 1;
		char *close = strrchr(args, ')');
		if (close)
			*close = '\0';
	} else if (comma) {
		*comma = '\0';
		args = comma + 1;
	}
	*namep = trim(s);
	*argsp = args;
}

/* ---- Goto family -------------------------------------------------------------- */

static enum zv_app_result do_goto(struct zv_channel *chan, const char *target)
{
	char *ctx, *ext;
	int prio;
	if (dp_goto_parse(chan, target, &ctx, &ext, &prio))
		return ZV_APP_HANGUP;
	dp_jump(chan, ctx, ext, prio);
	zv_verb(3, "Goto (%s,%s,%d)", ctx, ext, prio);
	free(ctx);
	free(ext);
	return ZV_APP_CONTINUE;
}

static enum zv_app_result goto_exec(struct zv_channel *chan, const char *data)
{
	if (!*data) {
		zv_warn("Goto requires an argument ([[context,]extension,]priority or label)");
		return ZV_APP_HANGUP;
	}
	return do_goto(chan, data);
}

/* The branch of "a:b" (the text after '?') that cond picks; may be
 * empty.  In place. */
static char *choose(bool cond_true, char *after_q)
{
	char *colon = find_top(after_q, ':');
	if (colon)
		*colon = '\0';
	char *t = trim(after_q);
	char *f = colon ? trim(colon + 1) : "";
	return cond_true ? t : f;
}

static enum zv_app_result gotoif_exec(struct zv_channel *chan, const char *data)
{
	char *copy = strdup(data);
	if (!copy)
		return ZV_APP_HANGUP;
	char *q = strchr(copy, '?');
	if (!q) {
		zv_warn("GotoIf requires an argument (condition?label1[:label2])");
		free(copy);
		return ZV_APP_CONTINUE;
	}
	*q = '\0';
	char *target = choose(dp_check_condition(copy), q + 1);
	enum zv_app_result r = *target ? do_goto(chan, target) : ZV_APP_CONTINUE;
	free(copy);
	return r;
}

static enum zv_app_result gotoiftime_exec(struct zv_channel *chan, const char *data)
{
	char *copy = strdup(data);
	if (!copy)
		return ZV_APP_HANGUP;
	char *q = strrchr(copy, '?');
	if (!q) {
		zv_warn("GotoIfTime requires an argument: <time range>,<days of week>,<days of month>,<months>[,<timezone>]?'labeliftrue':'labeliffalse'");
		free(copy);
		return ZV_APP_CONTINUE;
	}
	*q = '\0';
	char *target = choose(dp_time_match(copy, time(NULL)), q + 1);
	enum zv_app_result r = *target ? do_goto(chan, target) : ZV_APP_CONTINUE;
	free(copy);
	return r;
}

/* ---- Exec family -------------------------------------------------------------- */

static enum zv_app_result run_call(struct zv_channel *chan, char *call)
{
	char *name, *args;
	split_call(call, &name, &args);
	if (!*name)
		return ZV_APP_CONTINUE;
	return dp_exec_app(chan, name, args);
}

static enum zv_app_result execif_exec(struct zv_channel *chan, const char *data)
{
	char *copy = strdup(data);
	if (!copy)
		return ZV_APP_HANGUP;
	enum zv_app_result r = ZV_APP_CONTINUE;
	char *q = find_top(copy, '?');
	if (!q) {
		/* Legacy ExecIf(cond,app,args). */
		char *comma = strchr(copy, ',');
		if (!comma) {
			zv_warn("ExecIf requires an argument: expr?app1(args):app2(args)");
		} else {
			*comma = '\0';
			if (dp_check_condition(copy))
				r = run_call(chan, comma + 1);
		}
		free(copy);
		return r;
	}
	*q = '\0';
	char *branch = choose(dp_check_condition(copy), q + 1);
	if (*branch)
		r = run_call(chan, branch);
	free(copy);
	return r;
}

static enum zv_app_result execiftime_exec(struct zv_channel *chan, const char *data)
{
	char *copy = strdup(data);
	if (!copy)
		return ZV_APP_HANGUP;
	enum zv_app_result r = ZV_APP_CONTINUE;
	char *q = strchr(copy, '?');
	if (!q)
		zv_warn("ExecIfTime requires an argument: <time range>,<days of week>,<days of month>,<months>[,<timezone>]?<appname>[(<appargs>)]");
	else {
		*q = '\0';
		if (dp_time_match(copy, time(NULL)))
			r = run_call(chan, q + 1);
	}
	free(copy);
	return r;
}

static enum zv_app_result exec_exec(struct zv_channel *chan, const char *data)
{
	char *copy = strdup(data);
	if (!copy)
		return ZV_APP_HANGUP;
	enum zv_app_result r = run_call(chan, copy);
	free(copy);
	return r;
}

/* ---- Gosub ------------------------------------------------------------------------ */

static struct dp_frame *top_frame(struct dp_run *run)
{
	return run->nframes ? &run->frames[run->nframes - 1] : NULL;
}

/* Set name as a LOCAL() of frame f: remember its previous value once. */
static int frame_set(struct zv_channel *chan, struct dp_frame *f, const char *name,
		     const char *value)
{
	bool saved = false;
	for (size_t i = 0; i < f->nsaved; i++)
		if (!strcmp(f->saved[i].name, name))
			saved = true;
	if (!saved) {
		struct dp_saved_var *nv = realloc(f->saved, (f->nsaved + 1) * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		f->saved = nv;
		const char *old = zv_channel_var_get(chan, name);
		struct dp_saved_var sv = {strdup(name), old ? strdup(old) : NULL};
		if (!sv.name || (old && !sv.value)) {
			free(sv.name);
			free(sv.value);
			return -ENOMEM;
		}
		f->saved[f->nsaved++] = sv;
	}
	return zv_channel_var_set(chan, name, value);
}

/* Pop the top frame, restoring its variables.  The frame's return address
 * is copied out first when wanted. */
static void frame_pop(struct zv_channel *chan, struct dp_run *run, struct dp_frame *outp)
{
	struct dp_frame *f = top_frame(run);
	for (size_t i = f->nsaved; i-- > 0;) {
		zv_channel_var_set(chan, f->saved[i].name, f->saved[i].value);
		free(f->saved[i].name);
		free(f->saved[i].value);
	}
	free(f->saved);
	f->saved = NULL;
	f->nsaved = 0;
	if (outp)
		*outp = *f;
	else {
		free(f->context);
		free(f->exten);
	}
	run->nframes--;
}

/*
 * Push a frame returning to ret_* and jump to target with args.
 * target is "[[context,]exten,]priority[(args)]".  Returns 0 or -1 (bad
 * target: the caller hangs up).
 */
static int gosub_push(struct zv_channel *chan, struct dp_run *run, const char *target,
		      const char *ret_ctx, const char *ret_ext, int ret_prio, bool sync)
{
	char *copy = strdup(target);
	if (!copy)
		return -1;
	char *args = NULL;
	char *paren = strchr(copy, '(');
	if (paren) {
		*paren = '\0';
		args = paren + 1;
		char *close = strrchr(args, ')');
		if (close)
			*close = '\0';
	}
	char *ctx, *ext;
	int prio;
	if (run->nframes >= GOSUB_MAX_DEPTH) {
		zv_error("Gosub stack of %s too deep (%d frames)", zv_channel_name(chan),
			 GOSUB_MAX_DEPTH);
		free(copy);
		return -1;
	}
	if (dp_goto_parse(chan, trim(copy), &ctx, &ext, &prio)) {
		free(copy);
		return -1;
	}
	if (!dp_exists(chan, ctx, ext, prio)) {
		zv_error("Attempt to reach a non-existent destination for Gosub: (Context:%s, Extension:%s, Priority:%d)",
			 ctx, ext, prio);
		free(ctx);
		free(ext);
		free(copy);
		return -1;
	}
	char *argv[MAX_ARGS];
	size_t argc = 0;
	if (args && *args)
		dp_args_split(args, ',', DP_ARGS_RAW, argv, MAX_ARGS, &argc);
	unsigned prev_args = run->nframes ? top_frame(run)->nargs : 0;
	struct dp_frame *nf = realloc(run->frames, (run->nframes + 1) * sizeof(*nf));
	if (!nf)
		goto nomem;
	run->frames = nf;
	struct dp_frame *f = &run->frames[run->nframes];
	memset(f, 0, sizeof(*f));
	f->context = strdup(ret_ctx);
	f->exten = strdup(ret_ext);
	f->prio = ret_prio;
	f->sync = sync;
	f->nargs = (unsigned)argc;
	if (!f->context || !f->exten) {
		free(f->context);
		free(f->exten);
		goto nomem;
	}
	run->nframes++;
	char name[32];
	for (size_t i = 0; i < argc; i++) {
		snprintf(name, sizeof(name), "ARG%zu", i + 1);
		frame_set(chan, f, name, argv[i]);
	}
	for (unsigned i = (unsigned)argc; i < prev_args; i++) {
		snprintf(name, sizeof(name), "ARG%u", i + 1);
		frame_set(chan, f, name, NULL);
	}
	dp_jump(chan, ctx, ext, prio);
	free(ctx);
	free(ext);
	free(copy);
	return 0;
nomem:
	free(ctx);
	free(ext);
	free(copy);
	return -1;
}

static enum zv_app_result gosub_exec(struct zv_channel *chan, const char *data)
{
	struct dp_run *run = dp_run_get(chan);
	if (!*data) {
		zv_error("Gosub requires an argument: [[context,]exten,]priority[(arg1[,...][,argN])]");
		return ZV_APP_HANGUP;
	}
	if (!run)
		return ZV_APP_HANGUP;
	char *ret_ctx = strdup(zv_channel_context(chan));
	char *ret_ext = strdup(zv_channel_exten(chan));
	int err = (!ret_ctx || !ret_ext) ? -1
					 : gosub_push(chan, run, data, ret_ctx, ret_ext,
						      zv_channel_priority(chan) + 1, false);
	free(ret_ctx);
	free(ret_ext);
	return err ? ZV_APP_HANGUP : ZV_APP_CONTINUE;
}

static enum zv_app_result gosubif_exec(struct zv_channel *chan, const char *data)
{
	char *copy = strdup(data);
	if (!copy)
		return ZV_APP_HANGUP;
	char *q = find_top(copy, '?');
	enum zv_app_result r = ZV_APP_CONTINUE;
	if (!q) {
		zv_warn("GosubIf requires an argument: condition?label1(args):label2(args)");
	} else {
		*q = '\0';
		char *branch = choose(dp_check_condition(copy), q + 1);
		if (*branch)
			r = gosub_exec(chan, branch);
	}
	free(copy);
	return r;
}

static enum zv_app_result return_exec(struct zv_channel *chan, const char *data)
{
	struct dp_run *run = dp_run_get(chan);
	if (!run || !run->nframes) {
		zv_error("Return without Gosub: stack is empty");
		return ZV_APP_HANGUP;
	}
	struct dp_frame f;
	frame_pop(chan, run, &f);
	zv_channel_var_set(chan, "GOSUB_RETVAL", data);
	if (f.sync)
		run->unwind = true;
	else
		dp_jump(chan, f.context, f.exten, f.prio);
	free(f.context);
	free(f.exten);
	return ZV_APP_CONTINUE;
}

static enum zv_app_result stackpop_exec(struct zv_channel *chan, const char *data)
{
	struct dp_run *run = dp_run_get(chan);
	if (!run || !run->nframes) {
		zv_warn("Attempt to StackPop on an empty stack");
		return ZV_APP_CONTINUE;
	}
	frame_pop(chan, run, NULL);
	return ZV_APP_CONTINUE;
}

int zv_pbx_gosub_run(struct zv_channel *chan, const char *target, const char *args)
{
	struct dp_run *run = dp_run_get(chan);
	if (!run)
		return -ENOMEM;
	char *full = NULL;
	if (asprintf(&full, "%s%s%s%s", target, args ? "(" : "", args ? args : "",
		     args ? ")" : "") < 0)
		return -ENOMEM;
	char *ctx = strdup(zv_channel_context(chan));
	char *ext = strdup(zv_channel_exten(chan));
	int prio = zv_channel_priority(chan);
	bool jumped = run->jumped;
	size_t depth = run->nframes;
	int err = 0;
	if (!ctx || !ext || gosub_push(chan, run, full, ctx, ext, prio, true)) {
		err = -EINVAL;
		goto out;
	}
	enum dp_end end = dp_exec_loop(chan, run);
	if (end != DP_END_UNWIND)
		zv_debug(1, "Gosub %s on %s ended without Return", target, zv_channel_name(chan));
	while (run->nframes > depth)
		frame_pop(chan, run, NULL);
	if (end == DP_END_HANGUP || zv_channel_is_hungup(chan))
		err = ZV_WAKE_HANGUP;
	zv_channel_set_location(chan, ctx, ext, prio);
	run->jumped = jumped;
out:
	free(full);
	free(ctx);
	free(ext);
	return err;
}

/* LOCAL(var): read as ${var}; write saves the old value in the top frame. */
static int local_read(struct zv_channel *chan, const char *name, char *args, char *buf,
		      size_t len)
{
	if (!chan)
		return -EINVAL;
	const char *v = zv_channel_var_get(chan, trim(args));
	snprintf(buf, len, "%s", v ? v : "");
	return 0;
}

static int local_write(struct zv_channel *chan, const char *name, char *args, const char *value)
{
	if (!chan)
		return -EINVAL;
	struct dp_run *run = dp_run_get(chan);
	char *var = trim(args);
	if (!run || !run->nframes)
		return zv_channel_var_set(chan, var, value);
	return frame_set(chan, top_frame(run), var, value);
}

/* LOCAL_PEEK(n,var): var as the frame n levels up sees it. */
static int local_peek_read(struct zv_channel *chan, const char *name, char *args, char *buf,
			   size_t len)
{
	if (!chan)
		return -EINVAL;
	char *comma = strchr(args, ',');
	if (!comma)
		return -EINVAL;
	*comma = '\0';
	long n = strtol(trim(args), NULL, 10);
	const char *var = trim(comma + 1);
	const char *v = zv_channel_var_get(chan, var);
	struct dp_run *run = dp_run_get(chan);
	for (long i = 0; run && i < n && (size_t)i < run->nframes; i++) {
		const struct dp_frame *f = &run->frames[run->nframes - 1 - (size_t)i];
		for (size_t j = 0; j < f->nsaved; j++)
			if (!strcmp(f->saved[j].name, var))
				v = f->saved[j].value;
	}
	snprintf(buf, len, "%s", v ? v : "");
	return 0;
}

/* ---- Macro ------------------------------------------------------------------------ */

static const char *const macro_vars[] = {"MACRO_EXTEN", "MACRO_CONTEXT", "MACRO_PRIORITY"};

static enum zv_app_result macro_exec(struct zv_channel *chan, const char *data)
{
	struct dp_run *run = dp_run_get(chan);
	if (!run)
		return ZV_APP_HANGUP;
	if (!*data) {
		zv_warn("Macro() requires arguments. See \"core show application macro\" for help.");
		return ZV_APP_CONTINUE;
	}
	if (run->macro_depth >= MACRO_MAX_DEPTH) {
		zv_error("Macro():  possible infinite loop detected.  Returning early.");
		return ZV_APP_CONTINUE;
	}
	char *copy = strdup(data);
	if (!copy)
		return ZV_APP_HANGUP;
	char *argv[MAX_ARGS];
	size_t argc = 0;
	dp_args_split(copy, ',', 0, argv, MAX_ARGS, &argc);
	char mctx[256];
	snprintf(mctx, sizeof(mctx), "macro-%s", argc ? trim(argv[0]) : "");
	if (!dp_exists(chan, mctx, "s", 1)) {
		zv_warn("Context '%s' for macro '%s' lacks 's' extension, priority 1", mctx,
			argc ? argv[0] : "");
		free(copy);
		return ZV_APP_CONTINUE;
	}
	/* Save what the macro overwrites. */
	size_t nsave = 3 + (argc > 1 ? argc - 1 : 0);
	unsigned prev_args = 0;
	while (prev_args < MAX_ARGS) {
		char n[32];
		snprintf(n, sizeof(n), "ARG%u", prev_args + 1);
		if (!zv_channel_var_get(chan, n))
			break;
		prev_args++;
	}
	if (prev_args + 3 > nsave)
		nsave = prev_args + 3;
	struct dp_saved_var *saved = calloc(nsave, sizeof(*saved));
	char *ctx = strdup(zv_channel_context(chan));
	char *ext = strdup(zv_channel_exten(chan));
	int prio = zv_channel_priority(chan);
	if (!saved || !ctx || !ext) {
		free(saved);
		free(ctx);
		free(ext);
		free(copy);
		return ZV_APP_HANGUP;
	}
	for (size_t i = 0; i < nsave; i++) {
		char n[32];
		if (i < 3)
			snprintf(n, sizeof(n), "%s", macro_vars[i]);
		else
			snprintf(n, sizeof(n), "ARG%zu", i - 2);
		const char *v = zv_channel_var_get(chan, n);
		saved[i].name = strdup(n);
		saved[i].value = v ? strdup(v) : NULL;
	}
	char num[16];
	snprintf(num, sizeof(num), "%d", prio);
	zv_channel_var_set(chan, "MACRO_EXTEN", ext);
	zv_channel_var_set(chan, "MACRO_CONTEXT", ctx);
	zv_channel_var_set(chan, "MACRO_PRIORITY", num);
	for (size_t i = 3; i < nsave; i++)
		zv_channel_var_set(chan, saved[i].name, i - 2 < argc ? argv[i - 2] : NULL);

	run->macro_depth++;
	bool jumped = run->jumped;
	zv_channel_set_location(chan, mctx, "s", 1);
	enum dp_end end = dp_exec_loop(chan, run);
	run->macro_depth--;

	for (size_t i = 0; i < nsave; i++) {
		if (saved[i].name)
			zv_channel_var_set(chan, saved[i].name, saved[i].value);
		free(saved[i].name);
		free(saved[i].value);
	}
	free(saved);
	zv_channel_set_location(chan, ctx, ext, prio);
	run->jumped = jumped;
	free(ctx);
	free(ext);
	free(copy);
	return end == DP_END_HANGUP ? ZV_APP_HANGUP : ZV_APP_CONTINUE;
}

static enum zv_app_result macroexit_exec(struct zv_channel *chan, const char *data)
{
	struct dp_run *run = dp_run_get(chan);
	if (run && run->macro_depth)
		run->unwind = true;
	return ZV_APP_CONTINUE;
}

/* ---- While loops ---------------------------------------------------------------- */

/* Priority of the EndWhile matching the While at prio of the current
 * extension, or 0. */
static int find_endwhile(struct zv_channel *chan, struct dp_run *run, const char *ctx,
			 const char *ext, int prio)
{
	const struct dp_prio *p = NULL;
	const struct dp_exten *e =
		dp_model_find(run->model, ctx, ext, zv_channel_cid_num(chan), DP_MATCH_EXISTS,
			      prio, NULL, time(NULL), &p);
	if (!e || !p)
		return 0;
	int depth = 0;
	for (size_t i = (size_t)(p - e->prios) + 1; i < e->nprios; i++) {
		const char *app = e->prios[i].app;
		if (!strcasecmp(app, "While"))
			depth++;
		else if (!strcasecmp(app, "EndWhile")) {
			if (!depth)
				return e->prios[i].prio;
			depth--;
		}
	}
	return 0;
}

static void while_pop(struct dp_run *run)
{
	struct dp_while *w = &run->whiles[--run->nwhiles];
	free(w->context);
	free(w->exten);
}

static enum zv_app_result while_exec(struct zv_channel *chan, const char *data)
{
	struct dp_run *run = dp_run_get(chan);
	if (!run)
		return ZV_APP_HANGUP;
	const char *ctx = zv_channel_context(chan), *ext = zv_channel_exten(chan);
	int prio = zv_channel_priority(chan);
	struct dp_while *top = run->nwhiles ? &run->whiles[run->nwhiles - 1] : NULL;
	if (!top || top->prio != prio || strcmp(top->context, ctx) || strcmp(top->exten, ext)) {
		struct dp_while *nw = realloc(run->whiles, (run->nwhiles + 1) * sizeof(*nw));
		if (!nw)
			return ZV_APP_HANGUP;
		run->whiles = nw;
		struct dp_while w = {strdup(ctx), strdup(ext), prio};
		if (!w.context || !w.exten) {
			free(w.context);
			free(w.exten);
			return ZV_APP_HANGUP;
		}
		run->whiles[run->nwhiles++] = w;
	}
	if (dp_check_condition(data))
		return ZV_APP_CONTINUE;
	int end = find_endwhile(chan, run, ctx, ext, prio);
	while_pop(run);
	if (!end) {
		zv_warn("Couldn't find matching EndWhile? (While at %s@%s priority %d)", ext, ctx,
			prio);
		return ZV_APP_HANGUP;
	}
	dp_jump(chan, NULL, NULL, end + 1);
	return ZV_APP_CONTINUE;
}

static enum zv_app_result endwhile_exec(struct zv_channel *chan, const char *data)
{
	struct dp_run *run = dp_run_get(chan);
	if (!run || !run->nwhiles) {
		zv_warn("EndWhile without While");
		return ZV_APP_CONTINUE;
	}
	struct dp_while *w = &run->whiles[run->nwhiles - 1];
	dp_jump(chan, w->context, w->exten, w->prio);
	return ZV_APP_CONTINUE;
}

static enum zv_app_result continuewhile_exec(struct zv_channel *chan, const char *data)
{
	return endwhile_exec(chan, data);
}

static enum zv_app_result exitwhile_exec(struct zv_channel *chan, const char *data)
{
	struct dp_run *run = dp_run_get(chan);
	if (!run || !run->nwhiles) {
		zv_warn("ExitWhile without While");
		return ZV_APP_CONTINUE;
	}
	struct dp_while *w = &run->whiles[run->nwhiles - 1];
	int end = find_endwhile(chan, run, w->context, w->exten, w->prio);
	char *ctx = strdup(w->context), *ext = strdup(w->exten);
	while_pop(run);
	if (!end || !ctx || !ext) {
		free(ctx);
		free(ext);
		zv_warn("Couldn't find matching EndWhile for ExitWhile");
		return ZV_APP_HANGUP;
	}
	dp_jump(chan, ctx, ext, end + 1);
	free(ctx);
	free(ext);
	return ZV_APP_CONTINUE;
}

/* ---- WaitExten -------------------------------------------------------------------- */

static enum zv_app_result waitexten_exec(struct zv_channel *chan, const char *data)
{
	char *copy = strdup(data);
	if (!copy)
		return ZV_APP_HANGUP;
	char *argv[2];
	size_t argc = 0;
	dp_args_split(copy, ',', 0, argv, 2, &argc);
	double secs = argc && *argv[0] ? strtod(argv[0], NULL) : 0;
	unsigned ms = secs > 0 ? (unsigned)(secs * 1000) : 10000;
	free(copy);
	int r = dp_collect_and_jump(chan, 0, ms);
	return r ? ZV_APP_HANGUP : ZV_APP_CONTINUE;
}

/* ---- registration ------------------------------------------------------------------ */

static const struct zv_app apps[] = {
	{"Goto", "Jump to a particular priority, extension, or context.",
	 "Goto([[context,]extensions,]priority)",
	 "Set the priority to the specified value, optionally setting the extension and\n"
	 "optionally the context as well.  The priority may be a number, +n/-n, or a label.\n",
	 goto_exec},
	{"GotoIf", "Conditional goto.", "GotoIf(condition?[labeliftrue][:labeliffalse])",
	 "Go to labeliftrue if condition is true, to labeliffalse if false (each\n"
	 "[[context,]extension,]priority); an empty label continues with the next priority.\n",
	 gotoif_exec},
	{"GotoIfTime", "Conditional Goto based on the current time.",
	 "GotoIfTime(times,weekdays,mdays,months[,timezone]?[labeliftrue][:labeliffalse])",
	 "Go to labeliftrue if the current time matches the time specification,\n"
	 "otherwise to labeliffalse.\n",
	 gotoiftime_exec},
	{"ExecIf", "Executes dialplan application, conditionally.",
	 "ExecIf(expression?appiftrue[(args)][:appiffalse[(args)]])",
	 "If expression is true, execute appiftrue with its arguments, else appiffalse.\n",
	 execif_exec},
	{"ExecIfTime", "Conditional application execution based on the current time.",
	 "ExecIfTime(times,weekdays,mdays,months[,timezone]?appname[(appargs)])",
	 "Execute appname if the current time matches the time specification.\n",
	 execiftime_exec},
	{"Exec", "Executes dialplan application.", "Exec(appname(arguments))",
	 "Execute the application given as its argument.\n", exec_exec},
	{"Gosub", "Jump to label, saving return address.",
	 "Gosub([[context,]exten,]priority[(arg1[,...][,argN])])",
	 "Jump to the label, saving the return address; arguments arrive as ${ARG1}..${ARGn}\n"
	 "and are local to the subroutine.  Return() comes back.\n",
	 gosub_exec},
	{"GosubIf", "Conditionally jump to label, saving return address.",
	 "GosubIf(condition?labeliftrue[(args)][:labeliffalse[(args)]])",
	 "Gosub to labeliftrue or labeliffalse depending on condition.\n", gosubif_exec},
	{"Return", "Return from gosub routine.", "Return([value])",
	 "Jump back to where the last Gosub was called, setting ${GOSUB_RETVAL} to value.\n",
	 return_exec},
	{"StackPop", "Remove one address from gosub stack.", "StackPop()",
	 "Remove the last Gosub return address (and its local variables) from the stack.\n",
	 stackpop_exec},
	{"Macro", "Macro Implementation.", "Macro(name[,arg1[,arg2[,...]]])",
	 "Execute a macro: the steps of extension s in context macro-name, with\n"
	 "${MACRO_EXTEN}, ${MACRO_CONTEXT}, ${MACRO_PRIORITY} and ${ARG1}... set.\n"
	 "Deprecated in Asterisk in favour of Gosub.\n",
	 macro_exec},
	{"MacroExit", "Exit from Macro.", "MacroExit()", "Leave the running macro.\n",
	 macroexit_exec},
	{"While", "Start a while loop.", "While(expr)",
	 "Start a While loop; execution returns here from EndWhile while expr is true,\n"
	 "and continues after the matching EndWhile once it is false.\n",
	 while_exec},
	{"EndWhile", "End a while loop.", "EndWhile()", "Return to the previous While.\n",
	 endwhile_exec},
	{"ExitWhile", "End a While loop.", "ExitWhile()",
	 "Exit the running While loop, whatever its condition.\n", exitwhile_exec},
	{"ContinueWhile", "Restart a While loop.", "ContinueWhile()",
	 "Go back to the While of the running loop, re-evaluating its condition.\n",
	 continuewhile_exec},
	{"WaitExten", "Waits for an extension to be entered.", "WaitExten([seconds][,options])",
	 "Wait for the user to dial a new extension; go to it, to 'i' if it does not\n"
	 "exist, or to 't' on time-out (default 10 seconds).\n",
	 waitexten_exec},
};

static const struct zv_func funcs[] = {
	{"LOCAL", "Manage variables local to the gosub stack frame.", "LOCAL(varname)",
	 "Read and write a variable that is restored when the current Gosub returns.\n",
	 local_read, local_write},
	{"LOCAL_PEEK", "Retrieve variables hidden by the local gosub stack frame.",
	 "LOCAL_PEEK(n,varname)",
	 "Read varname as it is n Gosub levels up (0 is the current frame).\n",
	 local_peek_read, NULL},
};

int dp_apps_register(struct zv_module *mod)
{
	for (size_t i = 0; i < sizeof(apps) / sizeof(*apps); i++) {
		int err = zv_app_register(mod, &apps[i]);
		if (err && err != -EEXIST)
			return err;
	}
	for (size_t i = 0; i < sizeof(funcs) / sizeof(*funcs); i++) {
		int err = zv_func_register(mod, &funcs[i]);
		if (err && err != -EEXIST)
			return err;
	}
	return 0;
}
