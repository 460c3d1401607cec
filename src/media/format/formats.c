/*
 * The sound file formats Zvonok reads and writes, keyed by the extension
 * Asterisk uses for each: the same file names work in both.  The order of
 * the table is the order zv_sound_load() tries them in for a name given
 * without extension (wideband ones first when a wideband rate is asked
 * for, see sound.c).
 */
#include <string.h>

#include "media/format/format_int.h"

const struct media_fmt media__fmts[] = {
	{"wav", "wav", FMT_WAV, 8000, false},
	{"WAV", "WAV", FMT_WAV_GSM, 8000, false},
	{"gsm", "gsm", FMT_GSM, 8000, false},
	{"ulaw", "ulaw", FMT_ULAW, 8000, false},
	{"pcm", "pcm", FMT_ULAW, 8000, false},
	{"mu", "mu", FMT_ULAW, 8000, false},
	{"alaw", "alaw", FMT_ALAW, 8000, false},
	{"al", "al", FMT_ALAW, 8000, false},
	{"sln", "sln", FMT_SLIN, 8000, false},
	{"raw", "raw", FMT_SLIN, 8000, false},
	{"wav16", "wav16", FMT_WAV, 16000, true},
	{"sln16", "sln16", FMT_SLIN, 16000, true},
	{"g722", "g722", FMT_G722, 16000, true},
	/* Accepted when named, not searched for. */
	{"wav49", "WAV", FMT_WAV_GSM, 8000, false},
	{"ul", "ul", FMT_ULAW, 8000, false},
	{"ulw", "ulw", FMT_ULAW, 8000, false},
	{"alw", "alw", FMT_ALAW, 8000, false},
};
const size_t media__nfmts = 13; /* the searched ones: up to "g722" */

const struct media_fmt *media__fmt_by_ext(const char *ext)
{
	for (size_t i = 0; i < sizeof(media__fmts) / sizeof(*media__fmts); i++)
		if (!strcmp(media__fmts[i].ext, ext))
			return &media__fmts[i];
	return NULL;
}
