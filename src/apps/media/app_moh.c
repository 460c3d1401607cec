/*
 * Music on hold (module res_musiconhold): musiconhold.conf classes,
 * MusicOnHold(), StartMusicOnHold(), StopMusicOnHold(), `moh show
 * classes`, `moh show files`, `moh reload`, and the zv_moh_* API of
 * include/zvonok/moh.h that bridges use for a held party.
 *
 * DESIGN
 * Configuration: prepare() reads musiconhold.conf ([general]
 * preferchannelclass, one section per class: mode=files, directory=,
 * sort=alpha|random|randstart, mode=playlist with entry= lines, or
 * mode=custom with application= and format=, run by moh_custom.c) and
 * lists each class's directory (one entry per file name without its
 * extension; the sound loader picks the format).  No musiconhold.conf: one class `default` on <astdatadir>/moh,
 * Debian's asterisk-moh-opsound files.  The committed set is a refcounted
 * immutable object behind a mutex; a player holds a reference on its
 * class, so a reload never changes music that is playing.
 *
 * Playing: a player (refcounted, kept in the channel's "moh" datastore)
 * is the channel's generator.  It plays the current file from memory;
 * the next file is loaded on the blocking pool (zv_pool_submit, whose
 * completion runs on the channel's loop) while the current one plays, so
 * the loop never touches the disk.  Loaded files are shared by all the
 * players of a class (a cache in the class counting its users, under a
 * mutex taken once per file), so a hundred held calls on the same class
 * keep one or two files in memory, not two hundred.  A pool job holds a reference on the
 * player; when the player has been stopped meanwhile the result is
 * dropped.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define ZV_LOG_MODULE "res_musiconhold"
#include <zvonok/channel.h>
#include <zvonok/cli.h>
#include <zvonok/config.h>
#include <zvonok/core.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/media.h>
#include <zvonok/moh.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>

#include "apps/media/moh_custom.h"
#include "dialplan/dp_args.h"

#define DS_KEY "moh"
#define MAX_FILES 512

enum moh_sort { SORT_ALPHA, SORT_RANDOM, SORT_RANDSTART };

static const char *const sort_names[] = {"alpha", "random", "randstart"};

struct moh_class {
	char name[80];
	char mode[16];
	char dir[512];
	enum moh_sort sort;
	/* mode=custom: application= and its output format= (moh_custom.c) */
	struct moh_custom_cfg *custom;
	size_t nfiles;
	char **files; /* full paths without extension, in alphabetical order */
	/* Loaded files shared by the class's players (any thread, under
	 * lock): a file stays in memory while some player uses it. */
	pthread_mutex_t lock;
	struct moh_cached {
		struct zv_sound *snd;
		unsigned users;
	} *cache;
};

struct moh_conf {
	bool prefer_channel;
	size_t n;
	struct moh_class **cls;
};

static pthread_mutex_t conf_lock = PTHREAD_MUTEX_INITIALIZER;
static struct moh_conf *conf_cur;

/* ---- configuration ---------------------------------------------------------- */

static void class_destroy(void *obj)
{
	struct moh_class *c = obj;
	for (size_t i = 0; i < c->nfiles; i++) {
		free(c->files[i]);
		if (c->cache)
			zv_unref(c->cache[i].snd);
	}
	free(c->files);
	free(c->cache);
	moh_custom_cfg_free(c->custom);
	pthread_mutex_destroy(&c->lock);
}

static void conf_destroy(void *obj)
{
	struct moh_conf *c = obj;
	for (size_t i = 0; i < c->n; i++)
		zv_unref(c->cls[i]);
	free(c->cls);
}

