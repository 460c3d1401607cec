/*
 * Channels: one leg of a call (a SIP dialog, a Local half, ...), with
 * Asterisk's states, naming, variables and causes.
 *
 * DESIGN
 * A channel is a refcounted object pinned to one worker loop for its whole
 * life; its fields are read and written only on that loop's thread.  Other
 * threads find a channel by name (zv_channel_find()) and post work to
 * zv_channel_loop().  The technology driver (SIP, Local, ...) implements
 * struct zv_channel_tech; the dialplan runs in the channel's coroutine
 * (zv_pbx_start(), include/zvonok/pbx.h) and waits for things happening to
 * the channel (answer, DTMF, hang-up) with zv_channel_wait().
 *
 * Hang-up: zv_channel_softhangup() marks the channel and wakes its
 * coroutine with ZV_WAKE_HANGUP, which every wait returns, so application
 * code unwinds by returning; the pbx then runs the `h` extension and calls
 * the driver's hangup.  The driver tells the core that the far end hung up
 * the same way.
 */
#ifndef ZVONOK_CHANNEL_H
#define ZVONOK_CHANNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <zvonok/media.h>

struct zv_channel;
struct zv_coro;
struct zv_frame;
struct zv_loop;
struct zv_snapshot;

/* Asterisk's channel states (AST_STATE_*), same numbering. */
enum zv_chan_state {
	ZV_STATE_DOWN = 0,
	ZV_STATE_RESERVED,
	ZV_STATE_OFFHOOK,
	ZV_STATE_DIALING,
	ZV_STATE_RING,
	ZV_STATE_RINGING,
	ZV_STATE_UP,
	ZV_STATE_BUSY,
	ZV_STATE_DIALING_OFFHOOK,
	ZV_STATE_PRERING,
};

/* "Up", "Ringing"... as Asterisk prints them. */
const char *zv_chan_state_name(enum zv_chan_state s);

/* Q.850 causes used most (AST_CAUSE_* values). */
enum zv_cause {
	ZV_CAUSE_UNALLOCATED = 1,
	ZV_CAUSE_NO_ROUTE_DESTINATION = 3,
	ZV_CAUSE_NORMAL_CLEARING = 16,
	ZV_CAUSE_USER_BUSY = 17,
	ZV_CAUSE_NO_USER_RESPONSE = 18,
	ZV_CAUSE_NO_ANSWER = 19,
	ZV_CAUSE_SUBSCRIBER_ABSENT = 20,
	ZV_CAUSE_CALL_REJECTED = 21,
	ZV_CAUSE_NUMBER_CHANGED = 22,
	ZV_CAUSE_DESTINATION_OUT_OF_ORDER = 27,
	ZV_CAUSE_INVALID_NUMBER_FORMAT = 28,
	ZV_CAUSE_FACILITY_REJECTED = 29,
	ZV_CAUSE_NORMAL_UNSPECIFIED = 31,
	ZV_CAUSE_CONGESTION = 34,
	ZV_CAUSE_NETWORK_OUT_OF_ORDER = 38,
	ZV_CAUSE_NORMAL_TEMPORARY_FAILURE = 41,
	ZV_CAUSE_SWITCH_CONGESTION = 42,
	ZV_CAUSE_REQUESTED_CHAN_UNAVAIL = 44,
	ZV_CAUSE_BEARERCAPABILITY_NOTAVAIL = 58,
	ZV_CAUSE_INCOMPATIBLE_DESTINATION = 88,
	ZV_CAUSE_INTERWORKING = 127,
};

/* Cause name as Asterisk's hangup cause table ("NORMAL_CLEARING"), text
 * ("Normal Clearing") and the reverse lookup (name or number); -1 unknown. */
const char *zv_cause_name(int cause);
const char *zv_cause_text(int cause);
int zv_cause_from_str(const char *s);

/* What a channel wait returns besides the values of enum below: a DTMF
 * digit is returned as its character ('0'..'9', '*', '#', 'A'..'D'). */
