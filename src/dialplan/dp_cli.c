/*
 * CLI of the dialplan engine, shaped like Asterisk's: `dialplan show`,
 * `dialplan reload`, `core show applications|application|functions|
 * function|hints|channels`, `channel originate` and `channel request
 * hangup`.
 *
 * Handlers run on the main loop.  They read the model (immutable) and
 * the channel registry copies (zv_channel_foreach()); anything that acts
 * on a call (originate, hang-up) is posted to the call's worker.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ZV_LOG_MODULE "pbx"
#include <zvonok/channel.h>
#include <zvonok/cli.h>
#include <zvonok/core.h>
#include <zvonok/log.h>
#include <zvonok/module.h>
#include <zvonok/loop.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>

#include "dialplan/dp_engine.h"
#include "dialplan/dp_pattern.h"

/* ---- dialplan show ------------------------------------------------------------ */

static const char *plural(int n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

static void registrar(char *buf, size_t len, const char *file, unsigned line)
{
	if (file)
		snprintf(buf, len, "%s:%u", dp_model_base_name(file), line);
	else
		snprintf(buf, len, "pbx_config");
}

static enum zv_cli_result cli_dialplan_show(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc > nf + 1)
		return ZV_CLI_SHOWUSAGE;
	char *want_ctx = NULL, *want_ext = NULL, *copy = NULL;
	if (argc == nf + 1) {
		copy = strdup(argv[nf]);
		if (!copy)
			return ZV_CLI_FAILURE;
		char *at = strchr(copy, '@');
		if (at) {
			*at = '\0';
			want_ext = copy;
			want_ctx = *(at + 1) ? at + 1 : NULL;
		} else {
			want_ctx = copy;
		}
	}
	struct dp_model *m = dp_engine_model_ref();
	int nctx = 0, next = 0, nprio = 0;
	char reg[300], buf[512], buf2[1200];
	for (size_t i = 0; i < m->ncontexts; i++) {
		const struct dp_context *c = m->contexts[i];
		if (want_ctx && strcmp(c->name, want_ctx))
			continue;
		bool header = false;
		for (size_t j = 0; j < c->nextens; j++) {
			const struct dp_exten *e = c->extens[j];
			if (want_ext && strcmp(e->name, want_ext) &&
			    !dp_pattern_match(zv_str_c(e->name), zv_str_c(want_ext)))
				continue;
			if (!header) {
				zv_cli_printf(req, "[ Context '%s' created by 'pbx_config' ]\n", c->name);
				header = true;
			}
			next++;
			if (e->cid)
				snprintf(buf, sizeof(buf), "'%s' (CID match '%s') =>", e->name, e->cid);
			else
				snprintf(buf, sizeof(buf), "'%s' =>", e->name);
			bool first = true;
			if (e->hint) {
				snprintf(buf2, sizeof(buf2), "hint: %s", e->hint);
				registrar(reg, sizeof(reg), e->hint_file, e->hint_line);
				zv_cli_printf(req, "  %-17s %-45s [%s]\n", buf, buf2, reg);
				first = false;
				nprio++;
			}
			for (size_t k = 0; k < e->nprios; k++) {
				const struct dp_prio *p = &e->prios[k];
				if (!first) {
					if (p->label)
						snprintf(buf, sizeof(buf), "   [%s]", p->label);
					else
						buf[0] = '\0';
				}
				first = false;
				snprintf(buf2, sizeof(buf2), "%d. %s(%s)", p->prio, p->app, p->data);
				registrar(reg, sizeof(reg), p->file, p->line);
				zv_cli_printf(req, "  %-17s %-45s [%s]\n", buf, buf2, reg);
				nprio++;
			}
		}
		if (want_ext)
			goto ctx_done;
		for (size_t j = 0; j < c->nincludes; j++) {
			const struct dp_include *inc = &c->includes[j];
			if (!header) {
				zv_cli_printf(req, "[ Context '%s' created by 'pbx_config' ]\n", c->name);
				header = true;
			}
			if (inc->timespec)
				snprintf(buf, sizeof(buf), "'%s|%s'", inc->name, inc->timespec);
			else
				snprintf(buf, sizeof(buf), "'%s'", inc->name);
			zv_cli_printf(req, "  Include =>        %-45s [pbx_config]\n", buf);
		}
		for (size_t j = 0; j < c->nignorepats; j++) {
			if (!header) {
				zv_cli_printf(req, "[ Context '%s' created by 'pbx_config' ]\n", c->name);
				header = true;
			}
			snprintf(buf, sizeof(buf), "'%s'", c->ignorepats[j]);
			zv_cli_printf(req, "  Ignore pattern => %-45s [pbx_config]\n", buf);
		}
		if (!header) {
			zv_cli_printf(req, "[ Context '%s' created by 'pbx_config' ]\n", c->name);
			header = true;
		}
ctx_done:
		if (header) {
			zv_cli_printf(req, "\n");
			nctx++;
		}
	}
	enum zv_cli_result r = ZV_CLI_SUCCESS;
	if (want_ext && !next) {
		zv_cli_printf(req, "There is no existence of %s@%s extension\n", want_ext,
			      want_ctx ? want_ctx : "any context");
		r = ZV_CLI_FAILURE;
	} else if (want_ctx && !nctx) {
		zv_cli_printf(req, "There is no existence of '%s' context\n", want_ctx);
		r = ZV_CLI_FAILURE;
	} else {
		zv_cli_printf(req, "-= %d %s (%d %s) in %d %s. =-\n", next,
			      plural(next, "extension", "extensions"), nprio,
			      plural(nprio, "priority", "priorities"), nctx,
			      plural(nctx, "context", "contexts"));
	}
	zv_unref(m);
	free(copy);
	return r;
}

