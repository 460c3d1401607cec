/*
 * Qualify: OPTIONS to every contact whose AOR has qualify_frequency, the
 * round trip measured, the contact marked Reachable or Unreachable.
 *
 * DESIGN
 * Every worker runs a 1 s timer and qualifies the contacts assigned to it
 * (contact id modulo the number of workers), so the work is spread and
 * each OPTIONS is a client transaction on the worker that owns its fresh
 * Call-ID (sip_new_callid()).  Due contacts are copied out under the store
 * lock and marked busy; the requests are sent after the lock is released.
 * The answer (any final response counts as reachable, as Asterisk does)
 * or the AOR's qualify_timeout (default 3 s; the transaction is then
 * abandoned) sets the status; a change is announced as a ContactStatus
 * event and a device state.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ZV_LOG_MODULE "sip_registrar"
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/obj.h>

#include "sip/config/sip_config.h"
#include "sip/core/sip_module.h"
#include "sip/registrar/reg_int.h"

struct qjob;

struct qworker {
	struct zv_timer timer;
	unsigned idx, n;
	bool on;
	struct qjob *jobs; /* in flight, for stop */
};

static _Thread_local struct qworker *qw;

struct qjob {
	struct qjob *prev, *next;
	uint64_t id;
	char *uri, *endpoint, *path;
	struct sip_target target;
	char tp_name[48];
	unsigned freq_s, timeout_ms;
	uint64_t sent_us;
	struct sip_ctsx *ct;
	struct zv_timer timeout;
	bool timer_on;
};

static void job_free(struct qjob *j)
{
	if (qw) {
		if (j->prev)
			j->prev->next = j->next;
		else if (qw->jobs == j)
			qw->jobs = j->next;
		if (j->next)
			j->next->prev = j->prev;
	}
	if (j->timer_on)
		zv_timer_fini(&j->timeout);
	free(j->uri);
	free(j->endpoint);
	free(j->path);
	zv_unref(j->target.conn);
	free(j);
}

static void job_finish(struct qjob *j, bool reachable)
{
	struct reg_store *s = reg_store_peek();
	int64_t rtt = reachable ? (int64_t)(reg_now_us() - j->sent_us) : -1;
	struct reg_change *changes = NULL;
	if (s)
		reg_store_set_status(s, j->id,
				     reachable ? SIP_CONTACT_REACHABLE : SIP_CONTACT_UNREACHABLE,
				     rtt, reg_mono_ms() + (uint64_t)j->freq_s * 1000u, &changes);
	reg_announce(changes);
	job_free(j);
}

static void on_response(void *arg, struct sip_ctsx *ct, unsigned status, const struct sip_rx *rx)
{
	struct qjob *j = arg;
	if (status < 200)
		return;
	/* rx NULL: timeout (408) or transport error (503). */
	job_finish(j, rx != NULL);
}

static void on_timeout(void *arg)
{
	struct qjob *j = arg;
	if (j->ct)
		sip_ctsx_abandon(j->ct);
	job_finish(j, false);
}

/* Our address as the target sees it: the transport's, or the kernel's
 * choice of source when bound to a wildcard. */
static void local_addr(const struct sip_target *t, char *buf, size_t size)
{
	struct sip_sockaddr l = *sip_tp_local(t->tp);
	bool any = (l.ss.ss_family == AF_INET &&
		    ((struct sockaddr_in *)&l.ss)->sin_addr.s_addr == htonl(INADDR_ANY)) ||
		   (l.ss.ss_family == AF_INET6 &&
		    IN6_IS_ADDR_UNSPECIFIED(&((struct sockaddr_in6 *)&l.ss)->sin6_addr));
	if (any) {
		int fd = socket(t->addr.ss.ss_family, SOCK_DGRAM, 0);
		struct sip_sockaddr me = {.len = sizeof(me.ss)};
		if (fd >= 0 && connect(fd, (const struct sockaddr *)&t->addr.ss, t->addr.len) == 0 &&
		    getsockname(fd, (struct sockaddr *)&me.ss, &me.len) == 0) {
			uint16_t port = sip_sockaddr_port(&l);
			if (me.ss.ss_family == AF_INET)
				((struct sockaddr_in *)&me.ss)->sin_port = htons(port);
			else
				((struct sockaddr_in6 *)&me.ss)->sin6_port = htons(port);
			l = me;
		}
		if (fd >= 0)
			close(fd);
	}
	sip_sockaddr_str(&l, buf, size);
}

