/*
 * The "sip_outbound" module: outbound registrations (pjsip.conf
 * type=registration, sip.conf register => lines).  Zvonok registers its
 * contact with a registrar or ITSP, keeps it refreshed, answers digest
 * challenges with the registration's outbound auth, retries after
 * failures as Asterisk does, and unregisters when the module stops.
 *
 * DESIGN
 * Each registration is owned by one worker: the start is posted to worker
 * i (round robin) and picks its Call-ID there with sip_new_callid(), so
 * the responses to every REGISTER (same Call-ID, CSeq + 1 each time, same
 * From tag) come back to that worker.  One timer per registration serves
 * refreshes and retries; one client transaction at most is in flight.
 * A host name in server_uri (or outbound_proxy) is resolved on the
 * blocking pool, whose completion runs on the owner worker.
 *
 * Timing (Asterisk's res_pjsip_outbound_registration): the refresh is sent
 * `expiration - 10` seconds after a 2xx (half the granted time when that
 * is 20 s or less); a timeout or a 5xx/6xx retry after retry_interval, at
 * most max_retries times; 403 retries after forbidden_retry_interval when
 * set, otherwise it is final; other 4xx retry after fatal_retry_interval
 * when set; a challenge answered with our credentials that is challenged
 * again is a rejection (permanent with auth_rejection_permanent).  423
 * takes the registrar's Min-Expires.
 *
 * The registrations in force are those of the configuration at start;
 * changes on reload take effect at the next restart.  The CLI reads the
 * shown fields under reg_lock; workers write them under it.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define ZV_LOG_MODULE "sip_outbound"
#include <zvonok/cli.h>
#include <zvonok/event.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/module.h>
#include <zvonok/obj.h>

#include "sip/config/sip_config.h"
#include "sip/core/sip.h"
#include "sip/core/sip_module.h"
#include "sip/outbound/uac.h"
#include "sip/parser/sip_uri.h"

#define REFRESH_MARGIN 10u
#define UNREGISTER_WAIT_MS 2000

enum oreg_state {
	OREG_UNREGISTERED,
	OREG_REQ_SENT,
	OREG_AUTH_SENT,
	OREG_REGISTERED,
	OREG_REJECTED,
	OREG_TIMEOUT,
	OREG_NOAUTH,
	OREG_FAILED,
	OREG_STOPPED,
};

struct oreg {
	const struct sip_registration *reg; /* borrowed from cfg */
	struct zv_loop *loop;
	/* owner worker */
	char callid[80], tag[16];
	uint32_t cseq;
	unsigned retries;
	unsigned expires_req; /* what we ask for */
	bool challenged; /* the last request carried our answer */
	bool unregistering;
	bool resolved;
	struct sip_target target;
	char host[256];
	uint16_t port;
	int resolve_err;
	struct sip_ctsx *ct;
	struct zv_timer timer;
	bool timer_init;
	/* under reg_lock */
	enum oreg_state state;
	unsigned granted; /* seconds granted by the last 2xx */
	time_t next_at; /* next refresh/retry, 0: none */
	time_t reg_time; /* last successful registration */
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reg_cond = PTHREAD_COND_INITIALIZER;
static unsigned unreg_pending;
static struct oreg *regs;
static size_t nregs;
static struct sip_config *regs_cfg;

static const char *state_pjsip(enum oreg_state s)
{
	switch (s) {
	case OREG_REGISTERED:
		return "Registered";
	case OREG_REJECTED:
	case OREG_NOAUTH:
	case OREG_FAILED:
		return "Rejected";
	case OREG_STOPPED:
		return "Stopped";
	default:
		return "Unregistered";
	}
}

static const char *state_sip(enum oreg_state s)
{
	switch (s) {
	case OREG_REQ_SENT:
		return "Request Sent";
	case OREG_AUTH_SENT:
		return "Auth. Sent";
	case OREG_REGISTERED:
		return "Registered";
	case OREG_REJECTED:
		return "Rejected";
	case OREG_TIMEOUT:
		return "Timeout";
	case OREG_NOAUTH:
		return "No Authentication";
	case OREG_FAILED:
		return "Failed";
	case OREG_STOPPED:
		return "Stopped";
	default:
		return "Unregistered";
	}
}

