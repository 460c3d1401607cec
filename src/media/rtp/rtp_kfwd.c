/*
 * The native bridge's kernel fast path (rtp.conf kernel_forwarding): the
 * TC program of rtp_kfwd.bpf.c, embedded in the binary, loaded and
 * attached once per process, and the flows it forwards, installed per
 * relay direction from the relaying session's loop.
 *
 * DESIGN
 * The kernel path is a cache of the user-space relay (rtp_relay.c), never
 * a replacement: the relay handles the first media packet of a direction
 * (it resyncs the stream mapping), then rtp__kfwd_try() installs a flow
 * with that mapping (SSRC, sequence and timestamp offsets, payload types,
 * both legs' addresses, the egress interface from a route lookup) and the
 * kernel forwards the following packets.  What the program does not
 * forward reaches the socket as before and is relayed in user space:
 * telephone-events (the features still see digits), a new SSRC or a
 * sequence jump (the relay resyncs, and the next media packet it relays
 * re-installs the flow with the new offsets), RTCP (another port).
 *
 * Only plain RTP over IPv4 qualifies: no SRTP or DTLS on either session,
 * IPv4 sockets, both remotes known, the target not sending a digit of its
 * own.  Anything that changes the relay drops the flow first: unlinking
 * or changing payload types (zv_rtp_relay(), so hold, MixMonitor, music
 * on hold, a jitter buffer, hang-up all fall back by themselves), a new
 * remote on either leg (re-INVITE, symmetric RTP), a digit sent into the
 * target.
 *
 * Counters: the slots are an mmap-able array map, so folding them into
 * the sessions (rx/tx packets and octets, RFC 3550 source statistics,
 * the target stream's sequence and timestamp, so frames continue the same
 * stream after a fall-back) costs no system call.  Folding happens before
 * user space handles a packet of the flow, before an RTCP report, in
 * zv_rtp_get_stats() and when the flow is dropped.
 *
 * Safety: every slot has a valid_until deadline (CLOCK_MONOTONIC, the
 * same clock as bpf_ktime_get_ns()) that a thread of ours pushes 3 s
 * ahead every second; when the process dies (kill -9) the program stops
 * forwarding within 3 s and the packets go to the closed ports.  At start
 * filters of ours whose owner (the pid in the last slot) is gone are removed;
 * each live process uses its own filter priority, and the program passes
 * what it does not forward to the next filter (TC_ACT_UNSPEC), so several
 * Zvonoks share an interface.  At clean shutdown only our filter is
 * detached; a clsact qdisc is created when missing and left in place (it
 * costs nothing empty, and another program may have come to use it).
 *
 * Threads: a flow's fields in the session belong to its loop; the slot
 * allocator takes a mutex (installs and drops only); the heartbeat only
 * writes deadlines of slots marked in use.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <linux/if_ether.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#define ZV_LOG_MODULE "rtp"
#include <zvonok/cli.h>
#include <zvonok/log.h>

#include "media/rtp/rtp_int.h"
#include "media/rtp/rtp_kfwd_shared.h"

/* The object built from rtp_kfwd.bpf.c (rtp_kfwd_obj.c, generated). */
extern const unsigned char rtp__kfwd_obj[];
extern const unsigned int rtp__kfwd_obj_len;

#define KF_HANDLE 0x7a76 /* "zv" */
#define KF_PRIO_BASE 0x7a00
#define KF_PRIO_SLOTS 32
#define KF_MAX_IFS 32
#define KF_VALID_NS 3000000000ull /* deadline ahead of now */
#define KF_RETRY_US 1000000u /* after a failed install */

struct kf_if {
	int ifindex;
	char name[IF_NAMESIZE];
	bool loopback, attached;
};

static struct {
	pthread_mutex_t lock; /* start/stop and the slot allocator */
	_Atomic bool active; /* filters attached, flows may be installed */
	bool loaded;
	struct bpf_object *obj;
	int prog_fd, flows_fd, slots_fd;
	unsigned prog_id;
	uint16_t prio;
	struct kf_slot *slots; /* mmap of kf_slots (or test memory) */
	_Atomic uint8_t used[KF_MAX_FLOWS];
	uint32_t free_q[KF_MAX_FLOWS]; /* FIFO: a freed slot is reused last */
	unsigned free_head, free_len;
	_Atomic uint32_t gen;
	struct kf_if ifs[KF_MAX_IFS];
	unsigned nifs;
	char why[160]; /* why it is off */
	pthread_t hb;
	bool hb_running;
	pthread_cond_t hb_cond;
	bool hb_stop;
} kf = {.lock = PTHREAD_MUTEX_INITIALIZER, .hb_cond = PTHREAD_COND_INITIALIZER,
	.prog_fd = -1, .flows_fd = -1, .slots_fd = -1};

