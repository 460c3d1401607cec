/*
 * The "sip_pubsub" module: SIP event subscriptions as a notifier
 * (RFC 6665) for message-summary (MWI, RFC 3842), dialog (BLF, RFC 4235)
 * and presence (PIDF, RFC 3863); unsolicited MWI; the mailbox state table
 * fed by ZV_EVENT_MWI; MESSAGE (message.c).
 *
 * DESIGN
 * A subscription is a dialog created by SUBSCRIBE.  It lives on the worker
 * that owns its Call-ID (where the SUBSCRIBE arrived), so refreshes, the
 * NOTIFY client transactions and their responses all run on that worker
 * without locks.  Every subscription is also linked into one global list
 * (subs_lock) so that:
 *   - bus events find the subscriptions they concern.  The module has one
 *     synchronous bus subscription (runs in the publisher's thread): it
 *     updates the mailbox table, then, under subs_lock, posts a reference
 *     of each concerned subscription (with the new extension state) to the
 *     subscription's worker, which sends the NOTIFY;
 *   - in-dialog SUBSCRIBEs find their dialog (Call-ID + our tag);
 *   - the CLI lists them.
 * Fields read under subs_lock by other threads (extstate, expires_at) are
 * written under it; the dialog's other fields are immutable or touched by
 * the owner worker only.  A subscription is a zv_obj: the list holds one
 * reference, each posted message and each pending NOTIFY transaction one.
 * `dead` (owner worker only) marks one that ended; late messages then do
 * nothing but drop their reference.
 *
 * Authentication: SUBSCRIBE is accepted from the endpoint named by the
 * From user (allow_subscribe must be on).  Digest authentication for
 * SUBSCRIBE and MESSAGE comes with the registrar's shared authentication
 * API (src/sip/registrar/registrar.h) once it offers one.
 *
 * Hints: the dialog and presence packages watch context/exten, the
 * endpoint's subscribe_context (else context) and the Request-URI user.
 * The initial state comes from zv_pbx_extension_state() (-ENOENT: 404);
 * changes from ZV_EVENT_EXTENSION_STATE events (Exten, Context, Status);
 * a negative Status (hint or extension removed) ends the subscription
 * with a terminated;reason=noresource NOTIFY.
 * The sip layer depends on the dialplan layer for hints
 * (ZV_LAYER_DEPS_sip in CMakeLists.txt); dependencies still point inward.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <pthread.h>
#include <time.h>

#define ZV_LOG_MODULE "sip_pubsub"
#include <zvonok/cli.h>
#include <zvonok/devstate.h>
#include <zvonok/event.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>
#include <zvonok/pbx.h>

#include "sip/config/sip_config.h"
#include "sip/core/sip.h"
#include "sip/core/sip_module.h"
#include "sip/outbound/uac.h"
#include "sip/parser/sip_uri.h"
#include "sip/registrar/registrar.h"
#include "sip/subscriptions/pubsub_body.h"
#include "sip/subscriptions/pubsub_int.h"

#define SUB_DEFAULT_EXPIRES 3600u
#define SUB_MIN_EXPIRES 60u
#define SUB_MAX_EXPIRES 3600u
#define SUB_MAX_PENDING 4

struct sub {
	struct sub *next; /* global list, subs_lock */
	struct zv_loop *loop; /* owner worker */
	enum sip_pkg pkg;
	bool dead; /* owner only */
	/* dialog */
	char *call_id, *local_tag, *remote_tag;
	char *local_hdr; /* our From: the SUBSCRIBE's To with our tag */
	char *remote_hdr; /* their From, as received */
	char *remote_target;
	char *route_lines; /* "Route: <...>\r\n" lines, "" when none */
	char *event_id; /* Event id parameter, "" when none */
	char *entity; /* the resource's URI for bodies */
	char *contact; /* our Contact URI */
	char *via_hostport;
	uint32_t cseq;
	unsigned version;
	struct sip_target target; /* conn referenced */
	/* what it watches */
	char *endpoint, *resource, *context;
	char **mailboxes;
	size_t nmailboxes;
	char peer[64];
	/* under subs_lock */
	int extstate;
	time_t expires_at;
	/* owner only */
	struct zv_timer timer;
	bool timer_init;
	struct sip_ctsx *pending[SUB_MAX_PENDING];
};

static pthread_mutex_t subs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sub *subs;
static atomic_bool running;
static atomic_uint rr;

/* ---- mailbox table --------------------------------------------------------- */

struct mbox {
	struct mbox *next;
	char *name; /* "100@default" */
	unsigned new_msgs, old_msgs;
};

static pthread_mutex_t mwi_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mbox *mboxes;

/* "100" -> "100@default" into buf. */
static const char *mailbox_norm(const char *in, char *buf, size_t size)
{
	if (strchr(in, '@'))
		snprintf(buf, size, "%s", in);
	else
		snprintf(buf, size, "%s@default", in);
	return buf;
}

