/*
 * The dialplan engine: the `dialplan` module (extensions.conf → model on
 * prepare, swapped in on commit, [globals] applied), the executor that
 * walks a channel's priorities in its coroutine, and the zv_pbx_*
 * functions of include/zvonok/pbx.h that run or query the dialplan.
 *
 * DESIGN
 * Execution follows Asterisk's __ast_pbx_run(): find the location (falling
 * back to `s` and then to context `default`), run priorities until one is
 * missing, then decide: an extension that does not exist goes to `i`; one
 * whose priorities ran out hangs up (autofallthrough=yes) or waits for
 * digits (autofallthrough=no).  Finally `h` runs and the channel is
 * destroyed.  Applications never return "jump": a goto sets the location
 * and the per-channel jumped flag, and the loop then does not advance.
 * Gosub frames, While loops and the model reference live in the
 * channel's "dialplan" datastore (struct dp_run), which dies with the
 * channel; so a call keeps the dialplan it started with across reloads.
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ZV_LOG_MODULE "pbx"
#include <zvonok/channel.h>
#include <zvonok/config.h>
#include <zvonok/coro.h>
#include <zvonok/devstate.h>
#include <zvonok/log.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>

#include "dialplan/dp_engine.h"

#define RUN_KEY "dialplan"
#define DIGIT_TIMEOUT_MS 5000
#define RESPONSE_TIMEOUT_MS 10000

/* ---- the current model ------------------------------------------------------ */

static pthread_mutex_t model_lock = PTHREAD_MUTEX_INITIALIZER;
static struct dp_model *current_model;

struct dp_model *dp_engine_model_ref(void)
{
	pthread_mutex_lock(&model_lock);
	if (!current_model) {
		struct zv_diag diag;
		zv_diag_init(&diag);
		dp_model_build(NULL, NULL, &diag, &current_model);
		zv_diag_clear(&diag);
	}
	struct dp_model *m = zv_ref(current_model);
	pthread_mutex_unlock(&model_lock);
	return m;
}

void dp_engine_model_set(struct dp_model *m)
{
	zv_ref(m);
	pthread_mutex_lock(&model_lock);
	struct dp_model *old = current_model;
	current_model = m;
	pthread_mutex_unlock(&model_lock);
	zv_unref(old);
}

/* ---- per-channel state ---------------------------------------------------- */

static void frame_clear(struct dp_frame *f)
{
	free(f->context);
	free(f->exten);
	for (size_t i = 0; i < f->nsaved; i++) {
		free(f->saved[i].name);
		free(f->saved[i].value);
	}
	free(f->saved);
}

static void run_destroy(void *data)
{
	struct dp_run *run = data;
	for (size_t i = 0; i < run->nframes; i++)
		frame_clear(&run->frames[i]);
	free(run->frames);
	for (size_t i = 0; i < run->nwhiles; i++) {
		free(run->whiles[i].context);
		free(run->whiles[i].exten);
	}
	free(run->whiles);
	zv_unref(run->model);
	free(run);
}

struct dp_run *dp_run_get(struct zv_channel *chan)
{
	struct dp_run *run = zv_channel_datastore_get(chan, RUN_KEY);
	if (run)
		return run;
	run = calloc(1, sizeof(*run));
	if (!run)
		return NULL;
	run->model = dp_engine_model_ref();
	if (zv_channel_datastore_set(chan, RUN_KEY, run, run_destroy)) {
		run_destroy(run);
		return NULL;
	}
	return run;
}

/* The model chan runs, or the current one (referenced either way). */
static struct dp_model *model_for(struct zv_channel *chan)
{
	struct dp_run *run = chan ? zv_channel_datastore_get(chan, RUN_KEY) : NULL;
	return run ? zv_ref(run->model) : dp_engine_model_ref();
}

static const char *cid_of(struct zv_channel *chan)
{
	return chan ? zv_channel_cid_num(chan) : NULL;
}

bool dp_exists(struct zv_channel *chan, const char *context, const char *exten, int prio)
{
	struct dp_model *m = model_for(chan);
	bool ok = dp_model_find(m, context, exten, cid_of(chan), DP_MATCH_EXISTS, prio, NULL,
				time(NULL), NULL) != NULL;
	zv_unref(m);
	return ok;
}

void dp_jump(struct zv_channel *chan, const char *context, const char *exten, int prio)
{
	zv_channel_set_location(chan, context, exten, prio);
	struct dp_run *run = dp_run_get(chan);
	if (run)
		run->jumped = true;
}

