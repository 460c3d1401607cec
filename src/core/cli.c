/*
 * CLI command registry and dispatcher.  See include/zvonok/cli.h.
 *
 * DESIGN
 * Commands are kept sorted by their words so `help` lists them in order;
 * a lookup walks the list for the longest word-prefix match (a few hundred
 * commands at most, only on human request).  A request object carries the
 * output buffer and survives a handler that finishes later (PENDING).
 * Everything runs on the main loop.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zvonok/cli.h>
#include <zvonok/diag.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>

#include "core/internal.h"

#define CLI_MAX_ARGS 64

struct cli_entry {
	struct zv_reg reg; /* first: reg -> entry */
	const struct zv_cli_cmd *cmd;
	int nwords;
	char *words[CLI_MAX_ARGS + 1];
	char *wordbuf;
};

static struct cli_entry **entries;
static size_t nentries, centries;

struct zv_cli_req {
	char *out;
	size_t len, cap;
	bool oom;
	int nfixed;
	int argc;
	char *argv[CLI_MAX_ARGS + 1];
	char *argbuf;
	const struct cli_entry *entry;
	zv_cli_done_cb *done;
	void *done_arg;
	bool finished;
};

/* Split line into words in buf (a copy): whitespace separates, "..."
 * groups, backslash takes the next character literally.  Returns argc. */
static int split_words(const char *line, char *buf, char **argv, int max)
{
	int argc = 0;
	const char *p = line;
	char *o = buf;
	for (;;) {
		while (*p && isspace((unsigned char)*p))
			p++;
		if (!*p || argc == max)
			break;
		argv[argc++] = o;
		bool quoted = false;
		while (*p && (quoted || !isspace((unsigned char)*p))) {
			if (*p == '"') {
				quoted = !quoted;
				p++;
			} else if (*p == '\\' && p[1]) {
				*o++ = p[1];
				p += 2;
			} else {
				*o++ = *p++;
			}
		}
		*o++ = '\0';
	}
	argv[argc] = NULL;
	return argc;
}

static int entry_cmp(const struct cli_entry *a, const struct cli_entry *b)
{
	for (int i = 0; i < a->nwords && i < b->nwords; i++) {
		int c = strcasecmp(a->words[i], b->words[i]);
		if (c)
			return c;
	}
	return a->nwords - b->nwords;
}

static void entry_free(struct cli_entry *e)
{
	free(e->wordbuf);
	free(e);
}

static void entry_drop(struct zv_reg *reg)
{
	struct cli_entry *e = (struct cli_entry *)reg;
	for (size_t i = 0; i < nentries; i++) {
		if (entries[i] == e) {
			memmove(&entries[i], &entries[i + 1], (nentries - i - 1) * sizeof(*entries));
			nentries--;
			break;
		}
	}
	entry_free(e);
}

static struct cli_entry *entry_new(const struct zv_cli_cmd *cmd)
{
	struct cli_entry *e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->cmd = cmd;
	e->wordbuf = malloc(strlen(cmd->command) + 1);
	if (!e->wordbuf) {
		free(e);
		return NULL;
	}
	e->nwords = split_words(cmd->command, e->wordbuf, e->words, CLI_MAX_ARGS);
	return e;
}

int zv_cli_register(struct zv_module *mod, const struct zv_cli_cmd *cmds)
{
	size_t n = 0;
	while (cmds[n].command)
		n++;
	struct cli_entry **fresh = calloc(n ? n : 1, sizeof(*fresh));
	if (!fresh)
		return -ENOMEM;
	int err = 0;
	for (size_t i = 0; i < n && !err; i++) {
		fresh[i] = entry_new(&cmds[i]);
		if (!fresh[i]) {
			err = -ENOMEM;
			break;
		}
		for (size_t j = 0; j < nentries && !err; j++)
			if (!entry_cmp(entries[j], fresh[i]))
				err = -EEXIST;
		for (size_t j = 0; j < i && !err; j++)
			if (!entry_cmp(fresh[j], fresh[i]))
				err = -EEXIST;
	}
	if (!err && nentries + n > centries) {
		size_t cap = (nentries + n) * 2;
		struct cli_entry **ne = realloc(entries, cap * sizeof(*ne));
		if (!ne)
			err = -ENOMEM;
		else {
			entries = ne;
			centries = cap;
		}
	}
	if (err) {
		for (size_t i = 0; i < n; i++)
			if (fresh[i])
				entry_free(fresh[i]);
		free(fresh);
		return err;
	}
	for (size_t i = 0; i < n; i++) {
		struct cli_entry *e = fresh[i];
		size_t pos = 0;
		while (pos < nentries && entry_cmp(entries[pos], e) < 0)
			pos++;
		memmove(&entries[pos + 1], &entries[pos], (nentries - pos) * sizeof(*entries));
		entries[pos] = e;
		nentries++;
		zv_module_own(mod, &e->reg, entry_drop);
	}
	free(fresh);
	return 0;
}

void zv_cli_vprintf(struct zv_cli_req *req, const char *fmt, va_list ap)
{
	if (req->oom)
		return;
	for (;;) {
		va_list aq;
		va_copy(aq, ap);
		size_t room = req->cap - req->len;
		int n = vsnprintf(req->out + req->len, room, fmt, aq);
		va_end(aq);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			req->len += (size_t)n;
			return;
		}
		size_t cap = req->cap * 2 + (size_t)n;
		char *nb = realloc(req->out, cap);
		if (!nb) {
			req->oom = true;
			return;
		}
		req->out = nb;
		req->cap = cap;
	}
}