enum zv_wake {
	ZV_WAKE_NONE = 0,
	ZV_WAKE_HANGUP = -1000, /* the channel is hung up: unwind */
	ZV_WAKE_ANSWER = -1001, /* an outgoing channel was answered */
	ZV_WAKE_CONTROL = -1002, /* progress/ringing/busy... see last_control */
	ZV_WAKE_FRAME = -1003, /* media or text arrived (media apps) */
};

/* Indications (AST_CONTROL_*), numbering as Asterisk. */
enum zv_control {
	ZV_CONTROL_HANGUP = 1,
	ZV_CONTROL_RING = 2,
	ZV_CONTROL_RINGING = 3,
	ZV_CONTROL_ANSWER = 4,
	ZV_CONTROL_BUSY = 5,
	ZV_CONTROL_TAKEOFFHOOK = 6,
	ZV_CONTROL_OFFHOOK = 7,
	ZV_CONTROL_CONGESTION = 8,
	ZV_CONTROL_FLASH = 9,
	ZV_CONTROL_WINK = 10,
	ZV_CONTROL_PROGRESS = 14,
	ZV_CONTROL_PROCEEDING = 15,
	ZV_CONTROL_HOLD = 16,
	ZV_CONTROL_UNHOLD = 17,
};

struct zv_rtp;
/* A channel's RTP as the native bridge sees it (tech native_rtp). */
struct zv_channel_rtp {
	struct zv_rtp *rtp;
	int pt;	     /* payload type of the native codec, both ways */
	int dtmf_pt; /* telephone-event payload type, -1 without */
	/* false while packets must go through the driver: it is on hold,
	 * or it looks at the audio (inband DTMF detection) */
	bool bypass_ok;
	/* Direct media: the driver may point its far end's media at another
	 * far end now (its settings allow it, no SRTP, not behind NAT, the
	 * dialog confirmed, no earlier attempt refused), and where its far
	 * end receives media (addr, port). */
	bool direct_ok;
	char addr[64];
	uint16_t port;
};

/* Driver operations.  All run on the channel's loop.  Optional unless
 * marked.  Return 0 or a negative errno. */
struct zv_channel_tech {
	const char *type; /* "PJSIP", "SIP", "Local" */
	const char *description;
	/* Place an outgoing call to dest (the part after "Tech/"). */
	int (*call)(struct zv_channel *chan, const char *dest, int timeout_ms);
	int (*answer)(struct zv_channel *chan);
	/* Required: release the driver's side; cause is chan's hangup cause. */
	void (*hangup)(struct zv_channel *chan);
	int (*indicate)(struct zv_channel *chan, enum zv_control control);
	int (*send_digit)(struct zv_channel *chan, char digit, unsigned duration_ms);
	int (*send_text)(struct zv_channel *chan, const char *text);
	/* Device state of a device of this technology ("100" of SIP/100). */
	int (*devicestate)(const char *device);
	/* Send one audio frame to the peer, in the channel's native codec
	 * (zv_channel_write_frame() translated it). */
	int (*write)(struct zv_channel *chan, const struct zv_frame *f);
	/* The RTP session carrying the channel's audio, for the native
	 * bridge (zv_channel_native_bridge()): 0 with *out filled while the
	 * session exists, -ENOENT when there is none (no media, hung up). */
	int (*native_rtp)(struct zv_channel *chan, struct zv_channel_rtp *out);
	/* Direct media: have the far end send its media to peer's far end
	 * (peer->addr, peer->port; same payload types) instead of our
	 * session, or back to our session when peer is NULL.  Asynchronous
	 * (a re-INVITE or UPDATE); when it is refused the driver reports
	 * direct_ok false from then on and calls zv_channel_native_update(),
	 * which anchors both sides again. */
	int (*direct_media)(struct zv_channel *chan, const struct zv_channel_rtp *peer);
};

/*
 * Register a technology (channel driver) against a module handle: it goes
 * away when the module unloads.  Main thread.  0, -EEXIST or -ENOMEM.
 */
