/*
 * The "core" module: zvonok.conf validation, daemon-wide CLI commands
 * (core show version/uptime/settings/threads, core set verbose/debug,
 * core reload, core stop) and the stop/reload requests.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <time.h>

#define ZV_LOG_MODULE "core"
#include <zvonok/cli.h>
#include <zvonok/config.h>
#include <zvonok/event.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>

#include "core/internal.h"

void zv_settings_check(const struct zv_conf *conf, struct zv_diag *diag);

static atomic_long active_calls;
static atomic_ulong calls_processed;
static atomic_bool refusing_calls;
static time_t last_reload;
static struct zv_timer stop_timer;
static bool stop_timer_armed;
static enum zv_stop_mode stop_mode;

long zv_core_active_calls(void)
{
	return atomic_load(&active_calls);
}

bool zv_core_accepting_calls(void)
{
	if (atomic_load(&refusing_calls))
		return false;
	return !zv_settings.maxcalls || zv_core_active_calls() < (long)zv_settings.maxcalls;
}

void zv_core_call_started(void)
{
	atomic_fetch_add(&active_calls, 1);
}

void zv_core_call_ended(void)
{
	atomic_fetch_sub(&active_calls, 1);
	atomic_fetch_add(&calls_processed, 1);
}

unsigned long zv_core_calls_processed(void)
{
	return atomic_load(&calls_processed);
}

unsigned zv_core_maxcalls(void)
{
	return zv_settings.maxcalls;
}

const char *zv_core_datadir(void)
{
	return zv_settings.datadir;
}

const char *zv_core_spooldir(void)
{
	return zv_settings.spooldir;
}

const char *zv_core_dbdir(void)
{
	return zv_settings.dbdir;
}

const char *zv_core_systemname(void)
{
	return zv_settings.systemname ? zv_settings.systemname : "";
}

bool zv_core_dontwarn(void)
{
	return zv_settings.dont_warn;
}

size_t zv_diag_log(const struct zv_diag *diag)
{
	for (size_t i = 0; i < diag->n; i++) {
		const struct zv_diag_entry *e = &diag->v[i];
		enum zv_log_level level = e->sev == ZV_DIAG_ERROR ? ZV_LOG_ERROR : ZV_LOG_WARNING;
		if (e->file && e->line)
			zv_log(level, 0, ZV_LOG_MODULE, "%s:%u: %s", e->file, e->line, e->msg);
		else if (e->file)
			zv_log(level, 0, ZV_LOG_MODULE, "%s: %s", e->file, e->msg);
		else
			zv_log(level, 0, ZV_LOG_MODULE, "%s", e->msg);
	}
	return diag->errors;
}

int zv_core_reload(struct zv_diag *diag)
{
	int err = zv_modules_configure(diag);
	if (err) {
		zv_error("Reload failed: the previous configuration stays in effect");
		return err;
	}
	last_reload = time(NULL);
	struct zv_snapshot *snap = zv_snapshot_ref_current();
	zv_verb(1, "Configuration reloaded (generation %llu)",
		(unsigned long long)zv_snapshot_generation(snap));
	struct zv_event *ev = zv_event_alloc(ZV_EVENT_SYSTEM, "Reload");
	if (ev) {
		zv_event_add(ev, "Module", "All");
		zv_event_add(ev, "Status", "0");
		zv_event_publish(ev);
		zv_unref(ev);
	}
	zv_unref(snap);
	return 0;
}

static void do_reload(void *arg)
{
	struct zv_diag diag;
	zv_diag_init(&diag);
	zv_core_reload(&diag);
	zv_diag_log(&diag);
	zv_diag_clear(&diag);
}

void zv_core_request_reload(void)
{
	zv_loop_post(zv_main_loop(), do_reload, NULL);
}

static void check_stop(void *arg)
{
	if (stop_mode != ZV_STOP_NOW && zv_core_active_calls() > 0)
		return; /* the periodic timer looks again */
	zv_notice("Stopping Zvonok (%s)", stop_mode == ZV_STOP_NOW ? "now" : "calls ended");
	zv_timer_stop(&stop_timer);
	zv_main_loop_exit();
}

static void do_stop(void *arg)
{
	enum zv_stop_mode mode = (enum zv_stop_mode)(long)arg;
	/* A more urgent request overrides a pending gentle one. */
	if (stop_timer_armed && mode >= stop_mode)
		return;
	stop_mode = mode;
	if (mode == ZV_STOP_GRACEFULLY)
		atomic_store(&refusing_calls, true);
	if (!stop_timer_armed) {
		if (zv_timer_init(&stop_timer, zv_main_loop(), check_stop, NULL) < 0) {
			zv_main_loop_exit();
			return;
		}
		stop_timer_armed = true;
		zv_timer_start(&stop_timer, 0, 100);
	}
	check_stop(NULL);
}

