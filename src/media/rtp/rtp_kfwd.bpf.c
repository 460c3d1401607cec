// SPDX-License-Identifier: GPL-2.0
/*
 * The native bridge's kernel fast path: a TC ingress program (clsact,
 * direct action) that forwards the RTP of a natively bridged call from
 * one leg's socket to the other leg's peer without waking user space.
 * Built with clang -target bpf into an object embedded in zvonok
 * (rtp_kfwd.c loads it); GPL because bpf_redirect_neigh and friends are
 * GPL-only helpers.
 *
 * DESIGN
 * kf_flows maps (peer address, peer port, our leg's port) to a slot of
 * kf_slots (an mmap-able array user space reads and refreshes without
 * system calls).  Only plain RTP of the slot's payload type from the
 * slot's source SSRC, with no CSRC, extension or padding, in an IPv4
 * packet without options or fragmentation, within a sequence distance of
 * 1000 of the last one forwarded, and before the slot's valid_until, is
 * forwarded; everything else (RTCP is on the other port anyway,
 * telephone-events, other payload types, a new SSRC, a jump) goes on to
 * the socket (TC_ACT_UNSPEC: the next filter, then the stack), where the
 * user-space relay handles it and may re-install the flow.  A forwarded
 * packet gets the other leg's addresses and ports, the target stream's
 * SSRC, sequence (source + seq_off) and timestamp (source + ts_off), TTL
 * - 1, the UDP checksum updated by difference through
 * bpf_l4_csum_replace() (which knows the loopback's CHECKSUM_PARTIAL
 * skbs: only the pseudo-header part applies to them), the IPv4 header
 * checksum recomputed, the headers written directly, and leaves by the egress of the interface user
 * space found by a route lookup: bpf_redirect() for a loopback device,
 * bpf_redirect_neigh() for others.  The slot's counters follow RFC 3550
 * A.1/A.8 so user space can fold them into the session's RTCP statistics.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "rtp_kfwd_shared.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, KF_MAX_FLOWS);
	__type(key, struct kf_key);
	__type(value, struct kf_ref);
} kf_flows SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KF_MAX_FLOWS);
	__uint(map_flags, BPF_F_MMAPABLE);
	__type(key, __u32);
	__type(value, struct kf_slot);
} kf_slots SEC(".maps");

#define ETH_LEN 14
#define IP_OFF ETH_LEN
#define UDP_OFF (ETH_LEN + 20)
#define RTP_OFF (UDP_OFF + 8)
#define IP_CSUM_OFF (IP_OFF + 10)
#define UDP_CSUM_OFF (UDP_OFF + 6)
#define SEQ_JUMP 1000

SEC("tc")
int rtp_kfwd(struct __sk_buff *skb)
{
	if (skb->protocol != bpf_htons(ETH_P_IP) || skb->vlan_present)
		return TC_ACT_UNSPEC;
	if ((long)skb->data_end - (long)skb->data < RTP_OFF + 12 &&
	    bpf_skb_pull_data(skb, RTP_OFF + 12) < 0)
		return TC_ACT_UNSPEC;
	void *data = (void *)(long)skb->data, *end = (void *)(long)skb->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = data + IP_OFF;
	struct udphdr *udp = data + UDP_OFF;
	__u8 *rtp = data + RTP_OFF;
	if ((void *)(rtp + 12) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return TC_ACT_UNSPEC;
	if (ip->version != 4 || ip->ihl != 5 || ip->protocol != IPPROTO_UDP ||
	    (ip->frag_off & bpf_htons(0x3fff)))
		return TC_ACT_UNSPEC;
	struct kf_key key = {.saddr = ip->saddr, .sport = udp->source, .dport = udp->dest};
	struct kf_ref *ref = bpf_map_lookup_elem(&kf_flows, &key);
	if (!ref)
		return TC_ACT_UNSPEC;
	__u32 idx = ref->slot;
	struct kf_slot *s = bpf_map_lookup_elem(&kf_slots, &idx);
	if (!s || s->gen != ref->gen || (s->laddr && s->laddr != ip->daddr))
		return TC_ACT_UNSPEC;
	__u64 now = bpf_ktime_get_ns();
	if (now > s->valid_until_ns)
		return TC_ACT_UNSPEC; /* user space stopped refreshing: it is gone */
	__u16 ulen = bpf_ntohs(udp->len);
	__u8 pt = rtp[1] & 0x7f;
	__u32 ssrc = (__u32)rtp[8] << 24 | (__u32)rtp[9] << 16 | (__u32)rtp[10] << 8 | rtp[11];
	if (rtp[0] != 0x80 || pt != s->in_pt || ssrc != s->in_ssrc || ulen < 8 + 12 ||
	    ip->ttl <= 1) {
		s->punted++;
		return TC_ACT_UNSPEC;
	}
	__u16 seq = (__u16)rtp[2] << 8 | rtp[3];
	__u32 ts = (__u32)rtp[4] << 24 | (__u32)rtp[5] << 16 | (__u32)rtp[6] << 8 | rtp[7];
	__s16 dseq = (__s16)(seq - s->last_seq);
	if (dseq > SEQ_JUMP || dseq < -SEQ_JUMP) {
		s->punted++;
		return TC_ACT_UNSPEC; /* the source restarted: user space resyncs */
	}
	if (dseq == 0)
		return TC_ACT_SHOT; /* a duplicate, as the user-space relay drops it */

	/* RFC 3550 A.1 (no probation: jumps went to user space) and A.8 */
	__u16 udelta = (__u16)(seq - s->max_seq);
	if (udelta < 3000) {
		if (seq < s->max_seq)
			s->cycles += 65536;
		s->max_seq = seq;
	}
	__u32 arrival = (__u32)((now / 1000) * s->clock_hz / 1000000);
	__u32 transit = arrival - ts;
	if (s->have_transit) {
		__s32 d = (__s32)(transit - s->transit);
		__u32 ad = d < 0 ? (__u32)-d : (__u32)d;
		s->jitter += ad - ((s->jitter + 8) >> 4);
	}
	s->transit = transit;
	s->have_transit = 1;
	if (dseq > 0) {
		s->last_seq = seq;
		s->last_ts = ts;
		s->last_ns = now;
	}

	/* the rewrite: UDP checksum first (by difference, through the helper
	 * that knows CHECKSUM_PARTIAL), then direct writes */
	__u32 old_ph[2] = {ip->saddr, ip->daddr}, new_ph[2] = {s->new_saddr, s->new_daddr};
	__u32 old_pl[4], new_pl[4];
	__builtin_memcpy(old_pl, &udp->source, 4);
	__builtin_memcpy(&old_pl[1], rtp, 12);
	__u16 oseq = seq + s->seq_off;
	__u32 ots = ts + s->ts_off, ossrc = s->out_ssrc;
	__u8 *n = (__u8 *)new_pl;
	__builtin_memcpy(n, &s->new_sport, 2);
	__builtin_memcpy(n + 2, &s->new_dport, 2);
	n[4] = 0x80;
	n[5] = (rtp[1] & 0x80) | s->out_pt;
	n[6] = oseq >> 8;
	n[7] = (__u8)oseq;
	n[8] = ots >> 24;
	n[9] = (__u8)(ots >> 16);
	n[10] = (__u8)(ots >> 8);
	n[11] = (__u8)ots;
	n[12] = ossrc >> 24;
	n[13] = (__u8)(ossrc >> 16);
	n[14] = (__u8)(ossrc >> 8);
	n[15] = (__u8)ossrc;
	__u8 ttl = ip->ttl - 1;
	__u32 ifindex = s->ifindex, flags = s->flags;
	__sync_fetch_and_add(&s->packets, 1);
	__sync_fetch_and_add(&s->octets, ulen - 8 - 12);

	__s64 dph = bpf_csum_diff(old_ph, 8, new_ph, 8, 0);
	__s64 dpl = bpf_csum_diff(old_pl, 16, new_pl, 16, 0);
	if (dph < 0 || dpl < 0 ||
	    bpf_l4_csum_replace(skb, UDP_CSUM_OFF, 0, (__u32)dph,
				BPF_F_PSEUDO_HDR | BPF_F_MARK_MANGLED_0) < 0 ||
	    bpf_l4_csum_replace(skb, UDP_CSUM_OFF, 0, (__u32)dpl, BPF_F_MARK_MANGLED_0) < 0 ||
	    bpf_skb_pull_data(skb, RTP_OFF + 12) < 0) /* writable (unclones) */
		return TC_ACT_SHOT;
	data = (void *)(long)skb->data;
	end = (void *)(long)skb->data_end;
	ip = data + IP_OFF;
	udp = data + UDP_OFF;
	rtp = data + RTP_OFF;
	if ((void *)(rtp + 12) > end)
		return TC_ACT_SHOT;
	ip->saddr = new_ph[0];
	ip->daddr = new_ph[1];
	ip->ttl = ttl;
	__builtin_memcpy(&udp->source, n, 4);
	__builtin_memcpy(rtp, n + 4, 12);
	/* the IPv4 header checksum, over the 20 octets (no options) */
	ip->check = 0;
	__u16 *w = (__u16 *)ip;
	__u32 sum = 0;
#pragma unroll
	for (int i = 0; i < 10; i++)
		sum += w[i];
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip->check = (__u16)~sum;
	if (flags & KF_LOOPBACK)
		return bpf_redirect(ifindex, 0);
	return bpf_redirect_neigh(ifindex, NULL, 0, 0);
}

char LICENSE[] SEC("license") = "GPL";
