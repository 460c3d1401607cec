/*
 * Media: codecs, frames, translation (transcoding and resampling) and
 * sound files.
 *
 * DESIGN
 * Audio moves between channels, bridges and applications as frames: a
 * payload in one codec with its sample count.  Signed linear ("slin",
 * "slin16", "slin48": native-endian int16 samples) is the pivot: a
 * translator decodes to slin at the source codec's rate, resamples
 * (speexdsp) when the rates differ, and encodes.  Codec state (G.722,
 * GSM, Opus, G.729) lives in the translator, so each direction of each
 * call leg has its own.  Per-packet work: nothing here blocks, allocates
 * per frame, or takes a lock after zv_trans_new().
 *
 * Sound files are loaded whole into memory on the blocking pool (prompts
 * are small; music on hold files are read the same way) and then played
 * from memory on the call's loop.
 */
#ifndef ZVONOK_MEDIA_H
#define ZVONOK_MEDIA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Codecs, in the order `core show codecs` lists them. */
enum zv_codec_id {
	ZV_CODEC_NONE = 0,
	ZV_CODEC_ULAW,
	ZV_CODEC_ALAW,
	ZV_CODEC_GSM,
	ZV_CODEC_G722,
	ZV_CODEC_G729,
	ZV_CODEC_OPUS,
	ZV_CODEC_SLIN,	 /* 8 kHz */
	ZV_CODEC_SLIN16, /* 16 kHz */
	ZV_CODEC_SLIN48, /* 48 kHz */
	ZV_CODEC__COUNT
};

struct zv_codec_info {
	enum zv_codec_id id;
	const char *name;	  /* Asterisk's name: "ulaw", "alaw", "gsm", "g722"... */
	const char *sdp_name;	  /* rtpmap encoding: "PCMU", "PCMA", "GSM", "G722"... */
	int rtp_pt;		  /* static RTP payload type, or -1 (dynamic) */
	unsigned rate;		  /* audio sample rate (G.722: 16000) */
	unsigned rtp_clock;	  /* RTP timestamp clock (G.722: 8000, Opus: 48000) */
	unsigned sdp_channels;	  /* channels written in rtpmap (Opus: 2), 0: none */
	unsigned frame_ms;	  /* default packetisation */
	const char *description;  /* "G.711 u-law" ... */
};

const struct zv_codec_info *zv_codec_get(enum zv_codec_id id);
/* By Asterisk name, case-insensitive ("ulaw", "g722"; "all" is not a
 * codec); NULL if unknown. */
const struct zv_codec_info *zv_codec_by_name(const char *name);
/* By SDP rtpmap encoding name (case-insensitive) and clock; NULL. */
const struct zv_codec_info *zv_codec_by_sdp(const char *encoding, unsigned clock);

/* Largest frame handled anywhere: 60 ms at 48 kHz of slin. */
#define ZV_FRAME_MAX_SAMPLES 2880
#define ZV_FRAME_MAX_BYTES (ZV_FRAME_MAX_SAMPLES * 2)

/* A frame of audio.  data points into storage owned by whoever produced
 * the frame, valid until it returns. */
struct zv_frame {
	enum zv_codec_id codec;
	unsigned samples; /* at the codec's rate */
	size_t len;	  /* bytes of data */
	const uint8_t *data;
	bool has_ts;	  /* received from RTP: ts is its timestamp */
	uint32_t ts;	  /* (the channel's jitter buffer orders by it) */
};

/*
 * A translator from one codec to another (any pair; same codec: a copy).
 * zv_trans_new() allocates all state; zv_trans_frame() then translates one
 * frame into out_buf (at least ZV_FRAME_MAX_BYTES) and sets *out to it.
 * Returns 0, or a negative errno for a frame that does not decode (the
 * state stays usable): -EINVAL (bad payload, or in->codec is not `from`),
 * -E2BIG (more than ZV_FRAME_MAX_SAMPLES at either codec's rate).  One
 * translator per direction per call; loop thread of its owner, not shared.
 * Whole 20 ms frames in always give whole 20 ms frames out; other sizes
 * pass through the encoder's FIFO (GSM 20 ms, G.729 10 ms, Opus 20 ms
 * frames), so *out may then be empty (samples 0, len 0) until a whole
 * codec frame is ready.
 */