void zv_cli_printf(struct zv_cli_req *req, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	zv_cli_vprintf(req, fmt, ap);
	va_end(ap);
}

int zv_cli_nfixed(const struct zv_cli_req *req)
{
	return req->nfixed;
}

void zv_cli_print_diag(struct zv_cli_req *req, const struct zv_diag *diag)
{
	for (size_t i = 0; i < diag->n; i++) {
		char line[1200];
		zv_diag_format(&diag->v[i], line, sizeof(line));
		zv_cli_printf(req, "%s\n", line);
	}
}

static void req_destroy(void *obj)
{
	struct zv_cli_req *req = obj;
	free(req->out);
	free(req->argbuf);
}

struct zv_cli_req *zv_cli_req_ref(struct zv_cli_req *req)
{
	return zv_ref(req);
}

static void finish(struct zv_cli_req *req, enum zv_cli_result result)
{
	if (req->finished)
		return;
	req->finished = true;
	if (result == ZV_CLI_SHOWUSAGE && req->entry)
		zv_cli_printf(req, "%s", req->entry->cmd->usage ? req->entry->cmd->usage : "");
	if (req->oom)
		zv_cli_printf(req, "\n(output truncated: out of memory)\n");
	if (req->done)
		req->done(req->done_arg, result, req->out ? req->out : "", req->len);
}

void zv_cli_done(struct zv_cli_req *req, enum zv_cli_result result)
{
	finish(req, result);
	zv_unref(req);
}

/* The registered command whose words are the longest prefix of argv. */
static const struct cli_entry *lookup(int argc, char **argv)
{
	const struct cli_entry *best = NULL;
	for (size_t i = 0; i < nentries; i++) {
		const struct cli_entry *e = entries[i];
		if (e->nwords > argc || (best && e->nwords <= best->nwords))
			continue;
		int w = 0;
		while (w < e->nwords && !strcasecmp(e->words[w], argv[w]))
			w++;
		if (w == e->nwords)
			best = e;
	}
	return best;
}

void zv_cli_exec(const char *line, zv_cli_done_cb *done, void *arg)
{
	struct zv_cli_req *req = zv_obj_alloc(sizeof(*req), req_destroy);
	if (!req) {
		done(arg, ZV_CLI_FAILURE, "out of memory\n", 14);
		return;
	}
	req->done = done;
	req->done_arg = arg;
	req->cap = 256;
	req->out = malloc(req->cap);
	req->argbuf = malloc(strlen(line) + 1);
	if (!req->out || !req->argbuf) {
		zv_unref(req);
		done(arg, ZV_CLI_FAILURE, "out of memory\n", 14);
		return;
	}
	req->out[0] = '\0';
	req->argc = split_words(line, req->argbuf, req->argv, CLI_MAX_ARGS);
	if (!req->argc) {
		finish(req, ZV_CLI_SUCCESS);
		zv_unref(req);
		return;
	}
	req->entry = lookup(req->argc, req->argv);
	if (!req->entry) {
		zv_cli_printf(req, "No such command '%s' (type 'core show help %s' for other possible commands)\n",
			      line, req->argv[0]);
		finish(req, ZV_CLI_FAILURE);
		zv_unref(req);
		return;
	}
	req->nfixed = req->entry->nwords;
	enum zv_cli_result r = req->entry->cmd->handler(req, req->argc, req->argv);
	if (r != ZV_CLI_PENDING)
		finish(req, r);
	zv_unref(req);
}

/* ---- help --------------------------------------------------------- */

static enum zv_cli_result cli_help(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	int nargs = argc - nf;
	char **args = argv + nf;
	if (nargs) {
		const struct cli_entry *e = lookup(nargs, args);
		if (e && e->nwords == nargs) {
			zv_cli_printf(req, "%s", e->cmd->usage ? e->cmd->usage : e->cmd->summary);
			return ZV_CLI_SUCCESS;
		}
	}
	unsigned shown = 0;
	for (size_t i = 0; i < nentries; i++) {
		const struct cli_entry *e = entries[i];
		bool match = true;
		for (int w = 0; w < nargs && match; w++) {
			if (w >= e->nwords)
				match = false;
			else if (w == nargs - 1)
				match = !strncasecmp(e->words[w], args[w], strlen(args[w]));
			else
				match = !strcasecmp(e->words[w], args[w]);
		}
		if (!match)
			continue;
		zv_cli_printf(req, "%-30.30s %s\n", e->cmd->command, e->cmd->summary);
		shown++;
	}
	if (!shown) {
		zv_cli_printf(req, "No such command '");
		for (int w = 0; w < nargs; w++)
			zv_cli_printf(req, "%s%s", w ? " " : "", args[w]);
		zv_cli_printf(req, "'.\n");
		return ZV_CLI_FAILURE;
	}
	return ZV_CLI_SUCCESS;
}

static const struct zv_cli_cmd help_cli[] = {
	{"help", "Display help list, or specific help on a command",
	 "Usage: help [topic]\n"
	 "       When called with a topic as an argument, displays usage\n"
	 "       information on the given command. If called without a\n"
	 "       topic, it provides a list of commands.\n", cli_help},
	{"core show help", "Display help list, or specific help on a command",
	 "Usage: core show help [topic]\n"
	 "       Same as 'help'.\n", cli_help},
	{NULL},
};

static int cli_load(struct zv_module *mod)
{
	return zv_cli_register(mod, help_cli);
}

ZV_MODULE(cli) = {
	.summary = "CLI command registry",
	.flags = ZV_MODULE_CORE,
	.load = cli_load,
};
