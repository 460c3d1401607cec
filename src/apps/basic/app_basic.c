/*
 * The basic dialplan applications: Answer, Hangup, NoOp, Verbose, Log,
 * Set, MSet, Wait, Busy, Congestion, Progress, Ringing, System, TrySystem,
 * ImportVar, Random, SetAMAFlags.  Behaviour and argument syntax as Asterisk
 * documents them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#define ZV_LOG_MODULE "app_basic"
#include <zvonok/channel.h>
#include <zvonok/coro.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>

#include "dialplan/dp_args.h"

#define MAX_ARGS 32

/* A writable copy of data split Asterisk's way; free *bufp after use. */
static size_t split(const char *data, char delim, char **bufp, char **argv)
{
	return dp_args_split_dup(data, delim, bufp, argv, MAX_ARGS);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	char *e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
		*--e = '\0';
	return s;
}

/* Seconds given as a decimal number ("1.5") into milliseconds; -1 if bad. */
static long parse_seconds(const char *s)
{
	char *end;
	double v = strtod(s, &end);
	if (end == s || v < 0 || v > 86400.0 * 365)
		return -1;
	return (long)(v * 1000.0 + 0.5);
}

static enum zv_app_result hangup_result(int r)
{
	return r == ZV_WAKE_HANGUP ? ZV_APP_HANGUP : ZV_APP_CONTINUE;
}

static enum zv_app_result answer_exec(struct zv_channel *chan, const char *data)
{
	if (zv_channel_answer(chan) < 0)
		return ZV_APP_HANGUP;
	/* Answer(delay): milliseconds, as Asterisk takes them. */
	long ms = *data ? strtol(data, NULL, 10) : 0;
	if (ms > 0)
		return hangup_result(zv_channel_sleep(chan, (uint32_t)ms));
	return ZV_APP_CONTINUE;
}

static enum zv_app_result hangup_exec(struct zv_channel *chan, const char *data)
{
	if (*data) {
		int cause = zv_cause_from_str(data);
		if (cause < 0)
			zv_warn("Invalid cause given to Hangup(): \"%s\"", data);
		else
			zv_channel_set_hangupcause(chan, cause);
	}
	zv_channel_softhangup(chan, ZV_CAUSE_NORMAL_CLEARING);
	return ZV_APP_HANGUP;
}

static enum zv_app_result noop_exec(struct zv_channel *chan, const char *data)
{
	return ZV_APP_CONTINUE;
}

static enum zv_app_result verbose_exec(struct zv_channel *chan, const char *data)
{
	/* Verbose([level,]message): a leading number is the level, the rest
	 * (commas included) is the message. */
	int level = 0;
	const char *msg = data;
	const char *comma = strchr(data, ',');
	if (comma) {
		char *end;
		long l = strtol(data, &end, 10);
		if (end == comma && end != data) {
			level = l < 0 ? 0 : (int)l;
			msg = comma + 1;
		}
	}
	zv_verb(level, "%s", msg);
	return ZV_APP_CONTINUE;
}

static enum zv_app_result log_exec(struct zv_channel *chan, const char *data)
{
	const char *comma = strchr(data, ',');
	if (!comma) {
		zv_warn("Log requires a level and a message");
		return ZV_APP_CONTINUE;
	}
	char level[16];
	snprintf(level, sizeof(level), "%.*s", (int)(comma - data), data);
	static const struct {
		const char *name;
		enum zv_log_level level;
	} levels[] = {{"ERROR", ZV_LOG_ERROR},     {"WARNING", ZV_LOG_WARNING},
		      {"NOTICE", ZV_LOG_NOTICE},   {"DEBUG", ZV_LOG_DEBUG},
		      {"VERBOSE", ZV_LOG_VERBOSE}, {"DTMF", ZV_LOG_VERBOSE},
		      {"SECURITY", ZV_LOG_SECURITY}};
	for (size_t i = 0; i < sizeof(levels) / sizeof(*levels); i++) {
		if (!strcasecmp(level, levels[i].name)) {
			zv_log(levels[i].level, 0, "app_log", "%s", comma + 1);
			return ZV_APP_CONTINUE;
		}
	}
	zv_warn("Log: unknown level '%s'", level);
	return ZV_APP_CONTINUE;
}