struct zv_module;
int zv_channel_tech_register(struct zv_module *mod, const struct zv_channel_tech *tech);
const struct zv_channel_tech *zv_channel_tech_find(const char *type);

/*
 * Create a channel on the calling loop (which must be a worker or the main
 * loop).  name_fmt is printf-style; Asterisk's naming is
 * "<Tech>/<peer>-<8 hex digits>", which zv_channel_alloc() produces when
 * name_fmt is NULL from tech->type and peer.  Takes a reference on the
 * current config snapshot.  Counted in zv_core_active_calls() until
 * destroyed.  Returns a reference, or NULL on ENOMEM.
 */
struct zv_channel *zv_channel_alloc(const struct zv_channel_tech *tech, const char *peer,
				    void *tech_pvt, const char *context, const char *exten,
				    enum zv_chan_state state);

/*
 * Rename chan (loop thread; the registry and the `core show channels`
 * copy follow).  For drivers whose names are not "<Tech>/<peer>-<seq>",
 * such as Local's "Local/100@ctx-00000001;1".  0, or -EINVAL when the
 * name does not fit the 80-byte name field.
 */
int zv_channel_set_name(struct zv_channel *chan, const char *name);

/* Find a live channel by exact name (any thread).  Returns a reference or
 * NULL.  Also by unique id with zv_channel_find_by_uniqueid(). */
struct zv_channel *zv_channel_find(const char *name);
struct zv_channel *zv_channel_find_by_uniqueid(const char *uniqueid);

/* Visit every live channel (any thread).  cb gets a borrowed channel and
 * may read only the fields documented as safe across threads: name,
 * uniqueid, and the copies in struct zv_channel_info. */
struct zv_channel_info {
	char name[80];
	char uniqueid[40];
	char linkedid[40];
	char context[80];
	char exten[80];
	int priority;
	enum zv_chan_state state;
	char appl[32];
	char data[128];
	char cid_num[80];
	char cid_name[80];
	char accountcode[40];
	char bridged[80];
	time_t created;
	time_t answered;
	uint64_t callgroup, pickupgroup; /* call pickup groups, see below */
};
void zv_channel_foreach(void (*cb)(void *arg, const struct zv_channel_info *info), void *arg);
size_t zv_channel_count(void);

/* Accessors; loop thread only unless noted. */
const char *zv_channel_name(const struct zv_channel *chan); /* any thread */
const char *zv_channel_uniqueid(const struct zv_channel *chan); /* any thread */
const char *zv_channel_linkedid(const struct zv_channel *chan);
const char *zv_channel_callid(const struct zv_channel *chan); /* "C-0000002a" */
struct zv_loop *zv_channel_loop(const struct zv_channel *chan); /* any thread */
const struct zv_channel_tech *zv_channel_tech(const struct zv_channel *chan);
void *zv_channel_tech_pvt(const struct zv_channel *chan);
void zv_channel_set_tech_pvt(struct zv_channel *chan, void *pvt);
enum zv_chan_state zv_channel_state(const struct zv_channel *chan);
void zv_channel_set_state(struct zv_channel *chan, enum zv_chan_state state);
const struct zv_snapshot *zv_channel_snapshot(const struct zv_channel *chan);

/* Dialplan location. */
const char *zv_channel_context(const struct zv_channel *chan);
const char *zv_channel_exten(const struct zv_channel *chan);
int zv_channel_priority(const struct zv_channel *chan);
void zv_channel_set_location(struct zv_channel *chan, const char *context, const char *exten,
			     int priority);
const char *zv_channel_macrocontext(const struct zv_channel *chan);