static void send_options(struct qjob *j)
{
	if (!j->target.tp)
		j->target.tp = sip_tp_find(j->tp_name);
	if (!j->target.tp) {
		job_finish(j, false);
		return;
	}
	char branch[64], callid[96], tag[16], local[96];
	sip_new_branch(branch, sizeof(branch));
	sip_new_callid(callid, sizeof(callid));
	sip_random_token(tag, sizeof(tag));
	local_addr(&j->target, local, sizeof(local));
	struct sip_buf b;
	sip_buf_init(&b);
	sip_buf_printf(&b,
		       "OPTIONS %s SIP/2.0\r\n"
		       "Via: SIP/2.0/%s %s;rport;branch=%s\r\n"
		       "Max-Forwards: 70\r\n",
		       j->uri, sip_tp_proto_name(sip_tp_proto(j->target.tp)), local, branch);
	if (j->path[0])
		sip_buf_printf(&b, "Route: %s\r\n", j->path);
	sip_buf_printf(&b,
		       "From: <sip:%s@%s>;tag=%s\r\n"
		       "To: <%s>\r\n"
		       "Contact: <sip:%s@%s>\r\n"
		       "Call-ID: %s\r\n"
		       "CSeq: 1 OPTIONS\r\n"
		       "User-Agent: %s\r\n"
		       "Content-Length: 0\r\n\r\n",
		       j->endpoint, local, tag, j->uri, j->endpoint, local, callid, sip_user_agent());
	if (b.oom) {
		sip_buf_free(&b);
		job_finish(j, false);
		return;
	}
	j->sent_us = reg_now_us();
	if (zv_timer_init(&j->timeout, zv_loop_current(), on_timeout, j) == 0) {
		j->timer_on = true;
		zv_timer_start(&j->timeout, j->timeout_ms, 0);
	}
	int err = sip_ctsx_send(&j->target, SIP_METHOD_OPTIONS, branch, b.p, b.len, on_response, j,
				&j->ct);
	sip_buf_free(&b);
	if (err)
		job_finish(j, false);
}

struct due {
	struct sip_config *cfg;
	unsigned idx, n;
	uint64_t now_ms;
	struct qjob **v;
	size_t cnt, cap;
};

static void due_fn(void *arg, struct reg_contact *c)
{
	struct due *d = arg;
	if (c->qualify_busy || c->id % d->n != d->idx || c->next_qualify_ms > d->now_ms)
		return;
	const struct sip_aor *aor = sip_config_aor_find(d->cfg, c->aor);
	if (!aor || !aor->qualify_frequency)
		return;
	if (d->cnt == d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 16;
		struct qjob **nv = realloc(d->v, ncap * sizeof(*nv));
		if (!nv)
			return;
		d->v = nv;
		d->cap = ncap;
	}
	struct qjob *j = calloc(1, sizeof(*j));
	if (!j)
		return;
	j->id = c->id;
	j->uri = strdup(c->uri);
	j->endpoint = strdup(c->endpoint);
	j->path = strdup(c->path);
	j->target.tp = c->tp;
	j->target.conn = zv_ref(c->conn);
	j->target.addr = c->target;
	snprintf(j->tp_name, sizeof(j->tp_name), "%s", c->tp_name);
	j->freq_s = aor->qualify_frequency;
	j->timeout_ms = aor->qualify_timeout_ms ? aor->qualify_timeout_ms : 3000;
	if (!j->uri || !j->endpoint || !j->path) {
		job_free(j);
		return;
	}
	c->qualify_busy = true;
	d->v[d->cnt++] = j;
}

static void on_tick(void *arg)
{
	struct reg_store *s = reg_store_peek();
	struct sip_config *cfg = sip_config_ref_current();
	if (!s || !cfg || !qw) {
		zv_unref(cfg);
		return;
	}
	struct due d = {.cfg = cfg, .idx = qw->idx, .n = qw->n, .now_ms = reg_mono_ms()};
	reg_store_foreach(s, NULL, due_fn, &d);
	zv_unref(cfg);
	for (size_t i = 0; i < d.cnt; i++) {
		struct qjob *j = d.v[i];
		j->next = qw->jobs;
		if (qw->jobs)
			qw->jobs->prev = j;
		qw->jobs = j;
		send_options(j);
	}
	free(d.v);
}

void reg_qualify_worker_start(void *arg)
{
	if (qw)
		return;
	qw = calloc(1, sizeof(*qw));
	if (!qw)
		return;
	struct zv_loop *me = zv_loop_current();
	qw->n = zv_workers_count();
	for (unsigned i = 0; i < qw->n; i++)
		if (zv_worker_peek(i) == me)
			qw->idx = i;
	if (!qw->n)
		qw->n = 1;
	if (zv_timer_init(&qw->timer, me, on_tick, NULL) == 0) {
		zv_timer_start(&qw->timer, 1000, 1000);
		qw->on = true;
	}
}

void reg_qualify_worker_stop(void *arg)
{
	if (!qw)
		return;
	if (qw->on) {
		zv_timer_stop(&qw->timer);
		zv_timer_fini(&qw->timer);
	}
	/* Requests still out: their transactions die with the SIP core's
	 * tables; make sure they never call back, and drop the jobs. */
	while (qw->jobs) {
		struct qjob *j = qw->jobs;
		if (j->ct)
			sip_ctsx_abandon(j->ct);
		job_free(j);
	}
	free(qw);
	qw = NULL;
}