static bool is_sipconf(const struct oreg *o)
{
	return o->reg->def.kind == SIP_CONF_SIP;
}

static void set_state(struct oreg *o, enum oreg_state s, unsigned granted)
{
	pthread_mutex_lock(&reg_lock);
	enum oreg_state old = o->state;
	o->state = s;
	if (s == OREG_REGISTERED) {
		o->granted = granted;
		o->reg_time = time(NULL);
	}
	pthread_mutex_unlock(&reg_lock);
	bool announce = s == OREG_REGISTERED || s == OREG_REJECTED || s == OREG_NOAUTH ||
			s == OREG_FAILED || (s == OREG_UNREGISTERED && old != s);
	if (!announce || (s == old && s != OREG_REGISTERED))
		return;
	/* AMI Registry event. */
	char user[128] = "", domain[256] = "";
	struct sip_uri u;
	const char *cu = o->reg->client_uri, *su = o->reg->server_uri;
	if (is_sipconf(o) && !sip_uri_parse(zv_str_c(cu), &u)) {
		zv_str_copy(u.user, user, sizeof(user));
		uint16_t port;
		sip_uac_uri_hostport(su, domain, sizeof(domain), &port);
	} else {
		snprintf(user, sizeof(user), "%s", cu);
		snprintf(domain, sizeof(domain), "%s", su);
	}
	struct zv_event *ev = zv_event_alloc(ZV_EVENT_REGISTRATION, "Registry");
	if (ev && !zv_event_add(ev, "ChannelType", "%s", is_sipconf(o) ? "SIP" : "PJSIP") &&
	    !zv_event_add(ev, "Username", "%s", user) &&
	    !zv_event_add(ev, "Domain", "%s", domain) &&
	    !zv_event_add(ev, "Status", "%s", is_sipconf(o) ? state_sip(s) : state_pjsip(s)))
		zv_event_publish(ev);
	zv_unref(ev);
}

static void send_register(struct oreg *o, const char *auth_line);

static void timer_fired(void *arg)
{
	struct oreg *o = arg;
	pthread_mutex_lock(&reg_lock);
	o->next_at = 0;
	pthread_mutex_unlock(&reg_lock);
	o->challenged = false;
	send_register(o, NULL);
}

static void schedule(struct oreg *o, unsigned seconds)
{
	if (!o->timer_init) {
		zv_timer_init(&o->timer, o->loop, timer_fired, o);
		o->timer_init = true;
	}
	pthread_mutex_lock(&reg_lock);
	o->next_at = time(NULL) + seconds;
	pthread_mutex_unlock(&reg_lock);
	zv_timer_start(&o->timer, seconds * 1000u, 0);
}

static void unschedule(struct oreg *o)
{
	if (o->timer_init)
		zv_timer_stop(&o->timer);
	pthread_mutex_lock(&reg_lock);
	o->next_at = 0;
	pthread_mutex_unlock(&reg_lock);
}

static void unreg_finished(struct oreg *o)
{
	if (!o->unregistering)
		return;
	o->unregistering = false;
	pthread_mutex_lock(&reg_lock);
	if (unreg_pending) {
		unreg_pending--;
		pthread_cond_broadcast(&reg_cond);
	}
	pthread_mutex_unlock(&reg_lock);
}

/* Retry after a temporary failure, or give up after max_retries. */
static void retry_later(struct oreg *o, unsigned interval, enum oreg_state fail_state)
{
	const struct sip_registration *r = o->reg;
	if (interval && (r->max_retries == UINT_MAX || o->retries < r->max_retries)) {
		o->retries++;
		zv_verb(3, "Registration '%s': retrying in %u s (attempt %u)", r->def.name,
			interval, o->retries);
		schedule(o, interval);
		return;
	}
	zv_warn("Registration '%s' to %s failed permanently", r->def.name, r->server_uri);
	set_state(o, fail_state, 0);
}

