/*
 * Private declarations shared by the files of the sip_pubsub module
 * (pubsub.c: subscriptions and MWI; message.c: MESSAGE).
 */
#ifndef SIP_SUBSCRIPTIONS_PUBSUB_INT_H
#define SIP_SUBSCRIPTIONS_PUBSUB_INT_H

#include <zvonok/cli.h>

#include "sip/core/sip.h"

struct zv_module;

/* MESSAGE: inbound handler (set at start) and the CLI command. */
void sip__message_rx(struct sip_stsx *st, const struct sip_rx *rx);
enum zv_cli_result sip__message_cli_send(struct zv_cli_req *req, int argc, char **argv);

/* Pick a worker for a request we originate (round robin). */
struct zv_loop *sip__pubsub_worker(void);

#endif
