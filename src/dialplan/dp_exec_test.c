/*
 * Execution tests for the dialplan engine: real dialplans written as
 * extensions.conf text, loaded through the module registry (prepare and
 * commit of the `dialplan` module), run on channels of a test technology
 * and on Local channel pairs on the main loop.  Test-local applications
 * (Trace, Answer, Hangup, NoOp, Set, Wait, QueueDigits, RunSub) stand in
 * for the real ones, which live in another layer; Trace() records its
 * argument so each test compares the path the call took.
 *
 * Covered: Goto/GotoIf/labels, h with ${HANGUPCAUSE}, i with
 * ${INVALID_EXTEN}, fallback to s, unknown applications, Gosub with
 * arguments, LOCAL() and GOSUB_RETVAL (nested), zv_pbx_gosub_run(),
 * Macro/MacroExit, While/EndWhile/ExitWhile/ContinueWhile, ExecIf,
 * Exec, WaitExten with queued digits, timeouts and invalid numbers,
 * autofallthrough=no, Local channels with originate of an application and
 * of an extension, the Originate application, a reload while a call runs
 * (the call keeps its dialplan), hints producing ExtensionStatus events,
 * and the Verbose "Executing" line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cmocka.h>

#include <zvonok/channel.h>
#include <zvonok/cli.h>
#include <zvonok/devstate.h>
#include <zvonok/event.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>

#include "core/internal.h"
#include "dialplan/dp_engine.h"

static char tmpdir[64];
static char trace[8192];
static char verbose_lines[16384];
static struct zv_log_sink *sink;
static long live_before;

/* ---- test applications ------------------------------------------------------ */

static enum zv_app_result trace_exec(struct zv_channel *chan, const char *data)
{
	strncat(trace, data, sizeof(trace) - strlen(trace) - 2);
	strcat(trace, "|");
	return ZV_APP_CONTINUE;
}

static enum zv_app_result answer_exec(struct zv_channel *chan, const char *data)
{
	return zv_channel_answer(chan) ? ZV_APP_HANGUP : ZV_APP_CONTINUE;
}

static enum zv_app_result hangup_exec(struct zv_channel *chan, const char *data)
{
	zv_channel_softhangup(chan, *data ? atoi(data) : ZV_CAUSE_NORMAL_CLEARING);
	return ZV_APP_HANGUP;
}

static enum zv_app_result noop_exec(struct zv_channel *chan, const char *data)
{
	return ZV_APP_CONTINUE;
}

static enum zv_app_result set_exec(struct zv_channel *chan, const char *data)
{
	char *copy = strdup(data);
	char *eq = strchr(copy, '=');
	if (eq) {
		*eq = '\0';
		if (strchr(copy, '('))
			zv_func_write(chan, copy, eq + 1);
		else
			zv_channel_var_set(chan, copy, eq + 1);
	}
	free(copy);
	return ZV_APP_CONTINUE;
}

static enum zv_app_result wait_exec(struct zv_channel *chan, const char *data)
{
	int r = zv_channel_sleep(chan, (uint32_t)(strtod(data, NULL) * 1000));
	return r == ZV_WAKE_HANGUP ? ZV_APP_HANGUP : ZV_APP_CONTINUE;
}

static enum zv_app_result queuedigits_exec(struct zv_channel *chan, const char *data)
{
	for (const char *p = data; *p; p++)
		zv_channel_queue_digit(chan, *p);
	return ZV_APP_CONTINUE;
}

static enum zv_app_result runsub_exec(struct zv_channel *chan, const char *data)
{
	int r = zv_pbx_gosub_run(chan, data, "fromapp");
	char buf[128];
	snprintf(buf, sizeof(buf), "runsub=%d ret=%s", r,
		 zv_channel_var_get(chan, "GOSUB_RETVAL") ? zv_channel_var_get(chan, "GOSUB_RETVAL")
							  : "");
	return trace_exec(chan, buf);
}

static const struct zv_app test_apps[] = {
	{.name = "Trace", .exec = trace_exec},
	{.name = "Answer", .exec = answer_exec},
	{.name = "Hangup", .exec = hangup_exec},
	{.name = "NoOp", .exec = noop_exec},
	{.name = "Set", .exec = set_exec},
	{.name = "Wait", .exec = wait_exec},
	{.name = "QueueDigits", .exec = queuedigits_exec},
	{.name = "RunSub", .exec = runsub_exec},
};

