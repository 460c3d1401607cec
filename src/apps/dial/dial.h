/*
 * Private interface between Dial (app_dial.c: options, legs, the dialing
 * loop) and its bridge (dial_bridge.c: relaying, hold, DTMF features and
 * transfers).
 */
#ifndef ZV_APPS_DIAL_H
#define ZV_APPS_DIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <zvonok/channel.h>
#include <zvonok/media.h>

/* DIALSTATUS of a Dial nobody answered, from the hang-up causes of its n
 * legs (0 for a leg that could not be called): BUSY, CONGESTION or
 * CHANUNAVAIL when every leg failed so, else NOANSWER (dial_status.c). */
const char *dial_status_unanswered(const int *causes, size_t n);

/* A sound played once (prompts): pos is the next sample. */
struct dial_snd {
	struct zv_sound *snd;
	size_t pos;
};
/* Stop chan's music on hold (zv_moh_stop()) and any other generator. */
void dial_quiet(struct zv_channel *chan);

/* Play a sound file to who while other's events are drained (Dial's A()
 * announcement).  0, or ZV_WAKE_HANGUP when either hung up. */
int dial_play(struct zv_channel *who, struct zv_channel *other, const char *name);

/* Frames of one channel written to arg (the other channel). */
void dial_bridge_frame(void *arg, struct zv_channel *chan, const struct zv_frame *f);

struct dial_bridge_opts {
	uint64_t limit_ms; /* S() / L(): 0 none */
	/* L(x:y[:z]): a warning y ms before the limit, then every z ms (0:
	 * once), to the caller and/or the callee; warn_file empty: the time
	 * left is said; end_file (not empty) is played at the limit. */
	uint64_t warn_ms, warn_every_ms;
	bool warn_caller, warn_callee;
	char warn_file[128], end_file[128];
	unsigned caller_feats, peer_feats; /* FEAT_BIT()s each side may use */
};

/* Whether o has L() warnings or an end file for one side at least (the
 * bridge then needs the audio: no native relay). */
bool dial_bridge_announces(const struct dial_bridge_opts *o);

enum dial_bridge_end {
	DIAL_BRIDGE_CALLER_GONE, /* the caller hung up (or used disconnect) */
	DIAL_BRIDGE_PEER_GONE, /* the called party hung up or disconnected */
	DIAL_BRIDGE_CALLER_MOVED, /* caller transferred: it goes on at its
				   * new dialplan location; peer to be ended */
	DIAL_BRIDGE_PEER_MOVED, /* peer transferred: it runs its own dialplan
				 * now (not Dial's any more); the caller,
				 * the transferer, leaves */
	DIAL_BRIDGE_TIMEOUT, /* S() / L() */
};

/* Both sides connected until one leaves.  Coroutine of the caller, on
 * the loop of both channels.  May replace *peerp (attended transfer: the
 * target takes the transferer's place). */
enum dial_bridge_end dial_bridge(struct zv_channel *caller, struct zv_channel **peerp,
				 const struct dial_bridge_opts *o);

#endif