/* The Expires granted to our Contact by a 2xx. */
static unsigned granted_expires(const struct oreg *o, const struct sip_rx *rx, const char *contact)
{
	unsigned granted = o->expires_req;
	const struct sip_hdr *h = sip_msg_hdr(&rx->msg, SIP_HDR_EXPIRES);
	uint32_t v;
	if (h && !sip_uint_parse(h->value, UINT32_MAX, &v))
		granted = v;
	struct sip_value_iter it;
	struct zv_str val;
	sip_value_iter_init(&it, &rx->msg, SIP_HDR_CONTACT);
	while (sip_value_iter_next(&it, &val) > 0) {
		struct sip_addr a;
		struct zv_str e;
		if (sip_addr_parse(val, &a) || !zv_str_eq_cstr_ci(a.uri, contact))
			continue;
		if (!sip_param_find(a.params, "expires", &e) &&
		    !sip_uint_parse(e, UINT32_MAX, &v))
			granted = v;
	}
	return granted;
}

static bool answer_challenge(struct oreg *o, const struct sip_rx *rx)
{
	const struct sip_registration *r = o->reg;
	struct sip_uac_cred creds[8];
	size_t n = 0;
	for (size_t i = 0; i < r->noutbound_auths && n < 8; i++, n++) {
		const struct sip_auth *a = r->outbound_auths[i];
		creds[n] = (struct sip_uac_cred){a->username, a->password, a->md5_cred, a->realm};
	}
	struct sip_buf line;
	sip_buf_init(&line);
	int err = n ? sip_uac_authorize(rx, "REGISTER", r->server_uri, creds, n, &line) : -ENOENT;
	if (!err) {
		o->challenged = true;
		if (!o->unregistering)
			set_state(o, OREG_AUTH_SENT, 0);
		send_register(o, line.p);
	}
	sip_buf_free(&line);
	return err == 0;
}

static void on_response(void *arg, struct sip_ctsx *ct, unsigned status, const struct sip_rx *rx)
{
	struct oreg *o = arg;
	const struct sip_registration *r = o->reg;
	if (status < 200)
		return;
	o->ct = NULL;
	bool was_challenged = o->challenged;
	o->challenged = false;
	if ((status == 401 || status == 407) && rx && !was_challenged) {
		if (answer_challenge(o, rx))
			return;
	}
	if (o->unregistering) {
		zv_verb(3, "Registration '%s': unregistered (%u)", r->def.name, status);
		set_state(o, OREG_UNREGISTERED, 0);
		unreg_finished(o);
		return;
	}
	if (status < 300) {
		char hp[80], contact[300];
		sip_uac_local_hostport(o->target.tp, &o->target.addr, hp, sizeof(hp));
		snprintf(contact, sizeof(contact), "sip:%s@%s%s", r->contact_user ? r->contact_user : "s",
			 hp, sip_uac_transport_param(o->target.tp));
		unsigned granted = rx ? granted_expires(o, rx, contact) : o->expires_req;
		o->retries = 0;
		if (granted == 0) {
			set_state(o, OREG_UNREGISTERED, 0);
			return;
		}
		zv_verb(3, "Registration '%s' to %s: registered for %u s", r->def.name,
			r->server_uri, granted);
		set_state(o, OREG_REGISTERED, granted);
		schedule(o, granted > 2 * REFRESH_MARGIN ? granted - REFRESH_MARGIN : granted / 2 + 1);
		return;
	}
	zv_notice("Registration '%s' to %s: %u %.*s", r->def.name, r->server_uri, status,
		  rx ? (int)rx->msg.reason.len : 0, rx ? rx->msg.reason.p : "");
	if (status == 401 || status == 407) {
		/* Our answer was refused, or we have no credentials. */
		if (r->auth_rejection_permanent)
			set_state(o, OREG_NOAUTH, 0);
		else
			retry_later(o, r->retry_interval, OREG_NOAUTH);
		return;
	}
	if (status == 423 && rx) {
		const struct sip_hdr *h = sip_msg_hdr(&rx->msg, SIP_HDR_MIN_EXPIRES);
		uint32_t v;
		if (h && !sip_uint_parse(h->value, 86400 * 7, &v) && v > o->expires_req) {
			o->expires_req = v;
			send_register(o, NULL);
			return;
		}
	}
	if (status == 408 || status == 503 || status >= 500) {
		set_state(o, status == 408 ? OREG_TIMEOUT : OREG_UNREGISTERED, 0);
		retry_later(o, r->retry_interval, OREG_REJECTED);
		return;
	}
	if (status == 403) {
		set_state(o, OREG_REJECTED, 0);
		if (r->forbidden_retry_interval)
			retry_later(o, r->forbidden_retry_interval, OREG_REJECTED);
		return;
	}
	set_state(o, OREG_REJECTED, 0);
	if (r->fatal_retry_interval)
		retry_later(o, r->fatal_retry_interval, OREG_REJECTED);
}

