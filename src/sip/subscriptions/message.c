/*
 * MESSAGE in and out (RFC 3428).  See message.h.
 *
 * DESIGN
 * Outbound messages are built on a worker picked round robin: it chooses
 * a Call-ID it owns (sip_new_callid()), so the responses come back to it.
 * A host name in the target URI is resolved on the blocking pool, whose
 * completion runs on the same worker.  The job owns every string it
 * needs; it is freed when the transaction ends (final response, timeout)
 * or when sending fails.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ZV_LOG_MODULE "sip_pubsub"
#include <zvonok/cli.h>
#include <zvonok/event.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/obj.h>

#include "sip/config/sip_config.h"
#include "sip/core/sip.h"
#include "sip/core/sip_module.h"
#include "sip/outbound/uac.h"
#include "sip/parser/sip_uri.h"
#include "sip/subscriptions/message.h"
#include "sip/subscriptions/pubsub_int.h"

/* ---- inbound ------------------------------------------------------------------ */

static bool is_text(const struct sip_msg *m, char *ctype, size_t size)
{
	const struct sip_hdr *h = sip_msg_hdr(m, SIP_HDR_CONTENT_TYPE);
	if (!h) {
		ctype[0] = '\0';
		return m->body.len == 0;
	}
	zv_str_copy(h->value, ctype, size);
	return zv_str_has_prefix_ci(h->value, "text/");
}

void sip__message_rx(struct sip_stsx *st, const struct sip_rx *rx)
{
	const struct sip_msg *m = &rx->msg;
	char ctype[128];
	if (m->to.has_tag) {
		/* In-dialog MESSAGE: no dialogs of ours carry one. */
		sip_stsx_respond(st, 481, NULL, NULL, NULL, NULL, NULL);
		return;
	}
	if (!is_text(m, ctype, sizeof(ctype))) {
		sip_stsx_respond(st, 415, NULL, NULL, "Accept: text/plain\r\n", NULL, NULL);
		return;
	}
	char from_user[128], src[64];
	sip_uri_user(m->from.uri, from_user, sizeof(from_user));
	sip_sockaddr_str(&rx->src, src, sizeof(src));
	struct sip_config *cfg = sip_config_ref_current();
	const struct sip_endpoint *ep = cfg && from_user[0]
						? sip_config_endpoint_find(cfg, from_user)
						: NULL;
	sip_stsx_respond(st, 202, NULL, NULL, NULL, NULL, NULL);
	zv_verb(3, "MESSAGE from '%.*s' to '%.*s' (%s): %.*s", ZV_STR_FMT(m->from.uri),
		ZV_STR_FMT(m->ruri), ep ? ep->def.name : "no endpoint", ZV_STR_FMT(m->body));
	struct zv_event *ev = zv_event_alloc(ZV_EVENT_USER, SIP_MESSAGE_EVENT);
	if (ev && !zv_event_add(ev, "From", "%.*s", ZV_STR_FMT(m->from.uri)) &&
	    !zv_event_add(ev, "To", "%.*s", ZV_STR_FMT(m->ruri)) &&
	    !zv_event_add(ev, "Body", "%.*s", ZV_STR_FMT(m->body)) &&
	    !zv_event_add(ev, "Content-Type", "%s", ctype) &&
	    !zv_event_add(ev, "Endpoint", "%s", ep ? ep->def.name : "") &&
	    !zv_event_add(ev, "Source", "%s", src))
		zv_event_publish(ev);
	zv_unref(ev);
	zv_unref(cfg);
}

/* ---- outbound ------------------------------------------------------------------ */

struct msg_job {
	char *to, *from, *body;
	char host[256];
	uint16_t port;
	int resolve_err;
	char callid[80], tag[16], from_hdr[512];
	uint32_t cseq;
	struct sip_target target;
	bool challenged;
};

static void job_free(struct msg_job *j)
{
	free(j->to);
	free(j->from);
	free(j->body);
	free(j);
}

static void msg_response(void *arg, struct sip_ctsx *ct, unsigned status, const struct sip_rx *rx);

static int msg_send(struct msg_job *j, const char *auth_line)
{
	char branch[40], hp[80];
	sip_new_branch(branch, sizeof(branch));
	if (sip_uac_local_hostport(j->target.tp, &j->target.addr, hp, sizeof(hp)))
		return -EHOSTUNREACH;
	if (!j->from_hdr[0]) {
		const char *f = j->from;
		if (!f || !*f)
			snprintf(j->from_hdr, sizeof(j->from_hdr), "<sip:zvonok@%s>;tag=%s", hp, j->tag);
		else if (strchr(f, '<'))
			snprintf(j->from_hdr, sizeof(j->from_hdr), "%s;tag=%s", f, j->tag);
		else if (!strncasecmp(f, "sip:", 4) || !strncasecmp(f, "sips:", 5))
			snprintf(j->from_hdr, sizeof(j->from_hdr), "<%s>;tag=%s", f, j->tag);
		else
			snprintf(j->from_hdr, sizeof(j->from_hdr), "<sip:%s@%s>;tag=%s", f, hp, j->tag);
	}
	char to_hdr[512];
	snprintf(to_hdr, sizeof(to_hdr), "<%s>", j->to);
	struct sip_buf req;
	sip_buf_init(&req);
	struct sip_uac_request r = {
		.method = "MESSAGE",
		.ruri = j->to,
		.transport = sip_tp_proto_name(sip_tp_proto(j->target.tp)),
		.via_hostport = hp,
		.branch = branch,
		.from = j->from_hdr,
		.to = to_hdr,
		.call_id = j->callid,
		.cseq = ++j->cseq,
		.extra = auth_line,
		.ctype = "text/plain;charset=UTF-8",
		.body = j->body,
	};
	int err = sip_uac_build_request(&r, &req);
	if (!err)
		err = sip_ctsx_send(&j->target, SIP_METHOD_MESSAGE, branch, req.p, req.len,
				    msg_response, j, NULL);
	sip_buf_free(&req);
	return err;
}

