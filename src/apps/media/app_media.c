/*
 * Media applications: Playback, Echo, Milliwatt.  Argument syntax and
 * channel variables as Asterisk documents them.
 *
 * DESIGN
 * The application (in the channel's coroutine) sets up a generator or a
 * reader on the channel and waits; the per-frame work runs in the
 * channel's media callbacks on its loop (src/channels/chan_media.c), never
 * in the coroutine.  The state the callbacks use lives on the coroutine's
 * stack, so every application removes its generator and reader before it
 * returns, whatever the reason.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ZV_LOG_MODULE "app_media"
#include <zvonok/channel.h>
#include <zvonok/log.h>
#include <zvonok/media.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>

#include "dialplan/dp_args.h"

#define MAX_ARGS 64

static size_t split(const char *data, char delim, char **bufp, char **argv, size_t max)
{
	size_t argc = 0;
	*bufp = strdup(data);
	if (!*bufp || dp_args_split(*bufp, delim, 0, argv, max, &argc) < 0)
		return 0;
	return argc;
}

static bool has_option(const char *opts, const char *word)
{
	size_t n = strlen(word);
	for (const char *p = opts; p && *p;) {
		while (*p == ' ' || *p == '&' || *p == ',')
			p++;
		if (!strncasecmp(p, word, n) && (!p[n] || p[n] == '&' || p[n] == ' '))
			return true;
		while (*p && *p != '&' && *p != ' ')
			p++;
	}
	return false;
}

/* ---- Playback ------------------------------------------------------------ */

struct play {
	struct zv_sound *snd;
	size_t pos;
};

static bool play_gen(void *arg, struct zv_channel *chan, int16_t *pcm, unsigned samples)
{
	struct play *p = arg;
	if (p->pos >= p->snd->samples)
		return false;
	size_t n = p->snd->samples - p->pos;
	if (n > samples)
		n = samples;
	memcpy(pcm, p->snd->pcm + p->pos, n * sizeof(int16_t));
	p->pos += n;
	return true;
}

/*
 * Play one sound to the end (or until hang-up, or a digit in `stop_on`).
 * 0 at the end, the digit, ZV_WAKE_HANGUP, or -ENOENT/-errno when the
 * file could not be played.
 */
static int play_file(struct zv_channel *chan, const char *name, const char *stop_on)
{
	struct play p = {0};
	int err = zv_sound_load_coro(name, zv_channel_language(chan), 8000, &p.snd);
	if (err < 0) {
		zv_warn("Playback: file %s does not exist", name);
		return err;
	}
	int r = zv_channel_set_generator(chan, p.snd->rate, play_gen, &p);
	while (r == 0) {
		int w = zv_channel_wait(chan, 0);
		if (w == ZV_WAKE_FRAME && !zv_channel_has_generator(chan))
			break;
		if (w == ZV_WAKE_HANGUP || (w > 0 && stop_on && strchr(stop_on, w))) {
			r = w;
			break;
		}
	}
	zv_channel_set_generator(chan, 0, NULL, NULL);
	zv_unref(p.snd);
	return r;
}

static enum zv_app_result playback_exec(struct zv_channel *chan, const char *data)
{
	char *buf, *argv[2];
	size_t argc = split(data, ',', &buf, argv, 2);
	const char *opts = argc > 1 ? argv[1] : "";
	bool noanswer = has_option(opts, "noanswer"), skip = has_option(opts, "skip");
	enum zv_app_result res = ZV_APP_CONTINUE;
	const char *status = "SUCCESS";
	if (!argc || !argv[0][0]) {
		zv_warn("Playback requires an argument (filename)");
		free(buf);
		return ZV_APP_HANGUP;
	}
	if (zv_channel_state(chan) != ZV_STATE_UP && !noanswer && zv_channel_answer(chan) < 0) {
		free(buf);
		return ZV_APP_HANGUP;
	}
	char *files[MAX_ARGS];
	size_t nfiles = 0;
	if (dp_args_split(argv[0], '&', 0, files, MAX_ARGS, &nfiles) < 0)
		nfiles = 0;
	for (size_t i = 0; i < nfiles; i++) {
		if (skip && !zv_sound_exists(files[i], zv_channel_language(chan)))
			continue;
		int r = play_file(chan, files[i], NULL);
		if (r == ZV_WAKE_HANGUP) {
			res = ZV_APP_HANGUP;
			break;
		}
		if (r < 0) {
			status = "FAILED";
			break;
		}
	}
	zv_channel_var_set(chan, "PLAYBACKSTATUS", status);
	free(buf);
	return res;
}

