/*
 * Module registry: finds the ZV_MODULE() descriptors linked into the
 * binary, decides which load (modules.conf), orders them by their named
 * requirements, drives their lifecycle and owns their registrations.
 *
 * DESIGN
 * Descriptors live in the "zv_modules" ELF section; the linker provides its
 * bounds.  Everything here runs on the main thread, so the registry needs
 * no lock.  Configuration is all-or-nothing across modules: a reload
 * prepares every module against one new snapshot and commits only when all
 * of them accepted it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ZV_LOG_MODULE "module"
#include <zvonok/cli.h>
#include <zvonok/config.h>
#include <zvonok/log.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>

#include "core/internal.h"

extern const struct zv_module_entry __start_zv_modules[];
extern const struct zv_module_entry __stop_zv_modules[];

enum mod_state { MOD_UNLOADED, MOD_LOADED, MOD_RUNNING };

struct zv_module {
	const char *name;
	const struct zv_module_desc *desc;
	enum mod_state state;
	void *data;
	void *prepared;
	bool prepare_failed;
	struct zv_reg regs; /* sentinel of the registrations list */
	unsigned order; /* position in load order */
	bool visiting, visited; /* topological sort */
};

static struct zv_module *mods;
static size_t nmods;
static struct zv_module **order; /* loaded modules in load order */
static size_t norder;

const char *zv_module_name(const struct zv_module *mod)
{
	return mod->name;
}

void *zv_module_data(const struct zv_module *mod)
{
	return mod->data;
}

void zv_module_set_data(struct zv_module *mod, void *data)
{
	mod->data = data;
}

void zv_module_own(struct zv_module *mod, struct zv_reg *reg,
		   void (*drop)(struct zv_reg *reg))
{
	reg->owner = mod;
	reg->drop = drop;
	reg->prev = &mod->regs;
	reg->next = mod->regs.next;
	mod->regs.next->prev = reg;
	mod->regs.next = reg;
}

void zv_module_disown(struct zv_reg *reg)
{
	if (!reg->owner)
		return;
	reg->prev->next = reg->next;
	reg->next->prev = reg->prev;
	reg->prev = reg->next = NULL;
	reg->owner = NULL;
}

static void drop_registrations(struct zv_module *mod)
{
	while (mod->regs.next != &mod->regs) {
		struct zv_reg *reg = mod->regs.next;
		zv_module_disown(reg);
		reg->drop(reg);
	}
}

static struct zv_module *find_module(const char *name)
{
	/* Accept Asterisk-style "name.so" in modules.conf and the CLI. */
	size_t len = strlen(name);
	if (len > 3 && !strcmp(name + len - 3, ".so"))
		len -= 3;
	for (size_t i = 0; i < nmods; i++)
		if (strlen(mods[i].name) == len && !strncasecmp(mods[i].name, name, len))
			return &mods[i];
	return NULL;
}

/* Calls fn for each comma-separated word of list. */
static int each_word(const char *list, int (*fn)(const char *word, void *arg),
		     void *arg)
{
	if (!list)
		return 0;
	char word[64];
	const char *p = list;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t n = strcspn(p, ", ");
		if (!n)
			break;
		if (n >= sizeof(word))
			n = sizeof(word) - 1;
		memcpy(word, p, n);
		word[n] = '\0';
		p += strcspn(p, ",");
		int err = fn(word, arg);
		if (err)
			return err;
	}
	return 0;
}

struct sort_ctx {
	struct zv_diag *diag;
	struct zv_module *from;
	bool *want;
};

static int visit(struct zv_module *m, struct sort_ctx *ctx);

static int visit_requirement(const char *word, void *arg)
{
	struct sort_ctx *ctx = arg;
	struct zv_module *dep = find_module(word);
	if (!dep) {
		zv_diag_error(ctx->diag, "modules.conf", 0,
			      "module '%s' requires '%s', which does not exist",
			      ctx->from->name, word);
		return -ENOENT;
	}
	if (!ctx->want[dep - mods]) {
		zv_diag_warn(ctx->diag, "modules.conf", 0,
			     "loading '%s' because '%s' requires it", dep->name,
			     ctx->from->name);
		ctx->want[dep - mods] = true;
	}
	struct sort_ctx sub = {ctx->diag, dep, ctx->want};
	return visit(dep, &sub);
}