static void mwi_store(const char *name, unsigned n, unsigned o)
{
	pthread_mutex_lock(&mwi_lock);
	struct mbox *m = mboxes;
	while (m && strcasecmp(m->name, name))
		m = m->next;
	if (!m) {
		m = calloc(1, sizeof(*m));
		if (m && !(m->name = strdup(name))) {
			free(m);
			m = NULL;
		}
		if (m) {
			m->next = mboxes;
			mboxes = m;
		}
	}
	if (m) {
		m->new_msgs = n;
		m->old_msgs = o;
	}
	pthread_mutex_unlock(&mwi_lock);
}

/* Sum of the counts of mailboxes (unknown ones count 0). */
static void mwi_sum(char *const *names, size_t n, unsigned *newp, unsigned *oldp)
{
	*newp = *oldp = 0;
	pthread_mutex_lock(&mwi_lock);
	for (size_t i = 0; i < n; i++)
		for (struct mbox *m = mboxes; m; m = m->next)
			if (!strcasecmp(m->name, names[i])) {
				*newp += m->new_msgs;
				*oldp += m->old_msgs;
			}
	pthread_mutex_unlock(&mwi_lock);
}

static void mwi_clear(void)
{
	pthread_mutex_lock(&mwi_lock);
	while (mboxes) {
		struct mbox *m = mboxes;
		mboxes = m->next;
		free(m->name);
		free(m);
	}
	pthread_mutex_unlock(&mwi_lock);
}

/* ---- helpers ----------------------------------------------------------------- */

struct zv_loop *sip__pubsub_worker(void)
{
	unsigned n = zv_workers_count();
	return zv_worker_peek(n ? atomic_fetch_add(&rr, 1) % n : 0);
}

static char *dup_str(struct zv_str s)
{
	return zv_str_dup(s);
}

static void sub_destroy(void *obj)
{
	struct sub *s = obj;
	free(s->call_id);
	free(s->local_tag);
	free(s->remote_tag);
	free(s->local_hdr);
	free(s->remote_hdr);
	free(s->remote_target);
	free(s->route_lines);
	free(s->event_id);
	free(s->entity);
	free(s->contact);
	free(s->via_hostport);
	free(s->endpoint);
	free(s->resource);
	free(s->context);
	for (size_t i = 0; i < s->nmailboxes; i++)
		free(s->mailboxes[i]);
	free(s->mailboxes);
	if (s->target.conn)
		sip_conn_unref(s->target.conn);
}

static unsigned sub_remaining(const struct sub *s)
{
	time_t now = time(NULL);
	return s->expires_at > now ? (unsigned)(s->expires_at - now) : 0;
}

/* End a subscription (owner worker): unlink, stop timers, forget pending
 * transactions, drop the list's reference. */
static void sub_end(struct sub *s)
{
	if (s->dead)
		return;
	s->dead = true;
	pthread_mutex_lock(&subs_lock);
	bool linked = false;
	for (struct sub **pp = &subs; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			linked = true;
			break;
		}
	pthread_mutex_unlock(&subs_lock);
	if (s->timer_init) {
		zv_timer_stop(&s->timer);
		zv_timer_fini(&s->timer);
		s->timer_init = false;
	}
	for (unsigned i = 0; i < SUB_MAX_PENDING; i++)
		if (s->pending[i]) {
			sip_ctsx_abandon(s->pending[i]);
			s->pending[i] = NULL;
			zv_unref(s);
		}
	if (linked)
		zv_unref(s);
}

static void notify_done(void *arg, struct sip_ctsx *ct, unsigned status, const struct sip_rx *rx)
{
	struct sub *s = arg;
	if (status < 200)
		return;
	for (unsigned i = 0; i < SUB_MAX_PENDING; i++)
		if (s->pending[i] == ct)
			s->pending[i] = NULL;
	if (!s->dead && (status == 481 || status == 408 || status == 503)) {
		zv_verb(3, "Subscription %s (%s) ended: NOTIFY got %u", s->call_id,
			sip_pkg_name(s->pkg), status);
		sub_end(s);
	}
	zv_unref(s);
}

/* Build and send a NOTIFY with the current state (owner worker).
 * reason non-NULL: Subscription-State terminated. */
