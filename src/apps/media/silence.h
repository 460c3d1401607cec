/*
 * Silence detection shared by the media applications (WaitForSilence,
 * WaitForNoise, Record): Asterisk's DSP rule, a frame is silent when the
 * average magnitude of its samples is below dsp.conf's silencethreshold
 * (default 256).
 */
#ifndef ZV_APPS_MEDIA_SILENCE_H
#define ZV_APPS_MEDIA_SILENCE_H

#include <stdbool.h>
#include <stdint.h>

/* dsp.conf [default] silencethreshold (any thread). */
unsigned media_silence_threshold(void);

/* True when the average |sample| of pcm is below threshold. */
bool media_frame_silent(const int16_t *pcm, unsigned samples, unsigned threshold);

#endif
