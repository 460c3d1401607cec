/*
 * MixMonitor(file.ext[,options[,command]]) and StopMixMonitor(): record
 * both directions of a channel's audio while the dialplan goes on (Dial,
 * Queue...), mixed into one file, or as a stereo file with option D
 * (left: what the channel sends us, right: what it hears).  Relative
 * names go to <astspooldir>/monitor/, as in Asterisk.  The file is
 * written when the recording stops (StopMixMonitor() or hang-up); then
 * `command`, if given, runs (both on the blocking pool).  Sets
 * MIXMONITOR_FILENAME.
 *
 * DESIGN
 * A tap on the channel (zv_channel_set_tap()) sees every frame received
 * and sent as slin 8 kHz, in loop callbacks.  Each direction is placed in
 * its own buffer at a position kept in step with the wall clock (a
 * direction that falls silent, on hold or with silence suppression, is
 * padded rather than pulled forward), so the two line up when mixed.  The
 * buffers go to the pool when the recording stops, which mixes, writes
 * the file through a temporary name and renames it (libsndfile for
 * stereo, zv_rec for the rest).
 */
#include <errno.h>
#include <limits.h>
#include <sndfile.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define ZV_LOG_MODULE "app_mixmonitor"
#include <zvonok/channel.h>
#include <zvonok/core.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/media.h>
#include <zvonok/module.h>
#include <zvonok/pbx.h>

#include "dialplan/dp_args.h"

#define STORE_KEY "mixmonitor"
#define RATE 8000
#define MAX_SAMPLES ((size_t)RATE * 4 * 3600) /* four hours a direction */

struct track {
	int16_t *pcm;
	size_t len, cap; /* samples */
};

struct mixmon {
	struct track dir[2]; /* 0: received from the channel, 1: sent to it */
	uint64_t start_ms;
	bool stereo;
	char path[PATH_MAX]; /* without the extension */
	char format[16];
	char *command;
};

static int track_reserve(struct track *t, size_t need)
{
	if (need <= t->cap)
		return 0;
	if (need > MAX_SAMPLES)
		return -E2BIG;
	size_t cap = t->cap ? t->cap : RATE * 16;
	while (cap < need)
		cap *= 2;
	int16_t *p = realloc(t->pcm, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	memset(p + t->cap, 0, (cap - t->cap) * sizeof(*p));
	t->pcm = p;
	t->cap = cap;
	return 0;
}

static void on_tap(void *arg, struct zv_channel *chan, bool rx, const int16_t *pcm,
		   unsigned samples)
{
	struct mixmon *m = arg;
	struct track *t = &m->dir[rx ? 0 : 1];
	/* Keep within 100 ms of the wall clock: pad a direction that went
	 * quiet; never move one backwards. */
	size_t now = (size_t)((zv_mono_ms() - m->start_ms) * (RATE / 1000));
	if (t->len + RATE / 10 < now)
		t->len = now > samples ? now - samples : 0;
	if (track_reserve(t, t->len + samples) < 0)
		return;
	memcpy(t->pcm + t->len, pcm, samples * sizeof(*pcm));
	t->len += samples;
}

static void mixmon_free(struct mixmon *m)
{
	free(m->dir[0].pcm);
	free(m->dir[1].pcm);
	free(m->command);
	free(m);
}

static int mkdirs(const char *path)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0750) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	return 0;
}

static int write_stereo(struct mixmon *m, size_t n)
{
	char final[PATH_MAX + 16], tmp[PATH_MAX + 32];
	snprintf(final, sizeof(final), "%s.%s", m->path, m->format);
	snprintf(tmp, sizeof(tmp), "%s.tmp%d", final, (int)getpid());
	SF_INFO info = {.samplerate = RATE, .channels = 2, .format = SF_FORMAT_WAV | SF_FORMAT_PCM_16};
	SNDFILE *f = sf_open(tmp, SFM_WRITE, &info);
	if (!f)
		return -EIO;
	int16_t frame[2 * 160];
	int err = 0;
	for (size_t i = 0; i < n && !err; i += 160) {
		size_t k = n - i < 160 ? n - i : 160;
		for (size_t j = 0; j < k; j++) {
			frame[2 * j] = i + j < m->dir[0].len ? m->dir[0].pcm[i + j] : 0;
			frame[2 * j + 1] = i + j < m->dir[1].len ? m->dir[1].pcm[i + j] : 0;
		}
		if (sf_writef_short(f, frame, (sf_count_t)k) != (sf_count_t)k)
			err = -EIO;
	}
	sf_write_sync(f);
	if (sf_close(f) || err) {
		unlink(tmp);
		return err ? err : -EIO;
	}
	return rename(tmp, final) < 0 ? -errno : 0;
}

static int write_mono(struct mixmon *m, size_t n)
{
	int16_t *mix = malloc((n ? n : 1) * sizeof(*mix));
	if (!mix)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		int v = (i < m->dir[0].len ? m->dir[0].pcm[i] : 0) +
			(i < m->dir[1].len ? m->dir[1].pcm[i] : 0);
		mix[i] = (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v);
	}
	struct zv_rec *r;
	int err = zv_rec_open(m->path, m->format, RATE, &r);
	if (!err) {
		err = zv_rec_write(r, mix, n);
		int e2 = zv_rec_close(r, err == 0);
		if (!err)
			err = e2;
	}
	free(mix);
	return err;
}

