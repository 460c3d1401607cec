/*
 * Media applications: Playback, Background, Read, SayDigits, SayNumber,
 * SayUnixTime/DateTime, SayAlpha, SendDTMF, Record, Echo, Milliwatt (MusicOnHold: app_moh.c).  Argument
 * syntax and channel variables as Asterisk documents them.
 *
 * DESIGN
 * The application (in the channel's coroutine) sets up a generator or a
 * reader on the channel and waits; the per-frame work runs in the
 * channel's media callbacks on its loop (src/channels/chan_media.c), never
 * in the coroutine.  The state the callbacks use lives on the coroutine's
 * stack, so every application removes its generator and reader before it
 * returns, whatever the reason.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ZV_LOG_MODULE "app_media"
#include <zvonok/channel.h>
#include <zvonok/coro.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/media.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>

#include "apps/media/say_ru.h"
#include "apps/media/say_time.h"
#include "apps/media/silence.h"
#include "dialplan/dp_args.h"

#define MAX_ARGS 64

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
	zv_verb(3, "<%s> Playing '%s' (language '%s')", zv_channel_name(chan), p.snd->path,
		zv_channel_language(chan));
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
	size_t argc = dp_args_split_dup(data, ',', &buf, argv, 2);
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

/* ---- Background ----------------------------------------------------------- */

/* Background(filenames[,options[,langoverride[,context]]]): play, and on
 * a digit stop and take the caller to the extension they dial.  Options:
 * s (skip when not answered), n (do not answer). */
static enum zv_app_result background_exec(struct zv_channel *chan, const char *data)
{
	char *buf, *argv[4];
	size_t argc = dp_args_split_dup(data, ',', &buf, argv, 4);
	const char *opts = argc > 1 ? argv[1] : "";
	if (!argc || !argv[0][0]) {
		zv_warn("Background requires an argument (filename)");
		free(buf);
		return ZV_APP_HANGUP;
	}
	if (zv_channel_state(chan) != ZV_STATE_UP) {
		if (strchr(opts, 's')) {
			zv_channel_var_set(chan, "BACKGROUNDSTATUS", "SUCCESS");
			free(buf);
			return ZV_APP_CONTINUE;
		}
		if (!strchr(opts, 'n') && zv_channel_answer(chan) < 0) {
			free(buf);
			return ZV_APP_HANGUP;
		}
	}
	char *files[MAX_ARGS];
	size_t nfiles = 0;
	if (dp_args_split(argv[0], '&', 0, files, MAX_ARGS, &nfiles) < 0)
		nfiles = 0;
	const char *status = "SUCCESS";
	int r = 0;
	for (size_t i = 0; i < nfiles && r == 0; i++) {
		r = play_file(chan, files[i], "0123456789*#ABCD");
		if (r < 0 && r != ZV_WAKE_HANGUP) {
			status = "FAILED";
			r = 0;
			break;
		}
	}
	zv_channel_var_set(chan, "BACKGROUNDSTATUS", status);
	free(buf);
	if (r == ZV_WAKE_HANGUP)
		return ZV_APP_HANGUP;
	if (r > 0)
		return zv_pbx_collect_and_jump(chan, r, 0) == 0 ? ZV_APP_CONTINUE : ZV_APP_HANGUP;
	return ZV_APP_CONTINUE;
}

/* ---- Read --------------------------------------------------------------------- */

/* Read(var[,files[,maxdigits[,options[,attempts[,timeout]]]]]): play the
 * prompt (a digit interrupts it), collect digits until maxdigits, # or
 * the timeout; READSTATUS OK, TIMEOUT, HANGUP, ERROR, SKIPPED. */