static int sub_notify(struct sub *s, const char *reason)
{
	struct sip_buf body, hdrs, req;
	sip_buf_init(&body);
	sip_buf_init(&hdrs);
	sip_buf_init(&req);
	unsigned remaining = reason ? 0 : sub_remaining(s);
	if (!reason && !remaining)
		reason = "timeout";
	pthread_mutex_lock(&subs_lock);
	int extstate = s->extstate;
	pthread_mutex_unlock(&subs_lock);
	switch (s->pkg) {
	case SIP_PKG_MWI: {
		unsigned n, o;
		mwi_sum(s->mailboxes, s->nmailboxes, &n, &o);
		sip_mwi_body(&body, s->entity, n, o);
		break;
	}
	case SIP_PKG_DIALOG:
		sip_dialog_info_body(&body, s->entity, s->resource, s->version++, extstate);
		break;
	default:
		sip_pidf_body(&body, s->entity, s->resource, extstate);
		break;
	}
	sip_notify_headers(&hdrs, s->pkg, s->event_id, remaining, reason);
	char branch[40];
	sip_new_branch(branch, sizeof(branch));
	struct sip_uac_request r = {
		.method = "NOTIFY",
		.ruri = s->remote_target,
		.transport = sip_tp_proto_name(sip_tp_proto(s->target.tp)),
		.via_hostport = s->via_hostport,
		.branch = branch,
		.route_lines = s->route_lines,
		.from = s->local_hdr,
		.to = s->remote_hdr,
		.call_id = s->call_id,
		.cseq = ++s->cseq,
		.contact = s->contact,
		.extra = hdrs.p,
		.ctype = sip_pkg_ctype(s->pkg),
		.body = body.p,
	};
	int err = body.oom || hdrs.oom ? -ENOMEM : sip_uac_build_request(&r, &req);
	unsigned slot = SUB_MAX_PENDING;
	for (unsigned i = 0; i < SUB_MAX_PENDING && slot == SUB_MAX_PENDING; i++)
		if (!s->pending[i])
			slot = i;
	if (slot == SUB_MAX_PENDING) {
		/* Too many NOTIFYs in flight: stop waiting for the oldest. */
		sip_ctsx_abandon(s->pending[0]);
		s->pending[0] = NULL;
		zv_unref(s);
		slot = 0;
	}
	struct sip_ctsx *ct = NULL;
	if (!err) {
		zv_ref(s);
		err = sip_ctsx_send(&s->target, SIP_METHOD_NOTIFY, branch, req.p, req.len, notify_done,
				    s, &ct);
		if (err)
			zv_unref(s);
		else
			s->pending[slot] = ct;
	}
	if (err)
		zv_warn("Cannot send NOTIFY for subscription %s: %s", s->call_id, strerror(-err));
	sip_buf_free(&body);
	sip_buf_free(&hdrs);
	sip_buf_free(&req);
	return err;
}

static void sub_expired(void *arg)
{
	struct sub *s = arg;
	zv_verb(3, "Subscription %s (%s) for %s expired", s->call_id, sip_pkg_name(s->pkg),
		s->endpoint);
	sub_notify(s, "timeout");
	sub_end(s);
}

static void sub_arm(struct sub *s, unsigned expires)
{
	pthread_mutex_lock(&subs_lock);
	s->expires_at = time(NULL) + expires;
	pthread_mutex_unlock(&subs_lock);
	if (!s->timer_init) {
		zv_timer_init(&s->timer, zv_loop_current(), sub_expired, s);
		s->timer_init = true;
	}
	zv_timer_start(&s->timer, expires * 1000u, 0);
}

/* The subscription with this Call-ID and our tag, referenced, or NULL. */
static struct sub *sub_find(struct zv_str call_id, struct zv_str local_tag)
{
	struct sub *found = NULL;
	pthread_mutex_lock(&subs_lock);
	for (struct sub *s = subs; s; s = s->next)
		if (zv_str_eq_cstr(call_id, s->call_id) && zv_str_eq_cstr(local_tag, s->local_tag)) {
			found = zv_ref(s);
			break;
		}
	pthread_mutex_unlock(&subs_lock);
	return found;
}

/* ---- SUBSCRIBE ---------------------------------------------------------------- */

static const char allow_events[] = "Allow-Events: message-summary, dialog, presence\r\n";

static void respond(struct sip_stsx *st, unsigned status, const char *extra)
{
	sip_stsx_respond(st, status, NULL, NULL, extra, NULL, NULL);
}

/* Mailboxes watched by an MWI subscription to user: the mailboxes of the
 * AOR named user, else the endpoint's. */
static int pick_mailboxes(const struct sip_config *cfg, const struct sip_endpoint *ep,
			  const char *user, struct sub *s)
{
	const struct sip_aor *aor = sip_config_aor_find(cfg, user);
	const char *const *list = ep->mailboxes;
	size_t n = ep->nmailboxes;
	if (aor && aor->nmailboxes) {
		list = aor->mailboxes;
		n = aor->nmailboxes;
	} else if (!n) {
		for (size_t i = 0; i < ep->naors && !n; i++)
			if (ep->aors[i]->nmailboxes) {
				list = ep->aors[i]->mailboxes;
				n = ep->aors[i]->nmailboxes;
			}
	}
	if (!n)
		return -ENOENT;
	s->mailboxes = calloc(n, sizeof(char *));
	if (!s->mailboxes)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		char buf[256];
		if (!(s->mailboxes[i] = strdup(mailbox_norm(list[i], buf, sizeof(buf)))))
			return -ENOMEM;
		s->nmailboxes++;
	}
	return 0;
}

