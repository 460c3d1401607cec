#!/bin/bash
# DTLS-SRTP (RFC 5763/5764) between two baresip clients through Zvonok:
# 202 calls 203, both endpoints media_encryption=dtls (generated
# certificate, dtls_verify=fingerprint), both clients with
# mediaenc=dtls_srtp (UDP/TLS/RTP/SAVP with a=fingerprint, a=setup:actpass
# in their offers).  Zvonok answers the caller with its own fingerprint and
# a=setup:active and starts the handshake as the client; it offers
# actpass to the callee, which answers active and starts it.  Checked:
# each side hears the other's tone (both DTLS associations keyed SRTP and
# the bridge decrypts and re-encrypts), the RTCP ports' associations are
# keyed too (no rtcp-mux), both legs' SDP carry a=fingerprint
# and a=setup, and a plain endpoint refuses a DTLS-only offer (488).
# A sip.conf friend with dtlsenable=yes and dtlssetup=passive calls
# Echo() and hears itself.  An endpoint with dtls_verify=yes refuses
# baresip's self-signed certificate: no keys, nothing heard.
. "$(dirname "$0")/lib.sh"
command -v baresip >/dev/null || fail "baresip is not installed"
[ -f /usr/lib/baresip/modules/dtls_srtp.so ] || fail "baresip's dtls_srtp module is not installed"
command -v sox >/dev/null || fail "sox is not installed"

zv_setup
ZPORT=$(zv_free_port udp)
# The one transport is sip.conf's, used by both files' endpoints.
cat >"$ZV_DIR/sip.conf" <<EOC
[general]
udpbindaddr=127.0.0.1:$ZPORT

; the sip.conf spelling: calls the Echo through DTLS-SRTP
[205]
type=friend
host=dynamic
secret=secret205
context=calls
disallow=all
allow=ulaw
dtlsenable=yes
dtlsautogeneratecert=yes
dtlsverify=fingerprint
dtlssetup=passive
EOC
cat >"$ZV_DIR/pjsip.conf" <<EOC
[ep](!)
type=endpoint
context=calls
disallow=all
allow=ulaw
media_encryption=dtls
dtls_auto_generate_cert=yes
dtls_verify=fingerprint
dtls_setup=actpass

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

; dtls_verify=yes: baresip's self-signed certificate is not signed by the
; system CAs, so no key is made and nothing is heard
[206](ep)
dtls_verify=yes
dtls_ca_file=/etc/ssl/certs/ca-certificates.crt
auth=206
aors=206
[206]
type=auth
username=206
password=secret206
[206]
type=aor
max_contacts=1

; no media_encryption: a DTLS-only offer is refused
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
	zv_baresip_config "$1" "$2" g711.so srtp.so dtls_srtp.so
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
	"<sip:203@127.0.0.1:$ZPORT;transport=udp>;auth_pass=secret203;answermode=auto;mediaenc=dtls_srtp;regint=60" 25
for _ in $(seq 1 50); do
	zv_rx "pjsip show contacts" | grep -q "203/sip:" && break
	sleep 0.2
done
expect_contains "$(zv_rx 'pjsip show contacts')" "203/sip:" "baresip 203 registered"

client "$ZV_DIR/caller" "$ZV_DIR/tone1000.wav" \
	"<sip:202@127.0.0.1:$ZPORT;transport=udp>;auth_pass=secret202;mediaenc=dtls_srtp;regint=0" 7 \
	"sip:203@127.0.0.1:$ZPORT"
