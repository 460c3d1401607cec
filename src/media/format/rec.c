/*
 * Recordings: writing slin to a sound file in one of Asterisk's formats.
 *
 * DESIGN
 * zv_rec_open() creates a hidden temporary file in the destination's own
 * directory (".<name>.<ext>.XXXXXX", so the rename stays on one file
 * system and a directory scan for "<name>.*" never sees it).  zv_rec_close()
 * with keep finishes the file (libsndfile writes the RIFF header; a raw
 * GSM recording pads its last frame with silence), fsync()s it, renames
 * it over "<path>.<ext>" and fsync()s the directory, so the final name
 * always holds a complete file.  Without keep, or on any error, the
 * temporary is unlinked.
 *
 * Formats: wav (8 kHz 16-bit PCM) and wav16 (16 kHz) and WAV/wav49 (GSM
 * 6.10 in RIFF) through libsndfile; gsm (raw libgsm frames), ulaw, alaw,
 * sln, sln16 and g722 as raw data through a stdio buffer.  Input arrives
 * at `rate` (0: 8000) and is resampled (speexdsp, state kept in the
 * recording) when the format's rate differs.  Blocking: the pool.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gsm.h>
#include <sndfile.h>
#include <spandsp.h>
#include <speex/speex_resampler.h>

#define ZV_LOG_MODULE "media_rec"
#include <zvonok/log.h>
#include <zvonok/media.h>

#include "media/codec/codec_int.h"
#include "media/format/format_int.h"

#define CHUNK 1024 /* samples converted per step */

struct zv_rec {
	const struct media_fmt *fmt;
	char final[512];
	char tmp[512];
	int fd;
	SNDFILE *sf;	/* wav, wav16, WAV */
	FILE *f;	/* raw formats */
	gsm gsm;
	g722_encode_state_t *g722;
	SpeexResamplerState *rs;
	unsigned in_rate;
	int16_t gsm_buf[160];
	unsigned gsm_n;
	int err;	/* first write error, reported again by close */
};

static int open_sndfile(struct zv_rec *r)
{
	SF_INFO info = {
		.samplerate = (int)r->fmt->rate,
		.channels = 1,
		.format = SF_FORMAT_WAV |
			  (r->fmt->kind == FMT_WAV_GSM ? SF_FORMAT_GSM610 : SF_FORMAT_PCM_16),
	};
	if (!sf_format_check(&info))
		return -ENOTSUP;
	r->sf = sf_open_fd(r->fd, SFM_WRITE, &info, SF_FALSE);
	if (!r->sf) {
		zv_warn("%s: %s", r->tmp, sf_strerror(NULL));
		return -EIO;
	}
	return 0;
}

static int open_raw(struct zv_rec *r)
{
	int fd = dup(r->fd);
	if (fd < 0)
		return -errno;
	if (!(r->f = fdopen(fd, "wb"))) {
		close(fd);
		return -ENOMEM;
	}
	if (r->fmt->kind == FMT_GSM && !(r->gsm = gsm_create()))
		return -ENOMEM;
	if (r->fmt->kind == FMT_G722 && !(r->g722 = g722_encode_init(NULL, 64000, 0)))
		return -ENOMEM;
	return 0;
}

static void rec_free(struct zv_rec *r)
{
	if (r->sf)
		sf_close(r->sf);
	if (r->f)
		fclose(r->f);
	if (r->fd >= 0)
		close(r->fd);
	if (r->gsm)
		gsm_destroy(r->gsm);
	if (r->g722)
		g722_encode_free(r->g722);
	if (r->rs)
		speex_resampler_destroy(r->rs);
	free(r);
}

int zv_rec_open(const char *path_without_ext, const char *format, unsigned rate,
		struct zv_rec **out)
{
	*out = NULL;
	const struct media_fmt *fmt = format ? media__fmt_by_ext(format) : NULL;
	if (!fmt || !path_without_ext || !*path_without_ext)
		return -EINVAL;
	if (!rate)
		rate = 8000;
	if (rate < 1000 || rate > 192000)
		return -EINVAL;
	struct zv_rec *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->fd = -1;
	r->fmt = fmt;
	r->in_rate = rate;
	int err = -ENAMETOOLONG;
	char copy[512];
	int n = snprintf(r->final, sizeof(r->final), "%s.%s", path_without_ext, fmt->file_ext);
	if (n < 0 || (size_t)n >= sizeof(r->final) ||
	    snprintf(copy, sizeof(copy), "%s", r->final) >= (int)sizeof(copy))
		goto fail;
	char *base = strrchr(copy, '/');
	if (base)
		*base++ = '\0';
	n = base ? snprintf(r->tmp, sizeof(r->tmp), "%s/.%s.XXXXXX", *copy ? copy : "", base)
		 : snprintf(r->tmp, sizeof(r->tmp), ".%s.XXXXXX", copy);
	if (n < 0 || (size_t)n >= sizeof(r->tmp))
		goto fail;
	if ((r->fd = mkostemp(r->tmp, O_CLOEXEC)) < 0) {
		err = -errno;
		r->tmp[0] = '\0';
		goto fail;
	}
	fchmod(r->fd, 0644);
	err = fmt->kind == FMT_WAV || fmt->kind == FMT_WAV_GSM ? open_sndfile(r) : open_raw(r);
	if (err < 0)
		goto fail;
	if (rate != fmt->rate) {
		r->rs = speex_resampler_init(1, rate, fmt->rate, MEDIA_RESAMPLE_QUALITY, &n);
		if (!r->rs) {
			err = -ENOMEM;
			goto fail;
		}
		speex_resampler_skip_zeros(r->rs); /* keep the recording aligned */
	}
	*out = r;
	return 0;
fail:
	if (r->tmp[0])
		unlink(r->tmp);
	rec_free(r);
	return err;
}