/* Caller id and friends (NULL clears). */
const char *zv_channel_cid_num(const struct zv_channel *chan);
const char *zv_channel_cid_name(const struct zv_channel *chan);
void zv_channel_set_cid(struct zv_channel *chan, const char *name, const char *num);
const char *zv_channel_cid_dnid(const struct zv_channel *chan);
const char *zv_channel_cid_rdnis(const struct zv_channel *chan);
const char *zv_channel_cid_ani(const struct zv_channel *chan);
void zv_channel_set_cid_extra(struct zv_channel *chan, const char *dnid, const char *rdnis,
			      const char *ani);
const char *zv_channel_connected_num(const struct zv_channel *chan);
const char *zv_channel_connected_name(const struct zv_channel *chan);
void zv_channel_set_connected(struct zv_channel *chan, const char *name, const char *num);

/*
 * Caller ID presentation, with Asterisk's values (and names, for
 * CALLERID(pres) and SetCallerPres): the restriction in bits 0x60
 * (allowed, prohibited, unavailable) and the screening in bits 0x03 (user
 * number not screened, passed, failed; network number).  A channel starts
 * at 0, allowed_not_screened.  Name and number each have their own; the
 * presentation of the whole caller ID is the more restrictive of the two
 * (Asterisk's rule: prohibited > allowed > unavailable).  Loop thread.
 */
enum {
	ZV_PRES_ALLOWED = 0x00,
	ZV_PRES_RESTRICTED = 0x20,
	ZV_PRES_UNAVAILABLE = 0x40,
	ZV_PRES_RESTRICTION = 0x60, /* mask */
	ZV_PRES_USER_NOT_SCREENED = 0x00,
	ZV_PRES_USER_PASSED_SCREEN = 0x01,
	ZV_PRES_USER_FAILED_SCREEN = 0x02,
	ZV_PRES_NETWORK_NUMBER = 0x03,
	ZV_PRES_SCREENING = 0x03, /* mask */
	ZV_PRES_NUMBER_NOT_AVAILABLE = 0x43,
};
/* "prohib", "allowed_not_screened"... (case-insensitive) or a number
 * 0..255: the value, or -1. */
int zv_pres_parse(const char *s);
/* The name of a value ("unknown" when it has none). */
const char *zv_pres_name(int pres);
/* Asterisk's description ("Presentation Prohibited, Not Screened"). */
const char *zv_pres_describe(int pres);
/* The combined presentation of a name and a number presentation. */
int zv_pres_combine(int name_pres, int num_pres);
/* Whether a presentation hides the caller (prohibited or unavailable). */
static inline bool zv_pres_private(int pres)
{
	return (pres & ZV_PRES_RESTRICTION) != ZV_PRES_ALLOWED;
}
int zv_channel_cid_name_pres(const struct zv_channel *chan);
int zv_channel_cid_num_pres(const struct zv_channel *chan);
int zv_channel_cid_pres(const struct zv_channel *chan); /* combined */
void zv_channel_set_cid_pres(struct zv_channel *chan, int name_pres, int num_pres);
int zv_channel_connected_name_pres(const struct zv_channel *chan);
int zv_channel_connected_num_pres(const struct zv_channel *chan);
int zv_channel_connected_pres(const struct zv_channel *chan); /* combined */
void zv_channel_set_connected_pres(struct zv_channel *chan, int name_pres, int num_pres);
/* Name, number and their presentations of src's caller ID onto dst's
 * (what Dial and Local give the channels they create). */
void zv_channel_copy_cid(struct zv_channel *dst, const struct zv_channel *src);

const char *zv_channel_language(const struct zv_channel *chan);
void zv_channel_set_language(struct zv_channel *chan, const char *lang);
const char *zv_channel_accountcode(const struct zv_channel *chan);
void zv_channel_set_accountcode(struct zv_channel *chan, const char *code);
int zv_channel_amaflags(const struct zv_channel *chan);
void zv_channel_set_amaflags(struct zv_channel *chan, int flags);
const char *zv_channel_musicclass(const struct zv_channel *chan);
void zv_channel_set_musicclass(struct zv_channel *chan, const char *cls);