_Atomic uint64_t rtp__kfwd_user_pkts; /* media relayed in user space */
static _Atomic uint64_t kf_done_pkts; /* forwarded by flows since dropped */
static _Atomic unsigned kf_flows_now;

static uint64_t mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- slots ------------------------------------------------------------------ */

static void slots_reset(void)
{
	kf.free_head = 0;
	kf.free_len = KF_OWNER_SLOT; /* the owner's slot is never a flow */
	for (uint32_t i = 0; i < KF_MAX_FLOWS; i++) {
		kf.free_q[i] = i;
		atomic_store(&kf.used[i], 0);
	}
}

/* Map the slots array on first use (kf.lock held).  Never unmapped
 * before exit: sessions on other loops read their slots without the lock. */
static bool slots_map(void)
{
	if (kf.slots)
		return true;
	if (kf.slots_fd < 0)
		return false;
	void *m = mmap(NULL, sizeof(struct kf_slot) * KF_MAX_FLOWS, PROT_READ | PROT_WRITE,
		       MAP_SHARED, kf.slots_fd, 0);
	if (m == MAP_FAILED) {
		zv_warn("kernel forwarding: the flow table does not map: %s", strerror(errno));
		return false;
	}
	__atomic_store_n(&kf.slots, (struct kf_slot *)m, __ATOMIC_RELEASE);
	return true;
}

/* A free slot index, or -1. */
static int slot_alloc(void)
{
	pthread_mutex_lock(&kf.lock);
	int i = -1;
	if (kf.free_len && slots_map()) {
		i = (int)kf.free_q[kf.free_head];
		kf.free_head = (kf.free_head + 1) % KF_MAX_FLOWS;
		kf.free_len--;
	}
	pthread_mutex_unlock(&kf.lock);
	return i;
}

static void slot_free(uint32_t i)
{
	atomic_store(&kf.used[i], 0);
	pthread_mutex_lock(&kf.lock);
	kf.free_q[(kf.free_head + kf.free_len) % KF_MAX_FLOWS] = i;
	kf.free_len++;
	pthread_mutex_unlock(&kf.lock);
}

unsigned rtp__kfwd_free_slots(void)
{
	pthread_mutex_lock(&kf.lock);
	unsigned n = kf.free_len;
	pthread_mutex_unlock(&kf.lock);
	return n;
}

static void *heartbeat(void *arg)
{
	pthread_mutex_lock(&kf.lock);
	while (!kf.hb_stop) {
		uint64_t until = mono_ns() + KF_VALID_NS;
		for (unsigned i = 0; i < KF_MAX_FLOWS; i++)
			if (atomic_load_explicit(&kf.used[i], memory_order_relaxed))
				__atomic_store_n(&kf.slots[i].valid_until_ns, until,
						 __ATOMIC_RELAXED);
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		pthread_cond_timedwait(&kf.hb_cond, &kf.lock, &ts);
	}
	pthread_mutex_unlock(&kf.lock);
	return NULL;
}

/* Unit tests: plain memory instead of the map, no kernel. */
void rtp__kfwd_test_mem(struct kf_slot *mem)
{
	kf.slots = mem;
	kf.flows_fd = -1;
	slots_reset();
	atomic_store(&kf.active, mem != NULL);
}

/* ---- routes ----------------------------------------------------------------- */

/* The interface and preferred source address toward dst (network order),
 * from an RTM_GETROUTE query.  0 or a negative errno. */
