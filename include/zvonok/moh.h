/*
 * Music on hold (res_musiconhold): classes from musiconhold.conf played to
 * a channel as its generator.
 *
 * DESIGN
 * A class (mode=files) is a directory of sound files, listed when the
 * configuration is loaded.  zv_moh_start() gives the channel a player
 * kept in a channel datastore: the generator plays the current file from
 * memory while the next one is loaded on the blocking pool, so starting
 * and switching never block the loop (a file still loading is heard as
 * silence).  Another generator (Playback, tones) replaces the music;
 * zv_moh_stop() or the channel's end frees the player.
 *
 * The class is chosen as Asterisk does: the channel's musicclass
 * (CHANNEL(musicclass)) when it names a class, else `mclass`, else
 * `default`.
 */
#ifndef ZVONOK_MOH_H
#define ZVONOK_MOH_H

#include <stdbool.h>

struct zv_channel;

/*
 * Start music on hold on chan (its loop thread; no coroutine needed, so a
 * bridge can call it for a held party).  mclass NULL or "": the channel's
 * class or `default`.  Replaces the channel's generator.  0, -ENOENT (no
 * such class and no default, or the class has no files), -ENOMEM.
 */
int zv_moh_start(struct zv_channel *chan, const char *mclass);

/* Stop the music started by zv_moh_start() (nothing if none).  Loop
 * thread. */
void zv_moh_stop(struct zv_channel *chan);

/* True while chan plays music on hold. */
bool zv_moh_playing(const struct zv_channel *chan);

#endif