static void send_register(struct oreg *o, const char *auth_line)
{
	const struct sip_registration *r = o->reg;
	if (o->ct) {
		sip_ctsx_abandon(o->ct);
		o->ct = NULL;
	}
	if (!o->resolved) {
		set_state(o, OREG_FAILED, 0);
		return;
	}
	char branch[40], hp[80];
	sip_new_branch(branch, sizeof(branch));
	if (sip_uac_local_hostport(o->target.tp, &o->target.addr, hp, sizeof(hp))) {
		retry_later(o, r->retry_interval, OREG_FAILED);
		return;
	}
	unsigned expires = o->unregistering ? 0 : o->expires_req;
	char from[512], to[512], contact[300], extra[256];
	snprintf(from, sizeof(from), "<%s>;tag=%s", r->client_uri, o->tag);
	snprintf(to, sizeof(to), "<%s>", r->client_uri);
	snprintf(contact, sizeof(contact), "sip:%s@%s%s", r->contact_user ? r->contact_user : "s", hp,
		 sip_uac_transport_param(o->target.tp));
	snprintf(extra, sizeof(extra), "Expires: %u\r\nAllow: OPTIONS, SUBSCRIBE, NOTIFY, INVITE, "
				       "ACK, BYE, CANCEL, MESSAGE, REFER\r\n",
		 expires);
	char route[300] = "";
	if (r->outbound_proxy && *r->outbound_proxy)
		snprintf(route, sizeof(route), "Route: <%s%s>\r\n", r->outbound_proxy,
			 strstr(r->outbound_proxy, ";lr") ? "" : ";lr");
	struct sip_buf req, ex;
	sip_buf_init(&req);
	sip_buf_init(&ex);
	sip_buf_printf(&ex, "%s%s", extra, auth_line ? auth_line : "");
	struct sip_uac_request rq = {
		.method = "REGISTER",
		.ruri = r->server_uri,
		.transport = sip_tp_proto_name(sip_tp_proto(o->target.tp)),
		.via_hostport = hp,
		.branch = branch,
		.route_lines = route,
		.from = from,
		.to = to,
		.call_id = o->callid,
		.cseq = ++o->cseq,
		.contact = contact,
		.extra = ex.p,
	};
	int err = ex.oom ? -ENOMEM : sip_uac_build_request(&rq, &req);
	if (!err)
		err = sip_ctsx_send(&o->target, SIP_METHOD_REGISTER, branch, req.p, req.len,
				    on_response, o, &o->ct);
	sip_buf_free(&req);
	sip_buf_free(&ex);
	if (err) {
		zv_warn("Registration '%s': cannot send REGISTER: %s", r->def.name, strerror(-err));
		if (o->unregistering) {
			unreg_finished(o);
			return;
		}
		set_state(o, OREG_UNREGISTERED, 0);
		retry_later(o, r->retry_interval, OREG_FAILED);
		return;
	}
	if (!auth_line && !o->unregistering)
		set_state(o, OREG_REQ_SENT, 0);
}

/* ---- start: resolve, then register ------------------------------------------- */

/*
 * A look-up on the blocking pool.  It owns its data and names its
 * registration by index and generation, because the module may stop (and
 * free regs) before it completes: regs_gen changes at every stop.
 */
struct resolve_job {
	size_t idx;
	unsigned gen;
	char host[256];
	uint16_t port;
	struct sip_sockaddr addr;
	int err;
};

static atomic_uint regs_gen;

static void resolve_work(void *arg)
{
	struct resolve_job *j = arg;
	j->err = sip_uac_resolve(j->host, j->port, &j->addr);
}

