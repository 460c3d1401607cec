/*
 * Overload protection: when new calls are refused early (SIP: a stateless
 * 503 with Retry-After, before any transaction or call exists), and the
 * `core show overload` counters.
 *
 * DESIGN
 * Three criteria, each cheap to evaluate per INVITE:
 *  - overload_delay (ms, default 200): the queueing delay of the SIP
 *    messages a worker handles, from their arrival on the host (the
 *    kernel's receive timestamp of the datagram, so time spent in a full
 *    socket buffer counts) to the moment the owning worker handles them
 *    (after any hop between workers).  This is what makes a UAC
 *    retransmit: past T1 (500 ms) without an answer it sends again and
 *    adds load.  Load average or CPU time say the machine is busy, not
 *    that answers are late; a queue length needs a per-message cost to
 *    mean anything; loop lag misses datagrams waiting in the socket.  The
 *    delay is smoothed over time (a low-pass with a 100 ms time constant
 *    weighted by the time between samples, so a burst of messages and a
 *    trickle count by how long the delay lasted, and a worker that was
 *    idle for a while starts from its latest sample), goes on above the
 *    threshold and off below a quarter of it after at least 500 ms on.
 *    Per worker: calls are pinned to workers by Call-ID, and a worker
 *    that keeps up goes on taking its share.
 *  - overload_setup_calls (default 0, off): calls being set up (INVITE
 *    received, no final answer yet) in the whole process.  A bound on
 *    work in progress that does not depend on timing (the tests use it).
 *  - maxload (asterisk.conf's option): the 1-minute load average, read
 *    from the kernel at most once a second.
 * Everything already in progress (retransmissions, ACK, BYE, CANCEL,
 * re-INVITEs: anything that matches a transaction or has a To tag) is
 * served as usual, so the calls that were accepted complete.
 */
#include <stdatomic.h>
#include <stdlib.h>

#define ZV_LOG_MODULE "core"
#include <zvonok/cli.h>
#include <zvonok/core.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>

#include "core/internal.h"

static atomic_long calls_in_setup;
static atomic_ulong refused_delay, refused_setup, refused_load;
static _Atomic uint64_t load_checked_us;
static _Atomic uint32_t load_milli; /* load average * 1000 */

void zv__overload_sample(struct zv_overload *o, uint64_t now_us, uint64_t arrived_us,
			 uint64_t high_us)
{
	int64_t delay = now_us > arrived_us ? (int64_t)(now_us - arrived_us) : 0;
	if (delay > (int64_t)atomic_load_explicit(&o->max_delay_us, memory_order_relaxed))
		atomic_store_explicit(&o->max_delay_us, (uint32_t)(delay > UINT32_MAX ? UINT32_MAX : delay),
				      memory_order_relaxed);
	uint64_t dt = o->last_us && now_us > o->last_us ? now_us - o->last_us : 0;
	if (!o->last_us || dt >= ZV_OVERLOAD_TAU_US)
		o->delay_us = delay; /* first sample, or idle for a while */
	else
		o->delay_us += (delay - o->delay_us) * (int64_t)dt / ZV_OVERLOAD_TAU_US;
	if (now_us > o->last_us)
		o->last_us = now_us;
	atomic_store_explicit(&o->shown_delay_us,
			      (uint32_t)(o->delay_us > UINT32_MAX ? UINT32_MAX : o->delay_us),
			      memory_order_relaxed);
	bool on = atomic_load_explicit(&o->on, memory_order_relaxed);
	if (!on && high_us && o->delay_us > (int64_t)high_us) {
		atomic_store(&o->on, true);
		atomic_fetch_add(&o->episodes, 1);
		o->since_us = now_us;
	} else if (on && (!high_us || (o->delay_us < (int64_t)high_us / 4 &&
				       now_us - o->since_us >= ZV_OVERLOAD_HOLD_US))) {
		atomic_store(&o->on, false);
		o->since_us = now_us;
	}
}

void zv_core_load_sample(uint64_t arrived_us)
{
	struct zv_overload *o = zv__overload_current();
	if (!o)
		return;
	bool was = atomic_load_explicit(&o->on, memory_order_relaxed);
	zv__overload_sample(o, zv_mono_us(), arrived_us,
			    (uint64_t)zv_settings.overload_delay_ms * 1000u);
	bool on = atomic_load_explicit(&o->on, memory_order_relaxed);
	if (on && !was)
		zv_warn("%s overloaded: SIP messages wait %.0f ms (overload_delay %u ms): new calls "
			"get 503", zv_loop_name(zv_loop_current()), o->delay_us / 1000.0,
			zv_settings.overload_delay_ms);
	else if (was && !on)
		zv_notice("%s no longer overloaded (%llu calls refused so far)",
			  zv_loop_name(zv_loop_current()),
			  (unsigned long long)atomic_load(&o->refused));
}

