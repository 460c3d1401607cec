/*
 * The "logger" module: reads logger.conf into output channels for the
 * logger (src/core/log.c) and offers `logger show channels`,
 * `logger reload` and `logger rotate`.
 *
 * logger.conf as in Asterisk:
 *   [general]   dateformat = %F %T
 *   [logfiles]  console => notice,warning,error,verbose
 *               messages => notice,warning,error
 * File names are relative to astlogdir.  Without logger.conf the two lines
 * above are the default.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define ZV_LOG_MODULE "logger"
#include <zvonok/cli.h>
#include <zvonok/config.h>
#include <zvonok/log.h>
#include <zvonok/module.h>

#include "core/internal.h"

/* What the CLI shows: a copy of the committed channel list. */
struct logger_state {
	struct zv_log_channel *channels; /* handed to the logger on commit */
	char *dateformat;
	char *desc; /* `logger show channels` body */
};

static char *current_desc;

static const struct zv_conf_option general_opts[] = {
	{"dateformat", "strftime format of the time stamp"},
	{"use_callids", "accepted; call ids are always shown"},
	{"appendhostname", "accepted for compatibility"},
	{"queue_log", "accepted for compatibility"},
	{"queue_log_to_file", "accepted for compatibility"},
	{"queue_log_name", "accepted for compatibility"},
	{"queue_log_realtime_use_gmt", "accepted for compatibility"},
	{"rotatestrategy", "accepted for compatibility"},
	{"exec_after_rotate", "accepted for compatibility"},
	{"logger_queue_limit", "accepted for compatibility"},
	{NULL},
};

static void state_free(struct logger_state *st)
{
	if (!st)
		return;
	zv_log__channels_free(st->channels);
	free(st->dateformat);
	free(st->desc);
	free(st);
}

static void describe(struct logger_state *st)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return;
	for (struct zv_log_channel *c = st->channels; c; c = c->next) {
		fprintf(f, "%-35s %-8s %-10s %-10s -", c->is_console ? "" : c->path,
			c->is_console ? "Console" : "File", "default", "Enabled");
		for (int l = ZV_LOG__COUNT - 1; l >= 0; l--)
			if (c->levels & (1u << l))
				fprintf(f, " %s", zv_log_level_name((enum zv_log_level)l));
		fputc('\n', f);
	}
	fclose(f);
	st->desc = buf;
}

static int add_channel(struct logger_state *st, struct zv_log_channel ***tailp,
		       const char *name, const char *levels, const char *file,
		       unsigned line, struct zv_diag *diag)
{
	struct zv_log_channel *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->is_console = !strcasecmp(name, "console");
	int err = zv_log__parse_levels(c, levels, diag, file, line);
	if (err) {
		free(c);
		return err;
	}
	if (!c->is_console) {
		if (asprintf(&c->path, "%s%s%s", name[0] == '/' ? "" : zv_settings.logdir,
			     name[0] == '/' ? "" : "/", name) < 0) {
			free(c);
			return -ENOMEM;
		}
		mkdir(zv_settings.logdir, 0750);
		c->fp = fopen(c->path, "a");
		if (!c->fp) {
			zv_diag_error(diag, file, line, "cannot open log file %s: %s", c->path,
				      strerror(errno));
			free(c->path);
			free(c);
			return 0;
		}
	}
	**tailp = c;
	*tailp = &c->next;
	return 0;
}