static enum zv_app_result read_exec(struct zv_channel *chan, const char *data)
{
	char *buf, *argv[6] = {0};
	size_t argc = dp_args_split_dup(data, ',', &buf, argv, 6);
	if (!argc || !argv[0][0]) {
		zv_warn("Read requires an argument (variable)");
		zv_channel_var_set(chan, "READSTATUS", "ERROR");
		free(buf);
		return ZV_APP_CONTINUE;
	}
	const char *var = argv[0], *prompt = argc > 1 ? argv[1] : "";
	long maxd = argc > 2 && argv[2][0] ? strtol(argv[2], NULL, 10) : 0;
	const char *opts = argc > 3 ? argv[3] : "";
	long attempts = argc > 4 && argv[4][0] ? strtol(argv[4], NULL, 10) : 1;
	double tmo = argc > 5 && argv[5][0] ? strtod(argv[5], NULL) : 10.0;
	if (maxd <= 0 || maxd > 255)
		maxd = 255;
	if (attempts < 1)
		attempts = 1;
	unsigned tmo_ms = tmo > 0 ? (unsigned)(tmo * 1000) : 10000;
	if (zv_channel_state(chan) != ZV_STATE_UP) {
		if (strchr(opts, 's')) {
			zv_channel_var_set(chan, var, "");
			zv_channel_var_set(chan, "READSTATUS", "SKIPPED");
			free(buf);
			return ZV_APP_CONTINUE;
		}
		if (!strchr(opts, 'n') && zv_channel_answer(chan) < 0) {
			free(buf);
			return ZV_APP_HANGUP;
		}
	}
	char digits[256] = "";
	size_t n = 0;
	const char *status = "TIMEOUT";
	for (long a = 0; a < attempts && !n; a++) {
		int first = 0;
		char *files[MAX_ARGS];
		size_t nfiles = 0;
		char *pcopy = strdup(prompt);
		if (pcopy && *pcopy && dp_args_split(pcopy, '&', 0, files, MAX_ARGS, &nfiles) < 0)
			nfiles = 0;
		for (size_t i = 0; i < nfiles && !first; i++) {
			int r = play_file(chan, files[i], "0123456789*#ABCD");
			if (r == ZV_WAKE_HANGUP || r > 0)
				first = r;
		}
		free(pcopy);
		if (first == ZV_WAKE_HANGUP) {
			status = "HANGUP";
			break;
		}
		int d = first;
		for (;;) {
			if (!d) {
				d = zv_channel_wait(chan, tmo_ms);
				if (d == -ETIMEDOUT)
					break;
				if (d == ZV_WAKE_HANGUP) {
					status = "HANGUP";
					goto done;
				}
				if (d <= 0) {
					d = 0;
					continue;
				}
			}
			if (d == '#')
				break;
			digits[n++] = (char)d;
			digits[n] = '\0';
			d = 0;
			if ((long)n >= maxd)
				break;
		}
		if (n || d == '#')
			status = "OK";
		if (d == '#')
			break;
	}
done:
	zv_channel_var_set(chan, var, digits);
	zv_channel_var_set(chan, "READSTATUS", status);
	free(buf);
	return zv_channel_is_hungup(chan) ? ZV_APP_HANGUP : ZV_APP_CONTINUE;
}

/* ---- Say* ---------------------------------------------------------------------- */

/* Play a list of sound names; stop on hang-up.  0 or ZV_WAKE_HANGUP. */
static int play_list(struct zv_channel *chan, char names[][32], size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int r = play_file(chan, names[i], NULL);
		if (r == ZV_WAKE_HANGUP)
			return r;
	}
	return 0;
}

static size_t digit_names(const char *s, char names[][32], size_t max)
{
	size_t n = 0;
	for (; *s && n < max; s++) {
		if (*s >= '0' && *s <= '9')
			snprintf(names[n++], 32, "digits/%c", *s);
		else if (*s == '*')
			snprintf(names[n++], 32, "digits/star");
		else if (*s == '#')
			snprintf(names[n++], 32, "digits/pound");
		else if (*s == '-')
			snprintf(names[n++], 32, "letters/dash");
	}
	return n;
}

/* English number words as Asterisk's prompt set names them. */
static size_t number_names(long long v, char names[][32], size_t max)
{
	size_t n = 0;
	if (v < 0 && n < max) {
		snprintf(names[n++], 32, "digits/minus");
		v = -v;
	}
	if (v == 0 && n < max)
		snprintf(names[n++], 32, "digits/0");
	static const struct {
		long long unit;
		const char *name;
	} big[] = {{1000000000LL, "digits/billion"}, {1000000, "digits/million"},
		   {1000, "digits/thousand"}};
	for (size_t b = 0; b < 3; b++) {
		if (v >= big[b].unit) {
			n += number_names(v / big[b].unit, names + n, max - n);
			if (n < max)
				snprintf(names[n++], 32, "%s", big[b].name);
			v %= big[b].unit;
		}
	}
	if (v >= 100 && n + 1 < max) {
		snprintf(names[n++], 32, "digits/%lld", v / 100);
		snprintf(names[n++], 32, "digits/hundred");
		v %= 100;
	}
	if (v >= 20 && n < max) {
		snprintf(names[n++], 32, "digits/%lld", v / 10 * 10);
		v %= 10;
	}
	if (v > 0 && n < max)
		snprintf(names[n++], 32, "digits/%lld", v);
	return n;
}