static bool sound_ext(const char *ext)
{
	static const char *const exts[] = {"wav", "WAV", "gsm", "ulaw", "pcm", "mu", "alaw",
					   "al", "sln", "raw", "wav16", "sln16", "g722", NULL};
	for (size_t i = 0; exts[i]; i++)
		if (!strcmp(ext, exts[i]))
			return true;
	return false;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Append a file (path without extension) unless listed.  0 or -ENOMEM. */
static int files_add(struct moh_class *c, const char *path)
{
	for (size_t i = 0; i < c->nfiles; i++)
		if (!strcmp(c->files[i], path))
			return 0;
	char **v = realloc(c->files, (c->nfiles + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	c->files = v;
	if (!(v[c->nfiles] = strdup(path)))
		return -ENOMEM;
	c->nfiles++;
	return 0;
}

static int cache_alloc(struct moh_class *c)
{
	if (c->nfiles && !(c->cache = calloc(c->nfiles, sizeof(*c->cache))))
		return -ENOMEM;
	return 0;
}

/* List the sound files of c->dir (base names without extension, each
 * once).  0 or a negative errno (the directory cannot be read). */
static int class_scan(struct moh_class *c)
{
	DIR *d = opendir(c->dir);
	if (!d)
		return -errno;
	struct dirent *e;
	int err = 0;
	while ((e = readdir(d)) && c->nfiles < MAX_FILES) {
		const char *dot = strrchr(e->d_name, '.');
		if (e->d_name[0] == '.' || !dot || !sound_ext(dot + 1))
			continue;
		char path[1024];
		snprintf(path, sizeof(path), "%s/%.*s", c->dir, (int)(dot - e->d_name), e->d_name);
		if ((err = files_add(c, path)) < 0)
			break;
	}
	closedir(d);
	if (c->nfiles > 1)
		qsort(c->files, c->nfiles, sizeof(*c->files), cmp_str);
	return err ? err : cache_alloc(c);
}

/* mode=playlist: the entry= files, in their order (URLs are refused). */
static int class_playlist(struct moh_class *c, const struct zv_conf_section *sec,
			  struct zv_diag *diag)
{
	for (const struct zv_conf_var *v = NULL; (v = zv_conf_var_next(sec, "entry", v));) {
		if (strstr(v->value, "://")) {
			zv_diag_warn(diag, v->file, v->line,
				     "musiconhold.conf: class '%s': entry %s: URLs are not "
				     "supported, skipped",
				     sec->name, v->value);
			continue;
		}
		char path[1024];
		snprintf(path, sizeof(path), "%s", v->value);
		char *dot = strrchr(path, '.');
		if (dot && !strchr(dot, '/') && sound_ext(dot + 1))
			*dot = '\0';
		int err = files_add(c, path);
		if (err < 0)
			return err;
	}
	return cache_alloc(c);
}

static const char *datadir(void)
{
	const char *d = zv_core_datadir();
	return d && *d ? d : "/usr/share/asterisk";
}

static struct moh_class *class_new(const char *name, const char *dir)
{
	struct moh_class *c = zv_obj_alloc(sizeof(*c), class_destroy);
	if (!c)
		return NULL;
	pthread_mutex_init(&c->lock, NULL);
	snprintf(c->name, sizeof(c->name), "%s", name);
	snprintf(c->mode, sizeof(c->mode), "files");
	if (dir[0] == '/')
		snprintf(c->dir, sizeof(c->dir), "%s", dir);
	else
		snprintf(c->dir, sizeof(c->dir), "%s/%s", datadir(), dir);
	return c;
}

static int conf_add(struct moh_conf *conf, struct moh_class *c)
{
	struct moh_class **v = realloc(conf->cls, (conf->n + 1) * sizeof(*v));
	if (!v) {
		zv_unref(c);
		return -ENOMEM;
	}
	conf->cls = v;
	conf->cls[conf->n++] = c;
	return 0;
}

static const struct zv_conf_option general_options[] = {
	{"cachertclasses", "realtime classes (not supported)"},
	{"preferchannelclass", "the channel's musicclass before the one asked for"},
	{NULL},
};

static const struct zv_conf_option class_options[] = {
	{"mode", "files, playlist or custom (mp3, quietmp3... are not supported)"},
	{"entry", "a file of a mode=playlist class"},
	{"directory", "directory of the files"},
	{"sort", "alpha, random or randstart"},
	{"random", "old spelling of sort=random"},
	{"digit", "not supported"},
	{"announcement", "not supported"},
	{"application", "mode=custom: the command whose stdout is the music"},
	{"format", "mode=custom: slin (default), ulaw or alaw at 8 kHz"},
	{"kill_escalation_delay", "mode=custom: ms between SIGHUP, SIGTERM, SIGKILL"},
	{"kill_method", "mode=custom: process_group (default) or process"},
	{"loop_last", "not supported"},
	{"answeredonly", "not supported"},
	{NULL},
};

/* One class section; problems go to diag, an unusable class is skipped. */
static int parse_class(struct moh_conf *conf, const struct zv_conf_section *sec,
		       struct zv_diag *diag)
{
	zv_conf_check_options(sec, class_options, diag);
	const char *mode = zv_conf_get(sec, "mode"), *dir = zv_conf_get(sec, "directory");
	if (!mode)
		mode = "files";
	bool playlist = !strcasecmp(mode, "playlist");
	if (!strcasecmp(mode, "custom")) {
		struct moh_class *c = class_new(sec->name, dir ? dir : "");
		if (!c)
			return -ENOMEM;
		snprintf(c->mode, sizeof(c->mode), "custom");
		if (!dir)
			c->dir[0] = '\0';
		int err = moh_custom_parse(sec, diag, &c->custom);
		if (err < 0 || !c->custom) {
			zv_unref(c);
			return err == -ENOMEM ? err : 0;
		}
		return conf_add(conf, c);
	}
	if (strcasecmp(mode, "files") && !playlist) {
		zv_diag_warn(diag, sec->file, sec->line,
			     "musiconhold.conf: class '%s': mode=%s is not supported (only "
			     "mode=files, mode=playlist and mode=custom); the class is skipped",
			     sec->name, mode);
		return 0;
	}
	for (const char *k = "digit"; k; k = !strcmp(k, "digit") ? "announcement" : NULL)
		if (zv_conf_get(sec, k))
			zv_diag_warn(diag, sec->file, sec->line,
				     "musiconhold.conf: class '%s': %s= is not supported, ignored",
				     sec->name, k);
	struct moh_class *c = class_new(sec->name, playlist ? "" : dir ? dir : "moh");
	if (!c)
		return -ENOMEM;
	if (playlist) {
		snprintf(c->mode, sizeof(c->mode), "playlist");
		c->dir[0] = '\0';
	}
	const char *sort = zv_conf_get(sec, "sort"), *rnd = zv_conf_get(sec, "random");
	bool b = false;
	if (rnd && zv_conf_parse_bool(rnd, &b) == 0 && b)
		c->sort = SORT_RANDOM;
	if (sort) {
		size_t i = 0;
		while (i < 3 && strcasecmp(sort, sort_names[i]))
			i++;
		if (i == 3)
			zv_diag_warn(diag, sec->file, sec->line,
				     "musiconhold.conf: class '%s': unknown sort=%s (alpha, random, "
				     "randstart); alpha used",
				     sec->name, sort);
		else
			c->sort = (enum moh_sort)i;
	}
	int err = playlist ? class_playlist(c, sec, diag) : class_scan(c);
	if (err == -ENOMEM) {
		zv_unref(c);
		return err;
	}
	if (playlist && !c->nfiles)
		zv_diag_warn(diag, sec->file, sec->line,
			     "musiconhold.conf: class '%s': mode=playlist without entry= files",
			     sec->name);
	else if (err < 0 || !c->nfiles)
		zv_diag_warn(diag, sec->file, sec->line,
			     "musiconhold.conf: class '%s': %s %s", sec->name,
			     err < 0 ? "cannot read directory" : "no sound files in", c->dir);
	return conf_add(conf, c);
}

static int moh_prepare(struct zv_module *mod, const struct zv_snapshot *snap,
		       struct zv_diag *diag, void **statep)
{
	struct moh_conf *conf = zv_obj_alloc(sizeof(*conf), conf_destroy);
	if (!conf)
		return -ENOMEM;
	conf->prefer_channel = true;
	const struct zv_conf *file = zv_snapshot_file(snap, "musiconhold.conf");
	int err = 0;
	if (!file) {
		struct moh_class *c = class_new("default", "moh");
		err = c ? conf_add(conf, c) : -ENOMEM;
		if (!err)
			class_scan(c);
	}
	for (const struct zv_conf_section *s = NULL;
	     !err && file && (s = zv_conf_section_next(file, s));) {
		if (strcasecmp(s->name, "general")) {
			err = parse_class(conf, s, diag);
			continue;
		}
		zv_conf_check_options(s, general_options, diag);
		const char *v = zv_conf_get(s, "preferchannelclass");
		if (v && zv_conf_parse_bool(v, &conf->prefer_channel) < 0)
			zv_diag_error(diag, s->file, s->line,
				      "musiconhold.conf: preferchannelclass=%s is not yes or no", v);
	}
	if (err) {
		zv_unref(conf);
		return err;
	}
	*statep = conf;
	return 0;
}

static void moh_commit(struct zv_module *mod, void *state)
{
	pthread_mutex_lock(&conf_lock);
	struct moh_conf *old = conf_cur;
	conf_cur = state;
	pthread_mutex_unlock(&conf_lock);
	zv_unref(old);
}

static void moh_discard(struct zv_module *mod, void *state)
{
	zv_unref(state);
}

static void moh_unload(struct zv_module *mod)
{
	moh_commit(mod, NULL);
}

static struct moh_conf *conf_ref(void)
{
	pthread_mutex_lock(&conf_lock);
	struct moh_conf *c = zv_ref(conf_cur);
	pthread_mutex_unlock(&conf_lock);
	return c;
}

static struct moh_class *class_peek(const struct moh_conf *conf, const char *name)
{
	for (size_t i = 0; conf && name && *name && i < conf->n; i++)
		if (!strcasecmp(conf->cls[i]->name, name))
			return conf->cls[i];
	return NULL;
}

/* The class for chan: channel's class and mclass in the order
 * preferchannelclass says, then `default`.  A reference, or NULL. */
static struct moh_class *class_choose(const struct zv_channel *chan, const char *mclass)
{
	struct moh_conf *conf = conf_ref();
	const char *chancls = zv_channel_musicclass(chan);
	const char *order[3] = {chancls, mclass, "default"};
	if (conf && !conf->prefer_channel) {
		order[0] = mclass;
		order[1] = chancls;
	}
	struct moh_class *c = NULL;
	for (size_t i = 0; i < 3 && !c; i++) {
		c = class_peek(conf, order[i]);
		if (!c && order[i] && *order[i] && strcasecmp(order[i], "default"))
			zv_warn("Music on hold class '%s' not found", order[i]);
	}
	zv_ref(c);
	zv_unref(conf);
	return c;
}

/* ---- the player ----------------------------------------------------------------- */

/* File i of the class, from the cache or loaded now (blocking: the pool).
 * Counts a user; give it back with cache_put(). */
static int cache_get(struct moh_class *c, size_t i, struct zv_sound **out)
{
	pthread_mutex_lock(&c->lock);
	struct zv_sound *s = zv_ref(c->cache[i].snd);
	if (s)
		c->cache[i].users++;
	pthread_mutex_unlock(&c->lock);
	if (s) {
		*out = s;
		return 0;
	}
	int err = zv_sound_load(c->files[i], NULL, 8000, &s);
	if (err < 0)
		return err;
	pthread_mutex_lock(&c->lock);
	if (c->cache[i].snd) { /* loaded meanwhile by another player */
		zv_unref(s);
		s = zv_ref(c->cache[i].snd);
	} else {
		c->cache[i].snd = zv_ref(s);
	}
	c->cache[i].users++;
	pthread_mutex_unlock(&c->lock);
	*out = s;
	return 0;
}

static void cache_put(struct moh_class *c, size_t i, struct zv_sound *s)
{
	if (!s)
		return;
	struct zv_sound *drop = NULL;
	pthread_mutex_lock(&c->lock);
	if (c->cache[i].users && !--c->cache[i].users) {
		drop = c->cache[i].snd;
		c->cache[i].snd = NULL;
	}
	pthread_mutex_unlock(&c->lock);
	zv_unref(drop);
	zv_unref(s);
}

struct moh_play {
	struct moh_class *cls;
	struct zv_sound *cur, *next; /* from the class's cache */
	size_t cur_idx, next_idx;
	size_t pos;
	size_t last; /* index of the file loaded last */
	unsigned failures;
	bool loading, stopped, started;
	/* the pool job */
	size_t job_idx;
	struct zv_sound *loaded;
	int err;
};

static void play_destroy(void *obj)
{
	struct moh_play *p = obj;
	cache_put(p->cls, p->cur_idx, p->cur);
	cache_put(p->cls, p->next_idx, p->next);
	cache_put(p->cls, p->job_idx, p->loaded);
	zv_unref(p->cls);
}

static size_t next_index(struct moh_play *p)
{
	size_t n = p->cls->nfiles;
	if (p->cls->sort == SORT_RANDOM || (p->cls->sort == SORT_RANDSTART && !p->started))
		p->last = (size_t)random() % n;
	else if (p->started)
		p->last = (p->last + 1) % n;
	p->started = true;
	return p->last;
}

static void load_work(void *arg)
{
	struct moh_play *p = arg;
	p->err = cache_get(p->cls, p->job_idx, &p->loaded);
}

static void prefetch(struct moh_play *p);

static void load_done(void *arg)
{
	struct moh_play *p = arg;
	p->loading = false;
	struct zv_sound *s = p->loaded;
	p->loaded = NULL;
	if (p->err < 0 || !s) {
		zv_warn("Music on hold: cannot play %s: %s", p->cls->files[p->job_idx],
			strerror(-p->err));
		p->failures++;
	} else if (!p->stopped) {
		p->failures = 0;
		if (!p->cur) {
			p->cur = s;
			p->cur_idx = p->job_idx;
			p->pos = 0;
		} else {
			p->next = s;
			p->next_idx = p->job_idx;
		}
		s = NULL;
	}
	cache_put(p->cls, p->job_idx, s);
	/* After a failure of every file in a row, silence. */
	if (!p->stopped && p->failures < p->cls->nfiles)
		prefetch(p);
	zv_unref(p);
}

/* Load the file after the current one, unless one is loaded or loading. */
static void prefetch(struct moh_play *p)
{
	if (p->loading || p->next || p->stopped || !p->cls->nfiles)
		return;
	p->job_idx = next_index(p);
	p->loading = true;
	zv_ref(p);
	if (zv_pool_submit(load_work, load_done, p) < 0) {
		p->loading = false;
		zv_unref(p);
	}
}

static bool moh_gen(void *arg, struct zv_channel *chan, int16_t *pcm, unsigned samples)
{
	struct moh_play *p = arg;
	unsigned i = 0;
	while (i < samples && p->cur) {
		size_t n = p->cur->samples - p->pos;
		if (n > samples - i)
			n = samples - i;
		memcpy(pcm + i, p->cur->pcm + p->pos, n * sizeof(*pcm));
		i += (unsigned)n;
		p->pos += n;
		if (p->pos >= p->cur->samples) {
			cache_put(p->cls, p->cur_idx, p->cur);
			p->cur = p->next;
			p->cur_idx = p->next_idx;
			p->next = NULL;
			p->pos = 0;
			prefetch(p);
		}
	}
	return true; /* silence (the caller zeroed pcm) while a file loads */
}

static void play_close(void *data)
{
	struct moh_play *p = data;
	p->stopped = true;
	zv_unref(p);
}

int zv_moh_start(struct zv_channel *chan, const char *mclass)
{
	zv_moh_stop(chan);
	struct moh_class *c = class_choose(chan, mclass);
	if (c && c->custom) {
		int err = moh_custom_start(chan, DS_KEY, c->name, c->dir, c->custom);
		zv_unref(c);
		return err;
	}
	if (!c || !c->nfiles || !c->cache) {
		zv_warn("Unable to start music on hold class '%s' on %s",
			c ? c->name : mclass && *mclass ? mclass : "default", zv_channel_name(chan));
		zv_unref(c);
		return -ENOENT;
	}
	struct moh_play *p = zv_obj_alloc(sizeof(*p), play_destroy);
	if (!p) {
		zv_unref(c);
		return -ENOMEM;
	}
	p->cls = c;
	int err = zv_channel_datastore_set(chan, DS_KEY, p, play_close);
	if (err < 0) {
		zv_unref(p);
		return err;
	}
	err = zv_channel_set_generator(chan, 8000, moh_gen, p);
	if (err < 0) {
		zv_channel_datastore_set(chan, DS_KEY, NULL, NULL);
		return err;
	}
	prefetch(p);
	zv_verb(3, "Started music on hold, class '%s', on %s", c->name, zv_channel_name(chan));
	return 0;
}

void zv_moh_stop(struct zv_channel *chan)
{
	if (!zv_channel_datastore_get(chan, DS_KEY))
		return;
	/* The player is the generator unless another replaced it; clearing
	 * it then stops that one, as Asterisk's moh stop does. */
	zv_channel_set_generator(chan, 0, NULL, NULL);
	zv_channel_datastore_set(chan, DS_KEY, NULL, NULL);
	zv_verb(3, "Stopped music on hold on %s", zv_channel_name(chan));
}

bool zv_moh_playing(const struct zv_channel *chan)
{
	return zv_channel_datastore_get(chan, DS_KEY) && zv_channel_has_generator(chan);
}

/* ---- applications ------------------------------------------------------------- */

/* MusicOnHold([class[,duration]]): music until hang-up, or for duration
 * seconds. */
static enum zv_app_result moh_exec(struct zv_channel *chan, const char *data)
{
	char *buf, *argv[2] = {0};
	size_t argc = dp_args_split_dup(data, ',', &buf, argv, 2);
	double secs = argc > 1 && argv[1][0] ? atof(argv[1]) : 0;
	if (zv_channel_state(chan) != ZV_STATE_UP && zv_channel_answer(chan) < 0) {
		free(buf);
		return ZV_APP_HANGUP;
	}
	int err = zv_moh_start(chan, argc ? argv[0] : NULL);
	free(buf);
	if (err < 0)
		return ZV_APP_CONTINUE;
	uint64_t end = secs > 0 ? zv_mono_ms() + (uint64_t)(secs * 1000) : 0;
	int w = 0;
	while (w != ZV_WAKE_HANGUP) {
		uint64_t now = zv_mono_ms();
		if (end && now >= end)
			break;
		w = zv_channel_wait(chan, end ? (uint32_t)(end - now) : 0);
	}
	zv_moh_stop(chan);
	return w == ZV_WAKE_HANGUP ? ZV_APP_HANGUP : ZV_APP_CONTINUE;
}

static enum zv_app_result start_moh_exec(struct zv_channel *chan, const char *data)
{
	zv_moh_start(chan, data);
	return ZV_APP_CONTINUE;
}

static enum zv_app_result stop_moh_exec(struct zv_channel *chan, const char *data)
{
	zv_moh_stop(chan);
	return ZV_APP_CONTINUE;
}

static const struct zv_app apps[] = {
	{.name = "MusicOnHold",
	 .synopsis = "Play Music On Hold indefinitely",
	 .syntax = "MusicOnHold([class[,duration]])",
	 .description = "Plays music on hold of the class (musiconhold.conf; the channel's "
			"musicclass first when preferchannelclass=yes, else `default`) until "
			"hang-up, or for duration seconds.",
	 .exec = moh_exec},
	{.name = "StartMusicOnHold",
	 .synopsis = "Play Music On Hold",
	 .syntax = "StartMusicOnHold([class])",
	 .description = "Starts music on hold and goes on in the dialplan; the music plays "
			"until StopMusicOnHold or another application plays something.",
	 .exec = start_moh_exec},
	{.name = "StopMusicOnHold",
	 .synopsis = "Stop playing Music On Hold",
	 .syntax = "StopMusicOnHold()",
	 .description = "Stops the music started by StartMusicOnHold.",
	 .exec = stop_moh_exec},
};

/* ---- CLI -------------------------------------------------------------------- */

static enum zv_cli_result cli_show_classes(struct zv_cli_req *req, int argc, char **argv)
{
	struct moh_conf *conf = conf_ref();
	for (size_t i = 0; conf && i < conf->n; i++) {
		const struct moh_class *c = conf->cls[i];
		zv_cli_printf(req, "Class: %s\n\tMode: %s\n\tDirectory: %s\n", c->name, c->mode,
			      c->dir[0] ? c->dir : "<none>");
		if (c->custom)
			zv_cli_printf(req, "\tApplication: %s\n\tFormat: %s\n",
				      moh_custom_app(c->custom), moh_custom_format(c->custom));
		else
			zv_cli_printf(req, "\tSort: %s\n", sort_names[c->sort]);
	}
	zv_unref(conf);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_show_files(struct zv_cli_req *req, int argc, char **argv)
{
	struct moh_conf *conf = conf_ref();
	for (size_t i = 0; conf && i < conf->n; i++) {
		const struct moh_class *c = conf->cls[i];
		zv_cli_printf(req, "Class: %s\n", c->name);
		for (size_t f = 0; f < c->nfiles; f++)
			zv_cli_printf(req, "\tFile: %s\n", c->files[f]);
	}
	zv_unref(conf);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_reload(struct zv_cli_req *req, int argc, char **argv)
{
	struct zv_diag diag;
	zv_diag_init(&diag);
	int err = zv_module_reload("res_musiconhold", &diag);
	zv_cli_print_diag(req, &diag);
	zv_diag_clear(&diag);
	if (err < 0) {
		zv_cli_printf(req, "Reload failed; the previous classes stay in effect.\n");
		return ZV_CLI_FAILURE;
	}
	zv_cli_printf(req, "Music on hold classes reloaded.\n");
	return ZV_CLI_SUCCESS;
}

static const struct zv_cli_cmd cli_cmds[] = {
	{"moh show classes", "List MusicOnHold classes", "Usage: moh show classes\n",
	 cli_show_classes},
	{"moh show files", "List MusicOnHold file-based classes",
	 "Usage: moh show files\n", cli_show_files},
	{"moh reload", "Reload MusicOnHold", "Usage: moh reload\n", cli_reload},
	{NULL},
};

static int moh_load(struct zv_module *mod)
{
	srandom((unsigned)time(NULL) ^ (unsigned)getpid()); /* sort=random, randstart */
	int err = zv_apps_register(mod, apps, sizeof(apps) / sizeof(*apps));
	return err ? err : zv_cli_register(mod, cli_cmds);
}

ZV_MODULE(res_musiconhold) = {
	.summary = "Music On Hold Resource",
	.config = "musiconhold.conf",
	.load = moh_load,
	.prepare = moh_prepare,
	.commit = moh_commit,
	.discard = moh_discard,
	.unload = moh_unload,
};
