#!/bin/bash
# An Opus caller (opus/48000/2, what baresip offers; Zvonok decodes to
# slin48 and resamples) through Milliwatt, Echo and a bridge to a PCMU
# phone: see codec_call.sh.
CODEC_MODULE=opus.so CODEC_ALLOW=opus CODEC_DECODER=opus
CODEC_RATE=48000 CODEC_CHANNELS=2 CODEC_LOW=985 CODEC_HIGH=1015
. "$(dirname "$0")/codec_call.sh"