static void on_subscribe_in_dialog(struct sip_stsx *st, const struct sip_rx *rx, enum sip_pkg pkg,
				   uint32_t expires)
{
	struct sub *s = sub_find(rx->msg.call_id, rx->msg.to.tag);
	if (!s || s->dead || s->pkg != pkg) {
		respond(st, 481, NULL);
		zv_unref(s);
		return;
	}
	char extra[96];
	if (expires == 0) {
		snprintf(extra, sizeof(extra), "Expires: 0\r\n");
		sip_stsx_respond(st, 200, NULL, s->local_tag, extra, NULL, NULL);
		zv_verb(3, "Subscription %s (%s) for %s ended by the subscriber", s->call_id,
			sip_pkg_name(pkg), s->endpoint);
		sub_notify(s, "timeout");
		sub_end(s);
	} else {
		if (expires > SUB_MAX_EXPIRES)
			expires = SUB_MAX_EXPIRES;
		sub_arm(s, expires);
		snprintf(extra, sizeof(extra), "Expires: %u\r\nContact: <%s>\r\n", (unsigned)expires,
			 s->contact);
		sip_stsx_respond(st, 200, NULL, s->local_tag, extra, NULL, NULL);
		sub_notify(s, NULL);
	}
	zv_unref(s);
}