static int route_get(uint32_t dst, int *oif, uint32_t *src)
{
	static _Thread_local int fd = -1;
	if (fd < 0) {
		fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
		if (fd < 0)
			return -errno;
	}
	struct {
		struct nlmsghdr nh;
		struct rtmsg rt;
		struct rtattr a;
		uint32_t dst;
	} req = {0};
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_GETROUTE;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nh.nlmsg_seq = 1;
	req.rt.rtm_family = AF_INET;
	req.rt.rtm_dst_len = 32;
	req.a.rta_type = RTA_DST;
	req.a.rta_len = RTA_LENGTH(4);
	req.dst = dst;
	if (send(fd, &req, sizeof(req), 0) < 0)
		return -errno;
	char buf[4096];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	if (n < 0)
		return -errno;
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	if (!NLMSG_OK(nh, (unsigned)n) || nh->nlmsg_type != RTM_NEWROUTE)
		return -EHOSTUNREACH;
	struct rtmsg *rt = NLMSG_DATA(nh);
	int len = (int)RTM_PAYLOAD(nh);
	*oif = 0;
	*src = 0;
	for (struct rtattr *a = RTM_RTA(rt); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == RTA_OIF)
			memcpy(oif, RTA_DATA(a), 4);
		else if (a->rta_type == RTA_PREFSRC)
			memcpy(src, RTA_DATA(a), 4);
	}
	return *oif ? 0 : -EHOSTUNREACH;
}

static bool if_loopback(int ifindex)
{
	for (unsigned i = 0; i < kf.nifs; i++)
		if (kf.ifs[i].ifindex == ifindex)
			return kf.ifs[i].loopback;
	return ifindex == 1;
}

/* ---- flows ------------------------------------------------------------------ */

static struct kf_slot *flow_slot(const struct zv_rtp *from)
{
	return from->relay.kf.slot ? &kf.slots[from->relay.kf.slot - 1] : NULL;
}

/* Is sequence-space a after b? */
static inline bool seq_after(uint16_t a, uint16_t b)
{
	return (int16_t)(a - b) > 0;
}

void rtp__kfwd_sync(struct zv_rtp *from)
{
	struct rtp_kf *k = &from->relay.kf;
	struct kf_slot *s = flow_slot(from);
	if (!s)
		return;
	struct zv_rtp *to = from->relay.to;
	uint64_t pk = __atomic_load_n(&s->packets, __ATOMIC_RELAXED);
	uint64_t oc = __atomic_load_n(&s->octets, __ATOMIC_RELAXED);
	uint64_t dp = pk - k->pkts, doc = oc - k->octets;
	k->pkts = pk;
	k->octets = oc;
	if (!dp)
		return;
	from->rx_packets += dp;
	from->rx_octets += doc;
	struct rtp_source *src = &from->src;
	if (src->valid && src->ssrc == s->in_ssrc) {
		src->received += (uint32_t)dp;
		uint32_t ext_k = s->cycles + s->max_seq, ext_u = src->cycles + src->max_seq;
		if ((int32_t)(ext_k - ext_u) > 0) {
			src->max_seq = s->max_seq;
			src->cycles = s->cycles;
		}
		src->jitter = s->jitter;
		src->transit = s->transit;
		src->have_transit = s->have_transit;
	}
	if (!to)
		return;
	to->tx_packets += dp;
	to->tx_octets += doc;
	to->sent_since_report = true;
	struct rtp_relay *r = &from->relay;
	uint16_t last = s->last_seq;
	if (r->synced && seq_after(last, r->last_seq)) {
		uint32_t ts = s->last_ts + r->ts_off;
		int32_t dts = (int32_t)(ts - to->last_ts);
		if (to->tx_started && dts > 0 && (uint32_t)dts <= rtp__clock(to))
			to->last_samples = (uint32_t)dts;
		r->last_seq = last;
		to->seq = (uint16_t)(last + r->seq_off + 1);
		to->last_ts = ts;
		to->last_tx_us = s->last_ns / 1000u;
		to->tx_started = true;
	}
}

void rtp__kfwd_drop(struct zv_rtp *from)
{
	struct rtp_kf *k = &from->relay.kf;
	if (!k->slot)
		return;
	if (kf.flows_fd >= 0) {
		struct kf_key key = {k->saddr, k->sport, k->dport};
		bpf_map_delete_elem(kf.flows_fd, &key);
	}
	rtp__kfwd_sync(from);
	atomic_fetch_add(&kf_done_pkts, k->pkts);
	atomic_fetch_sub(&kf_flows_now, 1);
	slot_free(k->slot - 1);
	memset(k, 0, sizeof(*k));
}