static enum zv_app_result say_result(struct zv_channel *chan, int r)
{
	return r == ZV_WAKE_HANGUP || zv_channel_is_hungup(chan) ? ZV_APP_HANGUP : ZV_APP_CONTINUE;
}

static enum zv_app_result saydigits_exec(struct zv_channel *chan, const char *data)
{
	char names[64][32];
	return say_result(chan, play_list(chan, names, digit_names(data, names, 64)));
}

/* Russian rules on the blocking pool: they stat() the prompt files. */
struct say_job {
	long long v;
	char gender;
	const char *lang;
	char (*names)[32];
	size_t n;
};

static bool sound_exists(void *arg, const char *name)
{
	return zv_sound_exists(name, arg);
}

static void say_ru_work(void *arg)
{
	struct say_job *j = arg;
	j->n = say_ru_number(j->v, j->gender, sound_exists, (void *)j->lang, j->names, 64);
}

/* SayNumber(digits[,gender]): the language's rules (ru, else English). */
static enum zv_app_result saynumber_exec(struct zv_channel *chan, const char *data)
{
	char *buf, *argv[2] = {0};
	size_t argc = dp_args_split_dup(data, ',', &buf, argv, 2);
	char *end;
	long long v = argc ? strtoll(argv[0], &end, 10) : 0;
	if (!argc || end == argv[0]) {
		zv_warn("SayNumber requires a number: \"%s\"", data);
		free(buf);
		return ZV_APP_CONTINUE;
	}
	char names[64][32];
	char lang[32];
	snprintf(lang, sizeof(lang), "%s", zv_channel_language(chan));
	struct say_job j = {.v = v, .gender = argc > 1 ? argv[1][0] : 'm', .lang = lang,
			    .names = names};
	free(buf);
	if (!strncasecmp(j.lang, "ru", 2) && (!j.lang[2] || j.lang[2] == '_')) {
		if (zv_coro_blocking(say_ru_work, &j) < 0)
			return ZV_APP_CONTINUE;
	} else {
		j.n = number_names(v, names, 64);
	}
	return say_result(chan, play_list(chan, names, j.n));
}

/* SayUnixTime: the names are found on the blocking pool (the zone switch
 * takes a process-wide lock; the Russian rules stat() prompt files). */
#define SAY_TIME_MAX 64

struct say_time_job {
	time_t t, now;
	const char *tz, *format, *lang;
	char (*names)[SAY_TIME_NAME_LEN];
	size_t n;
};

static void say_time_work(void *arg)
{
	struct say_time_job *j = arg;
	j->n = say_time(j->t, j->tz, j->format, j->lang, j->now, sound_exists, (void *)j->lang,
			j->names, SAY_TIME_MAX);
}

/*
 * SayUnixTime([unixtime[,timezone[,format[,options]]]]) and its alias
 * DateTime: unixtime (default now; a fraction is dropped) in the zone
 * (default the system's) with SayUnixTime's format letters (say_time.h;
 * default by language).  Answers first, as Asterisk.  A digit stops it
 * and the dialplan goes on.
 */
static enum zv_app_result sayunixtime_exec(struct zv_channel *chan, const char *data)
{
	char *buf, *argv[4] = {0};
	size_t argc = dp_args_split_dup(data, ',', &buf, argv, 4);
	time_t now = time(NULL), t = now;
	if (argc && argv[0][0]) {
		char *end;
		double v = strtod(argv[0], &end);
		while (*end == ' ')
			end++;
		if (end == argv[0] || *end || v != v || v < -1e15 || v > 1e15)
			zv_warn("SayUnixTime: '%s' is not a time; saying the current time", argv[0]);
		else
			t = (time_t)v;
	}
	char lang[32];
	snprintf(lang, sizeof(lang), "%s", zv_channel_language(chan));
	char(*names)[SAY_TIME_NAME_LEN] = calloc(SAY_TIME_MAX, SAY_TIME_NAME_LEN);
	if (!names) {
		free(buf);
		return ZV_APP_CONTINUE;
	}
	struct say_time_job j = {.t = t, .now = now, .tz = argc > 1 ? argv[1] : "",
				 .format = argc > 2 ? argv[2] : "", .lang = lang, .names = names};
	int r = 0;
	if ((zv_channel_state(chan) == ZV_STATE_UP || zv_channel_answer(chan) == 0) &&
	    zv_coro_blocking(say_time_work, &j) == 0) {
		for (size_t i = 0; i < j.n && r == 0; i++) {
			r = play_file(chan, names[i], "0123456789*#");
			if (r < 0) /* a missing file: on to the next, as Asterisk */
				r = 0;
		}
	}
	free(names);
	free(buf);
	return say_result(chan, r);
}

