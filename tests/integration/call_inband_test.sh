#!/bin/bash
# Inband DTMF: an endpoint with dtmf_mode=inband calls Read(); baresip
# plays a sound file holding the tones of 1, 2 and 3 (made by sox: the
# two sines of each key, 150 ms each) and no telephone-events; Zvonok's
# detector (spandsp) turns them into digits.  Checked: Read() gets "123"
# and READSTATUS is OK; the same tones from an endpoint with the default
# dtmf_mode (rfc4733) are not taken as digits (TIMEOUT).
. "$(dirname "$0")/lib.sh"
zv_need baresip sox

zv_setup
ZPORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 205 calls dtmf_mode=inband
	zv_pjsip_endpoint 206 calls
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 610,1,Answer()
 same => n,Read(d,,3,,1,4)
 same => n,Set(DB(inband/${CALLERID(num)})=${d}:${READSTATUS})
 same => n,Hangup()
EOC
zv_start

# key <digit> <low Hz> <high Hz>: 150 ms of the key's two tones, 150 ms quiet.
key() {
	sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/k$1.wav" synth 0.15 sine "$2" sine "$3" channels 1 vol 0.4 pad 0 0.15 ||
		fail "sox could not make key $1"
}
key 1 697 1209
key 2 697 1336
key 3 697 1477
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/quiet.wav" trim 0 1 || fail "sox failed"
sox "$ZV_DIR/quiet.wav" "$ZV_DIR/k1.wav" "$ZV_DIR/k2.wav" "$ZV_DIR/k3.wav" "$ZV_DIR/quiet.wav" \
	"$ZV_DIR/quiet.wav" "$ZV_DIR/quiet.wav" "$ZV_DIR/keys.wav" || fail "sox could not join the keys"

call() { # user
	local dir="$ZV_DIR/b-$1"
	zv_baresip_config "$dir" "$ZV_DIR/keys.wav"
	zv_baresip_dial "$dir" "$1" 610 6
	wait "$ZV_BARESIP_PID"
}

call 205
expect_eq "$(zv_rx 'database get inband 205')" "Value: 123:OK" "inband digits read from dtmf_mode=inband"
call 206
expect_eq "$(zv_rx 'database get inband 206')" "Value: :TIMEOUT" "the same tones with dtmf_mode=rfc4733"
zv_stop
echo "PASS $TEST_NAME"