/* The application running now (for `core show channels`). */
void zv_channel_set_app(struct zv_channel *chan, const char *app, const char *data);
/* A copy of it ("" when none yet); any thread. */
void zv_channel_get_app(const struct zv_channel *chan, char *app, size_t app_size, char *data,
			size_t data_size);

/*
 * Channel variables.  Names are case-sensitive as in Asterisk 1.8+.
 * Inheritance: a name set as "_X" is inherited one level by channels this
 * one creates, "__X" forever; zv_channel_inherit_vars() copies them.
 * set with value NULL deletes.  0 or -ENOMEM.
 */
int zv_channel_var_set(struct zv_channel *chan, const char *name, const char *value);
const char *zv_channel_var_get(const struct zv_channel *chan, const char *name);
void zv_channel_var_foreach(const struct zv_channel *chan,
			    void (*cb)(void *arg, const char *name, const char *value),
			    void *arg);
int zv_channel_inherit_vars(struct zv_channel *child, const struct zv_channel *parent);

/* Hang-up.  cause 0 keeps an earlier cause (default NORMAL_CLEARING). */
void zv_channel_softhangup(struct zv_channel *chan, int cause);
bool zv_channel_is_hungup(const struct zv_channel *chan);
int zv_channel_hangupcause(const struct zv_channel *chan);
void zv_channel_set_hangupcause(struct zv_channel *chan, int cause);
/* Ends the channel: driver hangup, events, unregisters the name.  Called
 * by the pbx when the dialplan ends, or by whoever owns a channel that
 * runs no dialplan.  Idempotent.  Drops nothing: the caller still holds
 * its reference.  Never from the channel's own running dialplan (an
 * application of its coroutine): it frees the executor state that
 * dialplan still uses; hang it up with zv_channel_softhangup() instead. */
void zv_channel_destroy(struct zv_channel *chan);

/* Send a DTMF digit to the peer through the driver (0: its default
 * duration).  0, -ENOTSUP, -EPIPE. */
int zv_channel_send_digit(struct zv_channel *chan, char digit, unsigned duration_ms);

/* Answer / indicate through the driver; keep state in sync. */
int zv_channel_answer(struct zv_channel *chan);
int zv_channel_indicate(struct zv_channel *chan, enum zv_control control);

/*
 * From the driver: something happened (ANSWER, DTMF digit, control).
 * Queued in the channel and wakes its coroutine.  Loop thread.
 */
void zv_channel_queue_digit(struct zv_channel *chan, char digit);
void zv_channel_queue_control(struct zv_channel *chan, enum zv_control control);
enum zv_control zv_channel_last_control(const struct zv_channel *chan);

/*
 * Wait in the channel's coroutine (inside dialplan applications) for at
 * most timeout_ms (0: no limit): returns a queued DTMF digit (as a char
 * value > 0), a ZV_WAKE_* value, or -ETIMEDOUT.  Returns ZV_WAKE_HANGUP
 * at once, and every time, after a hang-up.
 */
int zv_channel_wait(struct zv_channel *chan, uint32_t timeout_ms);
/* What zv_channel_wait() would return at once (0 when nothing is
 * pending), without waiting: for code watching several channels from
 * one coroutine (Dial), which makes itself the coroutine of the channels
 * it calls (zv_channel_set_coro()) so their events wake it. */
int zv_channel_poll(struct zv_channel *chan);
/* Sleep the full time unless hung up (then ZV_WAKE_HANGUP); digits that
 * arrive stay queued for a later wait.  0 on time out. */
int zv_channel_sleep(struct zv_channel *chan, uint32_t ms);

/* The coroutine running the channel's dialplan (NULL if none). */
struct zv_coro *zv_channel_coro(const struct zv_channel *chan);
void zv_channel_set_coro(struct zv_channel *chan, struct zv_coro *co);

/* Application-private data kept with the channel (e.g. the Gosub stack),
 * found by a key string, freed with the channel through destroy. */
void *zv_channel_datastore_get(const struct zv_channel *chan, const char *key);
int zv_channel_datastore_set(struct zv_channel *chan, const char *key, void *data,
			     void (*destroy)(void *data));