/* Does the installed flow still say what the relay would do? */
static bool flow_current(const struct zv_rtp *from, const struct kf_slot *s)
{
	const struct rtp_relay *r = &from->relay;
	return s->in_ssrc == r->ssrc && s->seq_off == r->seq_off && s->ts_off == r->ts_off &&
	       s->in_pt == r->in_pt && s->out_pt == r->out_pt && s->out_ssrc == r->to->ssrc;
}

static int local_addr(int fd, uint32_t *addr)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return -errno;
	*addr = a.sin_addr.s_addr;
	return 0;
}

void rtp__kfwd_try(struct zv_rtp *from, const struct sockaddr_storage *src, uint64_t now_us)
{
	struct rtp_relay *r = &from->relay;
	if (!atomic_load_explicit(&kf.active, memory_order_relaxed) || !r->to || !r->synced ||
	    src->ss_family != AF_INET)
		return;
	struct kf_slot *cur = flow_slot(from);
	if (cur && flow_current(from, cur))
		return; /* a packet that raced the install, or a late one */
	if (r->kf.retry_us && now_us < r->kf.retry_us)
		return;
	const struct sockaddr_in *peer = (const struct sockaddr_in *)src;
	r->kf.want = true;
	r->kf.want_saddr = peer->sin_addr.s_addr;
	r->kf.want_sport = peer->sin_port;
}

static void kfwd_install(struct zv_rtp *from, uint64_t now_us)
{
	struct rtp_relay *r = &from->relay;
	struct zv_rtp *to = r->to;
	r->kf.want = false;
	if (!atomic_load_explicit(&kf.active, memory_order_relaxed) || !to || !r->synced)
		return;
	struct kf_slot *cur = flow_slot(from);
	if (cur && flow_current(from, cur))
		return;
	if (cur)
		rtp__kfwd_drop(from);
	if (from->family != AF_INET || to->family != AF_INET || !from->have_remote || !to->have_remote || from->srtp_rx || from->srtp_tx ||
	    to->srtp_tx || to->srtp_rx || from->dtls || to->dtls || rtp__dtmf_sending(to) ||
	    to->relay.from != from)
		return;
	const struct sockaddr_in *dst = (const struct sockaddr_in *)&to->remote;
	uint32_t laddr, to_addr, prefsrc;
	int oif;
	int err = local_addr(from->fd[0], &laddr);
	if (!err)
		err = local_addr(to->fd[0], &to_addr);
	if (!err)
		err = route_get(dst->sin_addr.s_addr, &oif, &prefsrc);
	if (!err && !to_addr && !(to_addr = prefsrc))
		err = -EADDRNOTAVAIL;
	int idx = err ? -1 : slot_alloc();
	if (idx < 0) {
		r->kf.retry_us = now_us + KF_RETRY_US;
		zv_debug(1, "RTP on port %u: no kernel flow (%s)", from->port,
			 err ? strerror(-err) : "no free slot");
		return;
	}
	struct kf_slot *s = &kf.slots[idx];
	memset(s, 0, sizeof(*s));
	s->flags = if_loopback(oif) ? KF_LOOPBACK : 0;
	s->key = (struct kf_key){r->kf.want_saddr, r->kf.want_sport, htons(from->port)};
	s->laddr = laddr;
	s->new_saddr = to_addr;
	s->new_daddr = dst->sin_addr.s_addr;
	s->new_sport = htons(to->port);
	s->new_dport = dst->sin_port;
	s->ifindex = (uint32_t)oif;
	s->in_ssrc = r->ssrc;
	s->out_ssrc = to->ssrc;
	s->ts_off = r->ts_off;
	s->seq_off = r->seq_off;
	s->in_pt = r->in_pt;
	s->out_pt = r->out_pt;
	s->clock_hz = rtp__clock(from);
	s->valid_until_ns = mono_ns() + KF_VALID_NS;
	s->last_seq = r->last_seq;
	s->last_ts = (uint32_t)(to->last_ts - r->ts_off);
	s->last_ns = now_us * 1000u;
	if (from->src.valid && from->src.ssrc == r->ssrc) {
		s->max_seq = from->src.max_seq;
		s->cycles = from->src.cycles;
		s->jitter = from->src.jitter;
		s->transit = from->src.transit;
		s->have_transit = from->src.have_transit;
	} else {
		s->max_seq = r->last_seq;
	}
	uint32_t gen = atomic_fetch_add(&kf.gen, 1) + 1;
	__atomic_store_n(&s->gen, gen, __ATOMIC_RELEASE);
	atomic_store(&kf.used[idx], 1);
	struct kf_key key = {r->kf.want_saddr, r->kf.want_sport, htons(from->port)};
	struct kf_ref ref = {(uint32_t)idx, gen};
	if (kf.flows_fd >= 0 && bpf_map_update_elem(kf.flows_fd, &key, &ref, BPF_ANY) < 0) {
		err = -errno;
		slot_free((uint32_t)idx);
		r->kf.retry_us = now_us + KF_RETRY_US;
		zv_debug(1, "RTP on port %u: kernel flow not installed: %s", from->port,
			 strerror(-err));
		return;
	}
	r->kf.slot = (uint32_t)idx + 1;
	r->kf.saddr = key.saddr;
	r->kf.sport = key.sport;
	r->kf.dport = key.dport;
	r->kf.pkts = r->kf.octets = 0;
	r->kf.retry_us = 0;
	atomic_fetch_add(&kf_flows_now, 1);
	if (zv_log_debug_level() >= 1) {
		char a[64], b[64];
		struct sockaddr_in sp = {.sin_family = AF_INET, .sin_port = key.sport,
					 .sin_addr.s_addr = key.saddr};
		struct sockaddr_storage ss;
		memcpy(&ss, &sp, sizeof(sp));
		zv_debug(1, "RTP on port %u: kernel flow from %s to %s (port %u, ifindex %d)",
			 from->port, rtp__addr_str(&ss, a, sizeof(a)),
			 rtp__addr_str(&to->remote, b, sizeof(b)), to->port, oif);
	}
}