static enum zv_cli_result cli_dialplan_reload(struct zv_cli_req *req, int argc, char **argv)
{
	struct zv_diag diag;
	zv_diag_init(&diag);
	int err = zv_module_reload("dialplan", &diag);
	zv_cli_print_diag(req, &diag);
	zv_diag_clear(&diag);
	if (err) {
		zv_cli_printf(req, "Dialplan not reloaded: the previous dialplan stays.\n");
		return ZV_CLI_FAILURE;
	}
	zv_cli_printf(req, "Dialplan reloaded.\n");
	return ZV_CLI_SUCCESS;
}

/* ---- applications and functions ----------------------------------------------------- */

struct list_ctx {
	struct zv_cli_req *req;
	const char *like;
	int n;
};

static void app_row(void *arg, const struct zv_app *app)
{
	struct list_ctx *l = arg;
	if (l->like && !strcasestr(app->name, l->like))
		return;
	zv_cli_printf(l->req, "  %20s: %s\n", app->name, app->synopsis ? app->synopsis : "");
	l->n++;
}

static enum zv_cli_result cli_show_apps(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	struct list_ctx l = {req, NULL, 0};
	if (argc == nf + 2 && !strcasecmp(argv[nf], "like"))
		l.like = argv[nf + 1];
	else if (argc != nf)
		return ZV_CLI_SHOWUSAGE;
	zv_cli_printf(req, "    -= %s Asterisk Applications =-\n",
		      l.like ? "Matching" : "Registered");
	zv_app_foreach(app_row, &l);
	zv_cli_printf(req, "    -= %d Applications %s =-\n", l.n,
		      l.like ? "Matching" : "Registered");
	return ZV_CLI_SUCCESS;
}

static void info_block(struct zv_cli_req *req, const char *what, const char *name,
		       const char *synopsis, const char *description, const char *syntax)
{
	zv_cli_printf(req, "\n  -= Info about %s '%s' =- \n\n", what, name);
	zv_cli_printf(req, "[Synopsis]\n%s\n\n", synopsis ? synopsis : "Not available");
	zv_cli_printf(req, "[Description]\n%s\n\n", description ? description : "Not available");
	zv_cli_printf(req, "[Syntax]\n%s\n\n", syntax ? syntax : "Not available");
}

static enum zv_cli_result cli_show_app(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc <= nf)
		return ZV_CLI_SHOWUSAGE;
	int found = 0;
	for (int i = nf; i < argc; i++) {
		const struct zv_app *app = zv_app_find(argv[i]);
		if (!app)
			continue;
		info_block(req, "application", app->name, app->synopsis, app->description,
			   app->syntax);
		found++;
	}
	if (!found) {
		zv_cli_printf(req, "Your application(s) is (are) not registered\n");
		return ZV_CLI_FAILURE;
	}
	return ZV_CLI_SUCCESS;
}

