/*
 * zvonok: the PBX daemon and its own remote-control client.
 *
 *   zvonok [-f] [-c] [-v...] [-d...] [-C <dir|file>]   run the PBX
 *   zvonok -r [-C ...]                                  remote console
 *   zvonok -rx "<command>" [-C ...]                     run one command
 *   zvonok --check-config [-C ...]                      check, then exit
 *
 * Start-up order: settings (zvonok.conf) → logger to the console →
 * modules load (registrations only) → every config file parsed into the
 * first snapshot and every module prepared against it (any error: print
 * all of them with file:line and exit 1) → worker loops → modules start →
 * control socket → "ready" line.  SIGTERM/SIGINT stop (refuse new work,
 * end calls, exit 0), SIGHUP reloads.
 */
#include <errno.h>
#include <malloc.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ZV_LOG_MODULE "core"
#include <zvonok/log.h>
#include <zvonok/loop.h>

#include "core/internal.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Zvonok %s, an Asterisk-compatible PBX\n"
		"Usage: zvonok [OPTIONS]\n"
		"  -C <dir|file>    configuration directory or zvonok.conf/asterisk.conf\n"
		"  -f               do not fork: stay in the foreground, log to stdout\n"
		"  -c               console: foreground with a CLI on stdin (implies -f)\n"
		"  -v               more verbose (repeat for more)\n"
		"  -d               more debug output (repeat for more)\n"
		"  -r               connect a remote console to a running Zvonok\n"
		"  -x <command>     with -r: run one command and exit\n"
		"  -g               allow core dumps\n"
		"  -V, --version    print the version and exit\n"
		"  --check-config   check every configuration file, print every problem\n"
		"                   as file:line and exit (0: valid, 1: errors)\n"
		"  -h, --help       this help\n",
		ZV_VERSION);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	if (sig == SIGHUP) {
		zv_notice("SIGHUP: reloading configuration");
		zv_core_request_reload();
		return;
	}
	static int count;
	if (++count > 1) {
		zv_warn("Second %s: stopping now", sig == SIGINT ? "SIGINT" : "SIGTERM");
		zv_main_loop_exit();
		return;
	}
	zv_notice("%s: shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
	zv_core_request_stop(ZV_STOP_NOW);
}