void rtp__kfwd_flush(struct zv_rtp *from)
{
	kfwd_install(from, rtp__now_us());
}

void rtp__kfwd_remote_changed(struct zv_rtp *rtp)
{
	rtp__kfwd_drop(rtp);
	if (rtp->relay.from)
		rtp__kfwd_drop(rtp->relay.from);
}

/* ---- loading and attaching --------------------------------------------------- */

static int libbpf_quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN || zv_log_debug_level() < 1)
		return 0;
	char buf[512];
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = 0;
	zv_debug(1, "libbpf: %s", buf);
	return 0;
}

/* The pid that loaded the program behind prog_id (the owner slot of its
 * kf_slots), -1 for ours without one, 0 when it is not ours. */
static pid_t prog_owner(unsigned prog_id)
{
	int pfd = bpf_prog_get_fd_by_id(prog_id);
	if (pfd < 0)
		return 0;
	uint32_t map_ids[8];
	struct bpf_prog_info info = {0};
	info.nr_map_ids = 8;
	info.map_ids = (uint64_t)(uintptr_t)map_ids;
	uint32_t len = sizeof(info);
	pid_t owner = 0;
	if (bpf_obj_get_info_by_fd(pfd, &info, &len) == 0 && !strcmp(info.name, "rtp_kfwd")) {
		for (uint32_t i = 0; i < info.nr_map_ids && i < 8 && !owner; i++) {
			int mfd = bpf_map_get_fd_by_id(map_ids[i]);
			if (mfd < 0)
				continue;
			struct bpf_map_info mi = {0};
			uint32_t mlen = sizeof(mi);
			uint32_t key = KF_OWNER_SLOT;
			struct kf_slot os;
			if (bpf_obj_get_info_by_fd(mfd, &mi, &mlen) == 0 &&
			    !strcmp(mi.name, "kf_slots") && mi.value_size == sizeof(os) &&
			    bpf_map_lookup_elem(mfd, &key, &os) == 0)
				owner = os.packets ? (pid_t)os.packets : -1;
			close(mfd);
		}
	}
	close(pfd);
	return owner;
}

/* Remove filters of ours on ifindex whose process is gone; note which
 * priorities live ones use (busy). */