static void resolve_done(void *arg)
{
	struct resolve_job *j = arg;
	if (j->gen != atomic_load(&regs_gen) || j->idx >= nregs) {
		free(j);
		return;
	}
	struct oreg *o = &regs[j->idx];
	o->resolve_err = j->err;
	o->target.addr = j->addr;
	free(j);
	if (o->resolve_err) {
		zv_warn("Registration '%s': cannot resolve %s", o->reg->def.name, o->host);
		set_state(o, OREG_FAILED, 0);
		retry_later(o, o->reg->retry_interval, OREG_FAILED);
		o->resolved = false;
		return;
	}
	o->resolved = true;
	send_register(o, NULL);
}

static struct sip_tp *pick_tp(const struct sip_registration *r)
{
	struct sip_tp *tp = r->transport ? sip_tp_find(r->transport) : NULL;
	if (!tp) {
		enum sip_tp_proto p = r->proto == SIP_PROTO_TCP	  ? SIP_TP_TCP
				      : r->proto == SIP_PROTO_TLS ? SIP_TP_TLS
								  : SIP_TP_UDP;
		const char *uri = r->server_uri;
		if (strstr(uri, "transport=tcp"))
			p = SIP_TP_TCP;
		else if (strstr(uri, "transport=tls"))
			p = SIP_TP_TLS;
		tp = sip_tp_find_proto(p);
	}
	return tp;
}

/* Start (or restart) a registration on its worker. */
static void oreg_begin(struct oreg *o)
{
	const struct sip_registration *r = o->reg;
	o->target.tp = pick_tp(r);
	if (!o->target.tp) {
		zv_warn("Registration '%s': no transport", r->def.name);
		set_state(o, OREG_FAILED, 0);
		return;
	}
	const char *hop = r->outbound_proxy && *r->outbound_proxy ? r->outbound_proxy
								   : r->server_uri;
	int err = sip_uac_uri_addr(hop, &o->target.addr);
	if (err == 0) {
		o->resolved = true;
		send_register(o, NULL);
		return;
	}
	if (err == -EAGAIN && !sip_uac_uri_hostport(hop, o->host, sizeof(o->host), &o->port)) {
		struct resolve_job *j = calloc(1, sizeof(*j));
		if (j) {
			j->idx = (size_t)(o - regs);
			j->gen = atomic_load(&regs_gen);
			snprintf(j->host, sizeof(j->host), "%s", o->host);
			j->port = o->port;
			if (zv_pool_submit(resolve_work, resolve_done, j) == 0)
				return;
			free(j);
		}
	}
	zv_warn("Registration '%s': bad server address in %s", r->def.name, hop);
	set_state(o, OREG_FAILED, 0);
}

static void oreg_start(void *arg)
{
	struct oreg *o = arg;
	sip_new_callid(o->callid, sizeof(o->callid));
	sip_random_token(o->tag, sizeof(o->tag));
	o->cseq = 0;
	o->expires_req = o->reg->expiration ? o->reg->expiration : 3600;
	oreg_begin(o);
}

/* ---- stop: unregister, wait a little, free ----------------------------------- */

static void unreg_on_worker(void *arg)
{
	struct zv_loop *me = zv_loop_current();
	for (size_t i = 0; i < nregs; i++) {
		struct oreg *o = &regs[i];
		if (o->loop != me)
			continue;
		unschedule(o);
		pthread_mutex_lock(&reg_lock);
		bool registered = o->state == OREG_REGISTERED;
		pthread_mutex_unlock(&reg_lock);
		if (!registered || !o->resolved) {
			if (o->ct) {
				sip_ctsx_abandon(o->ct);
				o->ct = NULL;
			}
			continue;
		}
		o->unregistering = true;
		pthread_mutex_lock(&reg_lock);
		unreg_pending++;
		pthread_mutex_unlock(&reg_lock);
		send_register(o, NULL);
	}
}

static void fini_on_worker(void *arg)
{
	struct zv_loop *me = zv_loop_current();
	for (size_t i = 0; i < nregs; i++) {
		struct oreg *o = &regs[i];
		if (o->loop != me)
			continue;
		if (o->ct) {
			sip_ctsx_abandon(o->ct);
			o->ct = NULL;
		}
		if (o->timer_init) {
			zv_timer_stop(&o->timer);
			zv_timer_fini(&o->timer);
			o->timer_init = false;
		}
		o->unregistering = false;
		pthread_mutex_lock(&reg_lock);
		o->state = OREG_STOPPED;
		pthread_mutex_unlock(&reg_lock);
	}
}

