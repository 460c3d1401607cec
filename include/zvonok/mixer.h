/*
 * Mixing bridge: N channels hear each other's audio summed, each without
 * its own (the three-way call of an attended transfer today; conferences
 * later).
 *
 * A mixer lives on one loop; every channel added must be pinned to that
 * loop.  Adding a channel sets its reader (slin at 8 kHz) to the mixer's,
 * so the frame bridge, Echo or any other reader must be removed first
 * and set again after zv_mixer_remove().  Every 20 ms the mixer takes
 * 20 ms of each member's received audio (silence for what has not
 * arrived), sums them and writes to each member the sum minus its own
 * share as one slin frame (the channel's write path encodes it).
 * Loop thread only.
 */
#ifndef ZVONOK_MIXER_H
#define ZVONOK_MIXER_H

#include <stdbool.h>

struct zv_channel;
struct zv_loop;
struct zv_mixer;

#define ZV_MIXER_MAX 32 /* members of one mixer */

/* A mixer on loop, with no members; NULL with errno on failure. */
struct zv_mixer *zv_mixer_new(struct zv_loop *loop);
/* Adds chan (a reference is held while it is a member).  0, -EEXIST,
 * -ENOSPC (ZV_MIXER_MAX members), -EINVAL (another loop). */
int zv_mixer_add(struct zv_mixer *mx, struct zv_channel *chan);
/* Removes chan and its reader; no-op for a channel that is not a member. */
void zv_mixer_remove(struct zv_mixer *mx, struct zv_channel *chan);
bool zv_mixer_has(const struct zv_mixer *mx, const struct zv_channel *chan);
unsigned zv_mixer_count(const struct zv_mixer *mx);
/* Removes every member and frees the mixer; NULL is a no-op. */
void zv_mixer_free(struct zv_mixer *mx);

#endif