bool dp_check_condition(const char *s)
{
	if (!s)
		return false;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return false;
	char *end;
	long v = strtol(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (end != s && !*end)
		return v != 0;
	return true;
}

static char *trim(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	char *e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int dp_goto_parse(struct zv_channel *chan, const char *target, char **contextp,
		  char **extenp, int *priop)
{
	char *copy = strdup(target ? target : "");
	if (!copy)
		return -ENOMEM;
	char *parts[3];
	int n = 0;
	char *p = copy;
	for (;;) {
		char *comma = strchr(p, ',');
		if (n == 2 || !comma) {
			parts[n++] = trim(p);
			break;
		}
		*comma = '\0';
		parts[n++] = trim(p);
		p = comma + 1;
	}
	const char *ctx = zv_channel_context(chan), *ext = zv_channel_exten(chan);
	const char *pri = parts[n - 1];
	if (n == 3 && *parts[0])
		ctx = parts[0];
	if (n >= 2 && *parts[n - 2])
		ext = parts[n - 2];
	int err = 0, ipri = 0;
	if (!*pri) {
		err = -EINVAL;
	} else if (*pri == '+' || *pri == '-' || isdigit((unsigned char)*pri)) {
		char *end;
		long v = strtol(pri, &end, 10);
		if (*end || v > 1000000000 || v < -1000000000)
			err = -EINVAL;
		else if (*pri == '+' || *pri == '-')
			ipri = zv_channel_priority(chan) + (int)v;
		else
			ipri = (int)v;
		if (!err && ipri < 1)
			err = -EINVAL;
	} else {
		ipri = zv_pbx_findlabel(chan, ctx, ext, pri, cid_of(chan));
		if (ipri < 0)
			err = -ENOENT;
	}
	if (!err) {
		*contextp = strdup(ctx);
		*extenp = strdup(ext);
		*priop = ipri;
		if (!*contextp || !*extenp) {
			free(*contextp);
			free(*extenp);
			err = -ENOMEM;
		}
	}
	if (err == -EINVAL || err == -ENOENT)
		zv_warn("Priority '%s' must be a number > 0, or valid label", pri);
	free(copy);
	return err;
}

/* ---- zv_pbx_* queries --------------------------------------------------------- */

int zv_pbx_goto(struct zv_channel *chan, const char *context, const char *exten, int priority)
{
	const char *ctx = context ? context : zv_channel_context(chan);
	const char *ext = exten ? exten : zv_channel_exten(chan);
	bool ok = dp_exists(chan, ctx, ext, priority);
	dp_jump(chan, context, exten, priority);
	return ok ? 0 : -ENOENT;
}

int zv_pbx_parseable_goto(struct zv_channel *chan, const char *target)
{
	char *ctx, *ext;
	int prio;
	int err = dp_goto_parse(chan, target, &ctx, &ext, &prio);
	if (err)
		return err;
	err = zv_pbx_goto(chan, ctx, ext, prio);
	free(ctx);
	free(ext);
	return err;
}

static bool find_how(struct zv_channel *chan, const char *context, const char *exten,
		     const char *callerid, enum dp_match how)
{
	struct dp_model *m = model_for(chan);
	bool ok = dp_model_find(m, context, exten, callerid, how, 1, NULL, time(NULL), NULL);
	zv_unref(m);
	return ok;
}

bool zv_pbx_exists(struct zv_channel *chan, const char *context, const char *exten,
		   int priority, const char *callerid)
{
	struct dp_model *m = model_for(chan);
	bool ok = dp_model_find(m, context, exten, callerid, DP_MATCH_EXISTS, priority, NULL,
				time(NULL), NULL) != NULL;
	zv_unref(m);
	return ok;
}

bool zv_pbx_canmatch(struct zv_channel *chan, const char *context, const char *exten,
		     const char *callerid)
{
	return find_how(chan, context, exten, callerid, DP_MATCH_CANMATCH);
}

bool zv_pbx_matchmore(struct zv_channel *chan, const char *context, const char *exten,
		      const char *callerid)
{
	return find_how(chan, context, exten, callerid, DP_MATCH_MATCHMORE);
}

int zv_pbx_findlabel(struct zv_channel *chan, const char *context, const char *exten,
		     const char *label, const char *callerid)
{
	struct dp_model *m = model_for(chan);
	const struct dp_prio *p = NULL;
	dp_model_find(m, context, exten, callerid, DP_MATCH_EXISTS, 0, label, time(NULL), &p);
	int prio = p ? p->prio : -ENOENT;
	zv_unref(m);
	return prio;
}

int zv_pbx_hint_get(const char *context, const char *exten, char *buf, size_t len)
{
	struct dp_model *m = dp_engine_model_ref();
	const struct dp_exten *e = dp_model_find(m, context, exten, NULL, DP_MATCH_EXISTS,
						 DP_PRIO_HINT, NULL, time(NULL), NULL);
	int err = e ? 0 : -ENOENT;
	if (e && len)
		snprintf(buf, len, "%s", e->hint);
	zv_unref(m);
	return err;
}

int zv_pbx_extension_state(const char *context, const char *exten)
{
	char hint[1024];
	int err = zv_pbx_hint_get(context, exten, hint, sizeof(hint));
	if (err)
		return err;
	return dp_hint_state(hint);
}

/* ---- running applications -------------------------------------------------------- */

enum zv_app_result dp_exec_app(struct zv_channel *chan, const char *name, const char *data)
{
	const struct zv_app *app = zv_app_find(name);
	if (!app) {
		zv_warn("Could not find application (%s)", name);
		return ZV_APP_CONTINUE;
	}
	return zv_app_exec(chan, app, data ? data : "");
}

/* One priority: look the application up, substitute, run. */
static enum zv_app_result exec_prio(struct zv_channel *chan, const struct dp_prio *p,
				    const char *ctx, const char *ext, int prio)
{
	const struct zv_app *app = zv_app_find(p->app);
	if (!app) {
		zv_warn("No application '%s' for extension (%s, %s, %d)", p->app, ctx, ext, prio);
		return ZV_APP_HANGUP;
	}
	char *data = NULL;
	if (zv_pbx_substitute(chan, p->data, &data) == -ENOMEM || !data) {
		free(data);
		return ZV_APP_HANGUP;
	}
	zv_log_set_callid(zv_channel_callid(chan));
	zv_verb(3, "Executing [%s@%s:%d] %s(\"%s\", \"%s\") in new stack", ext, ctx, prio,
		app->name, zv_channel_name(chan), data);
	enum zv_app_result res = zv_app_exec(chan, app, data);
	zv_log_set_callid(zv_channel_callid(chan));
	free(data);
	return res;
}

enum dp_end dp_exec_loop(struct zv_channel *chan, struct dp_run *run)
{
	for (;;) {
		if (zv_channel_is_hungup(chan) && !run->in_h)
			return DP_END_HANGUP;
		int prio = zv_channel_priority(chan);
		const struct dp_prio *p = NULL;
		if (!dp_model_find(run->model, zv_channel_context(chan), zv_channel_exten(chan),
				   cid_of(chan), DP_MATCH_EXISTS, prio, NULL, time(NULL), &p) ||
		    !p)
			return DP_END_RAN_OUT;
		char *ctx = strdup(zv_channel_context(chan));
		char *ext = strdup(zv_channel_exten(chan));
		if (!ctx || !ext) {
			free(ctx);
			free(ext);
			return DP_END_HANGUP;
		}
		run->jumped = false;
		enum zv_app_result res = exec_prio(chan, p, ctx, ext, prio);
		if (res == ZV_APP_HANGUP) {
			zv_verb(2, "Spawn extension (%s, %s, %d) exited non-zero on '%s'", ctx, ext,
				prio, zv_channel_name(chan));
			free(ctx);
			free(ext);
			return DP_END_HANGUP;
		}
		free(ctx);
		free(ext);
		if (run->unwind) {
			run->unwind = false;
			return DP_END_UNWIND;
		}
		if (!run->jumped)
			zv_channel_set_location(chan, NULL, NULL, prio + 1);
		run->jumped = false;
	}
}

/* ---- exceptions (the `e` extension and EXCEPTION()) ---------------------------- */

#define EXC_KEY "dialplan-exception"

struct exception {
	char reason[32];
	char context[80], exten[80];
	int prio;
};

/* Go to `e` with reason (Asterisk's raise_exception()) if the context
 * has it.  true when it jumped. */
static bool raise_exception(struct zv_channel *chan, const char *reason)
{
	const char *ctx = zv_channel_context(chan);
	if (!dp_exists(chan, ctx, "e", 1))
		return false;
	struct exception *e = zv_channel_datastore_get(chan, EXC_KEY);
	if (!e) {
		e = calloc(1, sizeof(*e));
		if (!e || zv_channel_datastore_set(chan, EXC_KEY, e, free)) {
			free(e);
			return false;
		}
	}
	snprintf(e->reason, sizeof(e->reason), "%s", reason);
	snprintf(e->context, sizeof(e->context), "%s", ctx);
	snprintf(e->exten, sizeof(e->exten), "%s", zv_channel_exten(chan));
	e->prio = zv_channel_priority(chan);
	dp_jump(chan, NULL, "e", 1);
	return true;
}

/* EXCEPTION(reason|context|exten|priority) */
static int exception_read(struct zv_channel *chan, const char *name, char *args, char *buf,
			  size_t len)
{
	const struct exception *e = chan ? zv_channel_datastore_get(chan, EXC_KEY) : NULL;
	if (!e)
		return -ENOENT;
	if (!strcasecmp(args, "reason"))
		snprintf(buf, len, "%s", e->reason);
	else if (!strcasecmp(args, "context"))
		snprintf(buf, len, "%s", e->context);
	else if (!strncasecmp(args, "exten", 5))
		snprintf(buf, len, "%s", e->exten);
	else if (!strcasecmp(args, "priority"))
		snprintf(buf, len, "%d", e->prio);
	else
		return -EINVAL;
	return 0;
}

static const struct zv_func exception_func = {
	.name = "EXCEPTION",
	.synopsis = "Retrieve the details of the current dialplan exception.",
	.syntax = "EXCEPTION(field)",
	.description = "field: reason (INVALID, RESPONSETIMEOUT, ...), context, exten or\n"
		       "priority of the place the exception was raised at.\n",
	.read = exception_read,
};

/* Wait for a digit until ms have passed: the digit, 0 on time-out,
 * ZV_WAKE_HANGUP. */
static int wait_digit(struct zv_channel *chan, unsigned ms)
{
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &t1);
		long spent = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= (long)ms)
			return 0;
		int r = zv_channel_wait(chan, (uint32_t)(ms - (unsigned long)spent));
		if (r == ZV_WAKE_HANGUP)
			return r;
		if (r == -ETIMEDOUT)
			return 0;
		if (r > 0)
			return r;
		if (r < 0 && r != ZV_WAKE_ANSWER && r != ZV_WAKE_CONTROL && r != ZV_WAKE_FRAME)
			return 0;
	}
}