/* Pool: mix, write, run the command. */
static void mixmon_write(void *arg)
{
	struct mixmon *m = arg;
	size_t n = m->dir[0].len > m->dir[1].len ? m->dir[0].len : m->dir[1].len;
	int err = mkdirs(m->path);
	if (!err)
		err = m->stereo ? write_stereo(m, n) : write_mono(m, n);
	if (err)
		zv_warn("MixMonitor: could not write %s.%s: %s", m->path, m->format, strerror(-err));
	else
		zv_verb(3, "MixMonitor: wrote %s.%s (%.1f s)", m->path, m->format, (double)n / RATE);
	if (!err && m->command && *m->command && system(m->command) == -1)
		zv_warn("MixMonitor: could not run '%s'", m->command);
}

static void mixmon_done(void *arg)
{
	mixmon_free(arg);
}

/* The datastore's destructor (hang-up or StopMixMonitor): stop the tap's
 * use of m and hand it to the pool. */
static void mixmon_finish(void *data)
{
	struct mixmon *m = data;
	if (zv_pool_submit(mixmon_write, mixmon_done, m) < 0) {
		zv_warn("MixMonitor: recording %s lost (no blocking pool)", m->path);
		mixmon_free(m);
	}
}

static enum zv_app_result mixmonitor_exec(struct zv_channel *chan, const char *data)
{
	char *buf = strdup(data), *argv[3] = {0};
	size_t argc = 0;
	if (!buf || dp_args_split(buf, ',', 0, argv, 3, &argc) < 0 || !argc || !argv[0][0]) {
		zv_warn("MixMonitor requires an argument (filename)");
		free(buf);
		return ZV_APP_CONTINUE;
	}
	if (zv_channel_datastore_get(chan, STORE_KEY)) {
		zv_warn("MixMonitor is already recording %s", zv_channel_name(chan));
		free(buf);
		return ZV_APP_CONTINUE;
	}
	struct mixmon *m = calloc(1, sizeof(*m));
	char *dot = strrchr(argv[0], '.');
	if (!m || !dot || dot == argv[0] || strchr(dot, '/')) {
		if (m)
			zv_warn("MixMonitor: the filename needs a format extension: %s", argv[0]);
		free(m);
		free(buf);
		return ZV_APP_CONTINUE;
	}
	*dot = '\0';
	snprintf(m->format, sizeof(m->format), "%s", dot + 1);
	if (argv[0][0] == '/')
		snprintf(m->path, sizeof(m->path), "%s", argv[0]);
	else
		snprintf(m->path, sizeof(m->path), "%s/monitor/%s", zv_core_spooldir(), argv[0]);
	m->stereo = argc > 1 && strchr(argv[1], 'D');
	if (m->stereo && strcasecmp(m->format, "wav")) {
		zv_warn("MixMonitor: option D writes wav only; recording %s.%s in mono", m->path,
			m->format);
		m->stereo = false;
	}
	m->command = argc > 2 && argv[2][0] ? strdup(argv[2]) : NULL;
	m->start_ms = zv_mono_ms();
	char fname[PATH_MAX + 16];
	snprintf(fname, sizeof(fname), "%s.%s", m->path, m->format);
	free(buf);
	if (zv_channel_set_tap(chan, on_tap, m) < 0 ||
	    zv_channel_datastore_set(chan, STORE_KEY, m, mixmon_finish) < 0) {
		zv_channel_set_tap(chan, NULL, NULL);
		mixmon_free(m);
		return ZV_APP_CONTINUE;
	}
	zv_channel_var_set(chan, "MIXMONITOR_FILENAME", fname);
	return ZV_APP_CONTINUE;
}

static enum zv_app_result stopmixmonitor_exec(struct zv_channel *chan, const char *data)
{
	if (zv_channel_datastore_get(chan, STORE_KEY)) {
		zv_channel_set_tap(chan, NULL, NULL);
		zv_channel_datastore_set(chan, STORE_KEY, NULL, NULL); /* runs mixmon_finish */
	}
	return ZV_APP_CONTINUE;
}

static const struct zv_app apps[] = {
	{.name = "MixMonitor",
	 .synopsis = "Record a call and mix the audio during the recording",
	 .syntax = "MixMonitor(filename.extension[,options[,command]])",
	 .description = "Records both directions of the channel's audio until hang-up or "
			"StopMixMonitor(), mixed (option D: stereo wav, left the channel's own "
			"audio, right what it hears).  Relative names go to "
			"<astspooldir>/monitor.  command runs when the file is written.  Sets "
			"MIXMONITOR_FILENAME.",
	 .exec = mixmonitor_exec},
	{.name = "StopMixMonitor",
	 .synopsis = "Stop recording a call through MixMonitor, and free the recording's file handle",
	 .syntax = "StopMixMonitor()",
	 .description = "Stops the MixMonitor recording of the channel and writes its file.",
	 .exec = stopmixmonitor_exec},
};

static int app_mixmonitor_load(struct zv_module *mod)
{
	return zv_apps_register(mod, apps, sizeof(apps) / sizeof(*apps));
}

ZV_MODULE(app_mixmonitor) = {
	.summary = "MixMonitor(): call recording",
	.load = app_mixmonitor_load,
};
