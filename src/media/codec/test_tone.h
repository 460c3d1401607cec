/*
 * Test helpers for the media unit tests (header only, so the build never
 * links it into the daemon): a sine generator, RMS, and the dominant
 * frequency of a signal found with a Goertzel scan.
 */
#ifndef ZV_MEDIA_TEST_TONE_H
#define ZV_MEDIA_TEST_TONE_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* n samples of a sine of freq Hz and amplitude amp at rate, from phase
 * sample index `start` (so consecutive calls continue the wave). */
static inline void tone_fill(int16_t *s, size_t n, double freq, double amp, unsigned rate,
			     size_t start)
{
	for (size_t i = 0; i < n; i++)
		s[i] = (int16_t)lrint(amp * sin(2 * M_PI * freq * (double)(start + i) / rate));
}

static inline double tone_rms(const int16_t *s, size_t n)
{
	double e = 0;
	for (size_t i = 0; i < n; i++)
		e += (double)s[i] * s[i];
	return n ? sqrt(e / (double)n) : 0;
}

/* Power of s at freq (Goertzel). */
static inline double tone_power(const int16_t *s, size_t n, double freq, unsigned rate)
{
	double k = 2 * cos(2 * M_PI * freq / rate), s1 = 0, s2 = 0;
	for (size_t i = 0; i < n; i++) {
		double s0 = s[i] + k * s1 - s2;
		s2 = s1;
		s1 = s0;
	}
	return s1 * s1 + s2 * s2 - k * s1 * s2;
}

/* The strongest frequency between 100 Hz and min(rate/2, 8 kHz), in
 * 10 Hz steps. */
static inline double tone_dominant(const int16_t *s, size_t n, unsigned rate)
{
	double best = 0, best_f = 0, top = rate / 2.0 < 8000 ? rate / 2.0 - 100 : 8000;
	for (double f = 100; f <= top; f += 10) {
		double p = tone_power(s, n, f, rate);
		if (p > best) {
			best = p;
			best_f = f;
		}
	}
	return best_f;
}

#endif