int dp_collect_and_jump(struct zv_channel *chan, int first_digit, unsigned first_timeout_ms)
{
	char num[80];
	size_t n = 0;
	const char *ctx = zv_channel_context(chan);
	int d = first_digit ? first_digit : wait_digit(chan, first_timeout_ms);
	if (d == ZV_WAKE_HANGUP)
		return ZV_WAKE_HANGUP;
	if (d > 0) {
		num[n++] = (char)d;
		num[n] = '\0';
		while (n < sizeof(num) - 1 && zv_pbx_matchmore(chan, ctx, num, cid_of(chan))) {
			d = wait_digit(chan, DIGIT_TIMEOUT_MS);
			if (d == ZV_WAKE_HANGUP)
				return ZV_WAKE_HANGUP;
			if (d <= 0)
				break;
			num[n++] = (char)d;
			num[n] = '\0';
		}
	}
	if (!n) {
		if (dp_exists(chan, ctx, "t", 1)) {
			zv_verb(3, "Timeout on %s, continuing...", zv_channel_name(chan));
			dp_jump(chan, NULL, "t", 1);
			return 0;
		}
		if (raise_exception(chan, "RESPONSETIMEOUT"))
			return 0;
		zv_warn("Timeout but no rule 't' or 'e' in context '%s'", ctx);
		return -ENOENT;
	}
	if (dp_exists(chan, ctx, num, 1)) {
		dp_jump(chan, NULL, num, 1);
		return 0;
	}
	if (dp_exists(chan, ctx, "i", 1)) {
		zv_verb(3, "Invalid extension '%s' in context '%s' on %s", num, ctx,
			zv_channel_name(chan));
		zv_channel_var_set(chan, "INVALID_EXTEN", num);
		dp_jump(chan, NULL, "i", 1);
		return 0;
	}
	zv_channel_set_location(chan, NULL, num, 1);
	if (raise_exception(chan, "INVALID"))
		return 0;
	zv_warn("Channel '%s' sent to invalid extension '%s' in context '%s', but no invalid handler",
		zv_channel_name(chan), num, ctx);
	return -ENOENT;
}

