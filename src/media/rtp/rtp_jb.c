/*
 * Jitter buffer for terminated media: speexdsp's JitterBuffer behind the
 * zv_jb_* calls of include/zvonok/rtp.h (func_jitterbuffer's settings).
 *
 * DESIGN
 * The owner puts every received payload with its RTP timestamp and span
 * and asks once per output frame (its 20 ms timer) for the next one;
 * speexdsp orders packets by timestamp, drops the ones that come too
 * late and measures the jitter to choose its delay (adaptive), to which
 * target_extra is added as its margin.  fixed: the margin is max_size
 * instead, so the delay stays at least that.  speexdsp starts playing at
 * once; the output is held back for the margin after the first packet
 * (and after a restart) so the first packets are not late at once.  Two rules of
 * func_jitterbuffer are kept here: a timestamp that jumps by more than
 * resync_threshold from the last one put restarts the buffer (a new
 * source), and a packet older than max_size behind the newest is
 * dropped.  speexdsp copies each packet it keeps (one allocation per
 * packet); terminated media is a few calls' worth, never the relay path.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <speex/speex_jitter.h>

#include "media/rtp/rtp_int.h"

struct zv_jb {
	JitterBuffer *sjb;
	unsigned clock, step;
	uint32_t max_units, resync_units;
	bool have_last;
	uint32_t newest; /* newest timestamp put */
	unsigned prebuffer, waited; /* output frames held back after a start */
};

static uint32_t ms_units(unsigned ms, unsigned clock)
{
	return (uint32_t)((uint64_t)ms * clock / 1000u);
}

struct zv_jb *zv_jb_new(const struct zv_jb_conf *conf, unsigned clock, unsigned step)
{
	if (!conf || !clock || !step) {
		errno = EINVAL;
		return NULL;
	}
	struct zv_jb *jb = calloc(1, sizeof(*jb));
	if (!jb)
		return NULL;
	jb->sjb = jitter_buffer_init((int)step);
	if (!jb->sjb) {
		free(jb);
		errno = ENOMEM;
		return NULL;
	}
	jb->clock = clock;
	jb->step = step;
	unsigned max_ms = conf->max_size_ms ? conf->max_size_ms : ZV_JB_DEFAULT_MAX_MS;
	unsigned resync_ms = conf->resync_threshold_ms ? conf->resync_threshold_ms
						       : ZV_JB_DEFAULT_RESYNC_MS;
	jb->max_units = ms_units(max_ms, clock);
	jb->resync_units = ms_units(resync_ms, clock);
	spx_int32_t margin = (spx_int32_t)ms_units(conf->adaptive ? conf->target_extra_ms : max_ms,
						   clock);
	jitter_buffer_ctl(jb->sjb, JITTER_BUFFER_SET_MARGIN, &margin);
	jb->prebuffer = (unsigned)(((uint32_t)margin + step - 1) / step);
	return jb;
}

void zv_jb_free(struct zv_jb *jb)
{
	if (!jb)
		return;
	jitter_buffer_destroy(jb->sjb);
	free(jb);
}

int zv_jb_put(struct zv_jb *jb, const uint8_t *data, size_t len, uint32_t ts, uint32_t span)
{
	if (!len || len > ZV_JB_MAX_PAYLOAD)
		return -EINVAL;
	if (jb->have_last) {
		int32_t d = (int32_t)(ts - jb->newest);
		if (d > (int32_t)jb->resync_units || d < -(int32_t)jb->resync_units) {
			jitter_buffer_reset(jb->sjb); /* a new source */
			jb->newest = ts;
			jb->waited = 0;
		} else if (d < -(int32_t)jb->max_units) {
			return -ENOBUFS;
		} else if (d > 0) {
			jb->newest = ts;
		}
	} else {
		jb->have_last = true;
		jb->newest = ts;
	}
	JitterBufferPacket p = {.data = (char *)data,
				.len = (spx_uint32_t)len,
				.timestamp = ts,
				.span = span ? span : jb->step};
	jitter_buffer_put(jb->sjb, &p);
	return 0;
}

int zv_jb_get(struct zv_jb *jb, uint8_t *buf, size_t *lenp, uint32_t *tsp, uint32_t *spanp)
{
	if (!jb->have_last)
		return -EAGAIN;
	if (jb->waited < jb->prebuffer) {
		jb->waited++; /* the first packet waits out the margin */
		return -EAGAIN;
	}
	JitterBufferPacket p = {.data = (char *)buf, .len = ZV_JB_MAX_PAYLOAD};
	spx_int32_t off = 0;
	int r = jitter_buffer_get(jb->sjb, &p, (spx_int32_t)jb->step, &off);
	jitter_buffer_tick(jb->sjb);
	if (r != JITTER_BUFFER_OK || !p.len)
		return -EAGAIN;
	*lenp = p.len;
	*tsp = p.timestamp;
	if (spanp)
		*spanp = p.span;
	return 0;
}
