/*
 * musiconhold.conf mode=custom: music from an external application's
 * standard output (moh_custom.c), for res_musiconhold (app_moh.c).
 */
#ifndef ZV_APPS_MEDIA_MOH_CUSTOM_H
#define ZV_APPS_MEDIA_MOH_CUSTOM_H

#include <stdbool.h>
#include <stddef.h>

struct zv_channel;
struct zv_conf_section;
struct zv_diag;
struct moh_custom_cfg;

/* The custom options of class section sec: application= (required; split
 * into arguments at spaces and commas, run without a shell), format=
 * (slin, the default, ulaw or alaw: raw 8 kHz mono on stdout),
 * kill_escalation_delay= (ms, 500) and kill_method= (process_group or
 * process).  0 with *cfgp set, 0 with *cfgp NULL when the class is
 * unusable (warned at sec's line), or -ENOMEM. */
int moh_custom_parse(const struct zv_conf_section *sec, struct zv_diag *diag,
		     struct moh_custom_cfg **cfgp);
void moh_custom_cfg_free(struct moh_custom_cfg *cfg);
const char *moh_custom_app(const struct moh_custom_cfg *cfg);
const char *moh_custom_format(const struct moh_custom_cfg *cfg);

/* Split an application= line into argv (at most max - 1 arguments, NULL
 * terminated) in buf (a copy the caller frees).  The argument count. */
size_t moh_custom_split(const char *line, char **bufp, char **argv, size_t max);

/*
 * Start the class's application for chan (loop thread): the player is
 * kept in chan's datastore ds_key and is chan's generator, so the moh
 * datastore's stop stops it.  The process is started on the blocking pool
 * (in dir when not empty, in its own process group), its output read on
 * chan's loop without blocking, and it is killed (SIGHUP, SIGTERM,
 * SIGKILL a kill_escalation_delay apart) and reaped on the pool when the
 * music stops.  If it ends by itself after playing a while it is started
 * again.  0 or a negative errno.
 */
int moh_custom_start(struct zv_channel *chan, const char *ds_key, const char *cls,
		     const char *dir, const struct moh_custom_cfg *cfg);

#endif