/* ---- a channel technology that does nothing ------------------------------------- */

static void test_hangup(struct zv_channel *chan)
{
}

static const struct zv_channel_tech test_tech = {
	.type = "Test",
	.hangup = test_hangup,
};

/* ---- harness ------------------------------------------------------------------------ */

static void sink_cb(void *arg, enum zv_log_level level, int sublevel, const char *line)
{
	if (level == ZV_LOG_VERBOSE && strlen(verbose_lines) + strlen(line) + 2 < sizeof(verbose_lines)) {
		strcat(verbose_lines, line);
		strcat(verbose_lines, "\n");
	}
}

static void write_file(const char *name, const char *text)
{
	char path[256];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int load_dialplan(const char *text)
{
	write_file("extensions.conf", text);
	struct zv_diag diag;
	zv_diag_init(&diag);
	int err = zv_modules_reconfigure_one("dialplan", &diag);
	for (size_t i = 0; err && i < diag.n; i++) {
		char line[512];
		zv_diag_format(&diag.v[i], line, sizeof(line));
		print_message("%s\n", line);
	}
	zv_diag_clear(&diag);
	return err;
}

static struct timespec run_start;
static unsigned run_limit_ms;

static void poll_idle(void *arg)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	long ms = (now.tv_sec - run_start.tv_sec) * 1000 + (now.tv_nsec - run_start.tv_nsec) / 1000000;
	if (zv_channel_count() == 0 || ms > (long)run_limit_ms)
		zv_main_loop_exit();
}

/* Run the main loop until no channel is left (at most limit_ms). */
static void run_until_idle(unsigned limit_ms)
{
	struct zv_timer t;
	clock_gettime(CLOCK_MONOTONIC, &run_start);
	run_limit_ms = limit_ms;
	assert_int_equal(zv_timer_init(&t, zv_main_loop(), poll_idle, NULL), 0);
	zv_timer_start(&t, 2, 2);
	zv_main_loop_run();
	zv_timer_stop(&t);
	zv_timer_fini(&t);
	assert_int_equal(zv_channel_count(), 0);
}

static void run_at(const char *ctx, const char *exten)
{
	struct zv_channel *chan = zv_channel_alloc(&test_tech, "x", NULL, ctx, exten, ZV_STATE_RING);
	assert_non_null(chan);
	assert_int_equal(zv_pbx_start(chan), 0);
	zv_unref(chan);
	run_until_idle(5000);
}

static int group_setup(void **state)
{
	live_before = zv_obj_live();
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/zv_dpexec.XXXXXX");
	if (!mkdtemp(tmpdir))
		return -1;
	zv_settings.confdir = tmpdir;
	zv_settings.dbdir = tmpdir;
	zv_settings.logdir = tmpdir;
	write_file("logger.conf", "[logfiles]\nconsole => error\n");
	write_file("extensions.conf", "");
	if (zv_loops_init(1))
		return -1;
	struct zv_diag diag;
	zv_diag_init(&diag);
	int err = zv_modules_load_all(tmpdir, &diag);
	if (!err)
		err = zv_modules_configure(&diag);
	for (size_t i = 0; i < diag.n; i++) {
		char line[512];
		zv_diag_format(&diag.v[i], line, sizeof(line));
		print_message("%s\n", line);
	}
	zv_diag_clear(&diag);
	if (err || zv_modules_start_all())
		return -1;
	for (size_t i = 0; i < sizeof(test_apps) / sizeof(*test_apps); i++)
		if (zv_app_register(NULL, &test_apps[i]))
			return -1;
	if (zv_channel_tech_register(NULL, &test_tech))
		return -1;
	zv_log_set_verbose(3);
	sink = zv_log_sink_add(sink_cb, NULL);
	return 0;
}

static int group_teardown(void **state)
{
	zv_log_sink_remove(sink);
	zv_modules_stop_all();
	zv_modules_unload_all();
	zv_loops_fini();
	zv_snapshot_set_current(NULL); /* the daemon keeps it until exit */
	if (zv_obj_live() != live_before) {
		print_message("leaked %ld objects\n", zv_obj_live() - live_before);
		return -1;
	}
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) ? -1 : 0;
}

