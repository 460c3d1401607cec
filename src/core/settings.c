/*
 * zvonok.conf: where everything lives and the daemon-wide options.  It has
 * the layout of Asterisk's asterisk.conf ([directories] astetcdir =>
 * ..., [options] verbose = ...), and an asterisk.conf is read when there is
 * no zvonok.conf, so an Asterisk configuration directory works as is.
 *
 * Unlike Asterisk, a relative directory is taken relative to the folder of
 * the file itself, so a configuration tree can be moved around (the
 * embedded default in etc/ relies on it).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ZV_LOG_MODULE "core"
#include <zvonok/config.h>
#include <zvonok/log.h>
#include <zvonok/obj.h>

#include "core/internal.h"

struct zv_settings zv_settings;

const struct zv_conf_option zv_settings_directories[] = {
	{"astetcdir", "configuration files"},
	{"astrundir", "control socket and pid file"},
	{"astlogdir", "log files"},
	{"astspooldir", "voicemail, recordings, outgoing call files"},
	{"astvarlibdir", "persistent data"},
	{"astdbdir", "astdb.sqlite3"},
	{"astdatadir", "sounds and music on hold"},
	{"astmoddir", "accepted for compatibility; modules are built in"},
	{"astagidir", "AGI scripts"},
	{"astkeydir", "keys"},
	{"astsbindir", "accepted for compatibility"},
	{"astcachedir", "cache"},
	{NULL},
};

const struct zv_conf_option zv_settings_options[] = {
	{"verbose", "initial verbosity"},
	{"debug", "initial debug level"},
	{"maxcalls", "refuse calls beyond this number"},
	{"maxload", "refuse new calls above this 1-minute load average"},
	{"overload_delay", "refuse new calls while SIP messages wait longer (ms; 0 off)"},
	{"overload_setup_calls", "refuse new calls while this many are being set up (0 off)"},
	{"overload_retry_after", "Retry-After of the 503 for refused calls (s)"},
	{"systemname", "name used in unique ids"},
	{"workers", "worker loops (0: one per core)"},
	{"dumpcore", "allow core dumps"},
	{"dontwarn", "leave out the disclaimer of core show codecs"},
	{"nofork", "stay in the foreground"},
	{"timestamp", "accepted for compatibility"},
	{"documentation_language", "accepted for compatibility"},
	{"runuser", "not supported yet: run as root or start as the user"},
	{"rungroup", "not supported yet"},
	{"transmit_silence", "accepted for compatibility"},
	{"cache_record_files", "accepted for compatibility"},
	{"languageprefix", "accepted for compatibility"},
	{"defaultlanguage", "default channel language"},
	{"highpriority", "accepted for compatibility"},
	{"internal_timing", "accepted for compatibility"},
	{"minmemfree", "accepted for compatibility"},
	{"execincludes", "#exec in config files (not supported)"},
	{"live_dangerously", "accepted for compatibility"},
	{"entityid", "accepted for compatibility"},
	{"hideconnect", "accepted for compatibility"},
	{"lockconfdir", "accepted for compatibility"},
	{"stdexten", "accepted for compatibility"},
	{NULL},
};

static char *join(const char *dir, const char *rel)
{
	char *out = NULL;
	if (rel[0] == '/')
		return strdup(rel);
	if (asprintf(&out, "%s/%s", dir, rel) < 0)
		return NULL;
	return out;
}

static char *default_dir(const char *root_path, const char *user_leaf)
{
	if (geteuid() == 0)
		return strdup(root_path);
	char *out = NULL;
	if (asprintf(&out, "/tmp/zvonok-%u%s%s", (unsigned)geteuid(),
		     user_leaf ? "/" : "", user_leaf ? user_leaf : "") < 0)
		return NULL;
	return out;
}

void zv_settings_free(void)
{
	free(zv_settings.config_file);
	free(zv_settings.confdir);
	free(zv_settings.rundir);
	free(zv_settings.logdir);
	free(zv_settings.spooldir);
	free(zv_settings.vardir);
	free(zv_settings.datadir);
	free(zv_settings.dbdir);
	free(zv_settings.socket_path);
	free(zv_settings.systemname);
	memset(&zv_settings, 0, sizeof(zv_settings));
}

static int set_dir(char **slot, const struct zv_conf_section *sec, const char *key,
		   const char *base)
{
	const char *v = zv_conf_get(sec, key);
	if (!v || !*v)
		return 0;
	char *p = join(base, v);
	if (!p)
		return -ENOMEM;
	free(*slot);
	*slot = p;
	return 0;
}

/* Check zvonok.conf's sections and options; used at start and by the core
 * module's prepare. */
