/*
 * WaitForSilence(silencerequired[,iterations[,timeout]]) and
 * WaitForNoise(noiserequired[,iterations[,timeout]]) as Asterisk documents
 * them (defaults 1000 ms, 1 iteration, no timeout; WAITSTATUS SILENCE,
 * NOISE or TIMEOUT), and dsp.conf's silencethreshold.
 *
 * DESIGN
 * The application sets a reader (slin 8 kHz) whose callback, on the
 * channel's loop, measures each received frame (silent when its average
 * magnitude is below the threshold, as Asterisk's DSP) and adds its length
 * to a run of the wanted kind, or restarts the run.  When the run reaches
 * the required length it wakes the coroutine (ZV_WAKE_FRAME).  Each
 * iteration starts a new run; the timeout counts from the start of the
 * application.  The state lives on the coroutine's stack and the reader
 * is removed before returning.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ZV_LOG_MODULE "app_waitforsilence"
#include <zvonok/channel.h>
#include <zvonok/config.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/media.h>
#include <zvonok/module.h>
#include <zvonok/pbx.h>

#include "apps/media/silence.h"
#include "dialplan/dp_args.h"

static atomic_uint threshold = 256;

unsigned media_silence_threshold(void)
{
	return atomic_load(&threshold);
}

bool media_frame_silent(const int16_t *pcm, unsigned samples, unsigned thr)
{
	if (!samples)
		return true;
	uint64_t sum = 0;
	for (unsigned i = 0; i < samples; i++)
		sum += (uint64_t)(pcm[i] < 0 ? -(int)pcm[i] : pcm[i]);
	return sum / samples < thr;
}

struct wait_run {
	bool want_silence, hit;
	unsigned threshold, need_ms, run_ms;
};

static void run_frame(void *arg, struct zv_channel *chan, const struct zv_frame *f)
{
	struct wait_run *w = arg;
	if (w->hit)
		return;
	bool silent = media_frame_silent((const int16_t *)f->data, f->samples, w->threshold);
	w->run_ms = silent == w->want_silence ? w->run_ms + f->samples / 8 : 0;
	if (w->run_ms >= w->need_ms) {
		w->hit = true;
		zv_channel_queue_media_event(chan);
	}
}

/* One run of need_ms; 1 when heard, 0 at the deadline (0: none),
 * ZV_WAKE_HANGUP. */
static int wait_one(struct zv_channel *chan, bool silence, unsigned need_ms, uint64_t deadline)
{
	struct wait_run w = {.want_silence = silence,
			     .threshold = media_silence_threshold(),
			     .need_ms = need_ms};
	int r = 0;
	zv_channel_set_reader(chan, ZV_CODEC_SLIN, run_frame, &w);
	for (;;) {
		uint64_t now = zv_mono_ms();
		if (deadline && now >= deadline)
			break;
		int ev = zv_channel_wait(chan, deadline ? (uint32_t)(deadline - now) : 0);
		if (ev == ZV_WAKE_HANGUP) {
			r = ev;
			break;
		}
		if (w.hit) {
			r = 1;
			break;
		}
	}
	zv_channel_set_reader(chan, ZV_CODEC_NONE, NULL, NULL);
	return r;
}

static enum zv_app_result wait_exec(struct zv_channel *chan, const char *data, bool silence)
{
	char *buf, *argv[3] = {0};
	size_t argc = dp_args_split_dup(data, ',', &buf, argv, 3);
	long need = argc > 0 && argv[0][0] ? strtol(argv[0], NULL, 10) : 1000;
	long iterations = argc > 1 && argv[1][0] ? strtol(argv[1], NULL, 10) : 1;
	double timeout = argc > 2 && argv[2][0] ? strtod(argv[2], NULL) : 0;
	free(buf);
	if (need <= 0)
		need = 1000;
	if (iterations <= 0)
		iterations = 1;
	if (timeout < 0)
		timeout = 0;
	zv_verb(3, "Waiting %ld time(s) for %ld ms %s with %g timeout", iterations, need,
		silence ? "silence" : "noise", timeout);
	uint64_t deadline = timeout > 0 ? zv_mono_ms() + (uint64_t)(timeout * 1000) : 0;
	int r = 1;
	for (long i = 0; i < iterations && r == 1; i++)
		r = wait_one(chan, silence, (unsigned)need, deadline);
	if (r == ZV_WAKE_HANGUP)
		return ZV_APP_HANGUP;
	const char *status = r == 1 ? (silence ? "SILENCE" : "NOISE") : "TIMEOUT";
	zv_channel_var_set(chan, "WAITSTATUS", status);
	return ZV_APP_CONTINUE;
}