static int test_setup(void **state)
{
	trace[0] = '\0';
	verbose_lines[0] = '\0';
	return 0;
}

/* ---- tests --------------------------------------------------------------------------- */

static void test_goto_gotoif_h(void **state)
{
	assert_int_equal(load_dialplan("[t1]\n"
				       "exten => s,1,Trace(start)\n"
				       " same => n,Set(X=5)\n"
				       " same => n,GotoIf($[${X} > 3]?big:small)\n"
				       " same => n(small),Trace(small)\n"
				       " same => n,Hangup()\n"
				       " same => n(big),Trace(big ${EXTEN} ${PRIORITY})\n"
				       " same => n,GotoIf($[${X} > 9]?small)\n"
				       " same => n,Goto(200,1)\n"
				       "exten => 200,1,Trace(at200)\n"
				       " same => n,Goto(t1b,s,target)\n"
				       "exten => h,1,Trace(h ${HANGUPCAUSE} ${EXTEN})\n"
				       "[t1b]\n"
				       "exten => s,1,NoOp()\n"
				       " same => n(target),Trace(in t1b)\n"
				       " same => n,Goto(+2)\n"
				       " same => n,Trace(skipped)\n"
				       " same => n,Goto(t1,200,99)\n"), /* → i? none: hang up */
			 0);
	run_at("t1", "s");
	/* The jump to a missing priority ends t1b; h runs in t1 (the
	 * channel's context at the end). */
	assert_string_equal(trace, "start|big s 6|at200|in t1b|h 16 h|");
	assert_non_null(strstr(verbose_lines, "Executing [s@t1:1] Trace(\"Test/x-"));
	assert_non_null(strstr(verbose_lines, "\", \"start\") in new stack"));
	assert_non_null(strstr(verbose_lines, "Goto (t1b,s,2)"));
}

static void test_fallback_unknown_app_i(void **state)
{
	assert_int_equal(load_dialplan("[t2]\n"
				       "exten => s,1,Trace(s of t2)\n"
				       " same => n,Goto(nowhere,1)\n"
				       "exten => i,1,Trace(invalid ${INVALID_EXTEN})\n"
				       " same => n,NoSuchApp(x)\n"
				       " same => n,Trace(not reached)\n"
				       "exten => h,1,Trace(h)\n"),
			 0);
	run_at("t2", "555"); /* 555 does not exist: falls back to s */
	assert_string_equal(trace, "s of t2|invalid nowhere|h|");
	assert_non_null(strstr(verbose_lines, "Spawn extension (t2, i, 2) exited non-zero on 'Test/x-"));
}

static void test_gosub(void **state)
{
	assert_int_equal(load_dialplan("[t3]\n"
				       "exten => s,1,Set(A=outer)\n"
				       " same => n,Gosub(sub,s,1(x,y))\n"
				       " same => n,Trace(ret=${GOSUB_RETVAL} A=${A} ARG1=${ARG1})\n"
				       " same => n,Gosub(sub2,s,1)\n"
				       " same => n,Trace(${GOSUB_RETVAL})\n"
				       " same => n,GosubIf($[1=0]?sub,s,1(no):lbl,1)\n"
				       " same => n,Trace(${GOSUB_RETVAL})\n"
				       " same => n,RunSub(sub3,s,1)\n"
				       " same => n,Trace(after runsub ${PRIORITY})\n"
				       "exten => lbl,1,Return(from lbl)\n"
				       "[sub]\n"
				       "exten => s,1,Trace(args=${ARG1},${ARG2})\n"
				       " same => n,Set(LOCAL(A)=inner)\n"
				       " same => n,Trace(A=${A} peek=${LOCAL_PEEK(1,A)})\n"
				       " same => n,Return(${ARG1}${ARG2})\n"
				       "[sub2]\n"
				       "exten => s,1,Gosub(sub,s,1(p,q))\n"
				       " same => n,Trace(sub2 ARG1=${ARG1})\n"
				       " same => n,Return(nested-${GOSUB_RETVAL})\n"
				       "[sub3]\n"
				       "exten => s,1,Trace(sub3 ${ARG1})\n"
				       " same => n,Return(r3)\n"),
			 0);
	run_at("t3", "s");
	assert_string_equal(trace, "args=x,y|A=inner peek=outer|ret=xy A=outer ARG1=|"
				   "args=p,q|A=inner peek=outer|sub2 ARG1=|nested-pq|"
				   "from lbl|sub3 fromapp|runsub=0 ret=r3|after runsub 9|");
}

