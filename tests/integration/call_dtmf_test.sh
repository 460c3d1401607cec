#!/bin/bash
# RFC 4733 DTMF both ways with baresip (PCMU + telephone-event), keys
# typed on its stdin (stdio module, through a FIFO):
#  - SendDTMF(159#) from Zvonok: baresip reports receiving 1, 5, 9, # in
#    that order;
#  - Read(a,beep,,,1,6): baresip types 4 2 #  -> a=42, READSTATUS=OK;
#  - Read(b,,3,,1,5):    baresip types 7 8 9  -> b=789 (maxdigits), OK;
#  - Read(c,,2,,1,1.5):  nothing typed        -> c empty, TIMEOUT;
# the values go to AstDB with Set(DB(...)) and are read back with
# `database get`.
. "$(dirname "$0")/lib.sh"
zv_need baresip sox

zv_setup
ZPORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 200 calls
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 700,1,Answer()
 same => n,SendDTMF(159#,100,150)
 same => n,Read(a,beep,,,1,6)
 same => n,Set(DB(dtmf/a)=${a})
 same => n,Set(DB(dtmf/a_status)=${READSTATUS})
 same => n,Read(b,,3,,1,5)
 same => n,Set(DB(dtmf/b)=${b})
 same => n,Set(DB(dtmf/b_status)=${READSTATUS})
 same => n,Read(c,,2,,1,1.5)
 same => n,Set(DB(dtmf/c)=[${c}])
 same => n,Set(DB(dtmf/c_status)=${READSTATUS})
 same => n,Hangup()
EOC
zv_start

B="$ZV_DIR/b"
mkdir -p "$B"
sox -n -r 8000 -c 1 -b 16 "$B/tone.wav" synth 20 sine 1000 vol 0.3 || fail "sox could not make the tone"
zv_baresip_config "$B" "$B/tone.wav"
mkfifo "$B/keys"

# The typist: waits for the end of SendDTMF (baresip saw '#'), then
# types 4 2 # and 7 8 9 half a second apart, then stays quiet (keeps the
# FIFO open) until the call is over.
(
	for _ in $(seq 1 100); do
		grep -q "received event: '#'" "$B/out.txt" 2>/dev/null && break
		sleep 0.1
	done
	sleep 0.8
	for k in 4 2 '#'; do printf '%s' "$k"; sleep 0.5; done
	sleep 0.5
	for k in 7 8 9; do printf '%s' "$k"; sleep 0.5; done
	sleep 20
) >"$B/keys" &
zv_baresip_dial "$B" 200 700 25
for _ in $(seq 1 250); do
	grep -q "terminated" "$B/out.txt" && break
	sleep 0.1
done
grep -q "terminated" "$B/out.txt" || fail "the call did not end: $(tail -c 1500 "$B/out.txt")"

got=$(grep -o "received event: '.' (end=0)" "$B/out.txt" | sed "s/received event: '\(.\)'.*/\1/" | tr -d '\n')
echo "baresip received: $got"
expect_eq "$got" "159#" "digits SendDTMF() sent"
sent=$(grep -o "send DTMF digit: '.'" "$B/out.txt" | sed "s/.*'\(.\)'/\1/" | tr -d '\n')
echo "baresip sent: $sent"
expect_eq "$sent" "42#789" "digits baresip sent (test set-up)"
expect_eq "$(zv_rx 'database get dtmf a')" "Value: 42" "Read() ended by #"
expect_eq "$(zv_rx 'database get dtmf a_status')" "Value: OK" "READSTATUS after #"
expect_eq "$(zv_rx 'database get dtmf b')" "Value: 789" "Read() with maxdigits 3"
expect_eq "$(zv_rx 'database get dtmf b_status')" "Value: OK" "READSTATUS at maxdigits"
expect_eq "$(zv_rx 'database get dtmf c')" "Value: []" "Read() with no digits"
expect_eq "$(zv_rx 'database get dtmf c_status')" "Value: TIMEOUT" "READSTATUS without digits"
zv_stop
echo "PASS $TEST_NAME"
