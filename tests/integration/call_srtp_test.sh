#!/bin/bash
# SRTP (SDES, RFC 4568) between two baresip clients through Zvonok:
# 202 calls 203, both endpoints media_encryption=sdes and both clients
# with mediaenc=srtp-mand (RTP/SAVP only).  Zvonok answers the caller's
# RTP/SAVP offer with its own key, offers RTP/SAVP with a key to the callee
# and bridges (decrypting and re-encrypting).  Checked: each side hears
# the other's tone (so both SRTP legs decrypt), both SDP answers are
# RTP/SAVP with a=crypto, and a plain endpoint offered only RTP/SAVP
# refuses it (488).
. "$(dirname "$0")/lib.sh"
zv_need baresip sox
[ -f /usr/lib/baresip/modules/srtp.so ] || fail "baresip's srtp module is not installed"

zv_setup
ZPORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_phone 202 calls secret202 media_encryption=sdes
	zv_pjsip_phone 203 calls secret203 media_encryption=sdes aor:remove_existing=yes
	# no media_encryption: an RTP/SAVP-only offer is refused
	zv_pjsip_phone 204 calls secret204
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 203,1,Dial(PJSIP/203,10)
 same => n,Hangup()
exten => 600,1,Answer()
 same => n,Echo()
EOC
zv_start
expect_contains "$(zv_rx 'pjsip set logger on')" "enabled" "pjsip set logger on"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone1000.wav" synth 15 sine 1000 vol 0.5 || fail "sox failed"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone440.wav" synth 30 sine 440 vol 0.5 || fail "sox failed"

# caller <dir> <user> <exten> <seconds>: an SRTP-only caller (tone 1000 Hz).
caller() {
	zv_baresip_config "$1" "$ZV_DIR/tone1000.wav" g711.so srtp.so
	zv_baresip_dial "$1" "$2" "$3" "$4" "auth_pass=secret$2" mediaenc=srtp-mand
}

zv_baresip_config "$ZV_DIR/callee" "$ZV_DIR/tone440.wav" g711.so srtp.so
zv_baresip_callee "$ZV_DIR/callee" 203 25 auth_pass=secret203 mediaenc=srtp-mand

caller "$ZV_DIR/caller" 202 203 6
wait "$ZV_BARESIP_PID"
sleep 1
out=$(zv_analyse "$ZV_DIR/caller")
echo "caller hears: $out"
zv_in_range "$(zv_field "$out" freq)" 430 450 || fail "SRTP bridge: the caller should hear 440 Hz, got $out"
zv_in_range "$(zv_field "$out" secs)" 3 7 || fail "SRTP bridge: too little audio for the caller: $out"
out=$(zv_analyse "$ZV_DIR/callee")
echo "callee hears: $out"
zv_in_range "$(zv_field "$out" freq)" 985 1015 || fail "SRTP bridge: the callee should hear 1000 Hz, got $out"
log=$(cat "$ZV_DIR/out.log")
n=$(grep -c "^m=audio [0-9]* RTP/SAVP" <<<"$log")
[ "$n" -ge 4 ] || fail "expected RTP/SAVP in the offers and answers of both legs, saw $n"
expect_contains "$log" "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" "crypto attributes"

# A plain endpoint gets an RTP/SAVP-only offer: 488.
caller "$ZV_DIR/plain" 204 600 3
wait "$ZV_BARESIP_PID"
expect_contains "$(cat "$ZV_DIR/plain/out.txt")" "488" "RTP/SAVP offered to a plain endpoint"
zv_stop
echo "PASS $TEST_NAME"