static void test_macro(void **state)
{
	assert_int_equal(load_dialplan("[t4]\n"
				       "exten => s,1,Macro(test,a1,a2)\n"
				       " same => n,Trace(after ${ARG1}/${MACRO_EXTEN})\n"
				       " same => n,Macro(exit)\n"
				       " same => n,Trace(done)\n"
				       " same => n,Macro(nosuch)\n"
				       " same => n,Trace(still here)\n"
				       "[macro-test]\n"
				       "exten => s,1,Trace(m ${ARG1} ${ARG2} ${MACRO_CONTEXT} ${MACRO_EXTEN} ${MACRO_PRIORITY})\n"
				       "[macro-exit]\n"
				       "exten => s,1,Trace(x1)\n"
				       " same => n,MacroExit()\n"
				       " same => n,Trace(x2)\n"),
			 0);
	run_at("t4", "s");
	assert_string_equal(trace, "m a1 a2 t4 s 1|after /|x1|done|still here|");
}

static void test_while_execif(void **state)
{
	assert_int_equal(load_dialplan("[t5]\n"
				       "exten => s,1,Set(I=0)\n"
				       " same => n,While($[${I} < 3])\n"
				       " same => n,Set(I=$[${I} + 1])\n"
				       " same => n,ExecIf($[${I} = 2]?ContinueWhile())\n"
				       " same => n,Trace(i${I})\n"
				       " same => n,EndWhile()\n"
				       " same => n,Trace(end${I})\n"
				       " same => n,While(1)\n"
				       " same => n,ExitWhile()\n"
				       " same => n,Trace(never)\n"
				       " same => n,EndWhile()\n"
				       " same => n,ExecIf($[1=0]?Trace(no):Trace(yes))\n"
				       " same => n,ExecIf(1?Trace(a,b))\n"
				       " same => n,Exec(Trace(exec))\n"
				       " same => n,While(0)\n"
				       " same => n,While(1)\n"
				       " same => n,Trace(inner never)\n"
				       " same => n,EndWhile()\n"
				       " same => n,EndWhile()\n"
				       " same => n,Trace(out)\n"),
			 0);
	run_at("t5", "s");
	assert_string_equal(trace, "i1|i3|end3|yes|a,b|exec|out|");
}

static void test_waitexten(void **state)
{
	assert_int_equal(load_dialplan("[t6]\n"
				       "exten => s,1,QueueDigits(12)\n"
				       " same => n,WaitExten(1)\n"
				       "exten => 12,1,Trace(got12)\n"
				       " same => n,WaitExten(0.05)\n"
				       "exten => t,1,Trace(timeout)\n"
				       " same => n,QueueDigits(9)\n"
				       " same => n,WaitExten(1)\n"
				       "exten => i,1,Trace(invalid ${INVALID_EXTEN})\n"
				       "[t6b]\n"
				       "exten => s,1,WaitExten(0.05)\n"
				       " same => n,Trace(no t: not reached)\n"
				       "exten => h,1,Trace(h6b)\n"),
			 0);
	run_at("t6", "s");
	assert_string_equal(trace, "got12|timeout|invalid 9|");
	trace[0] = '\0';
	run_at("t6b", "s");
	assert_string_equal(trace, "h6b|");
}

static void test_autofallthrough_no(void **state)
{
	assert_int_equal(load_dialplan("[general]\n"
				       "autofallthrough=no\n"
				       "[t7]\n"
				       "exten => s,1,Trace(s)\n"
				       " same => n,QueueDigits(5)\n"
				       "exten => 5,1,Trace(five)\n"
				       " same => n,Hangup()\n"),
			 0);
	run_at("t7", "s");
	assert_string_equal(trace, "s|five|");
}