wait "$LAST_PID"
sleep 1
grep -i 'dtls' "$ZV_DIR/caller/out.txt" | head -5
grep -i 'dtls' "$ZV_DIR/callee/out.txt" | head -5
out=$(zv_analyse "$ZV_DIR/caller")
echo "caller hears: $out"
zv_in_range "$(zv_field "$out" freq)" 430 450 || fail "DTLS bridge: the caller should hear 440 Hz, got $out"
zv_in_range "$(zv_field "$out" secs)" 3 8 || fail "DTLS bridge: too little audio for the caller: $out"
out=$(zv_analyse "$ZV_DIR/callee")
echo "callee hears: $out"
zv_in_range "$(zv_field "$out" freq)" 985 1015 || fail "DTLS bridge: the callee should hear 1000 Hz, got $out"
zv_in_range "$(zv_field "$out" secs)" 3 8 || fail "DTLS bridge: too little audio for the callee: $out"
# both clients also keyed SRTCP on the RTCP ports (no rtcp-mux)
expect_contains "$(cat "$ZV_DIR/caller/out.txt")" "DTLS-SRTP complete \\(audio/RTCP\\)" "caller's RTCP association"
expect_contains "$(cat "$ZV_DIR/callee/out.txt")" "DTLS-SRTP complete \\(audio/RTCP\\)" "callee's RTCP association"
log=$(cat "$ZV_DIR/out.log")
n=$(grep -c "^m=audio [0-9]* UDP/TLS/RTP/SAVP" <<<"$log")
[ "$n" -ge 4 ] || fail "expected UDP/TLS/RTP/SAVP in the offers and answers of both legs, saw $n"
# baresip writes "SHA-256" (at session level in offers), Zvonok "sha-256"
n=$(grep -ci "^a=fingerprint:sha-256 [0-9A-F:]\{95\}" <<<"$log")
[ "$n" -ge 4 ] || fail "expected a=fingerprint in the offers and answers of both legs, saw $n"
n=$(grep -c "^a=fingerprint:sha-256 " <<<"$log")
[ "$n" -ge 2 ] || fail "expected Zvonok's a=fingerprint in its offer and its answer, saw $n"
n=$(grep -c "^a=setup:actpass" <<<"$log")
[ "$n" -ge 2 ] || fail "expected a=setup:actpass in both offers, saw $n"
n=$(grep -c "^a=setup:active" <<<"$log")
[ "$n" -ge 2 ] || fail "expected a=setup:active in both answers, saw $n"

# A plain endpoint gets a DTLS-only offer: 488.
client "$ZV_DIR/plain" "$ZV_DIR/tone1000.wav" \
	"<sip:204@127.0.0.1:$ZPORT;transport=udp>;auth_pass=secret204;mediaenc=dtls_srtp;regint=0" 3 \
	"sip:600@127.0.0.1:$ZPORT"
wait "$LAST_PID"
expect_contains "$(cat "$ZV_DIR/plain/out.txt")" "488" "UDP/TLS/RTP/SAVP offered to a plain endpoint"

# sip.conf dtlsenable=yes, dtlssetup=passive: Zvonok answers passive (so
# baresip, offering actpass, is the client) and the Echo gives back 1000 Hz.
# (baresip 1.0 knows only sha-256 fingerprints: dtlsfingerprint=SHA-1 is
# covered by the unit tests.)
client "$ZV_DIR/sipconf" "$ZV_DIR/tone1000.wav" \
	"<sip:205@127.0.0.1:$ZPORT;transport=udp>;auth_pass=secret205;mediaenc=dtls_srtp;regint=0" 5 \
	"sip:600@127.0.0.1:$ZPORT"
wait "$LAST_PID"
out=$(zv_analyse "$ZV_DIR/sipconf")
echo "sip.conf peer hears its echo: $out"
zv_in_range "$(zv_field "$out" freq)" 985 1015 || fail "DTLS Echo: 205 should hear 1000 Hz, got $out"
zv_in_range "$(zv_field "$out" secs)" 2 6 || fail "DTLS Echo: too little audio: $out"
expect_contains "$(cat "$ZV_DIR/out.log")" "a=setup:passive" "a=setup:passive for dtlssetup=passive"
expect_contains "$(cat "$ZV_DIR/sipconf/out.txt")" "start DTLS client" "baresip as the DTLS client"

# dtls_verify=yes against the system CAs: the handshake fails, no audio.
client "$ZV_DIR/verify" "$ZV_DIR/tone1000.wav" \
	"<sip:206@127.0.0.1:$ZPORT;transport=udp>;auth_pass=secret206;mediaenc=dtls_srtp;regint=0" 4 \
	"sip:600@127.0.0.1:$ZPORT"
wait "$LAST_PID"
out=$(zv_analyse "$ZV_DIR/verify")
echo "206 (certificate not verified) hears: $out"
if zv_in_range "$(zv_field "$out" secs)" 0.5 100; then
	fail "dtls_verify=yes with an unverifiable certificate: audio got through: $out"
fi
expect_contains "$(cat "$ZV_DIR/out.log")" "the peer's certificate: self-signed certificate" \
	"the verification failure logged"
zv_stop
echo "PASS $TEST_NAME"