struct zv_trans;
struct zv_trans *zv_trans_new(enum zv_codec_id from, enum zv_codec_id to);
int zv_trans_frame(struct zv_trans *t, const struct zv_frame *in, struct zv_frame *out,
		   uint8_t *out_buf);
void zv_trans_free(struct zv_trans *t);
/* Estimated cost of the path in the units `core show translation` prints
 * (microseconds per second of audio); 0 for from == to. */
unsigned zv_trans_cost(enum zv_codec_id from, enum zv_codec_id to);

/* ---- inband DTMF ---------------------------------------------------------- */

/*
 * A DTMF tone detector (spandsp) over slin 8 kHz: cb(arg, digit) once per
 * key press, digit '0'-'9', '*', '#', 'A'-'D'.  Loop thread of its owner;
 * no allocation after new.
 */
struct zv_dtmf_detect;
struct zv_dtmf_detect *zv_dtmf_detect_new(void (*cb)(void *arg, char digit), void *arg);
void zv_dtmf_detect_feed(struct zv_dtmf_detect *d, const int16_t *pcm, size_t samples);
void zv_dtmf_detect_free(struct zv_dtmf_detect *d);

/* ---- sound files ------------------------------------------------------- */

/*
 * A sound loaded into memory as slin at `rate` (the rate asked for, or
 * the file's own rate when 0 was asked for).  Refcounted (zv_ref/zv_unref
 * from obj.h); the contents never change once loaded, so any thread may
 * read them.
 */
struct zv_sound {
	unsigned rate;
	size_t samples;
	int16_t *pcm;
	char path[512]; /* the file found */
};

/*
 * Find a sound as Asterisk does: `name` without extension, absolute or
 * relative to the sounds directory (astdatadir/sounds); language `lang`
 * first (Asterisk's layout <sounds>/<lang>/<name> and the Debian package
 * directories: "en" -> en_US_f_Allison, "ru" -> ru_RU_f_IvrvoiceRU), then
 * "en", then no language.  Formats tried: wav (8 or 16 kHz, through
 * libsndfile), WAV (GSM in RIFF), gsm, ulaw (also .pcm/.mu), alaw (.al),
 * sln (.raw), then the wideband wav16, sln16, g722 (tried first when
 * rate > 8000).  A name whose extension is one of these is looked up in
 * that format only.  rate: the rate *out is converted to (speexdsp), 0
 * for the file's own.
 * Blocking (filesystem): call on the blocking pool, or use
 * zv_sound_load_coro() from a channel's coroutine.  Returns 0 with *out,
 * -ENOENT when no file exists, another negative errno when a file exists
 * but cannot be read (logged with its path).
 */
int zv_sound_load(const char *name, const char *lang, unsigned rate, struct zv_sound **out);
/* Same, run on the blocking pool while the calling coroutine waits. */
int zv_sound_load_coro(const char *name, const char *lang, unsigned rate,
		       struct zv_sound **out);
/* True when zv_sound_load() would find a file (blocking, cheap: stat). */
bool zv_sound_exists(const char *name, const char *lang);

/* The sounds directory used for relative names (default
 * /usr/share/asterisk/sounds; astdatadir from zvonok.conf + "/sounds"). */
void zv_sound_set_dir(const char *dir);
const char *zv_sound_dir(void);

/*
 * Writing recordings: format by Asterisk name ("wav" = 8 kHz 16-bit PCM
 * RIFF, "wav16", "gsm", "ulaw", "alaw", "sln", "WAV" = GSM in RIFF).
 * Blocking (filesystem): the pool.  The file is written to a temporary
 * name in the same directory and renamed into place by zv_rec_close(),
 * so a crash never leaves a half-written file under the final name.
 */
struct zv_rec;
int zv_rec_open(const char *path_without_ext, const char *format, unsigned rate,
		struct zv_rec **out);
int zv_rec_write(struct zv_rec *r, const int16_t *pcm, size_t samples);
/* keep false: discard (unlink the temporary). */
int zv_rec_close(struct zv_rec *r, bool keep);

#endif