static void run_h(struct zv_channel *chan, struct dp_run *run)
{
	const char *ctx = zv_channel_context(chan);
	if (!dp_model_find(run->model, ctx, "h", cid_of(chan), DP_MATCH_EXISTS, 1, NULL,
			   time(NULL), NULL))
		return;
	if (!zv_channel_hangupcause(chan))
		zv_channel_set_hangupcause(chan, ZV_CAUSE_NORMAL_CLEARING);
	zv_channel_set_location(chan, NULL, "h", 1);
	run->in_h = true;
	run->unwind = false;
	dp_exec_loop(chan, run);
	run->in_h = false;
}

static void fallback_start(struct zv_channel *chan)
{
	const char *ctx = zv_channel_context(chan), *ext = zv_channel_exten(chan);
	int prio = zv_channel_priority(chan);
	if (dp_exists(chan, ctx, ext, prio))
		return;
	zv_verb(2, "Starting %s at %s,%s,%d failed so falling back to exten 's'",
		zv_channel_name(chan), ctx, ext, prio);
	if (dp_exists(chan, ctx, "s", 1)) {
		zv_channel_set_location(chan, NULL, "s", 1);
		return;
	}
	zv_verb(2, "Starting %s at %s,%s,%d still failed so falling back to context 'default'",
		zv_channel_name(chan), ctx, "s", 1);
	zv_channel_set_location(chan, "default", "s", 1);
}