void zv_settings_check(const struct zv_conf *conf, struct zv_diag *diag)
{
	for (const struct zv_conf_section *s = zv_conf_section_next(conf, NULL); s;
	     s = zv_conf_section_next(conf, s)) {
		if (!strcasecmp(s->name, "directories"))
			zv_conf_check_options(s, zv_settings_directories, diag);
		else if (!strcasecmp(s->name, "options"))
			zv_conf_check_options(s, zv_settings_options, diag);
		else if (strcasecmp(s->name, "files") && strcasecmp(s->name, "compat"))
			zv_diag_warn(diag, s->file, s->line, "unknown section [%s]", s->name);
	}
	const struct zv_conf_section *o = zv_conf_section_find(conf, "options");
	static const char *const numeric[] = {"verbose", "debug", "maxcalls", "workers",
					      "overload_delay", "overload_setup_calls",
					      "overload_retry_after"};
	for (size_t i = 0; i < sizeof(numeric) / sizeof(*numeric); i++) {
		long v;
		const struct zv_conf_var *var = zv_conf_var_next(o, numeric[i], NULL);
		if (var && zv_conf_parse_int(var->value, 0, 1000000, &v) < 0)
			zv_diag_error(diag, var->file, var->line,
				      "%s: '%s' is not a number from 0 to 1000000",
				      numeric[i], var->value);
	}
	const struct zv_conf_var *ml = zv_conf_var_next(o, "maxload", NULL);
	if (ml) {
		char *end;
		double d = strtod(ml->value, &end);
		if (end == ml->value || *end || d < 0)
			zv_diag_error(diag, ml->file, ml->line,
				      "maxload: '%s' is not a load average (a number, 0 off)",
				      ml->value);
	}
}

static int find_config(const char *path, char **filep, char **dirp)
{
	struct stat st;
	const char *dir = path ? path : "/etc/zvonok";
	if (path && stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) {
		*filep = realpath(path, NULL);
		if (!*filep)
			return -errno;
		*dirp = strdup(*filep);
		if (!*dirp)
			return -ENOMEM;
		char *slash = strrchr(*dirp, '/');
		if (slash != *dirp)
			*slash = '\0';
		else
			slash[1] = '\0';
		return 0;
	}
	if (path && stat(path, &st) < 0)
		return -errno;
	*dirp = realpath(dir, NULL);
	if (!*dirp) {
		if (path || errno != ENOENT)
			return -errno;
		*dirp = strdup(dir); /* default location absent: defaults */
		return *dirp ? 0 : -ENOMEM;
	}
	static const char *const names[] = {"zvonok.conf", "asterisk.conf"};
	for (size_t i = 0; i < 2; i++) {
		char *f = join(*dirp, names[i]);
		if (!f)
			return -ENOMEM;
		if (access(f, F_OK) == 0) {
			*filep = f;
			return 0;
		}
		free(f);
	}
	*filep = NULL; /* a directory without zvonok.conf: all defaults */
	return 0;
}