static int logger_prepare(struct zv_module *mod, const struct zv_snapshot *snap,
			  struct zv_diag *diag, void **statep)
{
	struct logger_state *st = calloc(1, sizeof(*st));
	if (!st)
		return -ENOMEM;
	struct zv_log_channel **tail = &st->channels;
	const struct zv_conf *conf = zv_snapshot_file(snap, "logger.conf");
	int err = 0;
	if (!conf) {
		err = add_channel(st, &tail, "console", "notice,warning,error,verbose", NULL, 0, diag);
		if (!err)
			err = add_channel(st, &tail, "messages", "notice,warning,error", NULL, 0, diag);
	} else {
		for (const struct zv_conf_section *s = zv_conf_section_next(conf, NULL); s;
		     s = zv_conf_section_next(conf, s)) {
			if (!strcasecmp(s->name, "general")) {
				zv_conf_check_options(s, general_opts, diag);
				const char *df = zv_conf_get(s, "dateformat");
				if (df && !st->dateformat && !(st->dateformat = strdup(df)))
					err = -ENOMEM;
			} else if (!strcasecmp(s->name, "logfiles")) {
				for (const struct zv_conf_var *v = zv_conf_var_next(s, NULL, NULL);
				     v && !err; v = zv_conf_var_next(s, NULL, v))
					err = add_channel(st, &tail, v->name, v->value, v->file,
							  v->line, diag);
			} else {
				zv_diag_warn(diag, s->file, s->line, "unknown section [%s]", s->name);
			}
		}
	}
	if (err) {
		state_free(st);
		return err;
	}
	describe(st);
	*statep = st;
	return 0;
}

static void logger_commit(struct zv_module *mod, void *state)
{
	struct logger_state *st = state;
	zv_log__configure(st->channels, st->dateformat);
	st->channels = NULL;
	free(current_desc);
	current_desc = st->desc;
	st->desc = NULL;
	state_free(st);
}

static void logger_discard(struct zv_module *mod, void *state)
{
	state_free(state);
}

static void logger_unload(struct zv_module *mod)
{
	zv_log__shutdown();
	free(current_desc);
	current_desc = NULL;
}

static enum zv_cli_result cli_show_channels(struct zv_cli_req *req, int argc, char **argv)
{
	zv_cli_printf(req, "%-35s %-8s %-10s %-10s\n", "Channel", "Type", "Formatter", "Status");
	zv_cli_printf(req, "%-35s %-8s %-10s %-10s\n", "-------", "----", "---------", "------");
	zv_cli_printf(req, "%s", current_desc ? current_desc : "");
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result reload_logger(struct zv_cli_req *req)
{
	struct zv_diag diag;
	zv_diag_init(&diag);
	int err = zv_module_reload("logger", &diag);
	zv_cli_print_diag(req, &diag);
	zv_diag_clear(&diag);
	return err ? ZV_CLI_FAILURE : ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_reload(struct zv_cli_req *req, int argc, char **argv)
{
	return reload_logger(req);
}

static enum zv_cli_result cli_rotate(struct zv_cli_req *req, int argc, char **argv)
{
	/* Reopening the files is what rotation needs from us: an external
	 * logrotate renames them first. */
	enum zv_cli_result r = reload_logger(req);
	if (r == ZV_CLI_SUCCESS)
		zv_cli_printf(req, "Log files reopened.\n");
	return r;
}

static const struct zv_cli_cmd logger_cli[] = {
	{"logger show channels", "List configured log channels",
	 "Usage: logger show channels\n       List configured logger channels.\n",
	 cli_show_channels},
	{"logger reload", "Reopens the log files",
	 "Usage: logger reload\n       Re-reads logger.conf and reopens the log files.\n",
	 cli_reload},
	{"logger rotate", "Rotates and reopens the log files",
	 "Usage: logger rotate\n       Reopens the log files (after an external rename).\n",
	 cli_rotate},
	{NULL},
};

static int logger_load(struct zv_module *mod)
{
	return zv_cli_register(mod, logger_cli);
}

ZV_MODULE(logger) = {
	.summary = "Logger: logger.conf channels",
	.flags = ZV_MODULE_CORE,
	.requires = "cli",
	.config = "logger.conf",
	.load = logger_load,
	.prepare = logger_prepare,
	.commit = logger_commit,
	.discard = logger_discard,
	.unload = logger_unload,
};
