/*
 * Registries of dialplan applications and functions, the global variables,
 * and ${}/$[] substitution bound to a channel.  See include/zvonok/pbx.h.
 *
 * DESIGN
 * Both registries are sorted arrays under a read-write lock: lookups (one
 * per executed priority, from every worker) take the read side,
 * registration (module load/unload, main thread) the write side.  Entries
 * are owned by their module through struct zv_reg.  Globals live in one
 * mutex-protected list: they are few and rarely written.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ZV_LOG_MODULE "pbx"
#include <zvonok/channel.h>
#include <zvonok/log.h>
#include <zvonok/module.h>
#include <zvonok/pbx.h>

#include "dialplan/dp_subst.h"

struct entry {
	struct zv_reg reg; /* first */
	const char *name;
	const void *item; /* struct zv_app or struct zv_func */
};

struct registry {
	pthread_rwlock_t lock;
	struct entry **v;
	size_t n, cap;
};

static struct registry apps = {PTHREAD_RWLOCK_INITIALIZER, NULL, 0, 0};
static struct registry funcs = {PTHREAD_RWLOCK_INITIALIZER, NULL, 0, 0};

/* Index of name in r, or -(insertion point) - 1.  Lock held. */
static long reg_search(const struct registry *r, const char *name)
{
	size_t lo = 0, hi = r->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcasecmp(r->v[mid]->name, name);
		if (!c)
			return (long)mid;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -(long)lo - 1;
}

static void drop_from(struct registry *r, struct zv_reg *reg)
{
	struct entry *e = (struct entry *)reg;
	pthread_rwlock_wrlock(&r->lock);
	long i = reg_search(r, e->name);
	if (i >= 0) {
		memmove(&r->v[i], &r->v[i + 1], (r->n - (size_t)i - 1) * sizeof(*r->v));
		r->n--;
	}
	pthread_rwlock_unlock(&r->lock);
	free(e);
}

static void app_drop(struct zv_reg *reg)
{
	drop_from(&apps, reg);
}

static void func_drop(struct zv_reg *reg)
{
	drop_from(&funcs, reg);
}

static int reg_add(struct registry *r, struct zv_module *mod, const char *name,
		   const void *item, void (*drop)(struct zv_reg *))
{
	struct entry *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->name = name;
	e->item = item;
	pthread_rwlock_wrlock(&r->lock);
	long i = reg_search(r, name);
	if (i >= 0) {
		pthread_rwlock_unlock(&r->lock);
		free(e);
		return -EEXIST;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 64;
		struct entry **nv = realloc(r->v, cap * sizeof(*nv));
		if (!nv) {
			pthread_rwlock_unlock(&r->lock);
			free(e);
			return -ENOMEM;
		}
		r->v = nv;
		r->cap = cap;
	}
	size_t pos = (size_t)(-i - 1);
	memmove(&r->v[pos + 1], &r->v[pos], (r->n - pos) * sizeof(*r->v));
	r->v[pos] = e;
	r->n++;
	pthread_rwlock_unlock(&r->lock);
	if (mod)
		zv_module_own(mod, &e->reg, drop);
	return 0;
}

static const void *reg_find(struct registry *r, const char *name)
{
	pthread_rwlock_rdlock(&r->lock);
	long i = reg_search(r, name);
	const void *item = i >= 0 ? r->v[i]->item : NULL;
	pthread_rwlock_unlock(&r->lock);
	return item;
}

int zv_app_register(struct zv_module *mod, const struct zv_app *app)
{
	return reg_add(&apps, mod, app->name, app, app_drop);
}

int zv_func_register(struct zv_module *mod, const struct zv_func *func)
{
	return reg_add(&funcs, mod, func->name, func, func_drop);
}

int zv_apps_register(struct zv_module *mod, const struct zv_app *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int err = zv_app_register(mod, &list[i]);
		if (err)
			return err;
	}
	return 0;
}

int zv_funcs_register(struct zv_module *mod, const struct zv_func *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int err = zv_func_register(mod, &list[i]);
		if (err)
			return err;
	}
	return 0;
}