static int outbound_start(struct zv_module *mod)
{
	struct sip_config *cfg = sip_config_ref_current();
	size_t n = cfg ? sip_config_registration_count(cfg) : 0;
	unsigned nw = zv_workers_count();
	if (!n || !nw) {
		zv_unref(cfg);
		return 0;
	}
	regs = calloc(n, sizeof(*regs));
	if (!regs) {
		zv_unref(cfg);
		return -ENOMEM;
	}
	regs_cfg = cfg;
	nregs = n;
	for (size_t i = 0; i < n; i++) {
		struct oreg *o = &regs[i];
		o->reg = sip_config_registration_at(cfg, i);
		o->loop = zv_worker_peek((unsigned)(i % nw));
		o->state = OREG_UNREGISTERED;
		if (zv_loop_post(o->loop, oreg_start, o) < 0)
			o->state = OREG_FAILED;
	}
	return 0;
}

static void outbound_stop(struct zv_module *mod)
{
	if (!regs)
		return;
	atomic_fetch_add(&regs_gen, 1);
	sip__on_all_workers(unreg_on_worker);
	struct timespec until;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += UNREGISTER_WAIT_MS / 1000;
	pthread_mutex_lock(&reg_lock);
	while (unreg_pending)
		if (pthread_cond_timedwait(&reg_cond, &reg_lock, &until))
			break;
	unreg_pending = 0;
	pthread_mutex_unlock(&reg_lock);
	sip__on_all_workers(fini_on_worker);
	pthread_mutex_lock(&reg_lock);
	struct oreg *old = regs;
	regs = NULL;
	nregs = 0;
	pthread_mutex_unlock(&reg_lock);
	free(old);
	regs_cfg = zv_unref(regs_cfg);
}

/* ---- CLI --------------------------------------------------------------------- */

static void auth_name(const struct sip_registration *r, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < r->noutbound_auths; i++) {
		size_t len = strlen(buf);
		snprintf(buf + len, size - len, "%s%s", i ? "," : "", r->outbound_auths[i]->def.name);
	}
	if (!buf[0])
		snprintf(buf, size, "n/a");
}