/* ---- the start hook (pickupexten) ---------------------------------------------- */

static struct zv_reg start_hook_reg;
static _Atomic(zv_pbx_start_hook *) start_hook;

static void start_hook_drop(struct zv_reg *reg)
{
	(void)reg;
	atomic_store(&start_hook, NULL);
}

int zv_pbx_start_hook_register(struct zv_module *mod, zv_pbx_start_hook *hook)
{
	if (atomic_load(&start_hook))
		return -EBUSY;
	atomic_store(&start_hook, hook);
	memset(&start_hook_reg, 0, sizeof(start_hook_reg));
	if (mod)
		zv_module_own(mod, &start_hook_reg, start_hook_drop);
	return 0;
}

void dp_pbx_body(struct zv_channel *chan)
{
	struct dp_run *run = dp_run_get(chan);
	zv_log_set_callid(zv_channel_callid(chan));
	if (!run)
		goto done;
	zv_pbx_start_hook *hook = atomic_load(&start_hook);
	if (hook && strcmp(zv_channel_tech(chan)->type, "Local") && hook(chan))
		goto done;
	fallback_start(chan);
	for (;;) {
		enum dp_end end = dp_exec_loop(chan, run);
		if (end == DP_END_HANGUP || zv_channel_is_hungup(chan))
			break;
		if (end == DP_END_UNWIND)
			continue;
		const char *ctx = zv_channel_context(chan), *ext = zv_channel_exten(chan);
		if (!dp_exists(chan, ctx, ext, 1)) {
			if (dp_exists(chan, ctx, "i", 1)) {
				zv_verb(3, "Channel '%s' sent to invalid extension '%s' in context '%s', going to 'i'",
					zv_channel_name(chan), ext, ctx);
				zv_channel_var_set(chan, "INVALID_EXTEN", ext);
				dp_jump(chan, NULL, "i", 1);
				continue;
			}
			if (raise_exception(chan, "INVALID"))
				continue;
			zv_warn("Channel '%s' sent to invalid extension '%s' in context '%s', but no invalid handler",
				zv_channel_name(chan), ext, ctx);
			break;
		}
		if (run->model->autofallthrough) {
			const char *status = zv_channel_var_get(chan, "DIALSTATUS");
			if (!status || !*status)
				status = "UNKNOWN";
			zv_verb(2, "Auto fallthrough, channel '%s' status is '%s'",
				zv_channel_name(chan), status);
			if (!strcasecmp(status, "BUSY"))
				zv_channel_set_hangupcause(chan, ZV_CAUSE_USER_BUSY);
			else if (!strcasecmp(status, "CONGESTION") || !strcasecmp(status, "CHANUNAVAIL"))
				zv_channel_set_hangupcause(chan, ZV_CAUSE_CONGESTION);
			break;
		}
		/* autofallthrough=no: wait for the caller to dial. */
		if (dp_collect_and_jump(chan, 0, RESPONSE_TIMEOUT_MS))
			break;
	}
	run_h(chan, run);
done:
	zv_log_set_callid(NULL);
	zv_channel_destroy(chan);
	zv_unref(chan);
}

