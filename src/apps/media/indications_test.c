/*
 * Tone lists (include/zvonok/tones.h): the parser's accepted and refused
 * syntax, and what the generator produces: frequencies (Goertzel), the
 * cadence of on/off parts, `!` parts played once.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <zvonok/tones.h>

static void test_parse_ok(void **state)
{
	struct zv_tonelist l;
	assert_int_equal(zv_tones_parse("350+440", &l, NULL, 0), 0);
	assert_int_equal(l.n, 1);
	assert_int_equal(l.part[0].freq1, 350);
	assert_int_equal(l.part[0].freq2, 440);
	assert_int_equal(l.part[0].ms, 0);
	assert_false(l.part[0].once);

	assert_int_equal(zv_tones_parse("!350+440/100,!0/100, 425/330,0/330", &l, NULL, 0), 0);
	assert_int_equal(l.n, 4);
	assert_true(l.part[0].once && l.part[1].once);
	assert_false(l.part[2].once);
	assert_int_equal(l.part[1].freq1, 0);
	assert_int_equal(l.part[1].ms, 100);
	assert_int_equal(l.part[2].freq1, 425);
	assert_int_equal(l.part[2].freq2, 0);
	assert_int_equal(l.part[3].ms, 330);

	assert_int_equal(zv_tones_parse("480+620/500,0/500", &l, NULL, 0), 0);
	assert_int_equal(l.n, 2);
}

static void test_parse_bad(void **state)
{
	struct zv_tonelist l;
	char err[160];
	assert_int_equal(zv_tones_parse("", &l, err, sizeof(err)), -EINVAL);
	assert_int_equal(zv_tones_parse("350+", &l, err, sizeof(err)), -EINVAL);
	assert_int_equal(zv_tones_parse("350/", &l, err, sizeof(err)), -EINVAL);
	assert_int_equal(zv_tones_parse("350,,440", &l, err, sizeof(err)), -EINVAL);
	assert_int_equal(zv_tones_parse("abc", &l, err, sizeof(err)), -EINVAL);
	assert_int_equal(zv_tones_parse("9000", &l, err, sizeof(err)), -EINVAL);
	assert_int_equal(zv_tones_parse("350x", &l, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "position 4"));
	assert_int_equal(zv_tones_parse("425*25/500", &l, err, sizeof(err)), -ENOTSUP);
	assert_non_null(strstr(err, "modulated"));
	assert_int_equal(zv_tones_parse("M60/200", &l, err, sizeof(err)), -ENOTSUP);
	assert_non_null(strstr(err, "MIDI"));
	char big[1024] = "";
	for (int i = 0; i < 70; i++)
		strcat(big, i ? ",1/1" : "1/1");
	assert_int_equal(zv_tones_parse(big, &l, err, sizeof(err)), -E2BIG);
}

static double power(const int16_t *x, size_t n, double f)
{
	double c = 2 * cos(2 * M_PI * f / 8000), s1 = 0, s2 = 0;
	for (size_t i = 0; i < n; i++) {
		double s0 = x[i] + c * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	return s1 * s1 + s2 * s2 - c * s1 * s2;
}

static void run(struct zv_tonegen *g, int16_t *pcm, size_t n)
{
	for (size_t i = 0; i < n; i += 160)
		assert_true(zv_tonegen_fill(g, NULL, pcm + i, 160));
}

static void test_generator(void **state)
{
	static int16_t pcm[8000];
	struct zv_tonegen g;
	assert_int_equal(zv_tonegen_init(&g, NULL, "480+620/500,0/500"), 0);
	run(&g, pcm, 8000);
	/* 0.5 s on, 0.5 s off */
	double on = power(pcm, 4000, 480), off = power(pcm + 4000, 4000, 480);
	assert_true(on > 1e6 * off + 1);
	assert_true(power(pcm, 4000, 620) > 0.5 * on);
	assert_true(power(pcm, 4000, 550) < 0.01 * on);
	for (int i = 4000; i < 8000; i++)
		assert_int_equal(pcm[i], 0);

	/* "!" parts once, then the rest repeats: 100 ms of 1000 Hz, then 425. */
	assert_int_equal(zv_tonegen_init(&g, NULL, "!1000/100,425/200,0/200"), 0);
	run(&g, pcm, 8000);
	assert_true(power(pcm, 800, 1000) > 100 * power(pcm, 800, 425));
	assert_true(power(pcm + 800, 1600, 425) > 100 * power(pcm + 800, 1600, 1000));
	assert_true(power(pcm + 4000, 1600, 425) > 100 * power(pcm + 4000, 1600, 1000));

	/* only "!" parts: the generator ends */
	assert_int_equal(zv_tonegen_init(&g, NULL, "!440/20,!0/20"), 0);
	assert_true(zv_tonegen_fill(&g, NULL, pcm, 160));
	assert_true(zv_tonegen_fill(&g, NULL, pcm, 160));
	assert_false(zv_tonegen_fill(&g, NULL, pcm, 160));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_bad),
		cmocka_unit_test(test_generator),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