static void test_local_originate(void **state)
{
	assert_int_equal(load_dialplan("[t8]\n"
				       "exten => 100,1,Trace(on2 ${CHANNEL})\n"
				       " same => n,Answer()\n"
				       " same => n,Wait(5)\n"
				       " same => n,Trace(wait not finished)\n"
				       "exten => 200,1,Trace(on1 ${CHANNEL})\n"
				       "exten => h,1,Trace(h ${CHANNEL})\n"),
			 0);
	struct dp_originate o = {.dest = "Local/100@t8", .kind = DP_ORIG_APP, .app = "Trace",
				 .appdata = "app on 1"};
	struct zv_channel *c1 = NULL;
	assert_int_equal(dp_originate_start(&o, &c1), 0);
	assert_non_null(c1);
	char name1[80];
	snprintf(name1, sizeof(name1), "%s", zv_channel_name(c1));
	zv_unref(c1);
	run_until_idle(3000);
	size_t l = strlen(name1);
	assert_true(l > 2 && !strcmp(name1 + l - 2, ";1"));
	assert_true(!strncmp(name1, "Local/100@t8-", 13));
	char expect[512];
	char base[80];
	snprintf(base, sizeof(base), "%.*s", (int)(l - 2), name1);
	snprintf(expect, sizeof(expect), "on2 %s;2|app on 1|h %s;2|", base, base);
	assert_string_equal(trace, expect);

	/* Originate to an extension: ;1 enters the dialplan at 200@t8. */
	trace[0] = '\0';
	struct dp_originate o2 = {.dest = "Local/100@t8/n", .kind = DP_ORIG_EXTEN, .context = "t8",
				  .exten = "200"};
	assert_int_equal(dp_originate_start(&o2, NULL), 0);
	run_until_idle(3000);
	assert_non_null(strstr(trace, "on1 Local/100@t8-"));
	assert_non_null(strstr(trace, ";1|"));
	assert_non_null(strstr(trace, "h Local/100@t8-"));

	/* No such extension: the call fails at once. */
	struct dp_originate o3 = {.dest = "Local/999@t8", .kind = DP_ORIG_APP, .app = "Trace",
				  .appdata = "never"};
	assert_int_equal(dp_originate_start(&o3, NULL), -ENOENT);
	run_until_idle(3000);
	assert_null(strstr(trace, "never"));
}

static void test_originate_app(void **state)
{
	assert_int_equal(load_dialplan("[t9]\n"
				       "exten => s,1,Originate(Local/100@t9,app,Trace,from originate)\n"
				       " same => n,Trace(status ${ORIGINATE_STATUS})\n"
				       " same => n,Originate(Local/300@t9,exten,t9,200,1,1)\n"
				       " same => n,Trace(status ${ORIGINATE_STATUS})\n"
				       "exten => 100,1,Answer()\n"
				       " same => n,Wait(5)\n"
				       "exten => 200,1,Trace(at 200)\n"
				       "exten => 300,1,Wait(5)\n"),
			 0);
	run_at("t9", "s");
	/* Originate returns as soon as the call is answered (;2 answered at
	 * once), before ;1 has run its application.  300 never answers:
	 * Originate gives up after its 1 s timeout and the ;1 side times out
	 * too, which hangs 300 up. */
	assert_string_equal(trace, "status SUCCESS|from originate|status FAILED|");
}

static void reload_mid_call(void *arg)
{
	assert_int_equal(load_dialplan("[t10]\n"
				       "exten => s,1,Wait(0.2)\n"
				       " same => n,Trace(new)\n"),
			 0);
}

static void test_reload_keeps_call_model(void **state)
{
	assert_int_equal(load_dialplan("[t10]\n"
				       "exten => s,1,Wait(0.2)\n"
				       " same => n,Trace(old)\n"),
			 0);
	struct zv_channel *chan = zv_channel_alloc(&test_tech, "x", NULL, "t10", "s", ZV_STATE_RING);
	assert_int_equal(zv_pbx_start(chan), 0);
	zv_unref(chan);
	struct zv_timer t;
	zv_timer_init(&t, zv_main_loop(), reload_mid_call, NULL);
	zv_timer_start(&t, 50, 0);
	run_until_idle(3000);
	zv_timer_fini(&t);
	assert_string_equal(trace, "old|");
	trace[0] = '\0';
	run_at("t10", "s");
	assert_string_equal(trace, "new|");
}

static char events[2048];