const struct zv_app *zv_app_find(const char *name)
{
	return reg_find(&apps, name);
}

const struct zv_func *zv_func_find(const char *name)
{
	return reg_find(&funcs, name);
}

static void reg_foreach(struct registry *r, void (*cb)(void *arg, const void *item), void *arg)
{
	pthread_rwlock_rdlock(&r->lock);
	size_t n = r->n;
	const void **copy = n ? malloc(n * sizeof(*copy)) : NULL;
	for (size_t i = 0; copy && i < n; i++)
		copy[i] = r->v[i]->item;
	pthread_rwlock_unlock(&r->lock);
	for (size_t i = 0; copy && i < n; i++)
		cb(arg, copy[i]);
	free(copy);
}

void zv_app_foreach(void (*cb)(void *arg, const struct zv_app *app), void *arg)
{
	reg_foreach(&apps, (void (*)(void *, const void *))cb, arg);
}

void zv_func_foreach(void (*cb)(void *arg, const struct zv_func *func), void *arg)
{
	reg_foreach(&funcs, (void (*)(void *, const void *))cb, arg);
}

enum zv_app_result zv_app_exec(struct zv_channel *chan, const struct zv_app *app,
			       const char *data)
{
	zv_channel_set_app(chan, app->name, data);
	return app->exec(chan, data ? data : "");
}

/* Split "NAME(args)" into name and a writable args string. */
static int split_call(const char *expr, char *name, size_t namesize, char **argsp)
{
	const char *open = strchr(expr, '(');
	size_t len = strlen(expr);
	if (!open || len < 2 || expr[len - 1] != ')' || (size_t)(open - expr) >= namesize ||
	    open == expr)
		return -EINVAL;
	memcpy(name, expr, (size_t)(open - expr));
	name[open - expr] = '\0';
	*argsp = strndup(open + 1, (size_t)(expr + len - 1 - (open + 1)));
	return *argsp ? 0 : -ENOMEM;
}

int zv_func_read(struct zv_channel *chan, const char *expr, char *buf, size_t len)
{
	char name[64];
	char *args;
	if (len)
		buf[0] = '\0';
	int err = split_call(expr, name, sizeof(name), &args);
	if (err)
		return err;
	const struct zv_func *f = zv_func_find(name);
	if (!f || !f->read) {
		free(args);
		return f ? -EPERM : -ENOENT;
	}
	err = f->read(chan, name, args, buf, len);
	free(args);
	return err;
}

int zv_func_write(struct zv_channel *chan, const char *expr, const char *value)
{
	char name[64];
	char *args;
	int err = split_call(expr, name, sizeof(name), &args);
	if (err)
		return err;
	const struct zv_func *f = zv_func_find(name);
	if (!f || !f->write) {
		free(args);
		return f ? -EPERM : -ENOENT;
	}
	err = f->write(chan, name, args, value ? value : "");
	free(args);
	return err;
}

/* ---- globals ---------------------------------------------------------- */

struct global {
	struct global *next;
	char *name, *value;
};

static pthread_mutex_t globals_lock = PTHREAD_MUTEX_INITIALIZER;
static struct global *globals;

int zv_pbx_global_get(const char *name, char *buf, size_t len)
{
	int err = -ENOENT;
	pthread_mutex_lock(&globals_lock);
	for (struct global *g = globals; g; g = g->next) {
		if (!strcmp(g->name, name)) {
			snprintf(buf, len, "%s", g->value);
			err = 0;
			break;
		}
	}
	pthread_mutex_unlock(&globals_lock);
	return err;
}

int zv_pbx_global_set(const char *name, const char *value)
{
	struct global *fresh = NULL;
	if (value) {
		fresh = calloc(1, sizeof(*fresh));
		if (!fresh || !(fresh->name = strdup(name)) || !(fresh->value = strdup(value))) {
			if (fresh)
				free(fresh->name);
			free(fresh);
			return -ENOMEM;
		}
	}
	pthread_mutex_lock(&globals_lock);
	for (struct global **pp = &globals; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->name, name)) {
			struct global *old = *pp;
			*pp = old->next;
			free(old->name);
			free(old->value);
			free(old);
			break;
		}
	}
	if (fresh) {
		fresh->next = globals;
		globals = fresh;
	}
	pthread_mutex_unlock(&globals_lock);
	return 0;
}