/* name=value: a variable, or FUNC(args)=value through the function. */
static void set_one(struct zv_channel *chan, char *assignment)
{
	char *eq = strchr(assignment, '=');
	if (!eq) {
		zv_warn("Ignoring entry '%s' with no '='", assignment);
		return;
	}
	*eq = '\0';
	char *name = trim(assignment);
	const char *value = eq + 1;
	size_t nlen = strlen(name);
	if (nlen && name[nlen - 1] == ')' && strchr(name, '(')) {
		int err = zv_func_write(chan, name, value);
		if (err == -ENOENT)
			zv_warn("Function %s not registered", name);
		else if (err)
			zv_warn("Set(%s) failed: %s", name, strerror(-err));
		return;
	}
	zv_channel_var_set(chan, name, *value ? value : NULL);
}

static enum zv_app_result set_exec(struct zv_channel *chan, const char *data)
{
	/* Set(name=value): one assignment; the value may hold commas. */
	char *copy = strdup(data);
	if (!copy)
		return ZV_APP_CONTINUE;
	if (*copy)
		set_one(chan, copy);
	else
		zv_warn("Set requires an argument (variable=value)");
	free(copy);
	return ZV_APP_CONTINUE;
}

static enum zv_app_result mset_exec(struct zv_channel *chan, const char *data)
{
	char *buf, *argv[MAX_ARGS];
	size_t argc = split(data, ',', &buf, argv);
	for (size_t i = 0; i < argc; i++)
		if (*argv[i])
			set_one(chan, argv[i]);
	free(buf);
	return ZV_APP_CONTINUE;
}

static enum zv_app_result wait_exec(struct zv_channel *chan, const char *data)
{
	long ms = parse_seconds(*data ? data : "0");
	if (ms < 0) {
		zv_warn("Wait: invalid time '%s'", data);
		return ZV_APP_CONTINUE;
	}
	return hangup_result(zv_channel_sleep(chan, (uint32_t)ms));
}

/* Busy/Congestion: indicate, then wait for the caller to hang up (or the
 * optional timeout), then hang up. */
static enum zv_app_result indicate_and_wait(struct zv_channel *chan, const char *data,
					    enum zv_control control, int cause)
{
	zv_channel_indicate(chan, control);
	if (zv_channel_state(chan) != ZV_STATE_UP)
		zv_channel_set_state(chan, control == ZV_CONTROL_BUSY ? ZV_STATE_BUSY
									: zv_channel_state(chan));
	if (!zv_channel_hangupcause(chan))
		zv_channel_set_hangupcause(chan, cause);
	long ms = *data ? parse_seconds(data) : 0;
	if (ms > 0)
		zv_channel_sleep(chan, (uint32_t)ms);
	else if (ms == 0)
		while (zv_channel_wait(chan, 0) != ZV_WAKE_HANGUP)
			;
	return ZV_APP_HANGUP;
}

static enum zv_app_result busy_exec(struct zv_channel *chan, const char *data)
{
	return indicate_and_wait(chan, data, ZV_CONTROL_BUSY, ZV_CAUSE_USER_BUSY);
}

static enum zv_app_result congestion_exec(struct zv_channel *chan, const char *data)
{
	return indicate_and_wait(chan, data, ZV_CONTROL_CONGESTION, ZV_CAUSE_CONGESTION);
}

static enum zv_app_result progress_exec(struct zv_channel *chan, const char *data)
{
	zv_channel_indicate(chan, ZV_CONTROL_PROGRESS);
	return ZV_APP_CONTINUE;
}

static enum zv_app_result ringing_exec(struct zv_channel *chan, const char *data)
{
	zv_channel_indicate(chan, ZV_CONTROL_RINGING);
	return ZV_APP_CONTINUE;
}

/* ---- System: the command runs on the blocking pool; the coroutine
 * waits for it (the channel keeps its loop free meanwhile). ---- */

struct system_job {
	char *command;
	int status; /* wait status, or -1 if the shell could not run */
	struct zv_coro *co; /* referenced */
	bool done;
};

static void system_work(void *arg)
{
	struct system_job *job = arg;
	job->status = system(job->command);
}