static enum zv_cli_result cli_pjsip_show(struct zv_cli_req *req, int argc, char **argv)
{
	zv_cli_printf(req, "\n <Registration/ServerURI..............................>  "
			   "<Auth....................>  <Status.......>\n"
			   "=================================================================="
			   "========================\n\n");
	unsigned n = 0;
	time_t now = time(NULL);
	pthread_mutex_lock(&reg_lock);
	for (size_t i = 0; i < nregs; i++) {
		struct oreg *o = &regs[i];
		if (is_sipconf(o))
			continue;
		char id[512], auth[128], exp[48] = "";
		snprintf(id, sizeof(id), "%s/%s", o->reg->def.name, o->reg->server_uri);
		auth_name(o->reg, auth, sizeof(auth));
		if (o->state == OREG_REGISTERED && o->next_at > now)
			snprintf(exp, sizeof(exp), "(exp. %llds)", (long long)(o->next_at - now));
		zv_cli_printf(req, " %-54s  %-26s  %-16s%s\n", id, auth, state_pjsip(o->state), exp);
		n++;
	}
	pthread_mutex_unlock(&reg_lock);
	zv_cli_printf(req, "\nObjects found: %u\n\n", n);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_sip_show(struct zv_cli_req *req, int argc, char **argv)
{
	static const char fmt2[] = "%-39.39s %-6.6s %-12.12s  %8.8s %-20.20s %-25.25s\n";
	static const char fmt[] = "%-39.39s %-6.6s %-12.12s  %8u %-20.20s %-25.25s\n";
	zv_cli_printf(req, fmt2, "Host", "dnsmgr", "Username", "Refresh", "State", "Reg.Time");
	unsigned n = 0;
	pthread_mutex_lock(&reg_lock);
	for (size_t i = 0; i < nregs; i++) {
		struct oreg *o = &regs[i];
		if (!is_sipconf(o))
			continue;
		char host[300], hostport[320], user[128] = "", when[64] = "";
		uint16_t port = 0;
		if (sip_uac_uri_hostport(o->reg->server_uri, host, sizeof(host), &port))
			snprintf(host, sizeof(host), "%s", o->reg->server_uri);
		snprintf(hostport, sizeof(hostport), "%s:%u", host, port ? port : 5060);
		struct sip_uri u;
		if (!sip_uri_parse(zv_str_c(o->reg->client_uri), &u))
			zv_str_copy(u.user, user, sizeof(user));
		if (o->reg_time) {
			struct tm tm;
			localtime_r(&o->reg_time, &tm);
			strftime(when, sizeof(when), "%a, %d %b %Y %T", &tm);
		}
		zv_cli_printf(req, fmt, hostport, "N", user,
			      o->granted ? o->granted : o->reg->expiration, state_sip(o->state), when);
		n++;
	}
	pthread_mutex_unlock(&reg_lock);
	zv_cli_printf(req, "%u SIP registrations.\n", n);
	return ZV_CLI_SUCCESS;
}

static void cli_register_now(void *arg)
{
	struct oreg *o = arg;
	unschedule(o);
	o->retries = 0;
	o->challenged = false;
	o->unregistering = false;
	o->expires_req = o->reg->expiration ? o->reg->expiration : 3600;
	if (o->resolved)
		send_register(o, NULL);
	else
		oreg_begin(o);
}

static void cli_unregister_now(void *arg)
{
	struct oreg *o = arg;
	unschedule(o);
	o->challenged = false;
	if (!o->resolved) {
		set_state(o, OREG_UNREGISTERED, 0);
		return;
	}
	/* Not counted in unreg_pending: nobody waits for this one. */
	o->unregistering = true;
	pthread_mutex_lock(&reg_lock);
	unreg_pending++;
	pthread_mutex_unlock(&reg_lock);
	send_register(o, NULL);
}

static enum zv_cli_result cli_send(struct zv_cli_req *req, int argc, char **argv, bool reg)
{
	int nf = zv_cli_nfixed(req);
	if (argc != nf + 1)
		return ZV_CLI_SHOWUSAGE;
	struct oreg *o = NULL;
	for (size_t i = 0; i < nregs && !o; i++)
		if (!strcasecmp(regs[i].reg->def.name, argv[nf]))
			o = &regs[i];
	if (!o) {
		zv_cli_printf(req, "Unable to retrieve registration %s\n", argv[nf]);
		return ZV_CLI_FAILURE;
	}
	if (zv_loop_post(o->loop, reg ? cli_register_now : cli_unregister_now, o) < 0)
		return ZV_CLI_FAILURE;
	if (reg)
		zv_cli_printf(req, "Re-registering %s\n", argv[nf]);
	else
		zv_cli_printf(req, "Unregistering %s\n", argv[nf]);
	return ZV_CLI_SUCCESS;
}

static enum zv_cli_result cli_send_register(struct zv_cli_req *req, int argc, char **argv)
{
	return cli_send(req, argc, argv, true);
}

static enum zv_cli_result cli_send_unregister(struct zv_cli_req *req, int argc, char **argv)
{
	return cli_send(req, argc, argv, false);
}

static const struct zv_cli_cmd outbound_cli[] = {
	{"pjsip show registrations", "Show PJSIP Registrations",
	 "Usage: pjsip show registrations\n       Lists outbound registrations and their state.\n",
	 cli_pjsip_show},
	{"sip show registry", "List SIP registration status",
	 "Usage: sip show registry\n       Lists sip.conf register => lines and their state.\n",
	 cli_sip_show},
	{"pjsip send register", "Registers an outbound registration",
	 "Usage: pjsip send register <registration>\n"
	 "       Sends a REGISTER now (and resets the retry count).\n",
	 cli_send_register},
	{"pjsip send unregister", "Unregisters an outbound registration",
	 "Usage: pjsip send unregister <registration>\n"
	 "       Sends a REGISTER with Expires: 0 and stops refreshing.\n",
	 cli_send_unregister},
	{NULL},
};

static int outbound_load(struct zv_module *mod)
{
	return zv_cli_register(mod, outbound_cli);
}

ZV_MODULE(sip_outbound) = {
	.summary = "SIP outbound registrations",
	.requires = "sip",
	.load = outbound_load,
	.start = outbound_start,
	.stop = outbound_stop,
};