static int visit(struct zv_module *m, struct sort_ctx *ctx)
{
	if (m->visited)
		return 0;
	if (m->visiting) {
		zv_diag_error(ctx->diag, "modules.conf", 0,
			      "module dependency cycle through '%s'", m->name);
		return -ELOOP;
	}
	m->visiting = true;
	struct sort_ctx sub = {ctx->diag, m, ctx->want};
	int err = each_word(m->desc->requires, visit_requirement, &sub);
	m->visiting = false;
	if (err)
		return err;
	m->visited = true;
	m->order = (unsigned)norder;
	order[norder++] = m;
	return 0;
}

static void registry_init(void)
{
	if (mods)
		return;
	nmods = (size_t)(__stop_zv_modules - __start_zv_modules);
	mods = calloc(nmods ? nmods : 1, sizeof(*mods));
	order = calloc(nmods ? nmods : 1, sizeof(*order));
	if (!mods || !order)
		abort(); /* start-up cannot proceed without memory */
	for (size_t i = 0; i < nmods; i++) {
		mods[i].name = __start_zv_modules[i].name;
		mods[i].desc = __start_zv_modules[i].desc;
		mods[i].regs.next = mods[i].regs.prev = &mods[i].regs;
	}
}

static int load_one(struct zv_module *m, struct zv_diag *diag)
{
	if (m->desc->load) {
		int err = m->desc->load(m);
		if (err) {
			zv_diag_error(diag, NULL, 0, "module '%s' failed to load: %s",
				      m->name, strerror(-err));
			drop_registrations(m);
			return err;
		}
	}
	m->state = MOD_LOADED;
	return 0;
}

int zv_modules_load_all(const char *confdir, struct zv_diag *diag)
{
	registry_init();
	bool *want = calloc(nmods ? nmods : 1, sizeof(*want));
	if (!want)
		return -ENOMEM;

	/* modules.conf: [modules] autoload, load =>, noload => */
	bool autoload = true;
	struct zv_conf *mc = NULL;
	char path[4096];
	snprintf(path, sizeof(path), "%s/modules.conf", confdir);
	struct zv_conf_opts opts = {.confdir = confdir};
	int err = zv_conf_load(path, &opts, diag, &mc);
	if (err && err != -ENOENT) {
		free(want);
		return err;
	}
	const struct zv_conf_section *sec = mc ? zv_conf_section_find(mc, "modules") : NULL;
	const char *al = zv_conf_get(sec, "autoload");
	if (al && zv_conf_parse_bool(al, &autoload) < 0) {
		const struct zv_conf_var *v = zv_conf_var_next(sec, "autoload", NULL);
		zv_diag_error(diag, v->file, v->line, "autoload: '%s' is not yes/no", al);
	}
	for (size_t i = 0; i < nmods; i++)
		want[i] = autoload || (mods[i].desc->flags & ZV_MODULE_CORE);
	for (const struct zv_conf_var *v = zv_conf_var_next(sec, NULL, NULL); v;
	     v = zv_conf_var_next(sec, NULL, v)) {
		bool load = !strcasecmp(v->name, "load") || !strcasecmp(v->name, "require") ||
			    !strcasecmp(v->name, "preload");
		bool noload = !strcasecmp(v->name, "noload");
		if (!load && !noload) {
			if (strcasecmp(v->name, "autoload"))
				zv_diag_warn(diag, v->file, v->line,
					     "unknown option '%s' in [modules]", v->name);
			continue;
		}
		struct zv_module *m = find_module(v->value);
		if (!m) {
			/* Asterisk module names we do not have: say so, go on. */
			zv_diag_warn(diag, v->file, v->line,
				     "no module named '%s' in this build", v->value);
			continue;
		}
		if (noload && (m->desc->flags & ZV_MODULE_CORE)) {
			zv_diag_warn(diag, v->file, v->line,
				     "module '%s' is part of the core and always loads",
				     m->name);
			continue;
		}
		want[m - mods] = load;
	}
	zv_unref(mc);

	norder = 0;
	for (size_t i = 0; i < nmods; i++) {
		if (!want[i])
			continue;
		struct sort_ctx ctx = {diag, &mods[i], want};
		if (visit(&mods[i], &ctx) < 0)
			err = -EINVAL;
	}
	free(want);
	if (err == -EINVAL)
		return err;
	for (size_t i = 0; i < norder; i++) {
		err = load_one(order[i], diag);
		if (err)
			return err;
	}
	return 0;
}