static void func_row(void *arg, const struct zv_func *f)
{
	struct list_ctx *l = arg;
	if (l->like && !strcasestr(f->name, l->like))
		return;
	zv_cli_printf(l->req, "%-20.20s  %-35.35s  %s\n", f->name, f->syntax ? f->syntax : "",
		      f->synopsis ? f->synopsis : "");
	l->n++;
}

static enum zv_cli_result cli_show_funcs(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	struct list_ctx l = {req, NULL, 0};
	if (argc == nf + 2 && !strcasecmp(argv[nf], "like"))
		l.like = argv[nf + 1];
	else if (argc != nf)
		return ZV_CLI_SHOWUSAGE;
	zv_cli_printf(req, "%s Custom Functions:\n"
			   "--------------------------------------------------------------------------------\n",
		      l.like ? "Matching" : "Installed");
	zv_func_foreach(func_row, &l);
	zv_cli_printf(req, "%d %scustom functions installed.\n", l.n, l.like ? "matching " : "");
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_show_func(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 1)
		return ZV_CLI_SHOWUSAGE;
	const struct zv_func *f = zv_func_find(argv[nf]);
	if (!f) {
		zv_cli_printf(req, "No function by that name registered.\n");
		return ZV_CLI_FAILURE;
	}
	info_block(req, "function", f->name, f->synopsis, f->description, f->syntax);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_show_hints(struct zv_cli_req *req, int argc, char **argv)
{
	dp_hints_show(req);
	return ZV_CLI_SUCCESS;
}

/* ---- channels ---------------------------------------------------------------------- */

enum chan_fmt { FMT_PLAIN, FMT_CONCISE, FMT_VERBOSE };

struct chan_list {
	struct zv_cli_req *req;
	enum chan_fmt fmt;
	int n;
	time_t now;
};

static void chan_row(void *arg, const struct zv_channel_info *i)
{
	struct chan_list *l = arg;
	char loc[200], appdata[200], dur[64];
	long secs = (long)(l->now - i->created);
	l->n++;
	switch (l->fmt) {
	case FMT_CONCISE:
		zv_cli_printf(l->req, "%s!%s!%s!%d!%s!%s!%s!%s!%s!%s!%d!%ld!%s!%s\n", i->name,
			      i->context, i->exten, i->priority, zv_chan_state_name(i->state),
			      *i->appl ? i->appl : "(None)", i->data, i->cid_num, i->accountcode,
			      "", 3, secs, *i->bridged ? i->bridged : "(None)", i->uniqueid);
		break;
	case FMT_VERBOSE:
		snprintf(dur, sizeof(dur), "%02ld:%02ld:%02ld", secs / 3600, (secs / 60) % 60,
			 secs % 60);
		zv_cli_printf(l->req,
			      "%-20.20s %-20.20s %-20.20s %-4d %-7.7s %-12.12s %-25.25s %-15.15s %8.8s %-11.11s %-11.11s %-20.20s\n",
			      i->name, i->context, i->exten, i->priority,
			      zv_chan_state_name(i->state), *i->appl ? i->appl : "(None)",
			      i->data, i->cid_num, dur, i->accountcode, "",
			      *i->bridged ? i->bridged : "(None)");
		break;
	default:
		snprintf(loc, sizeof(loc), "%s@%s:%d", i->exten, i->context, i->priority);
		if (*i->appl)
			snprintf(appdata, sizeof(appdata), "%s(%s)", i->appl, i->data);
		else
			snprintf(appdata, sizeof(appdata), "(None)");
		zv_cli_printf(l->req, "%-20.20s %-20.20s %-7.7s %-30.30s\n", i->name, loc,
			      zv_chan_state_name(i->state), appdata);
		break;
	}
}

static enum zv_cli_result cli_show_channels(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	struct chan_list l = {req, FMT_PLAIN, 0, time(NULL)};
	if (argc == nf + 1 && !strcasecmp(argv[nf], "concise"))
		l.fmt = FMT_CONCISE;
	else if (argc == nf + 1 && !strcasecmp(argv[nf], "verbose"))
		l.fmt = FMT_VERBOSE;
	else if (argc != nf)
		return ZV_CLI_SHOWUSAGE;
	if (l.fmt == FMT_PLAIN)
		zv_cli_printf(req, "%-20.20s %-20.20s %-7.7s %-30.30s\n", "Channel", "Location",
			      "State", "Application(Data)");
	else if (l.fmt == FMT_VERBOSE)
		zv_cli_printf(req,
			      "%-20.20s %-20.20s %-20.20s %-4.4s %-7.7s %-12.12s %-25.25s %-15.15s %8.8s %-11.11s %-11.11s %-20.20s\n",
			      "Channel", "Context", "Extension", "Prio", "State", "Application",
			      "Data", "CallerID", "Duration", "Accountcode", "PeerAccount",
			      "BridgedTo");
	zv_channel_foreach(chan_row, &l);
	if (l.fmt != FMT_CONCISE) {
		long calls = zv_core_active_calls();
		unsigned max = zv_core_maxcalls();
		unsigned long done = zv_core_calls_processed();
		zv_cli_printf(req, "%d active channel%s\n", l.n, l.n == 1 ? "" : "s");
		if (max)
			zv_cli_printf(req, "%ld of %u max active call%s (%5.2f%% of capacity)\n", calls,
				      max, calls == 1 ? "" : "s", 100.0 * (double)calls / max);
		else
			zv_cli_printf(req, "%ld active call%s\n", calls, calls == 1 ? "" : "s");
		zv_cli_printf(req, "%lu call%s processed\n", done, done == 1 ? "" : "s");
	}
	return ZV_CLI_SUCCESS;
}

static void do_softhangup(void *arg)
{
	struct zv_channel *chan = arg;
	zv_channel_softhangup(chan, ZV_CAUSE_NORMAL_CLEARING);
	zv_unref(chan);
}

static bool request_hangup(struct zv_cli_req *req, const char *name)
{
	struct zv_channel *chan = zv_channel_find(name);
	if (!chan)
		return false;
	zv_cli_printf(req, "Requested Hangup on channel '%s'\n", zv_channel_name(chan));
	if (zv_loop_post(zv_channel_loop(chan), do_softhangup, chan))
		zv_unref(chan);
	return true;
}

struct name_list {
	char (*names)[80];
	size_t n, cap;
};

static void collect_name(void *arg, const struct zv_channel_info *i)
{
	struct name_list *l = arg;
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		char(*nn)[80] = realloc(l->names, cap * sizeof(*nn));
		if (!nn)
			return;
		l->names = nn;
		l->cap = cap;
	}
	snprintf(l->names[l->n++], 80, "%s", i->name);
}

