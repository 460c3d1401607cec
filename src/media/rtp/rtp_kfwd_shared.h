/*
 * The kernel fast path's data shared between the TC program
 * (rtp_kfwd.bpf.c) and user space (rtp_kfwd.c): the flow key and the
 * per-flow slot.  Addresses and ports in network order, the rest in host
 * order.  Included by both compilers: only linux/types.h here.
 */
#ifndef ZV_MEDIA_RTP_KFWD_SHARED_H
#define ZV_MEDIA_RTP_KFWD_SHARED_H

#include <linux/types.h>

#define KF_MAX_FLOWS 16384 /* slots: 8192 bridged calls */
/* The last slot is no flow: its packets field holds the pid of the process
 * that loaded the program (stale-filter clean-up reads it by map id). */
#define KF_OWNER_SLOT (KF_MAX_FLOWS - 1)
#define KF_LOOPBACK 1u /* slot flags: egress is a loopback device (bpf_redirect) */

/* A packet's source (the peer) and destination port (our leg's socket). */
struct kf_key {
	__u32 saddr;
	__u16 sport;
	__u16 dport;
};

/* What the flow hash maps a key to: a slot and its generation. */
struct kf_ref {
	__u32 slot;
	__u32 gen;
};

struct kf_slot {
	/* written by user space before a key points here */
	__u32 gen;
	__u32 flags;
	struct kf_key key; /* for `rtp show kernel` */
	__u32 laddr; /* our leg's bound address; 0: any */
	__u32 new_saddr, new_daddr;
	__u16 new_sport, new_dport;
	__u32 ifindex;
	__u32 in_ssrc, out_ssrc;
	__u32 ts_off;
	__u16 seq_off;
	__u8 in_pt, out_pt;
	__u32 clock_hz;
	__u32 pad0;
	__u64 valid_until_ns; /* CLOCK_MONOTONIC; refreshed every second */
	/* written by the program (initialised by user space) */
	__u64 packets, octets; /* forwarded; octets of payload */
	__u64 punted; /* matched the key but left to user space */
	__u64 last_ns; /* arrival of the highest packet forwarded */
	__u32 last_ts; /* its source timestamp */
	__u16 last_seq; /* its source sequence number */
	__u16 max_seq; /* RFC 3550 A.1 of the received source */
	__u32 cycles;
	__u32 jitter; /* A.8, scaled by 16 */
	__u32 transit;
	__u32 have_transit;
};

#endif