void zv_core_request_stop(enum zv_stop_mode mode)
{
	if (zv_loop_post(zv_main_loop(), do_stop, (void *)(long)mode) < 0)
		zv_main_loop_exit();
}

/* ---- CLI ------------------------------------------------------------ */

static enum zv_cli_result cli_version(struct zv_cli_req *req, int argc, char **argv)
{
	struct utsname u;
	uname(&u);
	zv_cli_printf(req, "Zvonok %s built on a %s running %s on %s\n", ZV_VERSION,
		      u.machine, u.sysname, __DATE__);
	return ZV_CLI_SUCCESS;
}

static void print_duration(struct zv_cli_req *req, const char *label, time_t secs,
			   bool raw)
{
	if (raw) {
		zv_cli_printf(req, "%s: %ld\n", label, (long)secs);
		return;
	}
	static const struct {
		const char *unit;
		long size;
	} units[] = {{"year", 31536000}, {"week", 604800}, {"day", 86400},
		     {"hour", 3600},     {"minute", 60}};
	char buf[256] = "";
	size_t len = 0;
	long left = (long)secs;
	for (size_t i = 0; i < sizeof(units) / sizeof(*units); i++) {
		long n = left / units[i].size;
		if (!n)
			continue;
		left -= n * units[i].size;
		len += (size_t)snprintf(buf + len, sizeof(buf) - len, "%ld %s%s, ", n,
					units[i].unit, n == 1 ? "" : "s");
	}
	snprintf(buf + len, sizeof(buf) - len, "%ld second%s", left, left == 1 ? "" : "s");
	zv_cli_printf(req, "%s: %s\n", label, buf);
}

