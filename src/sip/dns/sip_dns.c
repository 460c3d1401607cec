/*
 * RFC 3263 server location with c-ares, run on the blocking pool.  See
 * sip_dns.h.
 */
#include <arpa/inet.h>
#include <ares.h>
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define ZV_LOG_MODULE "sip_dns"
#include <zvonok/log.h>

#include "sip/dns/sip_dns.h"

#ifndef T_SRV
#define T_SRV 33
#endif
#ifndef T_NAPTR
#define T_NAPTR 35
#endif

static pthread_mutex_t servers_lock = PTHREAD_MUTEX_INITIALIZER;
static char *servers;
static pthread_once_t ares_once = PTHREAD_ONCE_INIT;

static void ares_global_init(void)
{
	ares_library_init(ARES_LIB_INIT_ALL);
}

void sip_dns_set_servers(const char *list)
{
	char *copy = list && *list ? strdup(list) : NULL;
	pthread_mutex_lock(&servers_lock);
	free(servers);
	servers = copy;
	pthread_mutex_unlock(&servers_lock);
}

/* ---- pure selection ------------------------------------------------------- */

int sip_dns_naptr_proto(const char *service, bool sips_only)
{
	if (!strcasecmp(service, "SIPS+D2T"))
		return SIP_TP_TLS;
	if (!strcasecmp(service, "SIPS+D2W"))
		return SIP_TP_WSS;
	if (sips_only)
		return -1;
	if (!strcasecmp(service, "SIP+D2U"))
		return SIP_TP_UDP;
	if (!strcasecmp(service, "SIP+D2T"))
		return SIP_TP_TCP;
	if (!strcasecmp(service, "SIP+D2W"))
		return SIP_TP_WS;
	return -1;
}

static int srv_cmp(const void *a, const void *b)
{
	const struct sip_dns_srv *x = a, *y = b;
	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	/* within a priority, weight-0 records go first: RFC 2782 places them
	 * at the start of the list before the running sums are computed */
	return (x->weight != 0) - (y->weight != 0);
}

void sip_dns_srv_order(struct sip_dns_srv *v, size_t n, unsigned (*rand_fn)(unsigned n))
{
	/* Stable insertion sort: records of equal rank keep the DNS order. */
	for (size_t i = 1; i < n; i++) {
		struct sip_dns_srv t = v[i];
		size_t j = i;
		while (j > 0 && srv_cmp(&v[j - 1], &t) > 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = t;
	}
	for (size_t start = 0; start < n;) {
		size_t end = start;
		while (end < n && v[end].priority == v[start].priority)
			end++;
		/* Weighted selection without replacement inside [start, end). */
		for (size_t i = start; i < end; i++) {
			unsigned total = 0;
			for (size_t j = i; j < end; j++)
				total += v[j].weight;
			size_t pick = i;
			if (total) {
				unsigned r = rand_fn(total + 1), sum = 0;
				for (size_t j = i; j < end; j++) {
					sum += v[j].weight;
					if (sum >= r) {
						pick = j;
						break;
					}
				}
			}
			struct sip_dns_srv t = v[i];
			v[i] = v[pick];
			v[pick] = t;
		}
		start = end;
	}
}

/* ---- queries --------------------------------------------------------------- */

struct query {
	bool done;
	int status;
	unsigned char *abuf;
	int alen;
};

static void query_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct query *q = arg;
	q->done = true;
	q->status = status;
	if (status == ARES_SUCCESS && abuf && alen > 0 && (q->abuf = malloc((size_t)alen))) {
		memcpy(q->abuf, abuf, (size_t)alen);
		q->alen = alen;
	}
}

