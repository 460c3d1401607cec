/*
 * The codec table: one constant row per codec Zvonok can carry, in the
 * order of enum zv_codec_id (which is also the order `core show codecs`
 * lists them in), and the lookups channel drivers use while negotiating
 * SDP.
 *
 * DESIGN
 * The table is static data indexed by id, so zv_codec_get() is an array
 * access and the rows may be used from any thread without a lock.  SDP
 * lookups compare the rtpmap encoding name case-insensitively and the
 * clock exactly: "G722/8000" is G.722 (its RTP clock is 8000 by RFC 3551's
 * historical mistake, its audio rate 16000), "opus/48000/2" is Opus, and
 * "L16/16000" is slin16.
 */
#include <stddef.h>
#include <strings.h>

#include <zvonok/media.h>

#include "media/codec/codec_int.h"

static const struct zv_codec_info codecs[ZV_CODEC__COUNT] = {
	[ZV_CODEC_ULAW] = {ZV_CODEC_ULAW, "ulaw", "PCMU", 0, 8000, 8000, 0, 20, "G.711 u-law"},
	[ZV_CODEC_ALAW] = {ZV_CODEC_ALAW, "alaw", "PCMA", 8, 8000, 8000, 0, 20, "G.711 a-law"},
	[ZV_CODEC_GSM] = {ZV_CODEC_GSM, "gsm", "GSM", 3, 8000, 8000, 0, 20, "GSM"},
	[ZV_CODEC_G722] = {ZV_CODEC_G722, "g722", "G722", 9, 16000, 8000, 0, 20, "G722"},
	[ZV_CODEC_G729] = {ZV_CODEC_G729, "g729", "G729", 18, 8000, 8000, 0, 20, "G.729A"},
	[ZV_CODEC_OPUS] = {ZV_CODEC_OPUS, "opus", "opus", -1, 48000, 48000, 2, 20, "Opus Codec"},
	[ZV_CODEC_SLIN] = {ZV_CODEC_SLIN, "slin", "L16", -1, 8000, 8000, 0, 20,
			   "16 bit Signed Linear PCM"},
	[ZV_CODEC_SLIN16] = {ZV_CODEC_SLIN16, "slin16", "L16", -1, 16000, 16000, 0, 20,
			     "16 bit Signed Linear PCM (16kHz)"},
	[ZV_CODEC_SLIN48] = {ZV_CODEC_SLIN48, "slin48", "L16", -1, 48000, 48000, 0, 20,
			     "16 bit Signed Linear PCM (48kHz)"},
};

const struct zv_codec_info *zv_codec_get(enum zv_codec_id id)
{
	if ((unsigned)id <= ZV_CODEC_NONE || (unsigned)id >= ZV_CODEC__COUNT)
		return NULL;
	return &codecs[id];
}

const struct zv_codec_info *zv_codec_by_name(const char *name)
{
	if (!name)
		return NULL;
	for (unsigned i = ZV_CODEC_NONE + 1; i < ZV_CODEC__COUNT; i++)
		if (!strcasecmp(codecs[i].name, name))
			return &codecs[i];
	return NULL;
}

const struct zv_codec_info *zv_codec_by_sdp(const char *encoding, unsigned clock)
{
	if (!encoding)
		return NULL;
	for (unsigned i = ZV_CODEC_NONE + 1; i < ZV_CODEC__COUNT; i++)
		if (!strcasecmp(codecs[i].sdp_name, encoding) && codecs[i].rtp_clock == clock)
			return &codecs[i];
	/* Some phones offer G.729 as "G729a" (Annex A is what bcg729 does). */
	if (!strcasecmp(encoding, "G729a") && clock == 8000)
		return &codecs[ZV_CODEC_G729];
	return NULL;
}

bool media__codec_is_slin(enum zv_codec_id id)
{
	return id == ZV_CODEC_SLIN || id == ZV_CODEC_SLIN16 || id == ZV_CODEC_SLIN48;
}

enum zv_codec_id media__slin_for_rate(unsigned rate)
{
	switch (rate) {
	case 8000:
		return ZV_CODEC_SLIN;
	case 16000:
		return ZV_CODEC_SLIN16;
	case 48000:
		return ZV_CODEC_SLIN48;
	default:
		return ZV_CODEC_NONE;
	}
}