static enum zv_cli_result cli_uptime(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	bool raw = argc == nf + 1 && !strcasecmp(argv[nf], "seconds");
	if (argc != nf && !raw)
		return ZV_CLI_SHOWUSAGE;
	time_t now = time(NULL);
	time_t started = (time_t)(zv_loops_start_time_us() / 1000000u);
	print_duration(req, "System uptime", now - started, raw);
	print_duration(req, "Last reload", now - last_reload, raw);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_settings(struct zv_cli_req *req, int argc, char **argv)
{
	struct zv_settings *s = &zv_settings;
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	char started[32], reloaded[32];
	time_t st = (time_t)(zv_loops_start_time_us() / 1000000u);
	struct tm tm;
	strftime(started, sizeof(started), "%H:%M:%S", localtime_r(&st, &tm));
	strftime(reloaded, sizeof(reloaded), "%H:%M:%S", localtime_r(&last_reload, &tm));
	struct utsname u;
	uname(&u);
	struct zv_snapshot *snap = zv_snapshot_ref_current();

	zv_cli_printf(req, "\nPBX Core settings\n-----------------\n");
	zv_cli_printf(req, "  %-29s%s\n", "Version:", ZV_VERSION);
	if (s->maxcalls)
		zv_cli_printf(req, "  %-29s%u (Current %ld)\n", "Maximum calls:", s->maxcalls,
			      zv_core_active_calls());
	else
		zv_cli_printf(req, "  %-29sNot set\n", "Maximum calls:");
	if (s->maxload > 0)
		zv_cli_printf(req, "  %-29s%f\n", "Maximum load average:", s->maxload);
	else
		zv_cli_printf(req, "  %-29sNot set\n", "Maximum load average:");
	zv_cli_printf(req, "  %-29s%lu\n", "Calls refused (overload):", zv_core_overload_refused());
	zv_cli_printf(req, "  %-29s%llu\n", "Maximum open file handles:",
		      (unsigned long long)rl.rlim_cur);
	zv_cli_printf(req, "  %-29s%d\n", "Root console verbosity:", zv_log_verbose_level());
	zv_cli_printf(req, "  %-29s%d\n", "Current console verbosity:", zv_log_verbose_level());
	zv_cli_printf(req, "  %-29s%d\n", "Debug level:", zv_log_debug_level());
	zv_cli_printf(req, "  %-29s%u\n", "Worker loops:", zv_workers_count());
	zv_cli_printf(req, "  %-29s%s\n", "Accepting calls:", zv_core_accepting_calls() ? "Yes" : "No");
	zv_cli_printf(req, "  %-29s%s\n", "Startup time:", started);
	zv_cli_printf(req, "  %-29s%s\n", "Last reload time:", reloaded);
	zv_cli_printf(req, "  %-29s%llu\n", "Configuration generation:",
		      snap ? (unsigned long long)zv_snapshot_generation(snap) : 0ull);
	zv_cli_printf(req, "  %-29s%s/%s on %s\n", "System:", u.sysname, u.release, u.machine);
	zv_cli_printf(req, "  %-29s%s\n", "System name:", s->systemname);
	zv_cli_printf(req, "\n* Directories\n  -------------\n");
	zv_cli_printf(req, "  %-29s%s\n", "Configuration file:",
		      s->config_file ? s->config_file : "(none: defaults)");
	zv_cli_printf(req, "  %-29s%s\n", "Configuration directory:", s->confdir);
	zv_cli_printf(req, "  %-29s%s\n", "Spool directory:", s->spooldir);
	zv_cli_printf(req, "  %-29s%s\n", "Log directory:", s->logdir);
	zv_cli_printf(req, "  %-29s%s\n", "Run/Sockets directory:", s->rundir);
	zv_cli_printf(req, "  %-29s%s\n", "Control socket:", s->socket_path);
	zv_cli_printf(req, "  %-29s%s/zvonok.pid\n", "PID file:", s->rundir);
	zv_cli_printf(req, "  %-29s%s\n", "VarLib directory:", s->vardir);
	zv_cli_printf(req, "  %-29s%s\n", "Data directory:", s->datadir);
	zv_cli_printf(req, "  %-29s%s/astdb.sqlite3\n", "ASTDB:", s->dbdir);
	zv_unref(snap);
	return ZV_CLI_SUCCESS;
}

static void print_loop(struct zv_cli_req *req, struct zv_loop *loop)
{
	struct zv_loop_stats st;
	zv_loop_get_stats(loop, &st);
	zv_cli_printf(req, "%-10s %-8d %10llu %10llu %10llu %6u %6u %10.1f\n",
		      zv_loop_name(loop), st.tid, (unsigned long long)st.posted,
		      (unsigned long long)st.timers, (unsigned long long)st.wakeups,
		      st.queue_len, st.queue_max, st.busy_ms);
}

static enum zv_cli_result cli_threads(struct zv_cli_req *req, int argc, char **argv)
{
	zv_cli_printf(req, "%-10s %-8s %10s %10s %10s %6s %6s %10s\n", "Thread", "LWP",
		      "Posted", "Timers", "Wakeups", "Queue", "MaxQ", "Busy(ms)");
	print_loop(req, zv_main_loop());
	unsigned n = zv_workers_count();
	for (unsigned i = 0; i < n; i++)
		print_loop(req, zv_worker_peek(i));
	zv_cli_printf(req, "%u threads listed.\n", n + 1);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_overload(struct zv_cli_req *req, int argc, char **argv)
{
	if (argc != zv_cli_nfixed(req))
		return ZV_CLI_SHOWUSAGE;
	zv__overload_show(req);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result set_level(struct zv_cli_req *req, int argc, char **argv,
				    bool verbose)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 1)
		return ZV_CLI_SHOWUSAGE;
	long level;
	if (!strcasecmp(argv[nf], "off"))
		level = 0;
	else if (zv_conf_parse_int(argv[nf], 0, 1000000, &level) < 0)
		return ZV_CLI_SHOWUSAGE;
	int old = verbose ? zv_log_verbose_level() : zv_log_debug_level();
	if (verbose)
		zv_log_set_verbose((int)level);
	else
		zv_log_set_debug((int)level);
	if (old == level)
		zv_cli_printf(req, "%s is at least %d\n", verbose ? "Verbosity" : "Core debug",
			      (int)level);
	else if (verbose)
		zv_cli_printf(req, "Console verbose was %d and is now %ld.\n", old, level);
	else
		zv_cli_printf(req, "Core debug was %d and is now %ld.\n", old, level);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_set_verbose(struct zv_cli_req *req, int argc, char **argv)
{
	return set_level(req, argc, argv, true);
}

static enum zv_cli_result cli_set_debug(struct zv_cli_req *req, int argc, char **argv)
{
	return set_level(req, argc, argv, false);
}

static enum zv_cli_result cli_reload(struct zv_cli_req *req, int argc, char **argv)
{
	struct zv_diag diag;
	zv_diag_init(&diag);
	int err = zv_core_reload(&diag);
	zv_cli_print_diag(req, &diag);
	zv_diag_log(&diag);
	zv_diag_clear(&diag);
	if (err) {
		zv_cli_printf(req, "Reload failed; the previous configuration stays in effect.\n");
		return ZV_CLI_FAILURE;
	}
	struct zv_snapshot *snap = zv_snapshot_ref_current();
	zv_cli_printf(req, "Configuration reloaded (generation %llu).\n",
		      (unsigned long long)zv_snapshot_generation(snap));
	zv_unref(snap);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result stop_with(struct zv_cli_req *req, enum zv_stop_mode mode)
{
	zv_core_request_stop(mode);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_stop_now(struct zv_cli_req *req, int argc, char **argv)
{
	return stop_with(req, ZV_STOP_NOW);
}

static enum zv_cli_result cli_stop_gracefully(struct zv_cli_req *req, int argc, char **argv)
{
	return stop_with(req, ZV_STOP_GRACEFULLY);
}

static enum zv_cli_result cli_stop_convenient(struct zv_cli_req *req, int argc, char **argv)
{
	return stop_with(req, ZV_STOP_WHEN_CONVENIENT);
}

static enum zv_cli_result cli_abort_stop(struct zv_cli_req *req, int argc, char **argv)
{
	if (!stop_timer_armed) {
		zv_cli_printf(req, "No shutdown in progress.\n");
		return ZV_CLI_SUCCESS;
	}
	zv_timer_stop(&stop_timer);
	zv_timer_fini(&stop_timer);
	stop_timer_armed = false;
	atomic_store(&refusing_calls, false);
	zv_notice("Shutdown cancelled");
	return ZV_CLI_SUCCESS;
}

static const struct zv_cli_cmd core_cli[] = {
	{"core show version", "Display version info", "Usage: core show version\n"
	 "       Shows Zvonok version information.\n", cli_version},
	{"core show uptime", "Show uptime information",
	 "Usage: core show uptime [seconds]\n"
	 "       Shows how long Zvonok has been running and when it last reloaded.\n",
	 cli_uptime},
	{"core show settings", "Show some core settings", "Usage: core show settings\n"
	 "       Shows the core settings and directories in use.\n", cli_settings},
	{"core show threads", "Show running threads", "Usage: core show threads\n"
	 "       Shows the main loop and the worker loops with their counters.\n",
	 cli_threads},
	{"core show overload", "Show overload protection state",
	 "Usage: core show overload\n"
	 "       Shows the limits that make new calls get 503 + Retry-After, each\n"
	 "       worker's smoothed SIP message delay and the calls refused.  A\n"
	 "       worker's state and delay are as of the last SIP message it handled.\n",
	 cli_overload},
	{"core set verbose", "Set level of verbose chatter",
	 "Usage: core set verbose <level>|off\n", cli_set_verbose},
	{"core set debug", "Set level of debug chatter",
	 "Usage: core set debug <level>|off\n", cli_set_debug},
	{"core reload", "Global reload", "Usage: core reload\n"
	 "       Re-reads every configuration file.  If any has an error, nothing\n"
	 "       is applied and the running configuration stays.\n", cli_reload},
	{"reload", "Reload configuration for a module", "Usage: reload\n"
	 "       Same as 'core reload'.\n", cli_reload},
	{"core stop now", "Shut down Zvonok immediately", "Usage: core stop now\n"
	 "       Ends all calls and shuts down at once.\n", cli_stop_now},
	{"core stop gracefully", "Gracefully shut down Zvonok",
	 "Usage: core stop gracefully\n"
	 "       Refuses new calls and shuts down when the last call has ended.\n",
	 cli_stop_gracefully},
	{"core stop when convenient", "Shut down Zvonok at empty call volume",
	 "Usage: core stop when convenient\n"
	 "       Shuts down when no call is in progress; new calls are still taken.\n",
	 cli_stop_convenient},
	{"core abort shutdown", "Cancel a running shutdown", "Usage: core abort shutdown\n",
	 cli_abort_stop},
	{NULL},
};

static int core_load(struct zv_module *mod)
{
	last_reload = time(NULL);
	return zv_cli_register(mod, core_cli);
}

static int core_prepare(struct zv_module *mod, const struct zv_snapshot *snap,
			struct zv_diag *diag, void **statep)
{
	/* Whichever of the two start-up found (zvonok.conf first). */
	const struct zv_conf *conf = zv_snapshot_file(snap, "zvonok.conf");
	if (!conf)
		conf = zv_snapshot_file(snap, "asterisk.conf");
	if (conf)
		zv_settings_check(conf, diag);
	return 0;
}

ZV_MODULE(core) = {
	.summary = "Core: settings, version, reload and shutdown",
	.flags = ZV_MODULE_CORE,
	.config = "zvonok.conf,asterisk.conf",
	.requires = "cli",
	.load = core_load,
	.prepare = core_prepare,
};
