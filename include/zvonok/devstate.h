/*
 * Device state: whether "SIP/100", "PJSIP/alice" or "Custom:lamp" is idle,
 * in use, ringing..., as Asterisk models it, plus the rules that turn the
 * states of a hint's devices into one extension state.
 *
 * Sources of state:
 *  - zv_devstate_changed(): a channel driver (or anything else) reports a
 *    new state; it is cached and, when it differs from the cached one, a
 *    ZV_EVENT_DEVICE_STATE event "DeviceStateChange" with the AMI fields
 *    Device and State ("NOT_INUSE", "INUSE", ...) goes out on the bus.
 *  - providers: a technology registers a callback answering for its
 *    devices ("SIP" answers "SIP/100"; for "Custom:lamp" the technology is
 *    "Custom").  zv_devstate_get() asks the cache first and the provider
 *    when the cache has no known state, as Asterisk does.
 *  - Custom: devices (built in): zv_devstate_set_custom() stores the state
 *    in AstDB family "CustomDevstate", key = the name after "Custom:"
 *    (Asterisk's layout), so it survives restarts; the `devstate` module
 *    re-announces the stored states when it starts.
 *
 * Device names: the technology is what precedes the first '/' or, for
 * names without '/', the first ':' ("Custom:lamp").  Names compare
 * exactly, except that the "Custom:" prefix is recognised in any case and
 * stored as "Custom:".
 *
 * THREADS: every function may be called from any thread.  The cache is
 * guarded by a read-write lock (readers: zv_devstate_get(); writers:
 * changes), held only around the table access.  Changes are serialised by
 * one recursive "change" lock held while the cache is updated and the
 * event is published, so subscribers see the changes of one device in the
 * order the cache took them.  LOCK ORDER: the change lock comes before any
 * lock a synchronous DEVICE_STATE subscriber takes.  Such a subscriber may
 * itself report device states (the lock is recursive), but must not wait
 * for another thread that reports one; subscribers that do real work
 * should receive on their loop instead.
 */
#ifndef ZVONOK_DEVSTATE_H
#define ZVONOK_DEVSTATE_H

#include <stdbool.h>

struct zv_module;

/* Device states: same order and numeric values as Asterisk's
 * AST_DEVICE_* (they travel in events and across the cluster link). */
enum zv_device_state {
	ZV_DEVICE_UNKNOWN, /* valid device, state not known */
	ZV_DEVICE_NOT_INUSE,
	ZV_DEVICE_INUSE,
	ZV_DEVICE_BUSY,
	ZV_DEVICE_INVALID, /* no such device */
	ZV_DEVICE_UNAVAILABLE, /* e.g. not registered */
	ZV_DEVICE_RINGING,
	ZV_DEVICE_RINGINUSE,
	ZV_DEVICE_ONHOLD,
	ZV_DEVICE__COUNT
};

/* "NOT_INUSE", "INUSE", ... (Asterisk's ast_devstate_str); "UNKNOWN" for
 * a value out of range.  Static strings. */
const char *zv_devstate_state2str(enum zv_device_state state);

/* The state named s, in any case ("inuse" works); anything else,
 * including NULL and "UNKNOWN", is ZV_DEVICE_UNKNOWN (ast_devstate_val). */
enum zv_device_state zv_devstate_str2state(const char *s);

/* Human text: "Not in use", "In use", "Ring+Inuse", "On Hold" ...
 * (ast_devstate2str); "Unknown" for a value out of range. */
const char *zv_devstate_describe(enum zv_device_state state);

/*
 * Provider callback: the state of device (the full name, "SIP/100"),
 * resource being the part after the technology and its separator ("100").
 * Runs in the thread that asked, while the provider table is read-locked:
 * it may call zv_devstate_get() and zv_devstate_changed() but must not
 * register or unregister providers.
 */
typedef enum zv_device_state(zv_devstate_provider_cb)(void *arg, const char *device,
						      const char *resource);

/*
 * Answer for technology tech ("SIP", matched in any case).  The provider
 * is removed when mod unloads; with mod NULL it stays until
 * zv_devstate_provider_unregister().  Once removal returns no call of cb
 * is running.  Returns 0, -EEXIST (tech taken), -EINVAL or -ENOMEM.
 * Main thread (as every registration).
 */