/* ---- Echo ------------------------------------------------------------------ */

static void echo_frame(void *arg, struct zv_channel *chan, const struct zv_frame *f)
{
	zv_channel_write_frame(chan, f);
}

static enum zv_app_result echo_exec(struct zv_channel *chan, const char *data)
{
	if (zv_channel_state(chan) != ZV_STATE_UP && zv_channel_answer(chan) < 0)
		return ZV_APP_HANGUP;
	zv_channel_set_reader(chan, ZV_CODEC_NONE, echo_frame, NULL);
	int w;
	do
		w = zv_channel_wait(chan, 0);
	while (w != ZV_WAKE_HANGUP && w != '#');
	zv_channel_set_reader(chan, ZV_CODEC_NONE, NULL, NULL);
	return w == ZV_WAKE_HANGUP ? ZV_APP_HANGUP : ZV_APP_CONTINUE;
}

/* ---- Milliwatt ----------------------------------------------------------------- */

struct tone {
	double phase, step;
	double amplitude;
};

static bool tone_gen(void *arg, struct zv_channel *chan, int16_t *pcm, unsigned samples)
{
	struct tone *t = arg;
	for (unsigned i = 0; i < samples; i++) {
		pcm[i] = (int16_t)(t->amplitude * sin(t->phase));
		t->phase += t->step;
		if (t->phase > 2 * M_PI)
			t->phase -= 2 * M_PI;
	}
	return true;
}

/* Milliwatt([o]): a 1004 Hz tone at 0 dBm0 until hang-up; with o the
 * 1000 Hz tone of old versions. */
static enum zv_app_result milliwatt_exec(struct zv_channel *chan, const char *data)
{
	double hz = strchr(data, 'o') ? 1000.0 : 1004.0;
	/* 0 dBm0: 3.17 dB below the G.711 full-scale sine. */
	struct tone t = {.step = 2 * M_PI * hz / 8000.0, .amplitude = 32767.0 * 0.694};
	if (zv_channel_state(chan) != ZV_STATE_UP && zv_channel_answer(chan) < 0)
		return ZV_APP_HANGUP;
	int r = zv_channel_set_generator(chan, 8000, tone_gen, &t);
	int w = ZV_WAKE_HANGUP;
	while (r == 0 && (w = zv_channel_wait(chan, 0)) != ZV_WAKE_HANGUP)
		;
	zv_channel_set_generator(chan, 0, NULL, NULL);
	return ZV_APP_HANGUP;
}

static const struct zv_app apps[] = {
	{.name = "Playback",
	 .synopsis = "Play a file",
	 .syntax = "Playback(filename[&filename2[&...]][,options])",
	 .description = "Plays back the given files (no extension: the best format is found "
			"in the channel's language).  Options: skip (files that do not exist "
			"are skipped), noanswer (play without answering).  Sets PLAYBACKSTATUS "
			"to SUCCESS or FAILED.",
	 .exec = playback_exec},
	{.name = "Echo",
	 .synopsis = "Echo media back to the caller",
	 .syntax = "Echo()",
	 .description = "Sends the caller's audio back to them until they hang up or press #.",
	 .exec = echo_exec},
	{.name = "Milliwatt",
	 .synopsis = "Generate a constant 1004 Hz tone at 0 dBm0",
	 .syntax = "Milliwatt([options])",
	 .description = "Plays a 1004 Hz tone until the caller hangs up.  Option o: the "
			"1000 Hz tone of older versions.",
	 .exec = milliwatt_exec},
};

static int app_media_load(struct zv_module *mod)
{
	return zv_apps_register(mod, apps, sizeof(apps) / sizeof(*apps));
}

ZV_MODULE(app_media) = {
	.summary = "Media applications: Playback, Echo, Milliwatt",
	.load = app_media_load,
};
