/*
 * Unit tests for sound files (src/media/format/sound.c) against the
 * Debian prompt packages (asterisk-core-sounds-en-wav, -ru-wav) and
 * files the tests write: real prompts load with their duration, the
 * language falls back ru -> en, regions and absolute names follow
 * Asterisk's layout, rates are converted, missing files give -ENOENT and
 * corrupt ones an error, and zv_sound_load_coro() runs on the pool while
 * a coroutine waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <zvonok/coro.h>
#include <zvonok/loop.h>
#include <zvonok/media.h>
#include <zvonok/obj.h>

#include "core/internal.h"
#include "media/codec/test_tone.h"

#define SOUNDS "/usr/share/asterisk/sounds"

static char tmpdir[256];
static long live_before;

static int setup(void **state)
{
	live_before = zv_obj_live();
	zv_sound_set_dir(SOUNDS);
	return 0;
}

static int teardown(void **state)
{
	assert_int_equal(zv_obj_live(), live_before);
	return 0;
}

static void write_file(const char *name, const void *data, size_t len)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void test_real_prompts(void **state)
{
	struct zv_sound *s = NULL;
	assert_int_equal(zv_sound_load("hello-world", "en", 8000, &s), 0);
	assert_non_null(s);
	assert_int_equal(s->rate, 8000);
	double secs = (double)s->samples / s->rate;
	assert_true(secs > 1.404 * 0.95 && secs < 1.404 * 1.05);
	assert_non_null(strstr(s->path, "en_US_f_Allison/hello-world.wav"));
	assert_true(tone_rms(s->pcm, s->samples) > 100); /* speech, not silence */
	s = zv_unref(s);

	assert_int_equal(zv_sound_load("demo-congrats", "en", 8000, &s), 0);
	secs = (double)s->samples / s->rate;
	assert_true(secs > 30.277 * 0.95 && secs < 30.277 * 1.05);
	s = zv_unref(s);

	/* At 16 kHz: twice the samples, same duration. */
	assert_int_equal(zv_sound_load("hello-world", "en", 16000, &s), 0);
	assert_int_equal(s->rate, 16000);
	secs = (double)s->samples / s->rate;
	assert_true(secs > 1.404 * 0.95 && secs < 1.404 * 1.05);
	s = zv_unref(s);

	/* Rate 0: the file's own. */
	assert_int_equal(zv_sound_load("digits/1", NULL, 0, &s), 0);
	assert_int_equal(s->rate, 8000);
	assert_non_null(strstr(s->path, "en_US_f_Allison/digits/1.wav"));
	s = zv_unref(s);
}

static void test_languages(void **state)
{
	struct zv_sound *s = NULL;
	/* Russian exists. */
	assert_int_equal(zv_sound_load("hello-world", "ru", 8000, &s), 0);
	assert_true(strstr(s->path, "/ru/hello-world.wav") ||
		    strstr(s->path, "ru_RU_f_IvrvoiceRU/hello-world.wav"));
	s = zv_unref(s);
	/* Only in English: ru falls back to en. */
	assert_int_equal(zv_sound_load("please-try-call-later", "ru", 8000, &s), 0);
	assert_non_null(strstr(s->path, "en_US_f_Allison/please-try-call-later.wav"));
	s = zv_unref(s);
	/* A region falls back to its language. */
	assert_int_equal(zv_sound_load("hello-world", "ru_XX", 8000, &s), 0);
	assert_null(strstr(s->path, "en_US"));
	s = zv_unref(s);
	/* Unknown language, no language, a hostile language: English. */
	const char *langs[] = {"xx", "", NULL, "../../etc", "en_GB"};
	for (size_t i = 0; i < sizeof(langs) / sizeof(*langs); i++) {
		assert_int_equal(zv_sound_load("hello-world", langs[i], 8000, &s), 0);
		assert_non_null(strstr(s->path, "en_US_f_Allison"));
		s = zv_unref(s);
	}
	assert_true(zv_sound_exists("hello-world", "ru"));
	assert_true(zv_sound_exists("minute", "ru"));
	assert_true(zv_sound_exists("digits/5", "en"));
}

static void test_missing(void **state)
{
	struct zv_sound *s = (void *)1;
	assert_int_equal(zv_sound_load("no-such-prompt", "en", 8000, &s), -ENOENT);
	assert_null(s);
	assert_int_equal(zv_sound_load("", "en", 8000, &s), -ENOENT);
	assert_int_equal(zv_sound_load("/nonexistent/dir/file", "en", 8000, &s), -ENOENT);
	assert_false(zv_sound_exists("no-such-prompt", "ru"));
	/* hello-world exists only as .wav: asking for gsm finds nothing. */
	assert_int_equal(zv_sound_load("hello-world.gsm", "en", 8000, &s), -ENOENT);
	assert_int_equal(zv_sound_load("hello-world.wav", "en", 8000, &s), 0);
	s = zv_unref(s);
}

