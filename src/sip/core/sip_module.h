/*
 * What the "sip" module offers the other SIP modules (registrar,
 * subscriptions, the channel driver).  Requires including
 * sip/config/sip_config.h and sip/core/sip.h.
 */
#ifndef ZV_SIP_CORE_SIP_MODULE_H
#define ZV_SIP_CORE_SIP_MODULE_H

struct sip_config;

/* The endpoint model in force, referenced (zv_unref() it); NULL before
 * the module is configured.  Any thread. */
struct sip_config *sip_config_ref_current(void);

/* Run fn(NULL) on every worker and wait until all have (main thread). */
void sip__on_all_workers(void (*fn)(void *));

#endif