static void clean_stale(int ifindex, const char *name, bool *busy)
{
	for (unsigned p = 0; p < KF_PRIO_SLOTS; p++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, q, .handle = KF_HANDLE, .priority = KF_PRIO_BASE + p);
		if (bpf_tc_query(&hook, &q) < 0)
			continue;
		pid_t owner = prog_owner(q.prog_id);
		if (owner > 0 && owner != getpid() && (kill(owner, 0) == 0 || errno == EPERM)) {
			busy[p] = true;
			continue;
		}
		if (owner == 0) { /* not ours after all (same handle and priority) */
			busy[p] = true;
			continue;
		}
		LIBBPF_OPTS(bpf_tc_opts, d, .handle = KF_HANDLE, .priority = KF_PRIO_BASE + p);
		if (bpf_tc_detach(&hook, &d) == 0)
			zv_notice("kernel forwarding: removed the stale filter of process %d on %s "
				  "(program %u)", (int)owner, name, q.prog_id);
	}
}

static void collect_ifs(void)
{
	struct ifaddrs *ifa = NULL;
	kf.nifs = 0;
	if (getifaddrs(&ifa) < 0)
		return;
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	for (struct ifaddrs *i = ifa; i && kf.nifs < KF_MAX_IFS; i = i->ifa_next) {
		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || !(i->ifa_flags & IFF_UP))
			continue;
		int idx = (int)if_nametoindex(i->ifa_name);
		bool seen = false;
		for (unsigned j = 0; j < kf.nifs; j++)
			seen |= kf.ifs[j].ifindex == idx;
		if (!idx || seen)
			continue;
		/* the program assumes an Ethernet header: Ethernet and loopback only */
		struct ifreq ifr = {0};
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", i->ifa_name);
		if (sock < 0 || ioctl(sock, SIOCGIFHWADDR, &ifr) < 0 ||
		    (ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER &&
		     ifr.ifr_hwaddr.sa_family != ARPHRD_LOOPBACK)) {
			zv_verb(3, "kernel forwarding: %s is not Ethernet, not used", i->ifa_name);
			continue;
		}
		struct kf_if *f = &kf.ifs[kf.nifs++];
		f->ifindex = idx;
		snprintf(f->name, sizeof(f->name), "%s", i->ifa_name);
		f->loopback = i->ifa_flags & IFF_LOOPBACK;
		f->attached = false;
	}
	if (sock >= 0)
		close(sock);
	freeifaddrs(ifa);
}

static void detach_all(void)
{
	for (unsigned i = 0; i < kf.nifs; i++) {
		if (!kf.ifs[i].attached)
			continue;
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = kf.ifs[i].ifindex,
			    .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, d, .handle = KF_HANDLE, .priority = kf.prio);
		bpf_tc_detach(&hook, &d);
		kf.ifs[i].attached = false;
	}
}

static void close_fds(void)
{
	int *fds[] = {&kf.prog_fd, &kf.flows_fd, &kf.slots_fd};
	for (size_t i = 0; i < sizeof(fds) / sizeof(*fds); i++) {
		if (*fds[i] >= 0)
			close(*fds[i]);
		*fds[i] = -1;
	}
}

