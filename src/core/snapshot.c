/*
 * Config snapshots: the set of parsed config files a running Zvonok works
 * from.  A snapshot is immutable and refcounted; the current one is swapped
 * under a mutex that is held only for the pointer exchange and the
 * reference count bump, so readers never see a half-built configuration.
 * See include/zvonok/config.h.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zvonok/config.h>
#include <zvonok/obj.h>

#include "core/internal.h"

struct snap_file {
	char *name;
	struct zv_conf *conf; /* NULL: the file does not exist or failed */
	bool failed; /* the file exists but has errors */
};

struct zv_snapshot {
	char *confdir;
	uint64_t generation;
	size_t n;
	struct snap_file *files;
};

static pthread_mutex_t current_lock = PTHREAD_MUTEX_INITIALIZER;
static struct zv_snapshot *current;
static uint64_t generations;

static void snapshot_destroy(void *obj)
{
	struct zv_snapshot *s = obj;
	for (size_t i = 0; i < s->n; i++) {
		free(s->files[i].name);
		zv_unref(s->files[i].conf);
	}
	free(s->files);
	free(s->confdir);
}

static struct zv_snapshot *snapshot_alloc(const char *confdir, size_t n)
{
	struct zv_snapshot *s = zv_obj_alloc(sizeof(*s), snapshot_destroy);
	if (!s)
		return NULL;
	s->confdir = strdup(confdir);
	s->files = calloc(n ? n : 1, sizeof(*s->files));
	if (!s->confdir || !s->files)
		return zv_unref(s);
	return s;
}

const struct zv_conf *zv_snapshot_file(const struct zv_snapshot *snap,
				       const char *filename)
{
	if (!snap)
		return NULL;
	for (size_t i = 0; i < snap->n; i++)
		if (!strcmp(snap->files[i].name, filename))
			return snap->files[i].conf;
	return NULL;
}

const char *zv_snapshot_confdir(const struct zv_snapshot *snap)
{
	return snap->confdir;
}

uint64_t zv_snapshot_generation(const struct zv_snapshot *snap)
{
	return snap->generation;
}

struct zv_snapshot *zv_snapshot_ref_current(void)
{
	pthread_mutex_lock(&current_lock);
	struct zv_snapshot *s = zv_ref(current);
	pthread_mutex_unlock(&current_lock);
	return s;
}

void zv_snapshot_set_current(struct zv_snapshot *snap)
{
	zv_ref(snap);
	pthread_mutex_lock(&current_lock);
	struct zv_snapshot *old = current;
	if (snap)
		snap->generation = ++generations;
	current = snap;
	pthread_mutex_unlock(&current_lock);
	zv_unref(old);
}

/* Parse one file into slot f; a missing file leaves f->conf NULL. */
static int load_file(const char *confdir, struct snap_file *f,
		     struct zv_diag *diag)
{
	char path[4096];
	snprintf(path, sizeof(path), "%s/%s", confdir, f->name);
	struct zv_conf_opts opts = {.confdir = confdir};
	int err = zv_conf_load(path, &opts, diag, &f->conf);
	if (err == -ENOENT)
		return 0;
	f->failed = err != 0;
	if (err && err != -ENOMEM && err != -EINVAL) {
		zv_diag_error(diag, path, 0, "cannot read: %s", strerror(-err));
		err = -EINVAL;
	}
	return err;
}

bool zv_snapshot_file_known(const struct zv_snapshot *snap, const char *name)
{
	for (size_t i = 0; i < snap->n; i++)
		if (!strcmp(snap->files[i].name, name))
			return true;
	return false;
}

bool zv_snapshot_file_failed(const struct zv_snapshot *snap, const char *name)
{
	for (size_t i = 0; i < snap->n; i++)
		if (!strcmp(snap->files[i].name, name))
			return snap->files[i].failed;
	return false;
}

static bool listed(const char *name, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

int zv_snapshot_build(const char *confdir, const char *const *files,
		      size_t nfiles, struct zv_diag *diag,
		      struct zv_snapshot **snapp)
{
	struct zv_snapshot *s = snapshot_alloc(confdir, nfiles);
	if (!s)
		return -ENOMEM;
	int ret = 0;
	for (size_t i = 0; i < nfiles; i++) {
		if (listed(files[i], files, i))
			continue; /* asked for twice */
		struct snap_file *f = &s->files[s->n];
		f->name = strdup(files[i]);
		if (!f->name) {
			zv_unref(s);
			return -ENOMEM;
		}
		s->n++;
		int err = load_file(confdir, f, diag);
		if (err && !ret)
			ret = err;
	}
	if (ret == -ENOMEM) {
		zv_unref(s);
		return ret;
	}
	*snapp = s;
	return ret;
}

int zv_snapshot_rebuild_some(const struct zv_snapshot *base,
			     const char *const *names, size_t n,
			     struct zv_diag *diag, struct zv_snapshot **snapp)
{
	struct zv_snapshot *s = snapshot_alloc(base->confdir, base->n + n);
	if (!s)
		return -ENOMEM;
	int ret = 0;
	for (size_t i = 0; i < n; i++) {
		if (listed(names[i], names, i) || zv_snapshot_file_known(base, names[i]))
			continue;
		struct snap_file *f = &s->files[s->n];
		f->name = strdup(names[i]);
		if (!f->name) {
			zv_unref(s);
			return -ENOMEM;
		}
		s->n++;
		int err = load_file(base->confdir, f, diag);
		if (err && !ret)
			ret = err;
	}
	for (size_t i = 0; i < base->n; i++) {
		struct snap_file *f = &s->files[s->n];
		f->name = strdup(base->files[i].name);
		if (!f->name) {
			zv_unref(s);
			return -ENOMEM;
		}
		s->n++;
		if (!listed(f->name, names, n)) {
			f->conf = zv_ref(base->files[i].conf);
			continue;
		}
		int err = load_file(base->confdir, f, diag);
		if (err && !ret)
			ret = err;
	}
	if (ret == -ENOMEM) {
		zv_unref(s);
		return ret;
	}
	*snapp = s;
	return ret;
}