/*
 * Media.  The driver says which codec its peer sends and receives
 * (zv_channel_set_native_codec(), after SDP negotiation) and hands every
 * frame it receives to zv_channel_rx_frame().  The channel passes it to
 * its one reader (an application such as Echo or Record, or a bridge),
 * translated to the codec the reader asked for.  zv_channel_write_frame()
 * translates to the native codec and calls the driver's write.  A
 * generator (Playback, tones, music on hold) is called every 20 ms on the
 * channel's loop to fill slin samples at its rate; it returns false when
 * it has nothing more, which clears it and wakes the coroutine with
 * ZV_WAKE_FRAME.  Translators are created once per codec pair and kept
 * with the channel.  All of this runs on the channel's loop, in plain
 * callbacks, never in the coroutine.
 */
void zv_channel_set_native_codec(struct zv_channel *chan, enum zv_codec_id codec);
enum zv_codec_id zv_channel_native_codec(const struct zv_channel *chan);
void zv_channel_rx_frame(struct zv_channel *chan, const struct zv_frame *f);
int zv_channel_write_frame(struct zv_channel *chan, const struct zv_frame *f);

typedef void(zv_frame_cb)(void *arg, struct zv_channel *chan, const struct zv_frame *f);
/* want: the codec frames are delivered in (ZV_CODEC_NONE: as received).
 * cb NULL removes the reader. */
void zv_channel_set_reader(struct zv_channel *chan, enum zv_codec_id want, zv_frame_cb *cb,
			   void *arg);

typedef bool(zv_gen_cb)(void *arg, struct zv_channel *chan, int16_t *pcm, unsigned samples);
/* rate: 8000, 16000 or 48000 (slin, slin16, slin48).  cb NULL stops the
 * generator (without a wake-up).  0 or a negative errno. */
int zv_channel_set_generator(struct zv_channel *chan, unsigned rate, zv_gen_cb *cb, void *arg);
bool zv_channel_has_generator(const struct zv_channel *chan);

/*
 * A tap (MixMonitor): sees every frame the channel receives (rx true) and
 * sends, as slin at 8 kHz, in loop callbacks.  One per channel; cb NULL
 * removes it.  0, -EBUSY (another tap), -ENOMEM.
 */
typedef void(zv_tap_cb)(void *arg, struct zv_channel *chan, bool rx, const int16_t *pcm,
			unsigned samples);
int zv_channel_set_tap(struct zv_channel *chan, zv_tap_cb *cb, void *arg);
/* True while chan has a tap. */
bool zv_channel_has_tap(const struct zv_channel *chan);

/*
 * Native bridge: while a and b are bridged this way, each direction
 * relays RTP packets from one channel's session straight into the
 * other's (zv_rtp_relay(): no frames, no reader callback, one copy)
 * whenever nothing needs the audio, and falls back to the frame path by
 * itself when that changes: both drivers must have native_rtp and allow
 * bypassing it (not on hold, no inband detection), the codecs must be the
 * same, the sending side must have a reader whose argument is the peer
 * channel (the frame bridge's, which writes to it: a hold that removes it
 * stops that direction, putting it back resumes; the readers may be set
 * before or after this call), and neither side may have a tap (MixMonitor),
 * nor the receiving side a generator (music on hold).  These are checked
 * again whenever a reader, tap, generator or native codec of either
 * channel changes, and by zv_channel_native_update().  The frame bridge
 * (the readers) stays set up underneath.  RFC 4733 events are relayed as
 * events; they do not reach the channel's digit queue but the digit
 * watcher (zv_channel_set_native_digit_cb()).  0, -EBUSY (either is
 * natively bridged to another), -EINVAL (a == b), -ENOMEM.  Loop thread;
 * both channels on the same loop.
 */
