/*
 * Indications (module `indications`): tone lists, tone zones from
 * indications.conf, and a tone generator for Playtones, ringback, busy...
 *
 * DESIGN
 * A tone list is Asterisk's syntax: comma-separated parts
 * `[!]f1[+f2][/ms]`; a part without /ms plays until stopped; `!` parts
 * play once: after the last part the list repeats from the first part
 * without `!`, and a list made only of `!` parts ends.  Modulated tones
 * (`f1*f2`) and MIDI notes (`M...`) are refused (-ENOTSUP).
 *
 * Zones are read-only after a (re)load and shared by every loop behind a
 * reference; lookups copy the tone list out.  A channel's zone is
 * CHANNEL(tonezone) (kept in the channel's "tonezone" datastore as a
 * string), else [general] country= of indications.conf.
 *
 * struct zv_tonegen is a generator (zv_gen_cb) whose state the caller
 * owns, so a coroutine can keep it on its stack (Dial's ringback):
 *
 *     struct zv_tonegen g;
 *     if (zv_tonegen_init(&g, chan, "ring") == 0)
 *             zv_channel_set_generator(chan, 8000, zv_tonegen_fill, &g);
 *     ...
 *     zv_channel_set_generator(chan, 0, NULL, NULL);
 *
 * zv_tones_start() does the same with state kept with the channel, for
 * tones that outlive the caller (Playtones).
 */
#ifndef ZVONOK_TONES_H
#define ZVONOK_TONES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zv_channel;

#define ZV_TONES_MAX 64

struct zv_tone_part {
	unsigned freq1, freq2; /* Hz; 0 = none (0 and 0: silence) */
	unsigned ms; /* 0: until stopped */
	bool once; /* `!`: not repeated */
};

struct zv_tonelist {
	unsigned n;
	struct zv_tone_part part[ZV_TONES_MAX];
};

/*
 * Parse a tone list.  0, -EINVAL (syntax; err says where), -ENOTSUP
 * (modulation or MIDI notes), -E2BIG (more than ZV_TONES_MAX parts).
 * err (may be NULL) gets a message.  Pure, any thread.
 */
int zv_tones_parse(const char *spec, struct zv_tonelist *out, char *err, size_t errlen);

/*
 * The tone list of tone `name` ("busy", "ring", "dial"...) in zone
 * `country` (NULL or "": the default country), copied to buf.  0 or
 * -ENOENT (no such zone or tone).  Any thread.
 */
int zv_tones_lookup(const char *country, const char *name, char *buf, size_t len);

/* The channel's zone (CHANNEL(tonezone), else the default country) into
 * buf.  Loop thread of chan. */
void zv_tones_channel_zone(const struct zv_channel *chan, char *buf, size_t len);

struct zv_tonegen {
	struct zv_tonelist list;
	unsigned idx; /* part playing */
	uint32_t pos; /* samples of it played */
	double ph1, ph2;
	bool ended;
};

/*
 * Prepare a generator for `spec`: the name of a tone of chan's zone, or a
 * tone list.  chan may be NULL (default zone).  0, or the parse error.
 */
int zv_tonegen_init(struct zv_tonegen *g, const struct zv_channel *chan, const char *spec);
/* The generator callback (8000 Hz); arg is the struct zv_tonegen. */
bool zv_tonegen_fill(void *arg, struct zv_channel *chan, int16_t *pcm, unsigned samples);

/* Play spec (as zv_tonegen_init) on chan as its generator until
 * zv_tones_stop() or another generator; loop thread.  0 or an error. */
int zv_tones_start(struct zv_channel *chan, const char *spec);
/* Stop the channel's generator (as Asterisk's StopPlaytones does). */
void zv_tones_stop(struct zv_channel *chan);

#endif