int zv_devstate_provider_register(struct zv_module *mod, const char *tech,
				  zv_devstate_provider_cb *cb, void *arg);
/* Remove the provider for tech.  0 or -ENOENT.  Main thread. */
int zv_devstate_provider_unregister(const char *tech);

/*
 * The state of device: the cached state unless it is UNKNOWN or absent,
 * else the provider's answer, else UNKNOWN for a device cached as unknown
 * and INVALID for one nobody knows (no provider, no cache entry, or a
 * name without technology).
 */
enum zv_device_state zv_devstate_get(const char *device);

/*
 * Report device's new state.  state UNKNOWN means "changed, ask the
 * provider" (as AST_DEVICE_UNKNOWN in ast_devstate_changed()).  The cache
 * is updated and, when the state differs from the cached one (a device
 * not yet cached counts as UNKNOWN), DeviceStateChange is published.
 * Returns 0, -EINVAL (no name, state out of range) or -ENOMEM.
 */
int zv_devstate_changed(const char *device, enum zv_device_state state);

/*
 * Set a "Custom:name" device: store the state in AstDB (CustomDevstate/
 * name) and report it.  Returns 0, -EINVAL (not a Custom: name, empty
 * name, state out of range) or an AstDB error (then nothing changed).
 */
int zv_devstate_set_custom(const char *device, enum zv_device_state state);

/* ---- aggregation for hints (ast_devstate_aggregate) ------------------- */

/*
 * The combined state of several devices ("SIP/100&SIP/101"):
 *   struct zv_devstate_aggregate agg;
 *   zv_devstate_aggregate_init(&agg);
 *   for each device: zv_devstate_aggregate_add(&agg, zv_devstate_get(dev));
 *   enum zv_device_state s = zv_devstate_aggregate_result(&agg);
 * Asterisk's rules: the result is the state of highest precedence,
 * RINGINUSE > BUSY > INUSE > RINGING > ONHOLD > NOT_INUSE > UNAVAILABLE >
 * UNKNOWN > INVALID, except that once any device rang (RINGING) and any
 * was in use (INUSE, BUSY or ONHOLD) the result is RINGINUSE.  No device
 * at all gives INVALID.  Plain data: no locking.
 */
struct zv_devstate_aggregate {
	enum zv_device_state state;
	bool ringing, inuse;
};
void zv_devstate_aggregate_init(struct zv_devstate_aggregate *agg);
void zv_devstate_aggregate_add(struct zv_devstate_aggregate *agg,
			       enum zv_device_state state);
enum zv_device_state zv_devstate_aggregate_result(const struct zv_devstate_aggregate *agg);

/* ---- extension states (hints) ------------------------------------------ */

/* Asterisk's AST_EXTENSION_* values: bits, combined for InUse&Ringing and
 * InUse&Hold; AMI ExtensionStatus sends them as Status. */
enum zv_extension_state {
	ZV_EXTENSION_REMOVED = -2, /* hint removed */
	ZV_EXTENSION_DEACTIVATED = -1, /* hint's extension removed */
	ZV_EXTENSION_NOT_INUSE = 0,
	ZV_EXTENSION_INUSE = 1 << 0,
	ZV_EXTENSION_BUSY = 1 << 1,
	ZV_EXTENSION_UNAVAILABLE = 1 << 2,
	ZV_EXTENSION_RINGING = 1 << 3,
	ZV_EXTENSION_ONHOLD = 1 << 4,
};

/* The extension state for an (aggregated) device state, as
 * ast_devstate_to_extenstate: UNKNOWN and NOT_INUSE are NOT_INUSE;
 * INVALID and UNAVAILABLE are UNAVAILABLE; RINGINUSE is INUSE|RINGING;
 * ONHOLD is ONHOLD (bare, not INUSE|ONHOLD). */
int zv_devstate_to_extstate(enum zv_device_state state);

/* "Idle", "InUse", "Busy", "Unavailable", "Ringing", "InUse&Ringing",
 * "Hold", "InUse&Hold" (`core show hints`, AMI StatusText); "Unknown" for
 * any other value (ast_extension_state2str). */
const char *zv_extstate_str(int extstate);

#endif