static void print_diag(const struct zv_diag *diag, FILE *f)
{
	for (size_t i = 0; i < diag->n; i++) {
		char line[1024];
		zv_diag_format(&diag->v[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
}

static int check_config(void)
{
	struct zv_diag diag;
	zv_diag_init(&diag);
	int err = zv_modules_load_all(zv_settings.confdir, &diag);
	if (!err)
		err = zv_modules_configure(&diag);
	print_diag(&diag, stdout);
	size_t errors = diag.errors, warnings = diag.warnings;
	zv_diag_clear(&diag);
	zv_modules_unload_all();
	printf("%s: %zu error%s, %zu warning%s\n", zv_settings.confdir, errors,
	       errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
	return (err || errors) ? 1 : 0;
}

static int write_pidfile(char **pathp)
{
	if (asprintf(pathp, "%s/zvonok.pid", zv_settings.rundir) < 0) {
		*pathp = NULL;
		return -ENOMEM;
	}
	FILE *f = fopen(*pathp, "w");
	if (!f)
		return -errno;
	fprintf(f, "%ld\n", (long)getpid());
	fclose(f);
	return 0;
}

/*
 * Give memory back after load.  glibc keeps what the worker threads free
 * in their arenas (measured: 93 MB resident after 12,000 short calls,
 * 16 MB after malloc_trim()).  Checked every second: the heap is trimmed
 * when 1000 channels ended since the last trim and the active ones fell
 * to half their peak (a long load that ebbs; looked at every 10 s), and once calls stop ending
 * it is trimmed 3 s later (what the calls themselves held), 12 s later
 * (the RTP port pools close pairs 10-10.25 s after their call) and 35 s
 * later (what the SIP layer still keeps in the heap for retransmissions,
 * 32 s: client INVITE transactions in timer D, server ones on stream
 * transports; those on UDP are remnants in their own mmap'd blocks,
 * returned as they drain, tsx.c).  The cost, a walk of the arenas, is
 * paid only after load.
 */
static void malloc_setup(void)
{
	/* The arenas of the worker threads grow and shrink with every burst
	 * of calls (an mprotect or madvise each time, measured at ~5% of
	 * call set-up); a fixed trim threshold stops that churn, and
	 * trim_tick() gives the memory back once the load is over. */
	mallopt(M_TRIM_THRESHOLD, 16 << 20);
	mallopt(M_MMAP_THRESHOLD, 256 << 10);
}

static void trim_tick(evutil_socket_t fd, short what, void *arg)
{
	static unsigned long trimmed, prev;
	static unsigned quiet;
	static long peak;
	static bool pending; /* calls ended since the last quiet-time series */
	static unsigned tick;
	long active = zv_core_active_calls();
	unsigned long done = zv_core_calls_processed();
	if (done != prev)
		pending = true;
	quiet = done == prev ? quiet + 1 : 0;
	prev = done;
	if (active > peak)
		peak = active;
	/* under load, at most every 10 s: a trim locks each arena in turn */
	bool heavy = ++tick % 10 == 0 && done - trimmed >= 1000 && active <= peak / 2 + 16;
	bool settled = pending && (quiet == 3 || quiet == 12 || quiet == 35);
	if (heavy || settled) {
		malloc_trim(0);
		trimmed = done;
		peak = active;
	}
	if (quiet >= 35)
		pending = false;
}

static int run_daemon(bool foreground, bool console)
{
	struct zv_diag diag;
	zv_diag_init(&diag);
	struct timespec t0;
	clock_gettime(CLOCK_MONOTONIC, &t0);

	if (zv_settings.dump_core) {
		struct rlimit rl = {RLIM_INFINITY, RLIM_INFINITY};
		setrlimit(RLIMIT_CORE, &rl);
		prctl(PR_SET_DUMPABLE, 1);
	}
	if (mkdir(zv_settings.rundir, 0750) < 0 && errno != EEXIST) {
		fprintf(stderr, "zvonok: cannot create %s: %s\n", zv_settings.rundir,
			strerror(errno));
		return 1;
	}
	if (!foreground && daemon(0, 0) < 0) {
		perror("zvonok: daemon");
		return 1;
	}
	zv_log__set_console(foreground ? stdout : NULL);

	int err = zv_modules_load_all(zv_settings.confdir, &diag);
	if (!err)
		err = zv_modules_configure(&diag);
	zv_diag_log(&diag);
	if (err || diag.errors) {
		zv_error("Configuration in %s has %zu error(s); not starting", zv_settings.confdir,
			 diag.errors);
		zv_diag_clear(&diag);
		zv_modules_unload_all();
		return 1;
	}
	zv_diag_clear(&diag);

	evthread_use_pthreads();
	err = zv_loops_init(zv_settings.workers);
	if (err) {
		zv_error("Cannot start worker loops: %s", strerror(-err));
		return 1;
	}
	struct event_base *base = zv_loop_base(zv_main_loop());
	struct timeval trim_every = {.tv_sec = 1};
	struct event *trim = event_new(base, -1, EV_PERSIST, trim_tick, NULL);
	if (trim)
		event_add(trim, &trim_every);
	struct event *sigs[3];
	int signos[3] = {SIGTERM, SIGINT, SIGHUP};
	for (int i = 0; i < 3; i++) {
		sigs[i] = evsignal_new(base, signos[i], on_signal, NULL);
		evsignal_add(sigs[i], NULL);
	}
	signal(SIGPIPE, SIG_IGN);

	int status = 0;
	char *pidfile = NULL;
	err = zv_modules_start_all();
	if (!err)
		err = zv_ctl_listen(zv_settings.socket_path);
	if (!err && (err = write_pidfile(&pidfile)) < 0)
		zv_warn("Cannot write the pid file: %s", strerror(-err));
	if (err == 0 || pidfile) {
		struct timespec t1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
			    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
		zv_notice("Zvonok %s ready in %.1f ms: %u worker loops, configuration %s, "
			  "control socket %s",
			  ZV_VERSION, ms, zv_workers_count(), zv_settings.confdir,
			  zv_settings.socket_path);
		if (console)
			zv_console_start();
		zv_main_loop_run();
	} else {
		status = 1;
	}

	if (trim)
		event_free(trim);
	zv_ctl_close();
	zv_modules_stop_all();
	for (int i = 0; i < 3; i++)
		event_free(sigs[i]);
	zv_loops_fini();
	zv_modules_unload_all();
	if (pidfile)
		unlink(pidfile);
	free(pidfile);
	if (!status)
		zv_notice("Zvonok ending");
	zv_log__shutdown();
	return status;
}

int main(int argc, char **argv)
{
	const char *confpath = NULL;
	const char *command = NULL;
	bool foreground = false, console = false, remote = false, check = false;
	int verbose = 0, debug = 0;
	bool dump_core = false;
	malloc_setup();

	static const struct option longopts[] = {
		{"check-config", no_argument, NULL, 'K'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	while ((c = getopt_long(argc, argv, "C:fcvdrRx:gVhnqT", longopts, NULL)) != -1) {
		switch (c) {
		case 'C':
			confpath = optarg;
			break;
		case 'f':
			foreground = true;
			break;
		case 'c':
			console = foreground = true;
			break;
		case 'v':
			verbose++;
			break;
		case 'd':
			debug++;
			break;
		case 'r':
		case 'R':
			remote = true;
			break;
		case 'x':
			command = optarg;
			remote = true;
			break;
		case 'g':
			dump_core = true;
			break;
		case 'K':
			check = true;
			break;
		case 'V':
			printf("Zvonok %s\n", ZV_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case 'n':
		case 'q':
		case 'T':
			break; /* Asterisk's colour/quiet/timestamp flags: accepted */
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "zvonok: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}

	struct zv_diag diag;
	zv_diag_init(&diag);
	int err = zv_settings_load(confpath, &diag);
	if (err) {
		print_diag(&diag, stderr);
		zv_diag_clear(&diag);
		return 1;
	}
	/* Syntax problems in zvonok.conf are reported again, once, when the
	 * whole configuration is checked. */
	zv_diag_clear(&diag);

	if (remote) {
		int r = zv_ctl_remote(zv_settings.socket_path, command);
		zv_settings_free();
		return r;
	}

	zv_log_set_verbose(zv_settings.verbose >= 0 ? zv_settings.verbose + verbose : verbose);
	zv_log_set_debug(zv_settings.debug >= 0 ? zv_settings.debug + debug : debug);
	zv_settings.foreground = foreground;
	zv_settings.console = console;
	zv_settings.dump_core |= dump_core;

	if (check) {
		zv_log__set_console(NULL);
		int r = check_config();
		zv_settings_free();
		return r;
	}
	int r = run_daemon(foreground, console);
	zv_settings_free();
	return r;
}