static void on_subscribe(struct sip_stsx *st, const struct sip_rx *rx)
{
	const struct sip_msg *m = &rx->msg;
	if (!atomic_load(&running)) {
		respond(st, 503, NULL);
		return;
	}
	const struct sip_hdr *eh = sip_msg_hdr(m, SIP_HDR_EVENT);
	struct sip_event ev;
	enum sip_pkg pkg;
	if (!eh || sip_event_parse(eh->value, &ev) || sip_pkg_lookup(ev.package, &pkg)) {
		respond(st, 489, allow_events);
		return;
	}
	uint32_t expires = SUB_DEFAULT_EXPIRES;
	const struct sip_hdr *xh = sip_msg_hdr(m, SIP_HDR_EXPIRES);
	if (xh && sip_uint_parse(xh->value, UINT32_MAX, &expires)) {
		respond(st, 400, NULL);
		return;
	}
	if (expires && expires < SUB_MIN_EXPIRES) {
		char extra[64];
		snprintf(extra, sizeof(extra), "Min-Expires: %u\r\n", SUB_MIN_EXPIRES);
		respond(st, 423, extra);
		return;
	}
	if (m->to.has_tag) {
		on_subscribe_in_dialog(st, rx, pkg, expires);
		return;
	}
	if (expires > SUB_MAX_EXPIRES)
		expires = SUB_MAX_EXPIRES;

	char from_user[128], ruri_user[128];
	sip_uri_user(m->from.uri, from_user, sizeof(from_user));
	sip_uri_user(m->ruri, ruri_user, sizeof(ruri_user));
	struct sip_config *cfg = sip_config_ref_current();
	const struct sip_endpoint *ep = cfg && from_user[0]
						? sip_config_endpoint_find(cfg, from_user)
						: NULL;
	struct sub *s = NULL;
	if (!ep) {
		zv_notice("SUBSCRIBE from unknown endpoint '%s' rejected", from_user);
		respond(st, 403, NULL);
		goto out;
	}
	if (!ep->allow_subscribe) {
		respond(st, 603, NULL);
		goto out;
	}
	if (!ruri_user[0]) {
		respond(st, 404, NULL);
		goto out;
	}
	struct sip_addr contact;
	const struct sip_hdr *ch = sip_msg_hdr(m, SIP_HDR_CONTACT);
	struct zv_str cval;
	struct zv_str rest = ch ? ch->value : ZV_STR_NULL;
	if (!ch || sip_list_next(&rest, &cval) <= 0 || sip_addr_parse(cval, &contact) ||
	    contact.star || !contact.uri.len) {
		respond(st, 400, NULL);
		goto out;
	}

	s = zv_obj_alloc(sizeof(*s), sub_destroy);
	if (!s) {
		respond(st, 500, NULL);
		goto out;
	}
	s->loop = zv_loop_current();
	s->pkg = pkg;
	s->extstate = ZV_EXTENSION_NOT_INUSE;
	s->endpoint = strdup(ep->def.name);
	s->resource = strdup(ruri_user);
	const char *ctx = ep->subscribe_context ? ep->subscribe_context : ep->context;
	s->context = strdup(ctx ? ctx : "default");
	if (!s->endpoint || !s->resource || !s->context) {
		respond(st, 500, NULL);
		goto out;
	}
	if (pkg == SIP_PKG_MWI) {
		int err = pick_mailboxes(cfg, ep, ruri_user, s);
		if (err) {
			respond(st, err == -ENOENT ? 404 : 500, NULL);
			goto out;
		}
	} else {
		int es = zv_pbx_extension_state(s->context, s->resource);
		if (es < 0) { /* -ENOENT: no hint (Asterisk answers 404 too) */
			zv_verb(3, "SUBSCRIBE to %s@%s: no hint", s->resource, s->context);
			respond(st, 404, NULL);
			goto out;
		}
		s->extstate = es;
	}

	/* The dialog. */
	struct sip_buf routes;
	char first_route[512];
	sip_buf_init(&routes);
	sip_buf_printf(&routes, "%s", "");
	if (sip_uac_route_set(rx, false, &routes, first_route, sizeof(first_route))) {
		sip_buf_free(&routes);
		respond(st, 400, NULL);
		goto out;
	}
	s->route_lines = routes.p ? routes.p : strdup("");
	const char *to_tag = sip_stsx_to_tag(st);
	s->call_id = dup_str(m->call_id);
	s->local_tag = strdup(to_tag);
	s->remote_tag = dup_str(m->from.tag);
	s->remote_target = dup_str(contact.uri);
	s->event_id = dup_str(ev.id);
	s->entity = dup_str(m->ruri);
	const struct sip_hdr *fh = sip_msg_hdr(m, SIP_HDR_FROM);
	const struct sip_hdr *th = sip_msg_hdr(m, SIP_HDR_TO);
	s->remote_hdr = dup_str(fh->value);
	if (asprintf(&s->local_hdr, "%.*s;tag=%s", ZV_STR_FMT(th->value), to_tag) < 0)
		s->local_hdr = NULL;
	if (!s->route_lines || !s->call_id || !s->local_tag || !s->remote_tag ||
	    !s->remote_target || !s->event_id || !s->entity || !s->remote_hdr || !s->local_hdr) {
		respond(st, 500, NULL);
		goto out;
	}
	/* Where NOTIFYs go: the first route, else the remote target; the
	 * SUBSCRIBE's source when that is not an IP address or the endpoint
	 * rewrites contacts (NAT). */
	s->target.tp = rx->tp;
	s->target.conn = rx->conn ? sip_conn_ref(rx->conn) : NULL;
	const char *hop = first_route[0] ? first_route : s->remote_target;
	if (ep->rewrite_contact || sip_uac_uri_addr(hop, &s->target.addr))
		s->target.addr = rx->src;
	sip_sockaddr_str(&rx->src, s->peer, sizeof(s->peer));
	char *cut = strrchr(s->peer, ':'); /* the address only, as chan_sip */
	if (cut && (s->peer[0] != '[' || cut[-1] == ']'))
		*cut = '\0';
	char hp[80];
	if (sip_uac_local_hostport(rx->tp, &s->target.addr, hp, sizeof(hp)))
		sip_sockaddr_str(sip_tp_local(rx->tp), hp, sizeof(hp));
	s->via_hostport = strdup(hp);
	if (asprintf(&s->contact, "sip:%s%s", hp, sip_uac_transport_param(rx->tp)) < 0)
		s->contact = NULL;
	if (!s->via_hostport || !s->contact) {
		respond(st, 500, NULL);
		goto out;
	}
	s->cseq = (uint32_t)(random() % 10000) + 1;

	char extra[256];
	snprintf(extra, sizeof(extra), "Expires: %u\r\nContact: <%s>\r\n", (unsigned)expires,
		 s->contact);
	sip_stsx_respond(st, 200, NULL, to_tag, extra, NULL, NULL);
	if (expires == 0) {
		/* A fetch: one NOTIFY, no subscription left. */
		s->dead = true;
		sub_notify(s, "timeout");
		goto out;
	}
	zv_verb(3, "Subscription %s from %s to %s (%s), %u s", s->call_id, s->endpoint,
		s->resource, sip_pkg_name(pkg), (unsigned)expires);
	pthread_mutex_lock(&subs_lock);
	s->next = subs;
	subs = zv_ref(s);
	pthread_mutex_unlock(&subs_lock);
	sub_arm(s, expires);
	sub_notify(s, NULL);
out:
	zv_unref(s);
	zv_unref(cfg);
}

/* ---- bus events ---------------------------------------------------------------- */

struct sub_msg {
	struct sub *sub;
	int extstate;
	bool has_state;
};

static void sub_msg_run(void *arg)
{
	struct sub_msg *msg = arg;
	struct sub *s = msg->sub;
	if (!s->dead && msg->has_state && msg->extstate < 0) {
		/* The hint or its extension was removed. */
		zv_verb(3, "Subscription %s: hint %s@%s removed", s->call_id, s->resource,
			s->context);
		sub_notify(s, "noresource");
		sub_end(s);
	} else if (!s->dead) {
		if (msg->has_state) {
			pthread_mutex_lock(&subs_lock);
			s->extstate = msg->extstate;
			pthread_mutex_unlock(&subs_lock);
		}
		sub_notify(s, NULL);
	}
	zv_unref(s);
	free(msg);
}