/* The prompt SayAlpha plays for one character: letters/<c> (case folded),
 * digits/<c>, the named prompts of the punctuation the sound sets record
 * under a word, letters/ascii<code> for the rest of printable ASCII (the
 * sets name those by code).  Other bytes are skipped (0). */
static int alpha_name(unsigned char c, char *name, size_t size)
{
	static const struct {
		char c;
		const char *name;
	} words[] = {
		{' ', "letters/space"}, {'!', "letters/exclaimation-point"}, {'#', "digits/pound"},
		{'$', "letters/dollar"}, {'*', "letters/asterisk"}, {'+', "letters/plus"},
		{'-', "letters/dash"}, {'.', "letters/dot"}, {'/', "letters/slash"},
		{'=', "letters/equals"}, {'@', "letters/at"},
	};
	if (isalpha(c))
		return snprintf(name, size, "letters/%c", tolower(c)) > 0;
	if (isdigit(c))
		return snprintf(name, size, "digits/%c", c) > 0;
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (words[i].c == (char)c)
			return snprintf(name, size, "%s", words[i].name) > 0;
	if (c > ' ' && c < 127)
		return snprintf(name, size, "letters/ascii%u", c) > 0;
	return 0;
}

static enum zv_app_result sayalpha_exec(struct zv_channel *chan, const char *data)
{
	char name[32];
	int r = 0;
	for (const char *s = data; *s && r != ZV_WAKE_HANGUP; s++)
		if (alpha_name((unsigned char)*s, name, sizeof(name)))
			r = play_file(chan, name, NULL);
	return say_result(chan, r);
}

/* ---- SendDTMF --------------------------------------------------------------------- */

/* SendDTMF(digits[,timeout_ms[,duration_ms]]): w is a half-second pause. */
static enum zv_app_result senddtmf_exec(struct zv_channel *chan, const char *data)
{
	char *buf, *argv[3] = {0};
	size_t argc = dp_args_split_dup(data, ',', &buf, argv, 3);
	long gap = argc > 1 && argv[1][0] ? strtol(argv[1], NULL, 10) : 250;
	long dur = argc > 2 && argv[2][0] ? strtol(argv[2], NULL, 10) : 100;
	int r = 0;
	for (const char *d = argc ? argv[0] : ""; *d && r != ZV_WAKE_HANGUP; d++) {
		if (*d == 'w' || *d == 'W') {
			r = zv_channel_sleep(chan, 500);
			continue;
		}
		if (!strchr("0123456789*#ABCDabcd", *d))
			continue;
		zv_channel_send_digit(chan, (char)toupper((unsigned char)*d), (unsigned)dur);
		r = zv_channel_sleep(chan, (uint32_t)(dur + gap));
	}
	free(buf);
	return r == ZV_WAKE_HANGUP ? ZV_APP_HANGUP : ZV_APP_CONTINUE;
}

/* ---- Record ------------------------------------------------------------------------ */

#define REC_MAX_S 3600

struct rec {
	int16_t *pcm;
	size_t n, cap;
	unsigned silent_ms, silence_limit_ms, frame_ms;
	bool heard, silence_hit;
	/* the file, written on the pool at the end */
	char path[512];
	char format[16];
	int err;
};