static enum zv_cli_result cli_request_hangup(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 1)
		return ZV_CLI_SHOWUSAGE;
	if (!strcasecmp(argv[nf], "all")) {
		struct name_list l = {0};
		zv_channel_foreach(collect_name, &l);
		for (size_t i = 0; i < l.n; i++)
			request_hangup(req, l.names[i]);
		free(l.names);
		return ZV_CLI_SUCCESS;
	}
	if (!request_hangup(req, argv[nf])) {
		zv_cli_printf(req, "%s is not a known channel\n", argv[nf]);
		return ZV_CLI_FAILURE;
	}
	return ZV_CLI_SUCCESS;
}

/* ---- channel originate ----------------------------------------------------------------- */

struct orig_job {
	struct dp_originate req;
	char *dest, *a, *b, *c;
};

static void orig_job_free(struct orig_job *j)
{
	free(j->dest);
	free(j->a);
	free(j->b);
	free(j->c);
	free(j);
}

static void orig_job_run(void *arg)
{
	struct orig_job *j = arg;
	int err = dp_originate_start(&j->req, NULL);
	if (err)
		zv_warn("Unable to originate a call to %s: %s", j->dest, strerror(-err));
	orig_job_free(j);
}

static enum zv_cli_result cli_originate(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc < nf + 3)
		return ZV_CLI_SHOWUSAGE;
	struct orig_job *j = calloc(1, sizeof(*j));
	if (!j)
		return ZV_CLI_FAILURE;
	j->dest = strdup(argv[nf]);
	const char *kind = argv[nf + 1];
	if (!strcasecmp(kind, "application")) {
		j->req.kind = DP_ORIG_APP;
		j->a = strdup(argv[nf + 2]);
		size_t len = 1;
		for (int i = nf + 3; i < argc; i++)
			len += strlen(argv[i]) + 1;
		j->b = calloc(1, len);
		for (int i = nf + 3; j->b && i < argc; i++) {
			if (i > nf + 3)
				strcat(j->b, " ");
			strcat(j->b, argv[i]);
		}
		j->req.app = j->a;
		j->req.appdata = j->b;
	} else if (!strcasecmp(kind, "extension")) {
		j->req.kind = DP_ORIG_EXTEN;
		j->a = strdup(argv[nf + 2]);
		char *at = j->a ? strchr(j->a, '@') : NULL;
		if (at) {
			*at = '\0';
			j->c = strdup(at + 1);
		}
		j->req.exten = j->a && *j->a ? j->a : "s";
		j->req.context = j->c && *j->c ? j->c : "default";
		j->req.prio = 1;
	} else {
		orig_job_free(j);
		return ZV_CLI_SHOWUSAGE;
	}
	j->req.dest = j->dest;
	if (!j->dest || !j->a || (j->req.kind == DP_ORIG_APP && !j->b) ||
	    !strchr(j->dest, '/')) {
		orig_job_free(j);
		return ZV_CLI_SHOWUSAGE;
	}
	struct zv_loop *loop = zv_workers_count() ? zv_worker_for_key(j->dest, strlen(j->dest))
						  : zv_main_loop();
	if (!loop || zv_loop_post(loop, orig_job_run, j)) {
		orig_job_free(j);
		zv_cli_printf(req, "Unable to originate: no worker loop\n");
		return ZV_CLI_FAILURE;
	}
	return ZV_CLI_SUCCESS;
}