/* Post a NOTIFY job for s (subs_lock held). */
static void post_notify(struct sub *s, bool has_state, int extstate)
{
	struct sub_msg *msg = malloc(sizeof(*msg));
	if (!msg)
		return;
	*msg = (struct sub_msg){zv_ref(s), extstate, has_state};
	if (zv_loop_post(s->loop, sub_msg_run, msg) < 0) {
		zv_unref(s);
		free(msg);
	}
}

/* Unsolicited MWI: a NOTIFY outside any dialog to one registered contact. */
struct unsol {
	char *uri;
	char *account;
	struct sip_target target;
	unsigned new_msgs, old_msgs;
};

static void unsol_done(void *arg, struct sip_ctsx *ct, unsigned status, const struct sip_rx *rx)
{
	if (status >= 200)
		zv_debug(1, "Unsolicited MWI NOTIFY: %u", status);
}

static void unsol_free(struct unsol *u)
{
	free(u->uri);
	free(u->account);
	if (u->target.conn)
		sip_conn_unref(u->target.conn);
	free(u);
}

static void unsol_run(void *arg)
{
	struct unsol *u = arg;
	char callid[64], branch[40], tag[16], hp[80];
	sip_new_callid(callid, sizeof(callid));
	sip_new_branch(branch, sizeof(branch));
	sip_random_token(tag, sizeof(tag));
	if (!u->target.tp || sip_uac_local_hostport(u->target.tp, &u->target.addr, hp, sizeof(hp))) {
		unsol_free(u);
		return;
	}
	struct sip_buf body, hdrs, req, from, to, contact;
	sip_buf_init(&body);
	sip_buf_init(&hdrs);
	sip_buf_init(&req);
	sip_buf_init(&from);
	sip_buf_init(&to);
	sip_buf_init(&contact);
	sip_mwi_body(&body, u->account, u->new_msgs, u->old_msgs);
	sip_notify_headers(&hdrs, SIP_PKG_MWI, NULL, SUB_DEFAULT_EXPIRES, NULL);
	sip_buf_printf(&from, "<%s>;tag=%s", u->account, tag);
	sip_buf_printf(&to, "<%s>", u->uri);
	sip_buf_printf(&contact, "sip:%s%s", hp, sip_uac_transport_param(u->target.tp));
	struct sip_uac_request r = {
		.method = "NOTIFY",
		.ruri = u->uri,
		.transport = sip_tp_proto_name(sip_tp_proto(u->target.tp)),
		.via_hostport = hp,
		.branch = branch,
		.from = from.p,
		.to = to.p,
		.call_id = callid,
		.cseq = 1,
		.contact = contact.p,
		.extra = hdrs.p,
		.ctype = sip_pkg_ctype(SIP_PKG_MWI),
		.body = body.p,
	};
	bool oom = body.oom || hdrs.oom || from.oom || to.oom || contact.oom;
	if (!oom && !sip_uac_build_request(&r, &req))
		sip_ctsx_send(&u->target, SIP_METHOD_NOTIFY, branch, req.p, req.len, unsol_done, NULL,
			      NULL);
	sip_buf_free(&body);
	sip_buf_free(&hdrs);
	sip_buf_free(&req);
	sip_buf_free(&from);
	sip_buf_free(&to);
	sip_buf_free(&contact);
	unsol_free(u);
}

/*
 * Send unsolicited MWI for target contact c.  Exposed through the
 * registrar's contact walk; may be called for any target.
 */
static int unsol_contact(void *arg, const struct sip_registrar_contact *c)
{
	const char *mailbox = arg;
	struct unsol *u = calloc(1, sizeof(*u));
	if (!u)
		return 0;
	char user[128];
	snprintf(user, sizeof(user), "%s", mailbox);
	char *at = strchr(user, '@');
	if (at)
		*at = '\0';
	u->uri = strdup(c->uri);
	char host[80];
	sip_sockaddr_str(&c->target.addr, host, sizeof(host));
	if (asprintf(&u->account, "sip:%s@%s", user, host) < 0)
		u->account = NULL;
	u->target = c->target;
	u->target.conn = c->target.conn ? sip_conn_ref(c->target.conn) : NULL;
	if (!u->target.tp)
		u->target.tp = sip_tp_find_proto(SIP_TP_UDP);
	unsigned n, o;
	char *names[1] = {(char *)mailbox};
	mwi_sum(names, 1, &n, &o);
	u->new_msgs = n;
	u->old_msgs = o;
	if (!u->uri || !u->account || zv_loop_post(sip__pubsub_worker(), unsol_run, u) < 0)
		unsol_free(u);
	return 0;
}

static bool mailbox_listed(const char *const *list, size_t n, const char *mailbox)
{
	for (size_t i = 0; i < n; i++) {
		char buf[256];
		if (!strcasecmp(mailbox_norm(list[i], buf, sizeof(buf)), mailbox))
			return true;
	}
	return false;
}