/* Answer a challenge with the outbound auth of the endpoint named by the
 * target's user.  0 when the request was resent. */
static int msg_authenticate(struct msg_job *j, const struct sip_rx *rx)
{
	char user[128];
	sip_uri_user(zv_str_c(j->to), user, sizeof(user));
	struct sip_config *cfg = sip_config_ref_current();
	const struct sip_endpoint *ep = cfg && user[0] ? sip_config_endpoint_find(cfg, user) : NULL;
	int err = -ENOENT;
	if (ep && ep->noutbound_auths) {
		struct sip_uac_cred creds[8];
		size_t n = 0;
		for (size_t i = 0; i < ep->noutbound_auths && n < 8; i++, n++) {
			const struct sip_auth *a = ep->outbound_auths[i];
			creds[n] = (struct sip_uac_cred){a->username, a->password, a->md5_cred,
							 a->realm};
		}
		struct sip_buf line;
		sip_buf_init(&line);
		err = sip_uac_authorize(rx, "MESSAGE", j->to, creds, n, &line);
		if (!err)
			err = msg_send(j, line.p);
		sip_buf_free(&line);
	}
	zv_unref(cfg);
	return err;
}

static void msg_response(void *arg, struct sip_ctsx *ct, unsigned status, const struct sip_rx *rx)
{
	struct msg_job *j = arg;
	if (status < 200)
		return;
	if ((status == 401 || status == 407) && rx && !j->challenged) {
		j->challenged = true;
		if (msg_authenticate(j, rx) == 0)
			return;
	}
	if (status < 300)
		zv_verb(3, "MESSAGE to %s: %u %.*s", j->to, status,
			rx ? (int)rx->msg.reason.len : 0, rx ? rx->msg.reason.p : "");
	else
		zv_warn("MESSAGE to %s failed: %u %.*s", j->to, status,
			rx ? (int)rx->msg.reason.len : 0, rx ? rx->msg.reason.p : "");
	job_free(j);
}

static void msg_start_send(struct msg_job *j)
{
	j->target.tp = sip_tp_find_proto(SIP_TP_UDP);
	int err = j->target.tp ? msg_send(j, NULL) : -ENODEV;
	if (err) {
		zv_warn("Cannot send MESSAGE to %s: %s", j->to, strerror(-err));
		job_free(j);
	}
}

static void msg_resolve_work(void *arg)
{
	struct msg_job *j = arg;
	j->resolve_err = sip_uac_resolve(j->host, j->port, &j->target.addr);
}

static void msg_resolve_done(void *arg)
{
	struct msg_job *j = arg;
	if (j->resolve_err) {
		zv_warn("MESSAGE to %s: cannot resolve %s", j->to, j->host);
		job_free(j);
		return;
	}
	msg_start_send(j);
}

static void msg_run(void *arg)
{
	struct msg_job *j = arg;
	sip_new_callid(j->callid, sizeof(j->callid));
	sip_random_token(j->tag, sizeof(j->tag));
	j->cseq = 0;
	int err = sip_uac_uri_addr(j->to, &j->target.addr);
	if (err == -EAGAIN) {
		if (sip_uac_uri_hostport(j->to, j->host, sizeof(j->host), &j->port) == 0 &&
		    zv_pool_submit(msg_resolve_work, msg_resolve_done, j) == 0)
			return;
		err = -EHOSTUNREACH;
	}
	if (err) {
		zv_warn("MESSAGE to %s: bad target", j->to);
		job_free(j);
		return;
	}
	msg_start_send(j);
}

int sip_message_send(const char *to_uri, const char *from, const char *body)
{
	struct sip_uri u;
	if (!to_uri || sip_uri_parse(zv_str_c(to_uri), &u) || u.scheme == SIP_URI_TEL)
		return -EINVAL;
	if (!sip_tp_find_proto(SIP_TP_UDP))
		return -ENODEV;
	struct msg_job *j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->to = strdup(to_uri);
	j->from = from ? strdup(from) : NULL;
	j->body = strdup(body ? body : "");
	if (!j->to || !j->body || (from && !j->from)) {
		job_free(j);
		return -ENOMEM;
	}
	int err = zv_loop_post(sip__pubsub_worker(), msg_run, j);
	if (err)
		job_free(j);
	return err;
}

enum zv_cli_result sip__message_cli_send(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc < nf + 2)
		return ZV_CLI_SHOWUSAGE;
	struct sip_buf text;
	sip_buf_init(&text);
	for (int i = nf + 1; i < argc; i++)
		sip_buf_printf(&text, "%s%s", i > nf + 1 ? " " : "", argv[i]);
	int err = text.oom ? -ENOMEM : sip_message_send(argv[nf], NULL, text.p);
	sip_buf_free(&text);
	if (err) {
		zv_cli_printf(req, "Unable to send MESSAGE to %s: %s\n", argv[nf],
			      err == -EINVAL ? "bad URI" : strerror(-err));
		return ZV_CLI_FAILURE;
	}
	zv_cli_printf(req, "Sending MESSAGE to %s\n", argv[nf]);
	return ZV_CLI_SUCCESS;
}
