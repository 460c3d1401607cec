#!/bin/bash
# A G.722 caller (16 kHz audio in an 8000 clock-rate payload) through
# Milliwatt, Echo and a bridge to a PCMU phone: see codec_call.sh.
CODEC_MODULE=g722.so CODEC_ALLOW=g722 CODEC_DECODER=G722
CODEC_RATE=16000 CODEC_CHANNELS=1 CODEC_LOW=985 CODEC_HIGH=1015
. "$(dirname "$0")/codec_call.sh"