static void rec_frame(void *arg, struct zv_channel *chan, const struct zv_frame *f)
{
	struct rec *r = arg;
	const int16_t *s = (const int16_t *)f->data;
	unsigned n = f->samples;
	if (r->n + n > r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8000 * 16;
		if (cap > (size_t)8000 * REC_MAX_S)
			return;
		int16_t *p = realloc(r->pcm, cap * sizeof(*p));
		if (!p)
			return;
		r->pcm = p;
		r->cap = cap;
	}
	memcpy(r->pcm + r->n, s, n * sizeof(*s));
	r->n += n;
	if (!r->silence_limit_ms)
		return;
	/* Asterisk's DSP rule with dsp.conf's silencethreshold. */
	bool silent = n && media_frame_silent(s, n, media_silence_threshold());
	if (!silent)
		r->heard = true;
	r->silent_ms = silent ? r->silent_ms + n / 8 : 0;
	if (r->heard && r->silent_ms >= r->silence_limit_ms && !r->silence_hit) {
		r->silence_hit = true;
		zv_channel_queue_media_event(chan);
	}
}

static void rec_write(void *arg)
{
	struct rec *r = arg;
	struct zv_rec *w;
	r->err = zv_rec_open(r->path, r->format, 8000, &w);
	if (r->err < 0)
		return;
	r->err = zv_rec_write(w, r->pcm, r->n);
	int e2 = zv_rec_close(w, r->err == 0);
	if (!r->err)
		r->err = e2;
}

/* Record(filename.format[,silence[,maxduration[,options]]]): record the
 * caller until # (or any digit with option y), `silence` seconds of
 * silence, maxduration seconds, or hang-up (option k keeps it then).
 * Options: s (skip when not answered), n (no answer), q (no beep),
 * x (ignore terminator keys).  RECORDED_FILE and RECORD_STATUS (DTMF,
 * SILENCE, SKIP, TIMEOUT, HANGUP, ERROR) as Asterisk. */
