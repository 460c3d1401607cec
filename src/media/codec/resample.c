/*
 * Whole-buffer resampling for sound files (prompts, music on hold,
 * recordings read back): the file is converted once when it is loaded,
 * so playback is a copy.
 *
 * DESIGN
 * speexdsp's resampler delays its output by its filter's input latency.
 * For a whole buffer that delay is removed (speex_resampler_skip_zeros)
 * and the tail flushed by feeding that many zeros after the data, so the
 * result has exactly n * to / from samples, aligned with the input.
 */
#include <errno.h>
#include <stdlib.h>

#include <speex/speex_resampler.h>

#include "media/codec/codec_int.h"

int media__resample_all(const int16_t *in, size_t n, unsigned from, unsigned to,
			int16_t **outp, size_t *outn)
{
	if (!from || !to || n > UINT32_MAX / 2)
		return -EINVAL;
	size_t want = (size_t)((uint64_t)n * to / from);
	int16_t *out = malloc((want + 1) * sizeof(*out));
	if (!out)
		return -ENOMEM;
	int err = 0;
	SpeexResamplerState *rs = speex_resampler_init(1, from, to, MEDIA_RESAMPLE_QUALITY, &err);
	if (!rs) {
		free(out);
		return -ENOMEM;
	}
	speex_resampler_skip_zeros(rs);
	spx_uint32_t in_len = (spx_uint32_t)n, out_len = (spx_uint32_t)want;
	speex_resampler_process_int(rs, 0, in, &in_len, out, &out_len);
	size_t got = out_len;
	/* Flush the filter with zeros until every output sample is out. */
	static const int16_t zeros[256];
	unsigned latency = (unsigned)speex_resampler_get_input_latency(rs) + 1;
	while (got < want && latency) {
		spx_uint32_t zl = latency < 256 ? latency : 256;
		spx_uint32_t ol = (spx_uint32_t)(want - got);
		speex_resampler_process_int(rs, 0, zeros, &zl, out + got, &ol);
		latency -= zl;
		got += ol;
		if (!zl && !ol)
			break;
	}
	while (got < want)
		out[got++] = 0;
	speex_resampler_destroy(rs);
	*outp = out;
	*outn = want;
	return 0;
}