/* Drive the channel until every outstanding query finished. */
static void run(ares_channel ch)
{
	for (;;) {
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		/* c-ares' ARES_GETSOCK_* macros shift a signed 1 into the sign
		 * bit; test the bits unsigned instead. */
		unsigned bits = (unsigned)ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
		struct pollfd pfd[ARES_GETSOCK_MAXNUM];
		int n = 0;
		for (int i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			short ev = 0;
			if (bits & (1u << i))
				ev |= POLLIN;
			if (bits & (1u << (i + ARES_GETSOCK_MAXNUM)))
				ev |= POLLOUT;
			if (ev)
				pfd[n++] = (struct pollfd){.fd = socks[i], .events = ev};
		}
		if (!n)
			return;
		struct timeval tv, *tvp = ares_timeout(ch, NULL, &tv);
		int ms = tvp ? (int)(tvp->tv_sec * 1000 + tvp->tv_usec / 1000) : 1000;
		poll(pfd, (nfds_t)n, ms);
		for (int i = 0; i < n; i++) {
			ares_socket_t r = (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) ? pfd[i].fd
											  : ARES_SOCKET_BAD;
			ares_socket_t w = (pfd[i].revents & POLLOUT) ? pfd[i].fd : ARES_SOCKET_BAD;
			ares_process_fd(ch, r, w);
		}
		if (!n || !(pfd[0].revents))
			ares_process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD); /* timeouts */
	}
}

static int query(ares_channel ch, const char *name, int type, struct query *q)
{
	memset(q, 0, sizeof(*q));
	ares_query(ch, name, 1 /* C_IN */, type, query_cb, q);
	run(ch);
	return q->status == ARES_SUCCESS ? 0 : -ENOENT;
}

struct addr_result {
	bool done;
	int status;
	struct ares_addrinfo *ai;
};

static void addr_cb(void *arg, int status, int timeouts, struct ares_addrinfo *ai)
{
	struct addr_result *r = arg;
	r->done = true;
	r->status = status;
	r->ai = ai;
}

/* A/AAAA of name: append targets (IPv4 first) with port and proto. */
static size_t add_addresses(ares_channel ch, const char *name, uint16_t port,
			    enum sip_tp_proto proto, struct sip_dns_target *out, size_t n,
			    size_t max)
{
	struct addr_result r = {0};
	struct ares_addrinfo_hints hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM};
	ares_getaddrinfo(ch, name, NULL, &hints, addr_cb, &r);
	run(ch);
	if (r.status != ARES_SUCCESS || !r.ai)
		return n;
	for (int pass = 0; pass < 2; pass++) {
		int fam = pass == 0 ? AF_INET : AF_INET6;
		for (struct ares_addrinfo_node *a = r.ai->nodes; a && n < max; a = a->ai_next) {
			if (a->ai_family != fam)
				continue;
			struct sip_dns_target *t = &out[n++];
			memset(t, 0, sizeof(*t));
			t->proto = proto;
			memcpy(&t->addr.ss, a->ai_addr, a->ai_addrlen);
			t->addr.len = (socklen_t)a->ai_addrlen;
			if (fam == AF_INET)
				((struct sockaddr_in *)&t->addr.ss)->sin_port = htons(port);
			else
				((struct sockaddr_in6 *)&t->addr.ss)->sin6_port = htons(port);
		}
	}
	ares_freeaddrinfo(r.ai);
	return n;
}

static unsigned rand_below(unsigned n)
{
	return n ? (unsigned)random() % n : 0;
}

/* SRV lookup of name: ordered targets appended to out. */
static size_t add_srv(ares_channel ch, const char *name, enum sip_tp_proto proto,
		      struct sip_dns_target *out, size_t n, size_t max, bool *foundp)
{
	struct query q;
	if (query(ch, name, T_SRV, &q) < 0) {
		free(q.abuf);
		return n;
	}
	struct ares_srv_reply *srv = NULL;
	if (ares_parse_srv_reply(q.abuf, q.alen, &srv) != ARES_SUCCESS) {
		free(q.abuf);
		return n;
	}
	free(q.abuf);
	struct sip_dns_srv v[32];
	size_t nv = 0;
	for (struct ares_srv_reply *s = srv; s && nv < 32; s = s->next) {
		v[nv].priority = s->priority;
		v[nv].weight = s->weight;
		v[nv].port = s->port;
		snprintf(v[nv].target, sizeof(v[nv].target), "%s", s->host);
		nv++;
	}
	ares_free_data(srv);
	if (nv == 1 && !strcmp(v[0].target, ".")) /* "service not available" */
		return n;
	*foundp = nv > 0;
	sip_dns_srv_order(v, nv, rand_below);
	for (size_t i = 0; i < nv && n < max; i++)
		n = add_addresses(ch, v[i].target, v[i].port, proto, out, n, max);
	return n;
}