/* Files read by the loaded modules, in load order, without repeats. */
static int collect_files(const char ***filesp, size_t *np)
{
	size_t cap = 8, n = 0;
	const char **files = calloc(cap, sizeof(*files));
	if (!files)
		return -ENOMEM;
	for (size_t i = 0; i < norder; i++) {
		const char *list = order[i]->desc->config;
		if (order[i]->state == MOD_UNLOADED || !list)
			continue;
		/* Split the static list into words kept in a static table. */
		const char *p = list;
		while (*p) {
			while (*p == ' ' || *p == ',')
				p++;
			size_t len = strcspn(p, ", ");
			if (!len)
				break;
			char *w = strndup(p, len);
			if (!w)
				goto nomem;
			if (n == cap) {
				cap *= 2;
				const char **nf = realloc(files, cap * sizeof(*files));
				if (!nf) {
					free(w);
					goto nomem;
				}
				files = nf;
			}
			files[n++] = w;
			p += len;
		}
	}
	*filesp = files;
	*np = n;
	return 0;
nomem:
	for (size_t i = 0; i < n; i++)
		free((char *)files[i]);
	free(files);
	return -ENOMEM;
}

static void free_files(const char **files, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free((char *)files[i]);
	free(files);
}

static bool module_files_ok(const struct zv_module *m,
			    const struct zv_snapshot *snap)
{
	const char *p = m->desc->config;
	if (!p)
		return true;
	while (*p) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t len = strcspn(p, ", ");
		if (!len)
			break;
		char name[128];
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		if (zv_snapshot_file_failed(snap, name))
			return false;
		p += len;
	}
	return true;
}

/* Prepare the given modules; commit all or discard all. */
static int prepare_commit(struct zv_module **list, size_t n,
			  struct zv_snapshot *snap, bool snap_ok,
			  struct zv_diag *diag)
{
	size_t errors_before = diag->errors;
	bool ok = snap_ok;
	for (size_t i = 0; i < n; i++) {
		struct zv_module *m = list[i];
		m->prepared = NULL;
		m->prepare_failed = false;
		if (!m->desc->prepare || !module_files_ok(m, snap))
			continue;
		int err = m->desc->prepare(m, snap, diag, &m->prepared);
		if (err) {
			m->prepare_failed = true;
			ok = false;
		}
	}
	if (diag->errors > errors_before)
		ok = false;
	for (size_t i = 0; i < n; i++) {
		struct zv_module *m = list[i];
		if (ok && m->desc->commit && !m->prepare_failed)
			m->desc->commit(m, m->prepared);
		else if (m->prepared && m->desc->discard)
			m->desc->discard(m, m->prepared);
		m->prepared = NULL;
	}
	if (!ok)
		return -EINVAL;
	zv_snapshot_set_current(snap);
	return 0;
}

int zv_modules_configure(struct zv_diag *diag)
{
	const char **files = NULL;
	size_t nfiles = 0;
	int err = collect_files(&files, &nfiles);
	if (err)
		return err;
	struct zv_snapshot *snap = NULL;
	err = zv_snapshot_build(zv_settings.confdir, files, nfiles, diag, &snap);
	free_files(files, nfiles);
	if (err == -ENOMEM)
		return err;
	struct zv_module **list = calloc(norder ? norder : 1, sizeof(*list));
	if (!list) {
		zv_unref(snap);
		return -ENOMEM;
	}
	size_t n = 0;
	for (size_t i = 0; i < norder; i++)
		if (order[i]->state != MOD_UNLOADED)
			list[n++] = order[i];
	err = prepare_commit(list, n, snap, err == 0, diag);
	free(list);
	zv_unref(snap);
	return err;
}

