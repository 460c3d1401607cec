#!/bin/bash
# A GSM 06.10 caller through Milliwatt, Echo and a bridge to a PCMU
# phone: see codec_call.sh.
CODEC_MODULE=gsm.so CODEC_ALLOW=gsm CODEC_DECODER=GSM
CODEC_RATE=8000 CODEC_CHANNELS=1 CODEC_LOW=980 CODEC_HIGH=1020
. "$(dirname "$0")/codec_call.sh"