static const char *srv_prefix(enum sip_tp_proto p)
{
	switch (p) {
	case SIP_TP_TCP:
		return "_sip._tcp";
	case SIP_TP_TLS:
		return "_sips._tcp";
	default:
		return "_sip._udp";
	}
}

struct naptr {
	uint16_t order, pref;
	int proto;
	char replacement[256];
};

static int naptr_cmp(const void *a, const void *b)
{
	const struct naptr *x = a, *y = b;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	return (x->pref > y->pref) - (x->pref < y->pref);
}

int sip_dns_resolve(const char *host, uint16_t port, int want, bool sips,
		    struct sip_dns_target *out, size_t max)
{
	uint16_t dflt = sips ? 5061 : 5060;
	enum sip_tp_proto dproto = sips ? SIP_TP_TLS : want >= 0 ? (enum sip_tp_proto)want : SIP_TP_UDP;
	struct sip_sockaddr lit;
	char text[300];
	snprintf(text, sizeof(text), strchr(host, ':') ? "[%s]" : "%s", host);
	if (!max)
		return -EINVAL;
	if (sip_sockaddr_parse(text, port ? port : dflt, &lit) == 0) {
		out[0] = (struct sip_dns_target){.proto = dproto, .addr = lit};
		return 1;
	}

	pthread_once(&ares_once, ares_global_init);
	ares_channel ch;
	struct ares_options opts = {.timeout = 1500, .tries = 2};
	if (ares_init_options(&ch, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES) != ARES_SUCCESS)
		return -ENOMEM;
	pthread_mutex_lock(&servers_lock);
	if (servers)
		ares_set_servers_ports_csv(ch, servers);
	pthread_mutex_unlock(&servers_lock);

	size_t n = 0;
	bool found = false;
	if (port) {
		n = add_addresses(ch, host, port, dproto, out, 0, max);
		goto done;
	}
	if (want < 0) {
		struct query q;
		struct ares_naptr_reply *nr = NULL;
		if (query(ch, host, T_NAPTR, &q) == 0 &&
		    ares_parse_naptr_reply(q.abuf, q.alen, &nr) == ARES_SUCCESS) {
			struct naptr v[16];
			size_t nv = 0;
			for (struct ares_naptr_reply *r = nr; r && nv < 16; r = r->next) {
				int p = sip_dns_naptr_proto((const char *)r->service, sips);
				if (p < 0 || strcasecmp((const char *)r->flags, "s"))
					continue;
				v[nv] = (struct naptr){r->order, r->preference, p, ""};
				snprintf(v[nv].replacement, sizeof(v[nv].replacement), "%s",
					 r->replacement);
				nv++;
			}
			ares_free_data(nr);
			qsort(v, nv, sizeof(*v), naptr_cmp);
			for (size_t i = 0; i < nv && n < max; i++)
				n = add_srv(ch, v[i].replacement, (enum sip_tp_proto)v[i].proto, out, n,
					    max, &found);
		}
		free(q.abuf);
		if (found)
			goto done;
	}
	/* No NAPTR: SRV per transport (only the one asked for, if any). */
	enum sip_tp_proto order[] = {SIP_TP_UDP, SIP_TP_TCP, SIP_TP_TLS};
	for (size_t i = 0; i < 3 && n < max; i++) {
		if ((want >= 0 && (int)order[i] != want) || (sips && order[i] != SIP_TP_TLS))
			continue;
		char name[300];
		snprintf(name, sizeof(name), "%s.%s", srv_prefix(order[i]), host);
		n = add_srv(ch, name, order[i], out, n, max, &found);
	}
	if (!found)
		n = add_addresses(ch, host, dflt, dproto, out, n, max);
done:
	ares_destroy(ch);
	return n ? (int)n : -EHOSTUNREACH;
}