static void on_extstate(void *arg, struct zv_event *ev)
{
	char line[256];
	snprintf(line, sizeof(line), "%s@%s=%s/%s;", zv_event_get(ev, "Exten"),
		 zv_event_get(ev, "Context"), zv_event_get(ev, "Status"),
		 zv_event_get(ev, "StatusText"));
	strncat(events, line, sizeof(events) - strlen(events) - 1);
}

static void test_hints(void **state)
{
	assert_int_equal(load_dialplan("[t11]\n"
				       "exten => 100,hint,Custom:dpa&Custom:dpb\n"
				       "exten => 100,1,NoOp()\n"
				       "exten => 101,hint,Custom:dpb\n"),
			 0);
	struct zv_event_sub *sub = zv_event_subscribe(
		NULL, ZV_EVENT_MASK(ZV_EVENT_EXTENSION_STATE), NULL, on_extstate, NULL, NULL);
	assert_non_null(sub);
	events[0] = '\0';
	char buf[128];
	assert_int_equal(zv_pbx_hint_get("t11", "100", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "Custom:dpa&Custom:dpb");
	assert_int_equal(zv_pbx_hint_get("t11", "102", buf, sizeof(buf)), -ENOENT);

	zv_devstate_changed("Custom:dpa", ZV_DEVICE_INUSE);
	assert_string_equal(events, "100@t11=1/InUse;");
	assert_int_equal(zv_pbx_extension_state("t11", "100"), ZV_EXTENSION_INUSE);
	events[0] = '\0';
	zv_devstate_changed("Custom:dpb", ZV_DEVICE_RINGING);
	assert_string_equal(events, "100@t11=9/InUse&Ringing;101@t11=8/Ringing;");
	events[0] = '\0';
	zv_devstate_changed("Custom:dpb", ZV_DEVICE_RINGING); /* no change: no event */
	zv_devstate_changed("Custom:dpa", ZV_DEVICE_NOT_INUSE);
	zv_devstate_changed("Custom:dpb", ZV_DEVICE_NOT_INUSE);
	assert_string_equal(events, "100@t11=8/Ringing;100@t11=0/Idle;101@t11=0/Idle;");
	assert_int_equal(zv_pbx_extension_state("t11", "101"), ZV_EXTENSION_NOT_INUSE);
	assert_int_equal(zv_pbx_extension_state("t11", "nope"), -ENOENT);
	zv_event_unsubscribe(sub);
}

static void test_exception(void **state)
{
	assert_int_equal(load_dialplan("[t13]\n"
				       "exten => s,1,WaitExten(0.02)\n"
				       "exten => e,1,Trace(e ${EXCEPTION(reason)} ${EXCEPTION(exten)})\n"
				       " same => n,GotoIf($[${EXCEPTION(reason)} = INVALID]?done)\n"
				       " same => n,Goto(nosuch,1)\n"
				       " same => n(done),Trace(done)\n"),
			 0);
	run_at("t13", "s");
	assert_string_equal(trace, "e RESPONSETIMEOUT s|e INVALID nosuch|done|");
}

static char cli_out[16384];

static void cli_done(void *arg, enum zv_cli_result result, const char *output, size_t len)
{
	snprintf(cli_out, sizeof(cli_out), "%.*s", (int)len, output);
	*(int *)arg = (int)result;
}

static int cli(const char *line)
{
	int result = -1;
	cli_out[0] = '\0';
	zv_cli_exec(line, cli_done, &result);
	return result;
}

static void test_cli(void **state)
{
	assert_int_equal(load_dialplan("[t14]\n"
				       "exten => 100,hint,Custom:dpcli\n"
				       "exten => 100,1,NoOp(a)\n"
				       " same => n(two),NoOp(b)\n"
				       "exten => 200/_5XX,1,NoOp()\n"
				       "include => t14b\n"
				       "ignorepat => 9\n"
				       "[t14b]\n"
				       "exten => 300,1,NoOp()\n"),
			 0);
	assert_int_equal(cli("dialplan show t14"), ZV_CLI_SUCCESS);
	assert_string_equal(cli_out,
			    "[ Context 't14' created by 'pbx_config' ]\n"
			    "  '100' =>          hint: Custom:dpcli                            [extensions.conf:2]\n"
			    "                    1. NoOp(a)                                    [extensions.conf:3]\n"
			    "     [two]          2. NoOp(b)                                    [extensions.conf:4]\n"
			    "  '200' (CID match '_5XX') => 1. NoOp()                                     [extensions.conf:5]\n"
			    "  Include =>        't14b'                                        [pbx_config]\n"
			    "  Ignore pattern => '9'                                           [pbx_config]\n"
			    "\n"
			    "-= 2 extensions (4 priorities) in 1 context. =-\n");
	assert_int_equal(cli("dialplan show 300@t14b"), ZV_CLI_SUCCESS);
	assert_non_null(strstr(cli_out, "-= 1 extension (1 priority) in 1 context. =-"));
	assert_int_equal(cli("dialplan show 999@t14b"), ZV_CLI_FAILURE);
	assert_non_null(strstr(cli_out, "There is no existence of 999@t14b extension"));
	assert_int_equal(cli("core show hints"), ZV_CLI_SUCCESS);
	assert_non_null(strstr(cli_out, "    100@t14             : Custom:dpcli          State:"));
	assert_non_null(strstr(cli_out, "----------------\n- 1 hints registered\n"));
	assert_int_equal(cli("core show applications like while"), ZV_CLI_SUCCESS);
	assert_non_null(strstr(cli_out, "    -= Matching Asterisk Applications =-\n"));
	assert_non_null(strstr(cli_out, "        ContinueWhile: Restart a While loop.\n"));
	assert_non_null(strstr(cli_out, "    -= 4 Applications Matching =-\n"));
	assert_int_equal(cli("core show application gosub"), ZV_CLI_SUCCESS);
	assert_non_null(strstr(cli_out, "  -= Info about application 'Gosub' =- \n\n[Synopsis]\n"));
	assert_int_equal(cli("core show function EXCEPTION"), ZV_CLI_SUCCESS);
	assert_int_equal(cli("core show functions like LOCAL"), ZV_CLI_SUCCESS);
	assert_non_null(strstr(cli_out, "2 matching custom functions installed."));
	assert_int_equal(cli("core show channels"), ZV_CLI_SUCCESS);
	assert_non_null(strstr(cli_out, "0 active channels\n"));
	assert_int_equal(cli("channel request hangup nosuch"), ZV_CLI_FAILURE);
}

static void test_queries(void **state)
{
	assert_int_equal(load_dialplan("[t12]\n"
				       "exten => 100,1,NoOp()\n"
				       " same => n(lbl),NoOp()\n"
				       "exten => _9XX,1,NoOp()\n"),
			 0);
	assert_true(zv_pbx_exists(NULL, "t12", "100", 2, NULL));
	assert_false(zv_pbx_exists(NULL, "t12", "100", 3, NULL));
	assert_true(zv_pbx_canmatch(NULL, "t12", "9", NULL));
	assert_true(zv_pbx_matchmore(NULL, "t12", "91", NULL));
	assert_false(zv_pbx_matchmore(NULL, "t12", "912", NULL));
	assert_int_equal(zv_pbx_findlabel(NULL, "t12", "100", "lbl", NULL), 2);
	assert_int_equal(zv_pbx_findlabel(NULL, "t12", "100", "nolbl", NULL), -ENOENT);
}

int main(void)
{
	if (getenv("DP_TEST_FILTER"))
		cmocka_set_test_filter(getenv("DP_TEST_FILTER"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_goto_gotoif_h, test_setup),
		cmocka_unit_test_setup(test_fallback_unknown_app_i, test_setup),
		cmocka_unit_test_setup(test_gosub, test_setup),
		cmocka_unit_test_setup(test_macro, test_setup),
		cmocka_unit_test_setup(test_while_execif, test_setup),
		cmocka_unit_test_setup(test_waitexten, test_setup),
		cmocka_unit_test_setup(test_autofallthrough_no, test_setup),
		cmocka_unit_test_setup(test_local_originate, test_setup),
		cmocka_unit_test_setup(test_originate_app, test_setup),
		cmocka_unit_test_setup(test_reload_keeps_call_model, test_setup),
		cmocka_unit_test_setup(test_hints, test_setup),
		cmocka_unit_test_setup(test_exception, test_setup),
		cmocka_unit_test_setup(test_cli, test_setup),
		cmocka_unit_test_setup(test_queries, test_setup),
	};
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