static const struct zv_cli_cmd dp_cli[] = {
	{"dialplan show", "Show dialplan",
	 "Usage: dialplan show [[exten@]context]\n       Show dialplan\n", cli_dialplan_show},
	{"dialplan reload", "Reload extensions and *only* extensions",
	 "Usage: dialplan reload\n       Reload extensions.conf without reloading any other\n"
	 "       modules.  A broken file keeps the running dialplan.\n",
	 cli_dialplan_reload},
	{"core show applications", "Shows registered dialplan applications",
	 "Usage: core show applications [like <text>]\n"
	 "       List applications which are currently available.\n",
	 cli_show_apps},
	{"core show application", "Describe a specific dialplan application",
	 "Usage: core show application <application> [<application> [<application> [...]]]\n"
	 "       Describes a particular application.\n",
	 cli_show_app},
	{"core show functions", "Shows registered dialplan functions",
	 "Usage: core show functions [like <text>]\n"
	 "       List builtin functions, optionally only those matching a given string\n",
	 cli_show_funcs},
	{"core show function", "Describe a specific dialplan function",
	 "Usage: core show function <function>\n       Describe a particular dialplan function.\n",
	 cli_show_func},
	{"core show hints", "Show dialplan hints",
	 "Usage: core show hints\n       List registered hints.\n", cli_show_hints},
	{"core show channels", "Display information on channels",
	 "Usage: core show channels [concise|verbose]\n"
	 "       Lists currently defined channels and some information about them.\n",
	 cli_show_channels},
	{"channel request hangup", "Request a hangup on a given channel",
	 "Usage: channel request hangup <channel>|<all>\n"
	 "       Request that a channel be hung up.\n",
	 cli_request_hangup},
	{"channel originate", "Originate a call",
	 "Usage: channel originate <tech/data> application <appname> [appdata]\n"
	 "       channel originate <tech/data> extension [exten@][context]\n"
	 "       Originate a call to tech/data; once answered, run the application or\n"
	 "       send it to the extension.\n",
	 cli_originate},
	{NULL},
};

int dp_cli_register(struct zv_module *mod)
{
	return zv_cli_register(mod, dp_cli);
}
