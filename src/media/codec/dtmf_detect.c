/*
 * Inband DTMF detection (for endpoints with dtmf_mode=inband): spandsp's
 * DTMF receiver over slin 8 kHz, one state per call direction.  See
 * include/zvonok/media.h.
 */
#include <errno.h>
#include <stdlib.h>

#include <spandsp.h>

#include <zvonok/media.h>

struct zv_dtmf_detect {
	dtmf_rx_state_t *rx;
	void (*cb)(void *arg, char digit);
	void *arg;
};

static void on_digits(void *user, const char *digits, int len)
{
	struct zv_dtmf_detect *d = user;
	for (int i = 0; i < len; i++)
		d->cb(d->arg, digits[i]);
}

struct zv_dtmf_detect *zv_dtmf_detect_new(void (*cb)(void *arg, char digit), void *arg)
{
	struct zv_dtmf_detect *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->cb = cb;
	d->arg = arg;
	d->rx = dtmf_rx_init(NULL, on_digits, d);
	if (!d->rx) {
		free(d);
		return NULL;
	}
	return d;
}

void zv_dtmf_detect_feed(struct zv_dtmf_detect *d, const int16_t *pcm, size_t samples)
{
	dtmf_rx(d->rx, pcm, (int)samples);
}

void zv_dtmf_detect_free(struct zv_dtmf_detect *d)
{
	if (!d)
		return;
	dtmf_rx_free(d->rx);
	free(d);
}
