/*
 * Mixing bridge (include/zvonok/mixer.h).
 *
 * DESIGN
 * Each member's reader appends the slin it receives to the member's FIFO
 * (FIFO_SAMPLES: 80 ms); a periodic 20 ms timer on the mixer's loop takes
 * one block from every FIFO, sums them in 32 bits and writes to each
 * member the sum minus its own block, clipped to 16 bits.  The sum minus
 * one's own is what keeps a member from hearing itself (no echo through
 * the mixer) at one addition per member per sample.
 *
 * Readers and the timer are not aligned: a member's block is taken only
 * once the FIFO holds a whole block after it first reached two (a 20 ms
 * cushion against the arrival jitter of the loop and the network); an
 * emptied FIFO waits for two blocks again.  A FIFO that overflows (a
 * member sending faster than real time) drops its oldest samples, which
 * bounds the delay the mixer adds to FIFO_SAMPLES.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ZV_LOG_MODULE "mixer"
#include <zvonok/channel.h>
#include <zvonok/log.h>
#include <zvonok/loop.h>
#include <zvonok/media.h>
#include <zvonok/mixer.h>
#include <zvonok/obj.h>

#define BLOCK 160	    /* 20 ms at 8 kHz */
#define FIFO_SAMPLES 640    /* 80 ms */
#define START_SAMPLES 320   /* the cushion before a member's audio is taken */

struct member {
	struct zv_mixer *mx;
	struct zv_channel *chan; /* a reference */
	int16_t fifo[FIFO_SAMPLES];
	unsigned head, count; /* ring: oldest at head */
	bool flowing;	      /* the cushion was reached */
	int16_t block[BLOCK]; /* this tick's share */
};

struct zv_mixer {
	struct zv_loop *loop;
	struct zv_timer tick;
	struct member *m[ZV_MIXER_MAX];
	unsigned n;
};

static void member_rx(void *arg, struct zv_channel *chan, const struct zv_frame *f)
{
	struct member *p = arg;
	(void)chan;
	if (f->codec != ZV_CODEC_SLIN)
		return;
	unsigned n = f->samples;
	if ((size_t)n * 2 > f->len)
		n = (unsigned)(f->len / 2);
	const uint8_t *src = f->data;
	if (n > FIFO_SAMPLES) { /* only the newest fit */
		src += (size_t)(n - FIFO_SAMPLES) * 2;
		n = FIFO_SAMPLES;
	}
	if (p->count + n > FIFO_SAMPLES) { /* overflow: drop the oldest */
		unsigned drop = p->count + n - FIFO_SAMPLES;
		p->head = (p->head + drop) % FIFO_SAMPLES;
		p->count -= drop;
	}
	for (unsigned i = 0; i < n; i++) {
		int16_t v;
		memcpy(&v, src + 2 * i, sizeof(v));
		p->fifo[(p->head + p->count + i) % FIFO_SAMPLES] = v;
	}
	p->count += n;
}

/* This tick's block of p (silence when it has not enough). */
static void member_take(struct member *p)
{
	if (!p->flowing && p->count >= START_SAMPLES)
		p->flowing = true;
	if (!p->flowing || p->count < BLOCK) {
		memset(p->block, 0, sizeof(p->block));
		if (p->count < BLOCK)
			p->flowing = false;
		return;
	}
	for (unsigned i = 0; i < BLOCK; i++)
		p->block[i] = p->fifo[(p->head + i) % FIFO_SAMPLES];
	p->head = (p->head + BLOCK) % FIFO_SAMPLES;
	p->count -= BLOCK;
}

static int16_t clip(int32_t v)
{
	return v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : (int16_t)v;
}

static void mixer_tick(void *arg)
{
	struct zv_mixer *mx = arg;
	int32_t sum[BLOCK] = {0};
	for (unsigned k = 0; k < mx->n; k++) {
		struct member *p = mx->m[k];
		member_take(p);
		for (unsigned i = 0; i < BLOCK; i++)
			sum[i] += p->block[i];
	}
	for (unsigned k = 0; k < mx->n; k++) {
		struct member *p = mx->m[k];
		if (zv_channel_is_hungup(p->chan))
			continue;
		int16_t out[BLOCK];
		for (unsigned i = 0; i < BLOCK; i++)
			out[i] = clip(sum[i] - p->block[i]);
		struct zv_frame f = {
			.codec = ZV_CODEC_SLIN,
			.samples = BLOCK,
			.len = sizeof(out),
			.data = (const uint8_t *)out,
		};
		zv_channel_write_frame(p->chan, &f);
	}
}

struct zv_mixer *zv_mixer_new(struct zv_loop *loop)
{
	struct zv_mixer *mx = calloc(1, sizeof(*mx));
	if (!mx)
		return NULL;
	mx->loop = loop;
	if (zv_timer_init(&mx->tick, loop, mixer_tick, mx) < 0) {
		free(mx);
		errno = ENOMEM;
		return NULL;
	}
	return mx;
}

static int find(const struct zv_mixer *mx, const struct zv_channel *chan)
{
	for (unsigned k = 0; k < mx->n; k++)
		if (mx->m[k]->chan == chan)
			return (int)k;
	return -1;
}

int zv_mixer_add(struct zv_mixer *mx, struct zv_channel *chan)
{
	if (zv_channel_loop(chan) != mx->loop)
		return -EINVAL;
	if (find(mx, chan) >= 0)
		return -EEXIST;
	if (mx->n == ZV_MIXER_MAX)
		return -ENOSPC;
	struct member *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->mx = mx;
	p->chan = zv_ref(chan);
	mx->m[mx->n++] = p;
	zv_channel_set_reader(chan, ZV_CODEC_SLIN, member_rx, p);
	if (mx->n == 1)
		zv_timer_start(&mx->tick, BLOCK / 8, BLOCK / 8);
	zv_verb(4, "%s joined a mixing bridge (%u members)", zv_channel_name(chan), mx->n);
	return 0;
}

void zv_mixer_remove(struct zv_mixer *mx, struct zv_channel *chan)
{
	int k = find(mx, chan);
	if (k < 0)
		return;
	struct member *p = mx->m[k];
	zv_channel_set_reader(chan, ZV_CODEC_NONE, NULL, NULL);
	memmove(&mx->m[k], &mx->m[k + 1], (mx->n - (unsigned)k - 1) * sizeof(mx->m[0]));
	if (--mx->n == 0)
		zv_timer_stop(&mx->tick);
	zv_verb(4, "%s left a mixing bridge (%u members)", zv_channel_name(chan), mx->n);
	zv_unref(p->chan);
	free(p);
}

bool zv_mixer_has(const struct zv_mixer *mx, const struct zv_channel *chan)
{
	return find(mx, chan) >= 0;
}

unsigned zv_mixer_count(const struct zv_mixer *mx)
{
	return mx->n;
}

void zv_mixer_free(struct zv_mixer *mx)
{
	if (!mx)
		return;
	while (mx->n)
		zv_mixer_remove(mx, mx->m[mx->n - 1]->chan);
	zv_timer_fini(&mx->tick);
	free(mx);
}