double zv__loadavg(void)
{
	uint64_t now = zv_mono_us(), last = atomic_load_explicit(&load_checked_us,
								  memory_order_relaxed);
	if (!last || now - last >= 1000000u) {
		/* Whoever finds it stale reads it; a race reads it twice. */
		atomic_store_explicit(&load_checked_us, now, memory_order_relaxed);
		double l[1];
		if (getloadavg(l, 1) == 1)
			atomic_store_explicit(&load_milli, (uint32_t)(l[0] * 1000.0),
					      memory_order_relaxed);
	}
	return atomic_load_explicit(&load_milli, memory_order_relaxed) / 1000.0;
}

bool zv_core_shed_call(void)
{
	atomic_ulong *why = NULL;
	unsigned setup_max = zv_settings.overload_setup_calls;
	struct zv_overload *o = zv__overload_current();
	if (setup_max && atomic_load_explicit(&calls_in_setup, memory_order_relaxed) >=
				 (long)setup_max)
		why = &refused_setup;
	else if (o && atomic_load_explicit(&o->on, memory_order_relaxed))
		why = &refused_delay;
	else if (zv_settings.maxload > 0 && zv__loadavg() > zv_settings.maxload)
		why = &refused_load;
	if (!why)
		return false;
	atomic_fetch_add_explicit(why, 1, memory_order_relaxed);
	if (o)
		atomic_fetch_add_explicit(&o->refused, 1, memory_order_relaxed);
	return true;
}

unsigned zv_core_retry_after(void)
{
	return zv_settings.overload_retry_after;
}

void zv_core_setup_begin(void)
{
	atomic_fetch_add_explicit(&calls_in_setup, 1, memory_order_relaxed);
}

void zv_core_setup_end(void)
{
	atomic_fetch_sub_explicit(&calls_in_setup, 1, memory_order_relaxed);
}

long zv_core_calls_in_setup(void)
{
	return atomic_load(&calls_in_setup);
}

unsigned long zv_core_overload_refused(void)
{
	return atomic_load(&refused_delay) + atomic_load(&refused_setup) +
	       atomic_load(&refused_load);
}

/* `core show overload` */
void zv__overload_show(struct zv_cli_req *req)
{
	struct zv_settings *s = &zv_settings;
	zv_cli_printf(req, "\nOverload protection\n-------------------\n");
	if (s->overload_delay_ms)
		zv_cli_printf(req, "  %-29s%u ms (off below %u ms)\n", "Message delay limit:",
			      s->overload_delay_ms, s->overload_delay_ms / 4);
	else
		zv_cli_printf(req, "  %-29sNot set\n", "Message delay limit:");
	if (s->overload_setup_calls)
		zv_cli_printf(req, "  %-29s%u (Current %ld)\n", "Calls in set-up limit:",
			      s->overload_setup_calls, zv_core_calls_in_setup());
	else
		zv_cli_printf(req, "  %-29sNot set (Current %ld)\n", "Calls in set-up limit:",
			      zv_core_calls_in_setup());
	if (s->maxload > 0)
		zv_cli_printf(req, "  %-29s%.2f (Current %.2f)\n", "Maximum load average:",
			      s->maxload, zv__loadavg());
	else
		zv_cli_printf(req, "  %-29sNot set\n", "Maximum load average:");
	zv_cli_printf(req, "  %-29s%u s\n", "Retry-After:", s->overload_retry_after);
	zv_cli_printf(req, "  %-29s%lu\n", "Calls refused (overload):", zv_core_overload_refused());
	zv_cli_printf(req, "  %-29s%lu\n", "  for message delay:", atomic_load(&refused_delay));
	zv_cli_printf(req, "  %-29s%lu\n", "  for calls in set-up:", atomic_load(&refused_setup));
	zv_cli_printf(req, "  %-29s%lu\n", "  for load average:", atomic_load(&refused_load));
	zv_cli_printf(req, "\n%-10s %-10s %12s %12s %10s %10s\n", "Thread", "State", "Delay(ms)",
		      "MaxDelay(ms)", "Episodes", "Refused");
	unsigned n = zv_workers_count();
	for (unsigned i = 0; i < n; i++) {
		struct zv_loop *l = zv_worker_peek(i);
		struct zv_overload *o = zv__loop_overload(l);
		zv_cli_printf(req, "%-10s %-10s %12.1f %12.1f %10llu %10llu\n", zv_loop_name(l),
			      atomic_load(&o->on) ? "OVERLOAD" : "normal",
			      atomic_load(&o->shown_delay_us) / 1000.0,
			      atomic_load(&o->max_delay_us) / 1000.0,
			      (unsigned long long)atomic_load(&o->episodes),
			      (unsigned long long)atomic_load(&o->refused));
	}
}