int zv_modules_reconfigure_one(const char *name, struct zv_diag *diag)
{
	struct zv_module *m = find_module(name);
	if (!m || m->state == MOD_UNLOADED) {
		zv_diag_error(diag, NULL, 0, "no loaded module named '%s'", name);
		return -ENOENT;
	}
	const char *names[32];
	size_t n = 0;
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", m->desc->config ? m->desc->config : "");
	char *save = NULL;
	for (char *w = strtok_r(buf, ", ", &save); w && n < 32; w = strtok_r(NULL, ", ", &save))
		names[n++] = w;
	struct zv_snapshot *cur = zv_snapshot_ref_current();
	if (!cur)
		return -EAGAIN;
	struct zv_snapshot *snap = NULL;
	int err = zv_snapshot_rebuild_some(cur, names, n, diag, &snap);
	zv_unref(cur);
	if (err == -ENOMEM)
		return err;
	err = prepare_commit(&m, 1, snap, err == 0, diag);
	zv_unref(snap);
	return err;
}

int zv_module_reload(const char *name, struct zv_diag *diag)
{
	return zv_modules_reconfigure_one(name, diag);
}

static int start_one(struct zv_module *m)
{
	if (m->state != MOD_LOADED)
		return 0;
	if (m->desc->start) {
		int err = m->desc->start(m);
		if (err) {
			zv_error("module '%s' failed to start: %s", m->name, strerror(-err));
			return err;
		}
	}
	m->state = MOD_RUNNING;
	return 0;
}

int zv_modules_start_all(void)
{
	for (size_t i = 0; i < norder; i++) {
		int err = start_one(order[i]);
		if (err)
			return err;
	}
	return 0;
}

static void stop_one(struct zv_module *m)
{
	if (m->state != MOD_RUNNING)
		return;
	if (m->desc->stop)
		m->desc->stop(m);
	m->state = MOD_LOADED;
}

static void unload_one(struct zv_module *m)
{
	stop_one(m);
	if (m->state == MOD_UNLOADED)
		return;
	if (m->desc->unload)
		m->desc->unload(m);
	drop_registrations(m);
	m->state = MOD_UNLOADED;
}

void zv_modules_stop_all(void)
{
	for (size_t i = norder; i-- > 0;)
		stop_one(order[i]);
}

void zv_modules_unload_all(void)
{
	for (size_t i = norder; i-- > 0;)
		unload_one(order[i]);
	free(mods);
	free(order);
	mods = NULL;
	order = NULL;
	nmods = norder = 0;
}

struct name_match {
	const char *name;
};

static int word_is(const char *word, void *arg)
{
	struct name_match *nm = arg;
	return find_module(word) == find_module(nm->name) ? 1 : 0;
}

/* True when user names dep in its requires list. */
static bool module_requires(const struct zv_module *user, const struct zv_module *dep)
{
	struct name_match nm = {dep->name};
	return each_word(user->desc->requires, word_is, &nm) == 1;
}

/* ---- CLI ------------------------------------------------------------ */

static const char *state_name(enum mod_state s)
{
	switch (s) {
	case MOD_RUNNING:
		return "Running";
	case MOD_LOADED:
		return "Loaded";
	default:
		return "Not Running";
	}
}