int zv_settings_load(const char *path, struct zv_diag *diag)
{
	zv_settings_free();
	char *file = NULL, *dir = NULL;
	int err = find_config(path, &file, &dir);
	if (err) {
		zv_diag_error(diag, path, 0, "cannot use as configuration: %s", strerror(-err));
		free(dir);
		return err;
	}
	zv_settings.config_file = file;
	zv_settings.confdir = dir;
	zv_settings.verbose = -1;
	zv_settings.debug = -1;

	struct zv_conf *conf = NULL;
	if (file) {
		struct zv_conf_opts opts = {.confdir = dir};
		err = zv_conf_load(file, &opts, diag, &conf);
		if (err == -ENOENT)
			conf = NULL;
		else if (err)
			return err;
	}
	const struct zv_conf_section *d = conf ? zv_conf_section_find(conf, "directories") : NULL;
	const struct zv_conf_section *o = conf ? zv_conf_section_find(conf, "options") : NULL;
	/* Options are checked (and unknown ones reported) by the core module
	 * when it prepares the snapshot, so they are reported once. */
	zv_settings.rundir = default_dir("/var/run/zvonok", NULL);
	zv_settings.logdir = default_dir("/var/log/zvonok", "log");
	zv_settings.spooldir = default_dir("/var/spool/zvonok", "spool");
	zv_settings.vardir = default_dir("/var/lib/zvonok", "lib");
	zv_settings.datadir = strdup("/usr/share/asterisk");
	err = -ENOMEM;
	if (!zv_settings.rundir || !zv_settings.logdir || !zv_settings.spooldir ||
	    !zv_settings.vardir || !zv_settings.datadir)
		goto out;
	if ((err = set_dir(&zv_settings.confdir, d, "astetcdir", dir)) ||
	    (err = set_dir(&zv_settings.rundir, d, "astrundir", dir)) ||
	    (err = set_dir(&zv_settings.logdir, d, "astlogdir", dir)) ||
	    (err = set_dir(&zv_settings.spooldir, d, "astspooldir", dir)) ||
	    (err = set_dir(&zv_settings.vardir, d, "astvarlibdir", dir)) ||
	    (err = set_dir(&zv_settings.datadir, d, "astdatadir", dir)))
		goto out;
	zv_settings.dbdir = strdup(zv_settings.vardir);
	err = -ENOMEM;
	if (!zv_settings.dbdir)
		goto out;
	if ((err = set_dir(&zv_settings.dbdir, d, "astdbdir", dir)))
		goto out;
	err = -ENOMEM;
	if (asprintf(&zv_settings.socket_path, "%s/zvonok.ctl", zv_settings.rundir) < 0) {
		zv_settings.socket_path = NULL;
		goto out;
	}
	const char *sn = zv_conf_get(o, "systemname");
	zv_settings.systemname = strdup(sn ? sn : "");
	if (!zv_settings.systemname)
		goto out;

	long v;
	if (!zv_conf_parse_int(zv_conf_get(o, "verbose"), 0, 1000000, &v))
		zv_settings.verbose = (int)v;
	if (!zv_conf_parse_int(zv_conf_get(o, "debug"), 0, 1000000, &v))
		zv_settings.debug = (int)v;
	if (!zv_conf_parse_int(zv_conf_get(o, "maxcalls"), 0, 1000000, &v))
		zv_settings.maxcalls = (unsigned)v;
	if (!zv_conf_parse_int(zv_conf_get(o, "workers"), 0, 1024, &v))
		zv_settings.workers = (unsigned)v;
	zv_settings.overload_delay_ms = 200;
	zv_settings.overload_retry_after = 5;
	if (!zv_conf_parse_int(zv_conf_get(o, "overload_delay"), 0, 1000000, &v))
		zv_settings.overload_delay_ms = (unsigned)v;
	if (!zv_conf_parse_int(zv_conf_get(o, "overload_setup_calls"), 0, 1000000, &v))
		zv_settings.overload_setup_calls = (unsigned)v;
	if (!zv_conf_parse_int(zv_conf_get(o, "overload_retry_after"), 0, 1000000, &v))
		zv_settings.overload_retry_after = (unsigned)v;
	const char *ml = zv_conf_get(o, "maxload");
	if (ml) {
		char *end;
		double load = strtod(ml, &end);
		if (end != ml && !*end && load >= 0)
			zv_settings.maxload = load;
	}
	bool b;
	if (!zv_conf_parse_bool(zv_conf_get(o, "dumpcore"), &b))
		zv_settings.dump_core = b;
	if (!zv_conf_parse_bool(zv_conf_get(o, "dontwarn"), &b))
		zv_settings.dont_warn = b;
	err = 0;
out:
	zv_unref(conf);
	return err;
}
