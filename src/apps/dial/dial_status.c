/*
 * DIALSTATUS of a Dial that nobody answered, from how its legs ended.
 *
 * Asterisk's app_dial counts, for each leg that could not be called or
 * hung up before answering, a busy (cause 17), a congestion (34) or an
 * unavailable channel (every other cause); a no-answer (19) or a normal
 * clearing (16) counts as none of them.  Only when every leg counts as one
 * of the three is the status BUSY, CONGESTION or CHANUNAVAIL, in that
 * order; otherwise it stays NOANSWER (for one busy leg and one that gave
 * up ringing, as for a Dial timeout).
 */
#include <zvonok/channel.h>

#include "apps/dial/dial.h"

const char *dial_status_unanswered(const int *causes, size_t n)
{
	size_t busy = 0, cong = 0, nochan = 0;
	if (!n)
		return "CHANUNAVAIL";
	for (size_t i = 0; i < n; i++) {
		switch (causes[i]) {
		case ZV_CAUSE_USER_BUSY:
			busy++;
			break;
		case ZV_CAUSE_CONGESTION:
			cong++;
			break;
		case ZV_CAUSE_NO_ANSWER:
		case ZV_CAUSE_NORMAL_CLEARING:
			break;
		default:
			nochan++;
			break;
		}
	}
	if (busy + cong + nochan < n)
		return "NOANSWER";
	return busy ? "BUSY" : cong ? "CONGESTION" : "CHANUNAVAIL";
}