static enum zv_cli_result cli_module_show(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	const char *like = NULL;
	if (argc == nf + 2 && !strcasecmp(argv[nf], "like"))
		like = argv[nf + 1];
	else if (argc != nf)
		return ZV_CLI_SHOWUSAGE;
	zv_cli_printf(req, "%-30s %-40.40s %-10s %-11s %13s\n", "Module", "Description",
		      "Use Count", "Status", "Support Level");
	unsigned shown = 0;
	for (size_t i = 0; i < nmods; i++) {
		struct zv_module *m = &mods[i];
		if (like && !strcasestr(m->name, like))
			continue;
		if (m->state == MOD_UNLOADED && !like)
			continue;
		unsigned users = 0;
		for (size_t j = 0; j < nmods; j++)
			if (mods[j].state != MOD_UNLOADED && module_requires(&mods[j], m))
				users++;
		zv_cli_printf(req, "%-30s %-40.40s %-10u %-11s %13s\n", m->name,
			      m->desc->summary ? m->desc->summary : "", users,
			      state_name(m->state),
			      (m->desc->flags & ZV_MODULE_CORE) ? "core" : "extended");
		shown++;
	}
	zv_cli_printf(req, "%u modules loaded\n", shown);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_module_reload(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	struct zv_diag diag;
	zv_diag_init(&diag);
	int err = 0;
	if (argc == nf) {
		err = zv_core_reload(&diag);
	} else {
		for (int i = nf; i < argc && !err; i++) {
			err = zv_modules_reconfigure_one(argv[i], &diag);
			if (!err)
				zv_cli_printf(req, "Module '%s' reloaded successfully.\n", argv[i]);
		}
	}
	zv_cli_print_diag(req, &diag);
	zv_diag_log(&diag);
	zv_diag_clear(&diag);
	if (err) {
		zv_cli_printf(req, "Reload failed; the previous configuration stays in effect.\n");
		return ZV_CLI_FAILURE;
	}
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_module_unload(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 1)
		return ZV_CLI_SHOWUSAGE;
	struct zv_module *m = find_module(argv[nf]);
	if (!m || m->state == MOD_UNLOADED) {
		zv_cli_printf(req, "Unable to unload resource %s\n", argv[nf]);
		return ZV_CLI_FAILURE;
	}
	if (m->desc->flags & ZV_MODULE_CORE) {
		zv_cli_printf(req, "Unable to unload resource %s: part of the core\n", m->name);
		return ZV_CLI_FAILURE;
	}
	for (size_t i = 0; i < norder; i++) {
		struct zv_module *o = order[i];
		if (o != m && o->state != MOD_UNLOADED && module_requires(o, m)) {
			zv_cli_printf(req, "Unable to unload resource %s: '%s' requires it\n",
				      m->name, o->name);
			return ZV_CLI_FAILURE;
		}
	}
	unload_one(m);
	zv_verb(1, "Unloaded %s", m->name);
	zv_cli_printf(req, "Unloaded %s\n", m->name);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_module_load(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 1)
		return ZV_CLI_SHOWUSAGE;
	struct zv_module *m = find_module(argv[nf]);
	if (!m) {
		zv_cli_printf(req, "Unable to load module %s: no such module\n", argv[nf]);
		return ZV_CLI_FAILURE;
	}
	if (m->state != MOD_UNLOADED) {
		zv_cli_printf(req, "Module '%s' is already loaded\n", m->name);
		return ZV_CLI_FAILURE;
	}
	/* Everything it requires must already run: load order is fixed at
	 * start-up, so a module's dependencies come first in it. */
	if (!m->visited) {
		zv_cli_printf(req, "Unable to load module %s: it was not in the start-up set; "
				   "add it to modules.conf and restart\n", m->name);
		return ZV_CLI_FAILURE;
	}
	struct zv_diag diag;
	zv_diag_init(&diag);
	int err = load_one(m, &diag);
	if (!err) {
		err = zv_modules_reconfigure_one(m->name, &diag);
		if (err)
			unload_one(m);
	}
	if (!err)
		err = start_one(m);
	zv_cli_print_diag(req, &diag);
	zv_diag_clear(&diag);
	if (err) {
		zv_cli_printf(req, "Unable to load module %s\n", m->name);
		return ZV_CLI_FAILURE;
	}
	zv_cli_printf(req, "Loaded %s\n", m->name);
	return ZV_CLI_SUCCESS;
}

static const struct zv_cli_cmd module_cli[] = {
	{"module show", "List modules and info", "Usage: module show [like <keyword>]\n"
	 "       Shows the modules of this build, their state and users.\n", cli_module_show},
	{"module reload", "Reload configuration for a module",
	 "Usage: module reload [module ...]\n"
	 "       Re-reads the configuration of the named modules, or of all of them.\n"
	 "       A configuration with errors is not applied: the old one stays.\n",
	 cli_module_reload},
	{"module unload", "Unload a module", "Usage: module unload <module>\n", cli_module_unload},
	{"module load", "Load a module", "Usage: module load <module>\n", cli_module_load},
	{NULL},
};

static int registry_load(struct zv_module *mod)
{
	return zv_cli_register(mod, module_cli);
}

ZV_MODULE(modules) = {
	.summary = "Module registry commands",
	.flags = ZV_MODULE_CORE,
	.load = registry_load,
};
