#!/bin/bash
# In-call features of Dial with real phones: baresip 200 calls 201 (a
# registered baresip that answers by itself) through Dial(PJSIP/201,,tT...);
# each phone types DTMF from its stdin (a FIFO).  Without features.conf the
# defaults apply (blind transfer #, disconnect *).  Checked:
#  - the callee blind-transfers the caller to 601 (Milliwatt): the callee
#    types 5 (not a feature: the caller receives it), then # 6 0 1; the
#    caller first hears the callee's 440 Hz and at the end 1004 Hz, never
#    receives the #; the callee gets a BYE; 601 sees BLINDTRANSFER =
#    PJSIP/201-...; the caller's dialplan did not go on after Dial;
#  - the caller blind-transfers the callee to 602 (a 700 Hz file, then
#    Hangup): the caller is hung up at once; the callee hears 700 Hz, then
#    a BYE; 602 sees BLINDTRANSFER = PJSIP/200-...;
#  - an invalid target (# 9): pbx-invalid and the call goes on (both legs
#    still up in Dial, the caller hears 440 Hz after it); the callee's *
#    (option h) hangs the callee up and, with g, the caller's dialplan
#    continues (AstDB value set after Dial);
#  - `features show` lists Asterisk's defaults, and the new codes after
#    `module reload features` (a bad value is warned about).
. "$(dirname "$0")/lib.sh"
zv_need baresip sox

zv_setup
ZPORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 200 calls
	zv_pjsip_phone 201 calls "" aor:remove_existing=yes
} >"$ZV_DIR/pjsip.conf"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone1000.wav" synth 40 sine 1000 vol 0.5 || fail "sox failed"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone440.wav" synth 120 sine 440 vol 0.5 || fail "sox failed"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone700.wav" synth 4 sine 700 vol 0.5 || fail "sox failed"
cat >"$ZV_DIR/extensions.conf" <<EOC
[calls]
exten => 201,1,Dial(PJSIP/201,20,tT)
 same => n,Set(DB(xfer/after201)=\${DIALSTATUS})
 same => n,Hangup()
exten => 202,1,Dial(PJSIP/201,20,thg)
 same => n,Set(DB(xfer/after202)=\${DIALSTATUS})
 same => n,Hangup()
exten => 601,1,Set(DB(xfer/bt601)=\${BLINDTRANSFER})
 same => n,Milliwatt()
exten => 602,1,Set(DB(xfer/bt602)=\${BLINDTRANSFER})
 same => n,Answer()
 same => n,Playback($ZV_DIR/tone700)
 same => n,Hangup()
EOC
zv_start

out=$(zv_rx "features show")
echo "$out" | grep -qE "^Blind Transfer +# +# *$" || fail "features show: $out"
echo "$out" | grep -qE "^Disconnect Call +\* +\* *$" || fail "features show: $out"
echo "$out" | grep -qE "^Pickup +\*8 +\*8 *$" || fail "features show: $out"

# The callee: registered, answers by itself, keys on fd 3.
cdir="$ZV_DIR/callee"
zv_baresip_config "$cdir" "$ZV_DIR/tone440.wav"
zv_baresip_keys "$cdir" 3
zv_baresip_callee "$cdir" 201 100

# call EXTEN SECS: a new caller baresip (200), keys on fd 4; sets dir.
call() {
	dir="$ZV_DIR/caller-$1-$RANDOM"
	zv_baresip_config "$dir" "$ZV_DIR/tone1000.wav"
	zv_baresip_keys "$dir" 4
	zv_baresip_dial "$dir" 200 "$1" "$2"
}

# ---- 1: the callee transfers the caller to 601 (Milliwatt) ----
call 201 12
zv_wait_lines "$cdir/out.txt" "Call established" 1 10 || fail "the callee did not answer"
sleep 1.5
zv_keys 3 5
sleep 0.6
zv_keys 3 '#'
sleep 2.5 # the pbx-transfer prompt
zv_keys 3 6 0 1
zv_wait_lines "$cdir/out.txt" "terminated" 1 10 || fail "the transferer (callee) got no BYE"
sleep 1
chans=$(zv_rx "core show channels")
expect_contains "$chans" "PJSIP/200-.*Milliwatt" "the transferred caller runs 601"
expect_not_contains "$chans" "PJSIP/201-" "the transferer's channel"
wait "$ZV_BARESIP_PID"
rec=$(zv_recording "$dir")
[ -n "$rec" ] || fail "the caller recorded nothing"
first=$(zv_analyse_part "$rec" 0.3 1.5)
last=$(zv_analyse_part "$rec" -2.5 2)
echo "caller before the transfer: $first; after: $last"
zv_in_range "$(zv_field "$first" freq)" 430 450 || fail "before the transfer the caller should hear 440 Hz: $first"
zv_in_range "$(zv_field "$last" freq)" 994 1014 || fail "after the transfer the caller should hear Milliwatt: $last"
got=$(grep -o "received event: '.' (end=0)" "$dir/out.txt" | sed "s/received event: '\(.\)'.*/\1/" | tr -d '\n')
echo "caller received DTMF: '$got'"
expect_eq "$got" "5" "digits the caller received (5 relayed, the feature code held back)"
expect_contains "$(zv_rx 'database get xfer bt601')" "Value: PJSIP/201-" "BLINDTRANSFER on the caller"
expect_contains "$(zv_rx 'database get xfer after201' 2>&1)" "not found" "the caller's dialplan after Dial"

