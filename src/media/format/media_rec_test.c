/*
 * Unit tests for recordings (src/media/format/rec.c): a tone written in
 * every format reads back through zv_sound_load() with its frequency and
 * duration; the final name appears only on close and no temporary is left
 * behind; a discarded recording leaves nothing; input at another rate is
 * resampled; bad formats and directories are refused.
 */
#include <dirent.h>
#include <errno.h>
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

#include <zvonok/media.h>
#include <zvonok/obj.h>

#include "media/codec/test_tone.h"

static char tmpdir[256];

static int count_entries(void)
{
	DIR *d = opendir(tmpdir);
	assert_non_null(d);
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

/* Write 1 s of 1 kHz at `rate` in 20 ms chunks as `format`; read it back. */
static void roundtrip(const char *format, const char *ext, unsigned rate, double lo, double hi)
{
	char base[512], path[600];
	snprintf(base, sizeof(base), "%s/rec-%s-%u", tmpdir, format, rate);
	snprintf(path, sizeof(path), "%s.%s", base, ext);
	int before = count_entries();

	struct zv_rec *r = NULL;
	assert_int_equal(zv_rec_open(base, format, rate, &r), 0);
	assert_non_null(r);
	unsigned spf = rate / 50;
	int16_t pcm[960];
	for (unsigned f = 0; f < 50; f++) {
		tone_fill(pcm, spf, 1000, 8000, rate, (size_t)f * spf);
		assert_int_equal(zv_rec_write(r, pcm, spf), 0);
	}
	assert_false(exists(path)); /* only the temporary so far */
	assert_int_equal(count_entries(), before + 1);
	assert_int_equal(zv_rec_close(r, true), 0);
	assert_true(exists(path));
	assert_int_equal(count_entries(), before + 1); /* the temporary is gone */

	struct zv_sound *s = NULL;
	assert_int_equal(zv_sound_load(path, NULL, 8000, &s), 0);
	assert_string_equal(s->path, path);
	/* GSM in RIFF comes in 40 ms blocks: libsndfile may add one. */
	double secs = (double)s->samples / 8000, slack = strcmp(ext, "WAV") ? 0.03 : 0.045;
	if (secs < 1 - slack || secs > 1 + slack)
		fail_msg("%s: %.3f s read back", format, secs);
	size_t skip = 800;
	double f = tone_dominant(s->pcm + skip, s->samples - 2 * skip, 8000);
	double ratio = tone_rms(s->pcm + skip, s->samples - 2 * skip) / (8000 / sqrt(2));
	if (f < 980 || f > 1020 || ratio < lo || ratio > hi)
		fail_msg("%s: %.0f Hz, level %.2f", format, f, ratio);
	s = zv_unref(s);
	/* Without extension, the writer's format is found too. */
	assert_true(zv_sound_exists(base, NULL));
}

static void test_formats(void **state)
{
	long live = zv_obj_live();
	roundtrip("wav", "wav", 8000, 0.95, 1.05);
	roundtrip("wav16", "wav16", 8000, 0.95, 1.05);
	roundtrip("WAV", "WAV", 8000, 0.8, 1.2);
	roundtrip("wav49", "WAV", 8000, 0.8, 1.2);
	roundtrip("gsm", "gsm", 8000, 0.8, 1.2);
	roundtrip("ulaw", "ulaw", 8000, 0.95, 1.05);
	roundtrip("alaw", "alaw", 8000, 0.95, 1.05);
	roundtrip("sln", "sln", 8000, 0.99, 1.01);
	roundtrip("sln16", "sln16", 8000, 0.95, 1.05);
	roundtrip("g722", "g722", 8000, 0.95, 1.05);
	/* Input at 16 and 48 kHz, resampled into 8 kHz formats. */
	roundtrip("wav", "wav", 16000, 0.95, 1.05);
	roundtrip("ulaw", "ulaw", 48000, 0.95, 1.05);
	roundtrip("sln16", "sln16", 16000, 0.95, 1.05);
	assert_int_equal(zv_obj_live(), live);
}

static void test_wav_header(void **state)
{
	char base[512], path[600];
	snprintf(base, sizeof(base), "%s/hdr", tmpdir);
	snprintf(path, sizeof(path), "%s.wav", base);
	struct zv_rec *r;
	int16_t pcm[800] = {0};
	assert_int_equal(zv_rec_open(base, "wav", 8000, &r), 0);
	assert_int_equal(zv_rec_write(r, pcm, 800), 0);
	assert_int_equal(zv_rec_close(r, true), 0);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	unsigned char h[44];
	assert_int_equal(fread(h, 1, 44, f), 44);
	fclose(f);
	assert_memory_equal(h, "RIFF", 4);
	assert_memory_equal(h + 8, "WAVEfmt ", 8);
	assert_int_equal(h[22] | h[23] << 8, 1);		    /* mono */
	assert_int_equal(h[24] | h[25] << 8 | h[26] << 16, 8000); /* rate */
	assert_int_equal(h[34], 16);				    /* bits */
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_true(st.st_size >= 44 + 1600);
}

static void test_discard_and_errors(void **state)
{
	char base[512];
	snprintf(base, sizeof(base), "%s/gone", tmpdir);
	int before = count_entries();
	struct zv_rec *r = (void *)1;
	int16_t pcm[160] = {0};
	assert_int_equal(zv_rec_open(base, "gsm", 8000, &r), 0);
	assert_int_equal(zv_rec_write(r, pcm, 160), 0);
	assert_int_equal(zv_rec_close(r, false), 0);
	assert_int_equal(count_entries(), before);

	assert_int_equal(zv_rec_open(base, "mp3", 8000, &r), -EINVAL);
	assert_null(r);
	assert_int_equal(zv_rec_open(base, NULL, 8000, &r), -EINVAL);
	assert_int_equal(zv_rec_open("", "wav", 8000, &r), -EINVAL);
	assert_int_equal(zv_rec_open(base, "wav", 7, &r), -EINVAL);
	assert_int_equal(zv_rec_open("/nonexistent/dir/x", "wav", 8000, &r), -ENOENT);
	assert_int_equal(zv_rec_write(NULL, pcm, 1), -EINVAL);
	assert_int_equal(zv_rec_close(NULL, true), -EINVAL);
	assert_int_equal(count_entries(), before);

	/* An existing recording is replaced whole. */
	assert_int_equal(zv_rec_open(base, "sln", 8000, &r), 0);
	assert_int_equal(zv_rec_write(r, pcm, 160), 0);
	assert_int_equal(zv_rec_close(r, true), 0);
	assert_int_equal(zv_rec_open(base, "sln", 8000, &r), 0);
	assert_int_equal(zv_rec_write(r, pcm, 80), 0);
	assert_int_equal(zv_rec_close(r, true), 0);
	char path[600];
	snprintf(path, sizeof(path), "%s.sln", base);
	struct stat st;
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 160);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/zv_rec_test.XXXXXX");
	if (!mkdtemp(tmpdir))
		return 1;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_formats),
		cmocka_unit_test(test_wav_header),
		cmocka_unit_test(test_discard_and_errors),
	};
	int r = cmocka_run_group_tests(tests, NULL, NULL);
	char cmd[300];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
	return r;
}