static int put_gsm(struct zv_rec *r, const int16_t *s, size_t n)
{
	gsm_byte frame[33];
	for (size_t i = 0; i < n; i++) {
		r->gsm_buf[r->gsm_n++] = s[i];
		if (r->gsm_n < 160)
			continue;
		gsm_encode(r->gsm, r->gsm_buf, frame);
		r->gsm_n = 0;
		if (fwrite(frame, sizeof(frame), 1, r->f) != 1)
			return -EIO;
	}
	return 0;
}

/* n samples at the format's rate. */
static int put(struct zv_rec *r, const int16_t *s, size_t n)
{
	uint8_t buf[CHUNK * 2];
	size_t len = n;

	switch (r->fmt->kind) {
	case FMT_WAV:
	case FMT_WAV_GSM:
		return sf_writef_short(r->sf, s, (sf_count_t)n) == (sf_count_t)n ? 0 : -EIO;
	case FMT_GSM:
		return put_gsm(r, s, n);
	case FMT_SLIN:
		return fwrite(s, 2, n, r->f) == n ? 0 : -EIO;
	case FMT_ULAW:
		for (size_t i = 0; i < n; i++)
			buf[i] = linear_to_ulaw(s[i]);
		break;
	case FMT_ALAW:
		for (size_t i = 0; i < n; i++)
			buf[i] = linear_to_alaw(s[i]);
		break;
	case FMT_G722:
		len = (size_t)g722_encode(r->g722, buf, s, (int)n);
		break;
	}
	return fwrite(buf, 1, len, r->f) == len ? 0 : -EIO;
}

int zv_rec_write(struct zv_rec *r, const int16_t *pcm, size_t samples)
{
	if (!r || (samples && !pcm))
		return -EINVAL;
	if (r->err)
		return r->err;
	int16_t res[CHUNK * 6]; /* up to 6x when resampling 8 kHz to 48 kHz */
	int err = 0;
	while (samples && !err) {
		size_t n = samples < CHUNK ? samples : CHUNK;
		if (!r->rs) {
			err = put(r, pcm, n);
		} else {
			spx_uint32_t il = (spx_uint32_t)n, ol = sizeof(res) / sizeof(*res);
			speex_resampler_process_int(r->rs, 0, pcm, &il, res, &ol);
			n = il;
			for (size_t done = 0; done < ol && !err; done += CHUNK)
				err = put(r, res + done, ol - done < CHUNK ? ol - done : CHUNK);
			if (!il && !ol)
				err = -EIO;
		}
		pcm += n;
		samples -= n;
	}
	if (err < 0) {
		zv_warn("%s: write failed: %s", r->tmp, strerror(-err));
		r->err = err;
	}
	return err;
}

/* The resampler holds its filter's delay: push it out with silence. */
static int flush_resampler(struct zv_rec *r)
{
	static const int16_t zeros[64];
	int16_t res[64 * 6];
	int left = speex_resampler_get_input_latency(r->rs);
	int err = 0;
	while (left > 0 && !err) {
		spx_uint32_t il = left < 64 ? (spx_uint32_t)left : 64, ol = 64 * 6;
		speex_resampler_process_int(r->rs, 0, zeros, &il, res, &ol);
		if (!il)
			break;
		left -= (int)il;
		err = ol ? put(r, res, ol) : 0;
	}
	return err;
}

static int finish(struct zv_rec *r)
{
	int err = 0;
	if (r->rs)
		err = flush_resampler(r);
	if (!err && r->gsm && r->gsm_n) {
		static const int16_t silence[160];
		err = put_gsm(r, silence, 160 - r->gsm_n);
	}
	if (r->sf) {
		if (sf_close(r->sf))
			err = -EIO;
		r->sf = NULL;
	}
	if (r->f) {
		if (fclose(r->f))
			err = -EIO;
		r->f = NULL;
	}
	if (!err && fsync(r->fd) < 0)
		err = -errno;
	return err;
}

static void sync_dir(const char *path)
{
	char copy[512];
	snprintf(copy, sizeof(copy), "%s", path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int zv_rec_close(struct zv_rec *r, bool keep)
{
	if (!r)
		return -EINVAL;
	int err = r->err;
	if (keep && !err)
		err = finish(r);
	if (keep && !err && rename(r->tmp, r->final) < 0)
		err = -errno;
	if (keep && !err)
		sync_dir(r->final);
	else
		unlink(r->tmp);
	if (keep && err < 0)
		zv_warn("%s: recording not kept: %s", r->final, strerror(-err));
	rec_free(r);
	return keep ? err : 0;
}
