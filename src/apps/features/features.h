/*
 * features.conf: the in-call DTMF feature codes (blind and attended
 * transfer, disconnect, one-touch MixMonitor) and their timers, as read by
 * the `features` module and used by Dial's bridge.
 *
 * DESIGN
 * The module parses features.conf in its prepare step into a plain struct
 * (no pointers), commits it under a mutex, and hands copies out with
 * features_get(): a bridge takes one copy when it starts and keeps it for
 * the call, so a reload never changes the codes under a call.  A missing
 * file or section gives Asterisk's built-in defaults.  features_match()
 * classifies the digits collected so far against the codes a side may use.
 */
#ifndef ZV_APPS_FEATURES_H
#define ZV_APPS_FEATURES_H

#include <stdbool.h>

struct zv_conf;
struct zv_diag;

/* [featuremap] entries, in Asterisk's `features show` order. */
enum feat_id {
	FEAT_BLINDXFER = 0,
	FEAT_ATXFER,
	FEAT_AUTOMON,
	FEAT_DISCONNECT,
	FEAT_PARKCALL,
	FEAT_AUTOMIXMON,
	FEAT_N,
};
#define FEAT_BIT(id) (1u << (id))

#define FEAT_CODE_MAX 16
#define FEAT_SOUND_MAX 64

struct features_cfg {
	unsigned featuredigittimeout_ms; /* between feature digits: 1000 */
	unsigned transferdigittimeout_ms; /* between target digits: 3 s */
	unsigned atxfernoanswertimeout_ms; /* 15 s */
	char atxferabort[FEAT_CODE_MAX]; /* *1 */
	char atxfercomplete[FEAT_CODE_MAX]; /* *2 */
	char atxferthreeway[FEAT_CODE_MAX]; /* *3 */
	char atxferswap[FEAT_CODE_MAX]; /* *4 */
	char pickupexten[FEAT_CODE_MAX]; /* *8 */
	char xfersound[FEAT_SOUND_MAX]; /* beep */
	char xferfailsound[FEAT_SOUND_MAX]; /* beeperr */
	char courtesytone[FEAT_SOUND_MAX];
	char pickupsound[FEAT_SOUND_MAX]; /* played to the picker on success: none */
	char pickupfailsound[FEAT_SOUND_MAX]; /* ... when nothing was picked up: none */
	char code[FEAT_N][FEAT_CODE_MAX]; /* "" when the feature is off */
};

/* Asterisk's built-in defaults (what a missing features.conf gives). */
void features_defaults(struct features_cfg *cfg);

/* Read conf (NULL: defaults only) into *cfg.  Problems are warnings in
 * diag with file:line (unknown options, bad numbers, codes that are not
 * DTMF, [applicationmap] and feature groups, which are refused); the bad
 * value keeps its default.  Always 0. */
int features_conf_parse(const struct zv_conf *conf, struct zv_diag *diag,
			struct features_cfg *cfg);

/* A copy of the committed configuration (any thread). */
void features_get(struct features_cfg *cfg);

/* Name in `features show` ("Blind Transfer") and in features.conf. */
const char *features_name(enum feat_id id);
const char *features_key(enum feat_id id);

enum feat_match {
	FEAT_MATCH_NONE = 0, /* no enabled code starts with the digits */
	FEAT_MATCH_PREFIX, /* some code starts with them: wait for more */
	FEAT_MATCH_AMBIGUOUS, /* *idp equals them, a longer code too: wait */
	FEAT_MATCH_FULL, /* *idp equals them and nothing longer can match */
};

/* Classify digits against the codes of the features in mask
 * (FEAT_BIT()s); *idp is set for AMBIGUOUS and FULL. */
enum feat_match features_match(const struct features_cfg *cfg, unsigned mask,
			       const char *digits, enum feat_id *idp);

#endif