static void pbx_entry(void *arg)
{
	dp_pbx_body(arg);
}

int zv_pbx_collect_and_jump(struct zv_channel *chan, int first_digit, unsigned first_timeout_ms)
{
	return dp_collect_and_jump(chan, first_digit, first_timeout_ms);
}

int zv_pbx_start(struct zv_channel *chan)
{
	if (!dp_run_get(chan))
		return -ENOMEM;
	struct zv_coro *co = zv_coro_alloc(pbx_entry, zv_ref(chan), 0);
	if (!co) {
		zv_unref(chan);
		return -ENOMEM;
	}
	zv_channel_set_coro(chan, co);
	zv_coro_start(co);
	zv_unref(co);
	return 0;
}

/* ---- the module ------------------------------------------------------------------ */

/* Names of the globals the last commit set, for clearglobalvars. */
static char **applied_globals;
static size_t napplied_globals;

static bool app_known(const char *name)
{
	return zv_app_find(name) != NULL;
}

static struct zv_reg provider_reg;
static _Atomic(zv_pbx_dialplan_provider *) provider;

static void provider_drop(struct zv_reg *reg)
{
	(void)reg;
	atomic_store(&provider, NULL);
}

int zv_pbx_dialplan_provider_register(struct zv_module *mod, zv_pbx_dialplan_provider *cb)
{
	if (atomic_load(&provider))
		return -EBUSY;
	atomic_store(&provider, cb);
	memset(&provider_reg, 0, sizeof(provider_reg));
	if (mod)
		zv_module_own(mod, &provider_reg, provider_drop);
	return 0;
}

static int dp_prepare(struct zv_module *mod, const struct zv_snapshot *snap,
		      struct zv_diag *diag, void **statep)
{
	const struct zv_conf *conf = zv_snapshot_file(snap, "extensions.conf");
	struct dp_model *m;
	struct zv_conf *extra = NULL;
	zv_pbx_dialplan_provider *cb = atomic_load(&provider);
	char *text = NULL;
	if (cb && cb(snap, &text) == 0 && text) {
		const struct zv_conf_opts opts = {.no_includes = true};
		if (zv_conf_parse_buffer("(generated)", text, strlen(text), &opts, diag, &extra) < 0)
			extra = NULL;
	}
	free(text);
	int err = dp_model_build2(conf, extra, app_known, diag, &m);
	zv_unref(extra);
	if (err)
		return err;
	*statep = m;
	return 0;
}

static void free_applied(void)
{
	for (size_t i = 0; i < napplied_globals; i++)
		free(applied_globals[i]);
	free(applied_globals);
	applied_globals = NULL;
	napplied_globals = 0;
}

static void apply_globals(const struct dp_model *m)
{
	if (m->clearglobalvars) {
		for (size_t i = 0; i < napplied_globals; i++)
			zv_pbx_global_set(applied_globals[i], NULL);
	}
	free_applied();
	applied_globals = m->nglobals ? calloc(m->nglobals, sizeof(*applied_globals)) : NULL;
	for (size_t i = 0; i < m->nglobals; i++) {
		zv_pbx_global_set(m->globals[i].name, m->globals[i].value);
		if (applied_globals && (applied_globals[napplied_globals] = strdup(m->globals[i].name)))
			napplied_globals++;
	}
}

static void dp_commit(struct zv_module *mod, void *state)
{
	struct dp_model *m = state;
	apply_globals(m);
	dp_engine_model_set(m);
	dp_hints_update(m);
	zv_unref(m);
}

static void dp_discard(struct zv_module *mod, void *state)
{
	zv_unref(state);
}

static int dp_load(struct zv_module *mod)
{
	int err = zv_func_register(mod, &exception_func);
	if (err == -EEXIST)
		err = 0;
	if (!err)
		err = dp_apps_register(mod);
	if (!err)
		err = dp_local_register(mod);
	if (!err)
		err = dp_cli_register(mod);
	if (!err)
		err = dp_hints_load(mod);
	return err;
}

static void dp_unload(struct zv_module *mod)
{
	dp_hints_unload();
	dp_engine_model_set(NULL);
	free_applied();
}

ZV_MODULE(dialplan) = {
	.summary = "Dialplan: extensions.conf, executor, Local channels, hints",
	.requires = "cli,devstate",
	.config = "extensions.conf",
	.load = dp_load,
	.prepare = dp_prepare,
	.commit = dp_commit,
	.discard = dp_discard,
	.unload = dp_unload,
};