static int kf_load(void)
{
	libbpf_set_print(libbpf_quiet);
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "rtp_kfwd");
	kf.obj = bpf_object__open_mem(rtp__kfwd_obj, rtp__kfwd_obj_len, &oo);
	if (!kf.obj) {
		snprintf(kf.why, sizeof(kf.why), "the BPF object does not open: %s",
			 strerror(errno));
		return -1;
	}
	if (bpf_object__load(kf.obj) < 0) {
		int e = errno;
		snprintf(kf.why, sizeof(kf.why), "the BPF program does not load: %s%s", strerror(e),
			 e == EPERM ? " (needs root or CAP_BPF+CAP_NET_ADMIN)" : "");
		bpf_object__close(kf.obj);
		kf.obj = NULL;
		return -1;
	}
	struct bpf_program *prog = bpf_object__find_program_by_name(kf.obj, "rtp_kfwd");
	/* Keep our own descriptors and let libbpf's object go: it holds the
	 * ELF, BTF and relocation data (heap that would stay resident). */
	kf.prog_fd = fcntl(bpf_program__fd(prog), F_DUPFD_CLOEXEC, 0);
	kf.flows_fd = fcntl(bpf_object__find_map_fd_by_name(kf.obj, "kf_flows"), F_DUPFD_CLOEXEC, 0);
	kf.slots_fd = fcntl(bpf_object__find_map_fd_by_name(kf.obj, "kf_slots"), F_DUPFD_CLOEXEC, 0);
	bpf_object__close(kf.obj);
	kf.obj = NULL;
	struct kf_slot owner = {.packets = (uint64_t)getpid()};
	uint32_t okey = KF_OWNER_SLOT;
	if (kf.prog_fd < 0 || kf.flows_fd < 0 || kf.slots_fd < 0 ||
	    bpf_map_update_elem(kf.slots_fd, &okey, &owner, BPF_ANY) < 0) {
		snprintf(kf.why, sizeof(kf.why), "the BPF maps are not usable: %s", strerror(errno));
		close_fds();
		return -1;
	}
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info);
	if (bpf_obj_get_info_by_fd(kf.prog_fd, &info, &len) == 0)
		kf.prog_id = info.id;
	/* The slots are mapped at the first flow (slots_map()): the map's
	 * 2 MB are resident in the process from the mmap on, and a PBX
	 * that never bridges natively should not carry them. */
	slots_reset();
	kf.loaded = true;
	return 0;
}

static int kf_attach(void)
{
	collect_ifs();
	bool busy[KF_PRIO_SLOTS] = {0};
	for (unsigned i = 0; i < kf.nifs; i++)
		clean_stale(kf.ifs[i].ifindex, kf.ifs[i].name, busy);
	unsigned p = 0;
	while (p < KF_PRIO_SLOTS && busy[p])
		p++;
	if (p == KF_PRIO_SLOTS) {
		snprintf(kf.why, sizeof(kf.why), "%d other processes hold our filter slots",
			 KF_PRIO_SLOTS);
		return -1;
	}
	kf.prio = (uint16_t)(KF_PRIO_BASE + p);
	unsigned n = 0;
	for (unsigned i = 0; i < kf.nifs; i++) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = kf.ifs[i].ifindex,
			    .attach_point = BPF_TC_INGRESS);
		int err = bpf_tc_hook_create(&hook);
		if (err && err != -EEXIST) {
			zv_warn("kernel forwarding: no clsact qdisc on %s: %s", kf.ifs[i].name,
				strerror(-err));
			continue;
		}
		LIBBPF_OPTS(bpf_tc_opts, o, .prog_fd = kf.prog_fd, .handle = KF_HANDLE,
			    .priority = kf.prio);
		err = bpf_tc_attach(&hook, &o);
		if (err) {
			zv_warn("kernel forwarding: not attached on %s: %s", kf.ifs[i].name,
				strerror(-err));
			continue;
		}
		kf.ifs[i].attached = true;
		n++;
	}
	if (!n) {
		snprintf(kf.why, sizeof(kf.why), "no interface took the TC filter");
		return -1;
	}
	return 0;
}

int rtp__kfwd_start(void)
{
	pthread_mutex_lock(&kf.lock);
	if (atomic_load(&kf.active)) {
		pthread_mutex_unlock(&kf.lock);
		return 0;
	}
	int err = kf.loaded ? 0 : kf_load();
	if (!err)
		err = kf_attach();
	if (!err && !kf.hb_running) {
		kf.hb_stop = false;
		if (pthread_create(&kf.hb, NULL, heartbeat, NULL) != 0) {
			detach_all();
			snprintf(kf.why, sizeof(kf.why), "no heartbeat thread");
			err = -1;
		} else {
			kf.hb_running = true;
		}
	}
	if (!err) {
		kf.why[0] = 0;
		atomic_store(&kf.active, true);
	}
	pthread_mutex_unlock(&kf.lock);
	if (err) {
		zv_notice("kernel forwarding off, the native bridge relays in user space: %s",
			  kf.why);
		return -1;
	}
	char names[256] = "";
	size_t o = 0;
	for (unsigned i = 0; i < kf.nifs; i++)
		if (kf.ifs[i].attached)
			o += (size_t)snprintf(names + o, o < sizeof(names) ? sizeof(names) - o : 0,
					      "%s%s", o ? " " : "", kf.ifs[i].name);
	zv_verb(2, "kernel forwarding on (TC program %u, priority %u): %s", kf.prog_id, kf.prio,
		names);
	return 0;
}