static void unsolicited_mwi(const char *mailbox)
{
	struct sip_config *cfg = sip_config_ref_current();
	size_t n = cfg ? sip_config_endpoint_count(cfg) : 0;
	for (size_t i = 0; i < n; i++) {
		const struct sip_endpoint *ep = sip_config_endpoint_at(cfg, i);
		if (!mailbox_listed(ep->mailboxes, ep->nmailboxes, mailbox))
			continue;
		bool subscribed = false;
		pthread_mutex_lock(&subs_lock);
		for (struct sub *s = subs; s && !subscribed; s = s->next)
			subscribed = s->pkg == SIP_PKG_MWI && !strcasecmp(s->endpoint, ep->def.name);
		pthread_mutex_unlock(&subs_lock);
		if (!subscribed)
			sip_registrar_foreach_endpoint(ep->def.name, unsol_contact, (void *)mailbox);
	}
	zv_unref(cfg);
}

static void on_mwi_event(struct zv_event *ev)
{
	const char *mb = zv_event_get(ev, "Mailbox");
	const char *nv = zv_event_get(ev, "New");
	const char *ov = zv_event_get(ev, "Old");
	if (!mb || !*mb)
		return;
	char name[256];
	mailbox_norm(mb, name, sizeof(name));
	mwi_store(name, nv ? (unsigned)strtoul(nv, NULL, 10) : 0,
		  ov ? (unsigned)strtoul(ov, NULL, 10) : 0);
	if (!atomic_load(&running))
		return;
	pthread_mutex_lock(&subs_lock);
	for (struct sub *s = subs; s; s = s->next)
		if (s->pkg == SIP_PKG_MWI && mailbox_listed((const char *const *)s->mailboxes,
							    s->nmailboxes, name))
			post_notify(s, false, 0);
	pthread_mutex_unlock(&subs_lock);
	unsolicited_mwi(name);
}

static void on_extstate_event(struct zv_event *ev)
{
	const char *exten = zv_event_get(ev, "Exten");
	const char *context = zv_event_get(ev, "Context");
	const char *status = zv_event_get(ev, "Status");
	if (!exten || !context || !status || !atomic_load(&running))
		return;
	int state = (int)strtol(status, NULL, 10);
	pthread_mutex_lock(&subs_lock);
	for (struct sub *s = subs; s; s = s->next)
		if (s->pkg != SIP_PKG_MWI && !strcmp(s->resource, exten) &&
		    !strcasecmp(s->context, context))
			post_notify(s, true, state);
	pthread_mutex_unlock(&subs_lock);
}

static void on_event(void *arg, struct zv_event *ev)
{
	if (ev->type == ZV_EVENT_MWI)
		on_mwi_event(ev);
	else if (ev->type == ZV_EVENT_EXTENSION_STATE)
		on_extstate_event(ev);
}

/* ---- CLI ----------------------------------------------------------------------- */

static const char *sub_type_name(enum sip_pkg pkg)
{
	switch (pkg) {
	case SIP_PKG_MWI:
		return "mwi";
	case SIP_PKG_DIALOG:
		return "dialog-info+xml";
	default:
		return "pidf+xml";
	}
}

static enum zv_cli_result cli_sip_show_subs(struct zv_cli_req *req, int argc, char **argv)
{
	static const char fmt[] = "%-15.15s  %-10.10s  %-15.15s  %-15.15s  %-13.13s  %-15.15s "
				  "%-10.10s %-6.6s\n";
	zv_cli_printf(req, fmt, "Peer", "User", "Call ID", "Extension", "Last state", "Type",
		      "Mailbox", "Expiry");
	unsigned n = 0;
	pthread_mutex_lock(&subs_lock);
	for (struct sub *s = subs; s; s = s->next) {
		char exp[16], ext[96];
		snprintf(exp, sizeof(exp), "%06u", sub_remaining(s));
		snprintf(ext, sizeof(ext), "%s@%s", s->resource, s->context);
		bool mwi = s->pkg == SIP_PKG_MWI;
		zv_cli_printf(req, fmt, s->peer, s->endpoint, s->call_id, mwi ? "--" : ext,
			      mwi ? "Unknown" : zv_extstate_str(s->extstate), sub_type_name(s->pkg),
			      mwi && s->nmailboxes ? s->mailboxes[0] : "<none>", exp);
		n++;
	}
	pthread_mutex_unlock(&subs_lock);
	zv_cli_printf(req, "%u active SIP subscription%s\n", n, n == 1 ? "" : "s");
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_pjsip_show_subs(struct zv_cli_req *req, int argc, char **argv)
{
	static const char fmt[] = " %-16.16s  %-40.40s  %-36.36s  %s\n";
	zv_cli_printf(req, "\n");
	zv_cli_printf(req, fmt, "<Endpoint......>", "<Resource/Event.......................>",
		      "<Call-ID...........................>", "<Expiry>");
	zv_cli_printf(req, "=========================================================="
			   "=================================================\n\n");
	unsigned n = 0;
	pthread_mutex_lock(&subs_lock);
	for (struct sub *s = subs; s; s = s->next) {
		char res[160], exp[16];
		snprintf(res, sizeof(res), "%s/%s", s->resource, sip_pkg_name(s->pkg));
		snprintf(exp, sizeof(exp), "%u", sub_remaining(s));
		zv_cli_printf(req, fmt, s->endpoint, res, s->call_id, exp);
		n++;
	}
	pthread_mutex_unlock(&subs_lock);
	zv_cli_printf(req, "\nObjects found: %u\n\n", n);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_mwi_set(struct zv_cli_req *req, int argc, char **argv)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 3)
		return ZV_CLI_SHOWUSAGE;
	char *end1, *end2;
	unsigned long n = strtoul(argv[nf + 1], &end1, 10);
	unsigned long o = strtoul(argv[nf + 2], &end2, 10);
	if (*end1 || *end2 || n > 1000000 || o > 1000000)
		return ZV_CLI_SHOWUSAGE;
	char name[256];
	mailbox_norm(argv[nf], name, sizeof(name));
	struct zv_event *ev = zv_event_alloc(ZV_EVENT_MWI, "MessageWaiting");
	if (!ev || zv_event_add(ev, "Mailbox", "%s", name) ||
	    zv_event_add(ev, "Waiting", "%s", n ? "yes" : "no") ||
	    zv_event_add(ev, "New", "%lu", n) || zv_event_add(ev, "Old", "%lu", o)) {
		zv_unref(ev);
		return ZV_CLI_FAILURE;
	}
	zv_event_publish(ev);
	zv_unref(ev);
	zv_cli_printf(req, "Mailbox %s: %lu new, %lu old\n", name, n, o);
	return ZV_CLI_SUCCESS;
}