int zv_channel_native_bridge(struct zv_channel *a, struct zv_channel *b);
/*
 * Direct media rides on the native bridge: while both directions relay
 * natively, both drivers have direct_media and report direct_ok, and the
 * payload types (audio and telephone-event) are the same on both legs,
 * each driver is asked to point its far end at the other's
 * (direct_media(chan, peer)); as soon as one of these stops holding (hold,
 * a tap, a generator, a hang-up, a refusal, unbridge) both are pointed
 * back at their own sessions (direct_media(chan, NULL)) before the audio
 * is needed.  zv_channel_direct_active() is true while c's far end was
 * asked to send directly.
 */
bool zv_channel_direct_active(const struct zv_channel *c);
/* Ends the native bridge of c with its peer (both directions back to
 * frames, direct media back to the sessions).  No-op when there is none;
 * also done when either is destroyed. */
void zv_channel_native_unbridge(struct zv_channel *c);
/* Re-check the conditions (a driver whose hold, codec or detection state
 * changed). */
void zv_channel_native_update(struct zv_channel *c);
/* True while c's received packets are relayed natively to its peer. */
bool zv_channel_native_active(const struct zv_channel *c);
/* Digits received by c while its packets are relayed natively (they are
 * relayed as RFC 4733 events and not queued on c): begin, then the end
 * with its duration.  cb NULL removes the watcher. */
typedef void(zv_native_digit_cb)(void *arg, struct zv_channel *chan, char digit,
				 unsigned duration_ms, bool begin);
void zv_channel_set_native_digit_cb(struct zv_channel *c, zv_native_digit_cb *cb, void *arg);

/*
 * Jitter buffer (JITTERBUFFER()): frames the driver receives with an RTP
 * timestamp go through a zv_jb (include/zvonok/rtp.h) and come out in
 * timestamp order, one every 20 ms, to the tap and the reader; a
 * direction whose sender has one is never relayed natively.  conf NULL
 * removes it (frames go straight through again).  Setting it again
 * replaces the settings (the buffer restarts).  0 or -ENOMEM.
 */
struct zv_jb_conf;
int zv_channel_set_jitterbuffer(struct zv_channel *chan, const struct zv_jb_conf *conf);
bool zv_channel_has_jitterbuffer(const struct zv_channel *chan);

/* Wake the coroutine with ZV_WAKE_FRAME (a media event: playback ended,
 * silence detected...).  Loop thread. */
void zv_channel_queue_media_event(struct zv_channel *chan);

/*
 * Call pickup groups (Asterisk's callgroup/pickupgroup and the named
 * ones): bit n of a mask is group n (0..63); named groups are a
 * comma-separated list of names (NULL: none).  A channel may pick up a
 * ringing channel whose call groups meet its pickup groups, in either
 * form.  The SIP driver sets them from the endpoint; CHANNEL(callgroup)
 * and friends read and write them.  Loop thread; the masks are also in
 * zv_channel_info.
 */
uint64_t zv_channel_callgroup(const struct zv_channel *chan);
uint64_t zv_channel_pickupgroup(const struct zv_channel *chan);
void zv_channel_set_groups(struct zv_channel *chan, uint64_t callgroup, uint64_t pickupgroup);
const char *zv_channel_named_callgroup(const struct zv_channel *chan);
const char *zv_channel_named_pickupgroup(const struct zv_channel *chan);
int zv_channel_set_named_groups(struct zv_channel *chan, const char *callgroup,
				const char *pickupgroup);
/* "1,3-4" (numbers 0..63, spaces and empty items allowed) into a mask: 0,
 * or -1 when an item is bad (the good ones are still set). */
int zv_group_parse(const char *text, uint64_t *mask);
/* A mask as Asterisk prints it ("1,3,4"; "" for none). */
void zv_group_print(uint64_t mask, char *buf, size_t size);
/* True when the two name lists share a name (case-insensitive). */
bool zv_named_groups_intersect(const char *a, const char *b);

time_t zv_channel_created(const struct zv_channel *chan);
time_t zv_channel_answered(const struct zv_channel *chan);

#endif