static enum zv_app_result waitforsilence_exec(struct zv_channel *chan, const char *data)
{
	return wait_exec(chan, data, true);
}

static enum zv_app_result waitfornoise_exec(struct zv_channel *chan, const char *data)
{
	return wait_exec(chan, data, false);
}

static const struct zv_app apps[] = {
	{.name = "WaitForSilence",
	 .synopsis = "Waits for a specified amount of silence.",
	 .syntax = "WaitForSilence([silencerequired[,iterations[,timeout]]])",
	 .description = "Waits for silencerequired ms (default 1000) of silence, iterations "
			"times (default 1), at most timeout seconds (default: no limit).  "
			"Silence: the average magnitude of the audio below dsp.conf's "
			"silencethreshold (256).  Sets WAITSTATUS to SILENCE or TIMEOUT.",
	 .exec = waitforsilence_exec},
	{.name = "WaitForNoise",
	 .synopsis = "Waits for a specified amount of noise.",
	 .syntax = "WaitForNoise([noiserequired[,iterations[,timeout]]])",
	 .description = "Waits for noiserequired ms (default 1000) of noise, iterations times "
			"(default 1), at most timeout seconds.  Sets WAITSTATUS to NOISE or "
			"TIMEOUT.",
	 .exec = waitfornoise_exec},
};

/* ---- dsp.conf --------------------------------------------------------------- */

static const struct zv_conf_option dsp_options[] = {
	{"silencethreshold", "average magnitude below which audio is silence"},
	{"threshold_*", "call progress thresholds (not used)"},
	{NULL},
};

static int dsp_prepare(struct zv_module *mod, const struct zv_snapshot *snap,
		       struct zv_diag *diag, void **statep)
{
	long v = 256;
	const struct zv_conf *conf = zv_snapshot_file(snap, "dsp.conf");
	const struct zv_conf_section *sec = conf ? zv_conf_section_find(conf, "default") : NULL;
	const char *s = zv_conf_get(sec, "silencethreshold");
	if (sec)
		zv_conf_check_options(sec, dsp_options, diag);
	if (s && zv_conf_parse_int(s, 1, 32767, &v) < 0) {
		const struct zv_conf_var *var = zv_conf_var_next(sec, "silencethreshold", NULL);
		zv_diag_error(diag, var ? var->file : NULL, var ? var->line : 0,
			      "dsp.conf: silencethreshold = %s is not a number from 1 to 32767", s);
		return -EINVAL;
	}
	unsigned *p = malloc(sizeof(*p));
	if (!p)
		return -ENOMEM;
	*p = (unsigned)v;
	*statep = p;
	return 0;
}

static void dsp_commit(struct zv_module *mod, void *state)
{
	atomic_store(&threshold, *(unsigned *)state);
	free(state);
}

static void dsp_discard(struct zv_module *mod, void *state)
{
	free(state);
}

static int silence_load(struct zv_module *mod)
{
	return zv_apps_register(mod, apps, sizeof(apps) / sizeof(*apps));
}

ZV_MODULE(app_waitforsilence) = {
	.summary = "Wait For Silence / Noise",
	.config = "dsp.conf",
	.load = silence_load,
	.prepare = dsp_prepare,
	.commit = dsp_commit,
	.discard = dsp_discard,
};