static const struct zv_cli_cmd pubsub_cli[] = {
	{"pjsip show subscriptions inbound", "Show inbound subscriptions",
	 "Usage: pjsip show subscriptions inbound\n"
	 "       Lists the subscriptions Zvonok serves as a notifier.\n",
	 cli_pjsip_show_subs},
	{"sip show subscriptions", "List active SIP subscriptions",
	 "Usage: sip show subscriptions\n       Lists active SIP subscriptions.\n",
	 cli_sip_show_subs},
	{"mwi set", "Set a mailbox's message counts",
	 "Usage: mwi set <mailbox[@context]> <new> <old>\n"
	 "       Publishes a MessageWaiting event, as voicemail does.\n",
	 cli_mwi_set},
	{"sip send message", "Send a SIP MESSAGE",
	 "Usage: sip send message <to-uri> <text...>\n"
	 "       Sends a MESSAGE (text/plain) as a client transaction.\n",
	 sip__message_cli_send},
	{NULL},
};

/* ---- module --------------------------------------------------------------------- */

static void end_all_on_worker(void *arg)
{
	struct zv_loop *me = zv_loop_current();
	for (;;) {
		struct sub *s = NULL;
		pthread_mutex_lock(&subs_lock);
		for (struct sub *x = subs; x; x = x->next)
			if (x->loop == me) {
				s = zv_ref(x);
				break;
			}
		pthread_mutex_unlock(&subs_lock);
		if (!s)
			break;
		sub_notify(s, "noresource");
		sub_end(s);
		/* The NOTIFY's transaction no longer calls back. */
		for (unsigned i = 0; i < SUB_MAX_PENDING; i++)
			if (s->pending[i]) {
				sip_ctsx_abandon(s->pending[i]);
				s->pending[i] = NULL;
				zv_unref(s);
			}
		zv_unref(s);
	}
}

static int pubsub_load(struct zv_module *mod)
{
	if (!zv_event_subscribe(mod, ZV_EVENT_MASK(ZV_EVENT_MWI) |
					     ZV_EVENT_MASK(ZV_EVENT_EXTENSION_STATE),
				NULL, on_event, NULL, NULL))
		return -ENOMEM;
	return zv_cli_register(mod, pubsub_cli);
}

static int pubsub_start(struct zv_module *mod)
{
	atomic_store(&running, true);
	sip_method_handler_set(SIP_METHOD_SUBSCRIBE, on_subscribe);
	sip_method_handler_set(SIP_METHOD_MESSAGE, sip__message_rx);
	return 0;
}

static void pubsub_stop(struct zv_module *mod)
{
	atomic_store(&running, false);
	sip_method_handler_set(SIP_METHOD_SUBSCRIBE, NULL);
	sip_method_handler_set(SIP_METHOD_MESSAGE, NULL);
	sip__on_all_workers(end_all_on_worker);
}

static void pubsub_unload(struct zv_module *mod)
{
	mwi_clear();
}

ZV_MODULE(sip_pubsub) = {
	.summary = "SIP subscriptions (MWI, BLF, presence) and MESSAGE",
	.requires = "sip,devstate",
	.load = pubsub_load,
	.start = pubsub_start,
	.stop = pubsub_stop,
	.unload = pubsub_unload,
};