# ---- 2: the caller transfers the callee to 602 (700 Hz, then Hangup) ----
before=$(grep -c "terminated" "$cdir/out.txt")
call 201 20
zv_wait_lines "$cdir/out.txt" "Call established" 2 10 || fail "the callee did not answer the second call"
sleep 1.5
zv_keys 4 '#'
sleep 2.5
zv_keys 4 6 0 2
zv_wait_lines "$dir/out.txt" "terminated" 1 5 || fail "the transferer (caller) got no BYE"
sleep 1
expect_contains "$(zv_rx 'core show channels')" "PJSIP/201-.*Playback" "the transferred callee runs 602"
zv_wait_lines "$cdir/out.txt" "terminated" $((before + 1)) 10 || fail "the callee got no BYE after 602"
wait "$ZV_BARESIP_PID"
sleep 0.5
rec=$(zv_recording "$cdir")
last=$(zv_analyse_part "$rec" -3.5 2.5)
echo "callee after the transfer: $last"
zv_in_range "$(zv_field "$last" freq)" 690 710 || fail "the transferred callee should hear 700 Hz: $last"
expect_contains "$(zv_rx 'database get xfer bt602')" "Value: PJSIP/200-" "BLINDTRANSFER on the callee"

# ---- 3: an invalid target, then the callee's disconnect code (h, g) ----
before=$(grep -c "terminated" "$cdir/out.txt")
call 202 25
zv_wait_lines "$cdir/out.txt" "Call established" 3 10 || fail "the callee did not answer the third call"
sleep 1.5
zv_keys 3 '#'
sleep 2.5
zv_keys 3 9
sleep 6.5 # pbx-invalid (4.4 s), then the call again
chans=$(zv_rx "core show channels")
expect_contains "$chans" "PJSIP/200-.*Dial" "the caller after an invalid transfer"
expect_contains "$chans" "PJSIP/201-" "the callee after an invalid transfer"
sleep 2.5
zv_keys 3 '*'
zv_wait_lines "$cdir/out.txt" "terminated" $((before + 1)) 5 || fail "the disconnect code did not hang up the callee"
zv_wait_lines "$dir/out.txt" "terminated" 1 5 || fail "the caller was not hung up after its dialplan"
wait "$ZV_BARESIP_PID"
expect_eq "$(zv_rx 'database get xfer after202')" "Value: ANSWER" "the caller's dialplan after the disconnect (g)"
rec=$(zv_recording "$dir")
tail=$(zv_analyse_part "$rec" -2.5 2)
echo "caller after the invalid transfer: $tail"
zv_in_range "$(zv_field "$tail" freq)" 430 450 || fail "after an invalid transfer the caller should hear 440 Hz again: $tail"
got=$(grep -o "received event: '.' (end=0)" "$dir/out.txt" | sed "s/received event: '\(.\)'.*/\1/" | tr -d '\n')
expect_eq "$got" "" "digits the caller received in call 3"

[ "$(zv_rx 'core show channels' | grep -c 'PJSIP/20[01]-')" = 0 ] || fail "channels left after the calls"

# features.conf on reload: new codes; a bad value warns and keeps the default.
cat >"$ZV_DIR/features.conf" <<EOC
[general]
featuredigittimeout = soon
[featuremap]
blindxfer => #9
atxfer => *2
[applicationmap]
play => #7,self,Playback,beep
EOC
out=$(zv_rx "module reload features" 2>&1) || fail "module reload features: $out"
{ printf '%s\n' "$out"; cat "$ZV_DIR/out.log"; } | grep -q "featuredigittimeout: 'soon' is not a number" ||
	fail "no warning about featuredigittimeout = soon: $out"
{ printf '%s\n' "$out"; cat "$ZV_DIR/out.log"; } | grep -q "applicationmap.*not supported" ||
	fail "no warning about [applicationmap]: $out"
out=$(zv_rx "features show")
echo "$out" | grep -qE "^Blind Transfer +# +#9 *$" || fail "features show after reload: $out"
echo "$out" | grep -qE "^Attended Transfer +\*2 *$" || fail "features show after reload: $out"
zv_stop
echo "PASS $TEST_NAME"