/* ---- variables as ${} sees them --------------------------------------- */

static int builtin_var(struct zv_channel *c, const char *name, char *buf, size_t len)
{
	if (!strcmp(name, "EPOCH")) {
		snprintf(buf, len, "%ld", (long)time(NULL));
		return 0;
	}
	if (!c)
		return -ENOENT;
	const char *s = NULL;
	char num[32];
	if (!strcmp(name, "EXTEN"))
		s = zv_channel_exten(c);
	else if (!strcmp(name, "CONTEXT"))
		s = zv_channel_context(c);
	else if (!strcmp(name, "PRIORITY")) {
		snprintf(num, sizeof(num), "%d", zv_channel_priority(c));
		s = num;
	} else if (!strcmp(name, "CHANNEL"))
		s = zv_channel_name(c);
	else if (!strcmp(name, "UNIQUEID"))
		s = zv_channel_uniqueid(c);
	else if (!strcmp(name, "CALLERID(num)") || !strcmp(name, "CALLERIDNUM"))
		s = zv_channel_cid_num(c) ? zv_channel_cid_num(c) : "";
	else if (!strcmp(name, "CALLERIDNAME"))
		s = zv_channel_cid_name(c) ? zv_channel_cid_name(c) : "";
	else if (!strcmp(name, "LANGUAGE"))
		s = zv_channel_language(c);
	else if (!strcmp(name, "ACCOUNTCODE"))
		s = zv_channel_accountcode(c) ? zv_channel_accountcode(c) : "";
	else if (!strcmp(name, "HANGUPCAUSE")) {
		snprintf(num, sizeof(num), "%d", zv_channel_hangupcause(c));
		s = num;
	} else if (!strcmp(name, "DNID"))
		s = zv_channel_cid_dnid(c) ? zv_channel_cid_dnid(c) : "";
	else if (!strcmp(name, "RDNIS"))
		s = zv_channel_cid_rdnis(c) ? zv_channel_cid_rdnis(c) : "";
	else if (!strcmp(name, "MACRO_CONTEXT") && zv_channel_macrocontext(c))
		s = zv_channel_macrocontext(c);
	if (!s)
		return -ENOENT;
	snprintf(buf, len, "%s", s);
	return 0;
}

int zv_pbx_var_get(struct zv_channel *c, const char *name, char *buf, size_t len)
{
	if (c) {
		const char *v = zv_channel_var_get(c, name);
		if (v) {
			snprintf(buf, len, "%s", v);
			return 0;
		}
	}
	if (!builtin_var(c, name, buf, len))
		return 0;
	return zv_pbx_global_get(name, buf, len);
}

static int subst_get_var(void *ctx, const char *name, char *buf, size_t size)
{
	return zv_pbx_var_get(ctx, name, buf, size);
}

static int subst_read_func(void *ctx, const char *name, const char *args, char *buf, size_t size)
{
	const struct zv_func *f = zv_func_find(name);
	if (!f || !f->read) {
		zv_warn("Function %s not registered", name);
		return -ENOENT;
	}
	char *copy = strdup(args);
	if (!copy)
		return -ENOMEM;
	buf[0] = '\0';
	int err = f->read(ctx, name, copy, buf, size);
	free(copy);
	return err;
}

static void subst_warn(void *ctx, const char *what, const char *text)
{
	zv_warn("%s: %s", what, text);
}

static const struct dp_subst_ops chan_ops = {
	.get_var = subst_get_var,
	.read_func = subst_read_func,
	.warn = subst_warn,
};

int zv_pbx_substitute(struct zv_channel *chan, const char *in, char **outp)
{
	return dp_subst_alloc(in, strlen(in), &chan_ops, chan, 0, outp, NULL);
}