void rtp__kfwd_stop(const char *why)
{
	pthread_mutex_lock(&kf.lock);
	bool was = atomic_exchange(&kf.active, false);
	if (was)
		detach_all();
	if (why)
		snprintf(kf.why, sizeof(kf.why), "%s", why);
	if (kf.hb_running) {
		kf.hb_stop = true;
		pthread_cond_signal(&kf.hb_cond);
		pthread_mutex_unlock(&kf.lock);
		pthread_join(kf.hb, NULL);
		pthread_mutex_lock(&kf.lock);
		kf.hb_running = false;
	}
	pthread_mutex_unlock(&kf.lock);
	/* The object and the mapped slots stay until exit: sessions on other
	 * loops may still fold or drop their flows. */
}

/* ---- CLI ---------------------------------------------------------------------- */

void rtp__kfwd_show(struct zv_cli_req *req, bool flows)
{
	bool on = atomic_load(&kf.active);
	uint64_t live = 0, punted = 0;
	unsigned n = 0;
	if (kf.slots)
		for (unsigned i = 0; i < KF_MAX_FLOWS; i++)
			if (atomic_load(&kf.used[i])) {
				live += __atomic_load_n(&kf.slots[i].packets, __ATOMIC_RELAXED);
				punted += kf.slots[i].punted;
				n++;
			}
	if (on)
		zv_cli_printf(req, "Kernel forwarding: on (TC ingress eBPF program %u, priority %u)\n",
			      kf.prog_id, kf.prio);
	else
		zv_cli_printf(req, "Kernel forwarding: off (%s)\n",
			      kf.why[0] ? kf.why : "kernel_forwarding = no");
	zv_cli_printf(req, "Interfaces:");
	for (unsigned i = 0; i < kf.nifs; i++)
		if (kf.ifs[i].attached)
			zv_cli_printf(req, " %s(%d)", kf.ifs[i].name, kf.ifs[i].ifindex);
	zv_cli_printf(req, "\nActive flows: %u (of %u)\n", n, KF_OWNER_SLOT);
	zv_cli_printf(req, "Kernel-forwarded packets: %llu\n",
		      (unsigned long long)(live + atomic_load(&kf_done_pkts)));
	zv_cli_printf(req, "Passed to user space by active flows: %llu\n",
		      (unsigned long long)punted);
	zv_cli_printf(req, "User-space relayed packets: %llu\n",
		      (unsigned long long)atomic_load(&rtp__kfwd_user_pkts));
	struct bpf_prog_info info = {0};
	uint32_t len = sizeof(info);
	if (kf.loaded && bpf_obj_get_info_by_fd(kf.prog_fd, &info, &len) == 0 && info.run_cnt)
		zv_cli_printf(req, "Program runs: %llu, %.0f ns each (sysctl kernel.bpf_stats_enabled)\n",
			      (unsigned long long)info.run_cnt,
			      (double)info.run_time_ns / (double)info.run_cnt);
	if (!flows || !n)
		return;
	zv_cli_printf(req, "\n%-22s %-6s %-22s %-22s %10s %8s\n", "Peer", "Port", "From", "To",
		      "Packets", "Passed");
	for (unsigned i = 0; i < KF_MAX_FLOWS; i++) {
		if (!atomic_load(&kf.used[i]))
			continue;
		const struct kf_slot *s = &kf.slots[i];
		char peer[32], from[32], to[32], a[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, &s->key.saddr, a, sizeof(a));
		snprintf(peer, sizeof(peer), "%s:%u", a, ntohs(s->key.sport));
		inet_ntop(AF_INET, &s->new_saddr, a, sizeof(a));
		snprintf(from, sizeof(from), "%s:%u", a, ntohs(s->new_sport));
		inet_ntop(AF_INET, &s->new_daddr, a, sizeof(a));
		snprintf(to, sizeof(to), "%s:%u", a, ntohs(s->new_dport));
		zv_cli_printf(req, "%-22s %-6u %-22s %-22s %10llu %8llu\n", peer, ntohs(s->key.dport),
			      from, to,
			      (unsigned long long)s->packets, (unsigned long long)s->punted);
	}
}
