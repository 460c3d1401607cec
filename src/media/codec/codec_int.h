/*
 * Private to the media layer (src/media/codec and src/media/format):
 * helpers shared between the translators, the cost table, the CLI and
 * the sound file readers and writers.
 */
#ifndef ZV_MEDIA_CODEC_INT_H
#define ZV_MEDIA_CODEC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zvonok/media.h>

/* Resampler quality (speexdsp 0..10) for calls: 3 keeps 8k<->16k<->48k
 * well under 1 us per sample; sound files use the same so that a prompt
 * played from a file and one translated live sound alike. */
#define MEDIA_RESAMPLE_QUALITY 3

bool media__codec_is_slin(enum zv_codec_id id);
/* slin, slin16 or slin48 for 8000, 16000, 48000; ZV_CODEC_NONE otherwise. */
enum zv_codec_id media__slin_for_rate(unsigned rate);

/*
 * Resample a whole buffer (a sound file) from rate `from` to `to`, with
 * the filter delay removed, so the output holds n * to / from samples
 * aligned with the input.  *outp is malloc()ed (free() it).  Returns 0,
 * -EINVAL (bad rate) or -ENOMEM.  Any thread.
 */
int media__resample_all(const int16_t *in, size_t n, unsigned from, unsigned to,
			int16_t **outp, size_t *outn);

/*
 * Translation costs (microseconds of CPU per second of audio).  The
 * defaults were measured on the development machine (see
 * docs/design/media-codecs.md); media__cost_recalc() measures again by
 * running real translators over `ms` of a tone (blocking for about the
 * measured time; the CLI runs it on the blocking pool).
 */
int media__cost_recalc(unsigned ms);

#endif