static void system_done(void *arg)
{
	struct system_job *job = arg;
	job->done = true;
	zv_coro_wake(job->co, 1);
}

static enum zv_app_result system_common(struct zv_channel *chan, const char *data, bool try)
{
	const char *result = "FAILURE";
	if (!*data) {
		zv_warn("System requires an argument (command)");
		zv_channel_var_set(chan, "SYSTEMSTATUS", result);
		return try ? ZV_APP_CONTINUE : ZV_APP_HANGUP;
	}
	struct system_job *job = calloc(1, sizeof(*job));
	if (!job || !(job->command = strdup(data))) {
		free(job);
		zv_channel_var_set(chan, "SYSTEMSTATUS", result);
		return try ? ZV_APP_CONTINUE : ZV_APP_HANGUP;
	}
	job->co = zv_ref(zv_coro_current());
	if (!job->co || zv_pool_submit(system_work, system_done, job) < 0) {
		zv_unref(job->co);
		free(job->command);
		free(job);
		zv_channel_var_set(chan, "SYSTEMSTATUS", result);
		return try ? ZV_APP_CONTINUE : ZV_APP_HANGUP;
	}
	/* The command runs to its end even if the caller hangs up: the job
	 * must not be freed before the pool hands it back. */
	while (!job->done)
		zv_coro_wait(0);
	int st = job->status;
	if (st == -1)
		result = "FAILURE";
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		result = "SUCCESS";
	else if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		result = "FAILURE"; /* the shell could not find the command */
	else
		result = "APPERROR";
	zv_channel_var_set(chan, "SYSTEMSTATUS", result);
	zv_unref(job->co);
	free(job->command);
	free(job);
	if (zv_channel_is_hungup(chan))
		return ZV_APP_HANGUP;
	if (!try && strcmp(result, "SUCCESS") && strcmp(result, "APPERROR"))
		return ZV_APP_HANGUP;
	return ZV_APP_CONTINUE;
}

static enum zv_app_result system_exec(struct zv_channel *chan, const char *data)
{
	return system_common(chan, data, false);
}

static enum zv_app_result trysystem_exec(struct zv_channel *chan, const char *data)
{
	return system_common(chan, data, true);
}

/* ImportVar(newvar=channelname,variable).  The other channel belongs to
 * its own loop; reading one of its variables from here races with that
 * loop only if it changes the same variable at the same moment, which is
 * the same guarantee Asterisk gives (it locks, copies, unlocks). */
static enum zv_app_result importvar_exec(struct zv_channel *chan, const char *data)
{
	char *copy = strdup(data);
	if (!copy)
		return ZV_APP_CONTINUE;
	char *eq = strchr(copy, '=');
	char *comma = eq ? strchr(eq + 1, ',') : NULL;
	if (!eq || !comma) {
		zv_warn("ImportVar requires newvar=channelname,variable");
		free(copy);
		return ZV_APP_CONTINUE;
	}
	*eq = '\0';
	*comma = '\0';
	char *newvar = trim(copy), *other_name = trim(eq + 1), *var = trim(comma + 1);
	struct zv_channel *other = zv_channel_find(other_name);
	char value[1024] = "";
	if (other) {
		const char *v = zv_channel_var_get(other, var);
		snprintf(value, sizeof(value), "%s", v ? v : "");
		zv_unref(other);
	} else {
		zv_warn("ImportVar: no channel named '%s'", other_name);
	}
	zv_channel_var_set(chan, newvar, value[0] ? value : NULL);
	free(copy);
	return ZV_APP_CONTINUE;
}

static enum zv_app_result setamaflags_exec(struct zv_channel *chan, const char *data)
{
	static const char *const names[] = {"", "omit", "billing", "documentation"};
	for (int i = 1; i < 4; i++) {
		if (!strcasecmp(data, names[i])) {
			zv_channel_set_amaflags(chan, i);
			return ZV_APP_CONTINUE;
		}
	}
	if (!*data || !strcasecmp(data, "default"))
		zv_channel_set_amaflags(chan, 0);
	else
		zv_warn("SetAMAFlags: unknown flag '%s'", data);
	return ZV_APP_CONTINUE;
}

