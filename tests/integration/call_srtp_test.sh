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
command -v baresip >/dev/null || fail "baresip is not installed"
[ -f /usr/lib/baresip/modules/srtp.so ] || fail "baresip's srtp module is not installed"
command -v sox >/dev/null || fail "sox is not installed"

zv_setup
ZPORT=$(zv_free_port udp)
cat >"$ZV_DIR/pjsip.conf" <<EOC
[udp]
type=transport
protocol=udp
bind=127.0.0.1:$ZPORT

[ep](!)
type=endpoint
context=calls
disallow=all
allow=ulaw
media_encryption=sdes

[202](ep)
auth=202
aors=202
[202]
type=auth
username=202
password=secret202
[202]
type=aor
max_contacts=1

[203](ep)
auth=203
aors=203
[203]
type=auth
username=203
password=secret203
[203]
type=aor
max_contacts=1
remove_existing=yes

; no media_encryption: an RTP/SAVP-only offer is refused
[204]
type=endpoint
context=calls
disallow=all
allow=ulaw
auth=204
aors=204
[204]
type=auth
username=204
password=secret204
[204]
type=aor
max_contacts=1
EOC
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

PIDS=""
cleanup() {
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	zv_cleanup
}
trap cleanup EXIT

# client <dir> <tone> <account line> <seconds> [dial target]
client() {
	zv_baresip_config "$1" "$2" g711.so srtp.so
	echo "$3" >"$1/accounts"
	if [ -n "${5:-}" ]; then
		timeout -s KILL $(($4 + 10)) baresip -f "$1" -e "/dial $5" -t "$4" >"$1/out.txt" 2>&1 </dev/null &
	else
		timeout -s KILL $(($4 + 10)) baresip -f "$1" -t "$4" >"$1/out.txt" 2>&1 </dev/null &
	fi
	LAST_PID=$!
	PIDS="$PIDS $LAST_PID"
}

client "$ZV_DIR/callee" "$ZV_DIR/tone440.wav" \
	"<sip:203@127.0.0.1:$ZPORT;transport=udp>;auth_pass=secret203;answermode=auto;mediaenc=srtp-mand;regint=60" 25
for _ in $(seq 1 50); do
	zv_rx "pjsip show contacts" | grep -q "203/sip:" && break
	sleep 0.2
done
expect_contains "$(zv_rx 'pjsip show contacts')" "203/sip:" "baresip 203 registered"

client "$ZV_DIR/caller" "$ZV_DIR/tone1000.wav" \
	"<sip:202@127.0.0.1:$ZPORT;transport=udp>;auth_pass=secret202;mediaenc=srtp-mand;regint=0" 6 \
	"sip:203@127.0.0.1:$ZPORT"
wait "$LAST_PID"
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
client "$ZV_DIR/plain" "$ZV_DIR/tone1000.wav" \
	"<sip:204@127.0.0.1:$ZPORT;transport=udp>;auth_pass=secret204;mediaenc=srtp-mand;regint=0" 3 \
	"sip:600@127.0.0.1:$ZPORT"
wait "$LAST_PID"
expect_contains "$(cat "$ZV_DIR/plain/out.txt")" "488" "RTP/SAVP offered to a plain endpoint"
zv_stop
echo "PASS $TEST_NAME"