static void test_own_dir_and_absolute(void **state)
{
	/* A sounds dir with <lang>/ subfolders, formats by extension. */
	char path[512];
	snprintf(path, sizeof(path), "%s/de", tmpdir);
	mkdir(path, 0755);
	int16_t pcm[8000];
	tone_fill(pcm, 8000, 1000, 8000, 8000, 0);
	write_file("de/tone.sln", pcm, sizeof(pcm));
	uint8_t ulaw[4000];
	memset(ulaw, 0xff, sizeof(ulaw)); /* u-law silence */
	write_file("tone.ulaw", ulaw, sizeof(ulaw));

	zv_sound_set_dir(tmpdir);
	assert_string_equal(zv_sound_dir(), tmpdir);
	struct zv_sound *s = NULL;
	assert_int_equal(zv_sound_load("tone", "de", 8000, &s), 0);
	assert_int_equal(s->samples, 8000);
	assert_true(tone_dominant(s->pcm, s->samples, 8000) == 1000);
	s = zv_unref(s);
	/* Other languages: no en/ here, so the bare name: the u-law file. */
	assert_int_equal(zv_sound_load("tone", "fr", 8000, &s), 0);
	assert_int_equal(s->samples, 4000);
	assert_true(tone_rms(s->pcm, s->samples) < 5);
	s = zv_unref(s);

	/* Absolute: <dir>/<lang>/<base> first, then the name itself. */
	snprintf(path, sizeof(path), "%s/tone", tmpdir);
	assert_int_equal(zv_sound_load(path, "de", 8000, &s), 0);
	assert_int_equal(s->samples, 8000);
	s = zv_unref(s);
	assert_int_equal(zv_sound_load(path, NULL, 16000, &s), 0);
	assert_int_equal(s->samples, 8000); /* 4000 at 8 kHz -> 16 kHz */
	s = zv_unref(s);

	/* Resampled on load: the frequency stays. */
	snprintf(path, sizeof(path), "%s/de/tone", tmpdir);
	assert_int_equal(zv_sound_load(path, NULL, 16000, &s), 0);
	assert_int_equal(s->samples, 16000);
	assert_true(tone_dominant(s->pcm + 800, s->samples - 1600, 16000) == 1000);
	s = zv_unref(s);
	assert_int_equal(zv_sound_load(path, NULL, 48000, &s), 0);
	assert_int_equal(s->samples, 48000);
	assert_true(tone_dominant(s->pcm + 2400, s->samples - 4800, 48000) == 1000);
	s = zv_unref(s);

	zv_sound_set_dir(NULL); /* back to the default */
	assert_string_equal(zv_sound_dir(), SOUNDS);
	zv_sound_set_dir(SOUNDS);
}

static void test_corrupt(void **state)
{
	static const char junk[] = "RIFF\x10\0\0\0WAVEfmt garbage garbage garbage";
	write_file("bad.wav", junk, sizeof(junk));
	write_file("empty.wav", "", 0);
	uint8_t gsm[66];
	memset(gsm, 0x11, sizeof(gsm)); /* no 0xD signature */
	write_file("bad.gsm", gsm, sizeof(gsm));
	/* A real wav cut in the middle of its header. */
	FILE *f = fopen(SOUNDS "/en_US_f_Allison/hello-world.wav", "rb");
	assert_non_null(f);
	char head[30];
	assert_int_equal(fread(head, 1, sizeof(head), f), sizeof(head));
	fclose(f);
	write_file("cut.wav", head, sizeof(head));

	const char *names[] = {"bad", "empty", "bad.gsm", "cut"};
	for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++) {
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		struct zv_sound *s = (void *)1;
		int err = zv_sound_load(path, NULL, 8000, &s);
		assert_true(err < 0);
		assert_true(err != -ENOENT);
		assert_null(s);
		assert_true(zv_sound_exists(path, NULL)); /* it is there, just broken */
	}
	/* A directory named like a sound is not a sound. */
	char path[512];
	snprintf(path, sizeof(path), "%s/dir.wav", tmpdir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/dir", tmpdir);
	struct zv_sound *s;
	assert_int_equal(zv_sound_load(path, NULL, 8000, &s), -ENOENT);
}

/* ---- zv_sound_load_coro ---------------------------------------------------- */

struct coro_case {
	struct zv_coro *co;
	int err, err_missing;
	struct zv_sound *snd;
	bool ran_on_loop;
};

static void coro_fn(void *arg)
{
	struct coro_case *c = arg;
	c->err = zv_sound_load_coro("hello-world", "ru", 8000, &c->snd);
	struct zv_sound *none;
	c->err_missing = zv_sound_load_coro("no-such-prompt", "ru", 8000, &none);
	c->ran_on_loop = zv_loop_is_current(zv_main_loop());
}

static void check_done(void *arg)
{
	struct coro_case *c = arg;
	if (zv_coro_finished(c->co)) {
		zv_main_loop_exit();
		return;
	}
	zv_loop_post(zv_main_loop(), check_done, c);
}

static void test_load_coro(void **state)
{
	long live = zv_obj_live();
	assert_int_equal(zv_loops_init(1), 0);
	struct coro_case c = {0};
	c.co = zv_coro_alloc(coro_fn, &c, 0);
	assert_non_null(c.co);
	zv_coro_start(c.co);
	zv_loop_post(zv_main_loop(), check_done, &c);
	zv_main_loop_run();
	assert_int_equal(c.err, 0);
	assert_non_null(c.snd);
	assert_true(c.snd->samples > 4000);
	assert_int_equal(c.err_missing, -ENOENT);
	assert_true(c.ran_on_loop);
	c.snd = zv_unref(c.snd);
	c.co = zv_unref(c.co);
	zv_loops_fini();
	assert_int_equal(zv_obj_live(), live);
}

static void rm_rf(const char *dir)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/zv_sound_test.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_real_prompts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_languages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_own_dir_and_absolute, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_coro, setup, teardown),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	rm_rf(tmpdir);
	return r;
}
