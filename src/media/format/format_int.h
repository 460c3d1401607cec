/*
 * Private to src/media/format: the sound file formats, by extension, as
 * both the reader (sound.c) and the recording writer (rec.c) know them.
 */
#ifndef ZV_MEDIA_FORMAT_INT_H
#define ZV_MEDIA_FORMAT_INT_H

#include <stdbool.h>
#include <stddef.h>

enum media_fmt_kind {
	FMT_WAV,     /* RIFF, 16-bit PCM, through libsndfile (any rate on read) */
	FMT_WAV_GSM, /* RIFF with GSM 6.10 (Asterisk's "WAV" / "wav49") */
	FMT_GSM,     /* raw libgsm frames, 33 bytes per 20 ms */
	FMT_ULAW,
	FMT_ALAW,
	FMT_SLIN,    /* raw native-endian int16 */
	FMT_G722,    /* raw G.722 at 64 kbit/s, 16 kHz audio */
};

struct media_fmt {
	const char *ext;      /* as Asterisk spells it; case matters ("wav", "WAV") */
	const char *file_ext; /* extension written ("wav49" writes ".WAV") */
	enum media_fmt_kind kind;
	unsigned rate;	      /* audio rate written; raw formats: also read */
	bool wideband;	      /* preferred when more than 8 kHz is asked for */
};

/* The format for an extension or Asterisk format name, or NULL. */
const struct media_fmt *media__fmt_by_ext(const char *ext);

/* The formats tried, in order, for a name without extension. */
extern const struct media_fmt media__fmts[];
extern const size_t media__nfmts;

#endif