/* Random([probability]:[[context,]exten,]priority): jump with the given
 * percent probability (deprecated in Asterisk, still accepted). */
static enum zv_app_result random_exec(struct zv_channel *chan, const char *data)
{
	const char *colon = strchr(data, ':');
	if (!colon) {
		zv_warn("Random requires an argument ([probability]:[[context,]extension,]priority)");
		return ZV_APP_CONTINUE;
	}
	long prob = colon == data ? 0 : strtol(data, NULL, 10);
	if (prob < 0 || prob > 100)
		prob = 0;
	if (random() % 100 + prob > 99)
		zv_pbx_parseable_goto(chan, colon + 1);
	return ZV_APP_CONTINUE;
}

static const struct zv_app apps[] = {
	{"Random", "Conditionally branches, based upon a probability",
	 "Random([probability]:[[context,]extension,]priority)",
	 "Jumps to the target with probability percent chance (deprecated in Asterisk).",
	 random_exec},
	{"Answer", "Answer a channel if ringing", "Answer([delay])",
	 "Answers the channel if it is not up yet; waits delay milliseconds after.",
	 answer_exec},
	{"Hangup", "Hang up the calling channel", "Hangup([causecode])",
	 "Hangs up the channel, with the given cause (number or name) if any.", hangup_exec},
	{"NoOp", "Do Nothing (No Operation)", "NoOp([text])",
	 "Does nothing; its argument shows in the verbose log, useful for debugging.",
	 noop_exec},
	{"Verbose", "Send arbitrary text to verbose output", "Verbose([level,]message)",
	 "Logs message at the given verbosity level (default 0).", verbose_exec},
	{"Log", "Send arbitrary text to a selected log level", "Log(level,message)",
	 "level is ERROR, WARNING, NOTICE, DEBUG, VERBOSE, DTMF or SECURITY.", log_exec},
	{"Set", "Set channel variable or function value", "Set(name=value)",
	 "Sets a variable (a leading _ or __ makes children inherit it) or writes a "
	 "function: Set(FUNC(args)=value).  An empty value unsets the variable.",
	 set_exec},
	{"MSet", "Set channel variable(s) or function value(s)", "MSet(name1=value1,name2=value2,...)",
	 "Like Set for several assignments; values containing commas must be quoted.",
	 mset_exec},
	{"Wait", "Waits for some time", "Wait(seconds)",
	 "Waits the given number of seconds (fractions allowed); returns early on hang-up.",
	 wait_exec},
	{"Busy", "Indicate the Busy condition", "Busy([timeout])",
	 "Indicates busy and waits for the caller to hang up, or timeout seconds.", busy_exec},
	{"Congestion", "Indicate the Congestion condition", "Congestion([timeout])",
	 "Indicates congestion and waits for the caller to hang up, or timeout seconds.",
	 congestion_exec},
	{"Progress", "Indicate progress", "Progress()",
	 "Requests early media (183 Session Progress on SIP).", progress_exec},
	{"Ringing", "Indicate ringing tone", "Ringing()",
	 "Indicates ringing to the caller (180 Ringing on SIP).", ringing_exec},
	{"System", "Execute a system command", "System(command)",
	 "Runs command with /bin/sh without blocking other calls; sets ${SYSTEMSTATUS} to "
	 "SUCCESS, FAILURE or APPERROR.  The channel hangs up when the command cannot run.",
	 system_exec},
	{"TrySystem", "Try executing a system command", "TrySystem(command)",
	 "Like System, but never hangs up the channel.", trysystem_exec},
	{"ImportVar", "Import a variable from a channel into a new variable",
	 "ImportVar(newvar=channelname,variable)",
	 "Copies variable of another channel into newvar of this one.", importvar_exec},
	{"SetAMAFlags", "Set the AMA Flags", "SetAMAFlags([flag])",
	 "flag is default, omit, billing or documentation.", setamaflags_exec},
};

static int app_basic_load(struct zv_module *mod)
{
	return zv_apps_register(mod, apps, sizeof(apps) / sizeof(*apps));
}

ZV_MODULE(app_basic) = {
	.summary = "Basic applications: Answer, Hangup, Set, Wait, System...",
	.load = app_basic_load,
};