static enum zv_app_result record_exec(struct zv_channel *chan, const char *data)
{
	char *buf, *argv[4] = {0};
	size_t argc = dp_args_split_dup(data, ',', &buf, argv, 4);
	const char *opts = argc > 3 ? argv[3] : "";
	char *dot = argc ? strrchr(argv[0], '.') : NULL;
	if (!argc || !dot || dot == argv[0]) {
		zv_warn("Record requires a filename with a format (name.format)");
		zv_channel_var_set(chan, "RECORD_STATUS", "ERROR");
		free(buf);
		return ZV_APP_HANGUP;
	}
	if (zv_channel_state(chan) != ZV_STATE_UP) {
		if (strchr(opts, 's')) {
			zv_channel_var_set(chan, "RECORD_STATUS", "SKIP");
			free(buf);
			return ZV_APP_CONTINUE;
		}
		if (!strchr(opts, 'n') && zv_channel_answer(chan) < 0) {
			free(buf);
			return ZV_APP_HANGUP;
		}
	}
	struct rec r = {0};
	*dot = '\0';
	snprintf(r.format, sizeof(r.format), "%s", dot + 1);
	if (argv[0][0] == '/')
		snprintf(r.path, sizeof(r.path), "%s", argv[0]);
	else
		snprintf(r.path, sizeof(r.path), "%s/%s", zv_sound_dir(), argv[0]);
	r.silence_limit_ms = argc > 1 && argv[1][0] ? (unsigned)(atof(argv[1]) * 1000) : 0;
	double maxs = argc > 2 && argv[2][0] ? atof(argv[2]) : 0;
	if (!strchr(opts, 'q'))
		play_file(chan, "beep", NULL);
	const char *status = "HANGUP";
	zv_channel_set_reader(chan, ZV_CODEC_SLIN, rec_frame, &r);
	uint32_t limit = maxs > 0 ? (uint32_t)(maxs * 1000) : 0;
	uint64_t t0 = zv_mono_ms();
	for (;;) {
		uint32_t left = 0;
		if (limit) {
			uint64_t el = zv_mono_ms() - t0;
			if (el >= limit) {
				status = "TIMEOUT";
				break;
			}
			left = limit - (uint32_t)el;
		}
		int w = zv_channel_wait(chan, left);
		if (w == ZV_WAKE_HANGUP)
			break;
		if (w == -ETIMEDOUT) {
			status = "TIMEOUT";
			break;
		}
		if (w == ZV_WAKE_FRAME && r.silence_hit) {
			status = "SILENCE";
			break;
		}
		if (w > 0 && !strchr(opts, 'x') && (w == '#' || strchr(opts, 'y'))) {
			status = "DTMF";
			break;
		}
	}
	zv_channel_set_reader(chan, ZV_CODEC_NONE, NULL, NULL);
	bool keep = strcmp(status, "HANGUP") || strchr(opts, 'k');
	if (!strcmp(status, "SILENCE") && r.n > (size_t)r.silent_ms * 8)
		r.n -= (size_t)r.silent_ms * 8; /* trim the trailing silence */
	if (keep) {
		if (zv_coro_blocking(rec_write, &r) < 0 || r.err < 0) {
			zv_warn("Record: could not write %s.%s: %s", r.path, r.format,
				strerror(r.err < 0 ? -r.err : EIO));
			status = "ERROR";
		} else {
			char file[540];
			snprintf(file, sizeof(file), "%s.%s", r.path, r.format);
			zv_channel_var_set(chan, "RECORDED_FILE", r.path);
			(void)file;
		}
	}
	free(r.pcm);
	zv_channel_var_set(chan, "RECORD_STATUS", status);
	free(buf);
	return zv_channel_is_hungup(chan) ? ZV_APP_HANGUP : ZV_APP_CONTINUE;
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
	{.name = "Background",
	 .synopsis = "Play an audio file while waiting for digits of an extension to go to",
	 .syntax = "Background(filename1[&filename2...][,options[,langoverride[,context]]])",
	 .description = "Plays the files; a digit stops them and the caller dials an "
			"extension.  Options: s (skip when not answered), n (do not answer).",
	 .exec = background_exec},
	{.name = "Read",
	 .synopsis = "Read a variable",
	 .syntax = "Read(variable[,filename[&filename2...][,maxdigits[,options[,attempts[,timeout]]]]])",
	 .description = "Plays the prompt and reads digits into variable until maxdigits, # "
			"or the timeout (seconds).  Sets READSTATUS.",
	 .exec = read_exec},
	{.name = "SayDigits",
	 .synopsis = "Say Digits",
	 .syntax = "SayDigits(digits)",
	 .description = "Says the digits one by one.",
	 .exec = saydigits_exec},
	{.name = "SayNumber",
	 .synopsis = "Say Number",
	 .syntax = "SayNumber(digits[,gender])",
	 .description = "Says the number in the channel's language: Russian rules for ru "
			"(gender f, m or n for the last group), English otherwise.",
	 .exec = saynumber_exec},
	{.name = "SayUnixTime",
	 .synopsis = "Says a specified time in a custom format",
	 .syntax = "SayUnixTime([unixtime[,timezone[,format[,options]]]])",
	 .description = "Says unixtime (default now) in timezone (default the system's) "
			"with format: A/a weekday, B/b/h month, d/e day of month, m month "
			"number, Y year, I/l hour 1-12, H/k hour 0-23, M/N minute, S seconds, "
			"p/P AM-PM, Q/q today/yesterday/tomorrow or the date, R (HM), T (HMS), "
			"'file' a sound file.  Default \"ABdY 'digits/at' IMp\" (English), "
			"\"AdBY 'digits/at' H 'hours' M 'minutes'\" (ru).  A digit stops it.",
	 .exec = sayunixtime_exec},
	{.name = "DateTime",
	 .synopsis = "Says a specified time in a custom format",
	 .syntax = "DateTime([unixtime[,timezone[,format]]])",
	 .description = "The same as SayUnixTime.",
	 .exec = sayunixtime_exec},
	{.name = "SayAlpha",
	 .synopsis = "Say Alpha",
	 .syntax = "SayAlpha(string)",
	 .description = "Spells the string letter by letter.",
	 .exec = sayalpha_exec},
	{.name = "SendDTMF",
	 .synopsis = "Sends arbitrary DTMF digits",
	 .syntax = "SendDTMF(digits[,timeout_ms[,duration_ms]])",
	 .description = "Sends the digits (0-9 * # A-D, w = half a second pause).",
	 .exec = senddtmf_exec},
	{.name = "Record",
	 .synopsis = "Record to a file",
	 .syntax = "Record(filename.format[,silence[,maxduration[,options]]])",
	 .description = "Records the caller until #, silence, maxduration or hang-up.  "
			"Sets RECORDED_FILE and RECORD_STATUS.",
	 .exec = record_exec},
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
	.summary = "Media applications: Playback, Background, Read, Say*, SendDTMF, Record, "
		   "Echo, Milliwatt",
	.load = app_media_load,
};
