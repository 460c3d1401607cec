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
command -v baresip >/dev/null || fail "baresip is not installed"
command -v sox >/dev/null || fail "sox is not installed"

zv_setup
ZPORT=$(zv_free_port udp)
cat >"$ZV_DIR/pjsip.conf" <<EOC
[udp]
type=transport
protocol=udp
bind=127.0.0.1:$ZPORT

[200]
type=endpoint
context=calls
disallow=all
allow=ulaw

[201]
type=endpoint
context=calls
disallow=all
allow=ulaw
aors=201
[201]
type=aor
max_contacts=1
remove_existing=yes
EOC
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

CALLEE_PID=""
CALLER_PID=""
cleanup() {
	[ -n "$CALLEE_PID" ] && kill -KILL "$CALLEE_PID" 2>/dev/null
	[ -n "$CALLER_PID" ] && kill -KILL "$CALLER_PID" 2>/dev/null
	exec 3>&- 4>&- 2>/dev/null
	zv_cleanup
}
trap cleanup EXIT

# The callee: registered, answers by itself, keys on fd 3.
cdir="$ZV_DIR/callee"
zv_baresip_config "$cdir" "$ZV_DIR/tone440.wav"
echo "<sip:201@127.0.0.1:$ZPORT;transport=udp>;answermode=auto;regint=60" >"$cdir/accounts"
mkfifo "$cdir/keys"
exec 3<>"$cdir/keys"
timeout -s KILL 110 baresip -f "$cdir" -t 100 <"$cdir/keys" >"$cdir/out.txt" 2>&1 &
CALLEE_PID=$!
for _ in $(seq 1 50); do
	zv_rx "pjsip show contacts" | grep -q "201/sip:" && break
	sleep 0.2
done
expect_contains "$(zv_rx 'pjsip show contacts')" "201/sip:" "baresip 201 registered"

# call EXTEN SECS: a new caller baresip (200), keys on fd 4; sets dir.
call() {
	dir="$ZV_DIR/caller-$1-$RANDOM"
	zv_baresip_config "$dir" "$ZV_DIR/tone1000.wav"
	echo "<sip:200@127.0.0.1:$ZPORT;transport=udp>;regint=0" >"$dir/accounts"
	mkfifo "$dir/keys"
	exec 4<>"$dir/keys"
	timeout -s KILL $(($2 + 10)) baresip -f "$dir" -e "/dial sip:$1@127.0.0.1:$ZPORT" -t "$2" \
		<"$dir/keys" >"$dir/out.txt" 2>&1 &
	CALLER_PID=$!
}

# wait_for FILE PATTERN COUNT SECS: until FILE has COUNT lines matching.
wait_for() {
	for _ in $(seq 1 $(($4 * 10))); do
		[ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "$3" ] && return 0
		sleep 0.1
	done
	return 1
}

# keys FD DIGITS...: typed 0.4 s apart.
keys() {
	local fd=$1 k
	shift
	for k in "$@"; do printf '%s' "$k" >&"$fd"; sleep 0.4; done
}

# analyse FILE START LEN: tone_check.py on a part of a recording.
analyse() {
	sox "$1" "$1.part.wav" trim "$2" "$3" 2>/dev/null || { echo "trim failed"; return; }
	python3 "$ZV_SRC/tests/media/tone_check.py" "$1.part.wav"
}

newest() { ls -t "$1"/dump-*-dec.wav 2>/dev/null | head -1; }

# ---- 1: the callee transfers the caller to 601 (Milliwatt) ----
call 201 12
wait_for "$cdir/out.txt" "Call established" 1 10 || fail "the callee did not answer"
sleep 1.5
keys 3 5
sleep 0.6
keys 3 '#'
sleep 2.5 # the pbx-transfer prompt
keys 3 6 0 1
wait_for "$cdir/out.txt" "terminated" 1 10 || fail "the transferer (callee) got no BYE"
sleep 1
chans=$(zv_rx "core show channels")
expect_contains "$chans" "PJSIP/200-.*Milliwatt" "the transferred caller runs 601"
expect_not_contains "$chans" "PJSIP/201-" "the transferer's channel"
wait "$CALLER_PID"
CALLER_PID=""
rec=$(newest "$dir")
[ -n "$rec" ] || fail "the caller recorded nothing"
first=$(analyse "$rec" 0.3 1.5)
last=$(analyse "$rec" -2.5 2)
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
wait_for "$cdir/out.txt" "Call established" 2 10 || fail "the callee did not answer the second call"
sleep 1.5
keys 4 '#'
sleep 2.5
keys 4 6 0 2
wait_for "$dir/out.txt" "terminated" 1 5 || fail "the transferer (caller) got no BYE"
sleep 1
expect_contains "$(zv_rx 'core show channels')" "PJSIP/201-.*Playback" "the transferred callee runs 602"
wait_for "$cdir/out.txt" "terminated" $((before + 1)) 10 || fail "the callee got no BYE after 602"
wait "$CALLER_PID"
CALLER_PID=""
sleep 0.5
rec=$(newest "$cdir")
last=$(analyse "$rec" -3.5 2.5)
echo "callee after the transfer: $last"
zv_in_range "$(zv_field "$last" freq)" 690 710 || fail "the transferred callee should hear 700 Hz: $last"
expect_contains "$(zv_rx 'database get xfer bt602')" "Value: PJSIP/200-" "BLINDTRANSFER on the callee"

# ---- 3: an invalid target, then the callee's disconnect code (h, g) ----
before=$(grep -c "terminated" "$cdir/out.txt")
call 202 25
wait_for "$cdir/out.txt" "Call established" 3 10 || fail "the callee did not answer the third call"
sleep 1.5
keys 3 '#'
sleep 2.5
keys 3 9
sleep 6.5 # pbx-invalid (4.4 s), then the call again
chans=$(zv_rx "core show channels")
expect_contains "$chans" "PJSIP/200-.*Dial" "the caller after an invalid transfer"
expect_contains "$chans" "PJSIP/201-" "the callee after an invalid transfer"
sleep 2.5
keys 3 '*'
wait_for "$cdir/out.txt" "terminated" $((before + 1)) 5 || fail "the disconnect code did not hang up the callee"
wait_for "$dir/out.txt" "terminated" 1 5 || fail "the caller was not hung up after its dialplan"
wait "$CALLER_PID"
CALLER_PID=""
expect_eq "$(zv_rx 'database get xfer after202')" "Value: ANSWER" "the caller's dialplan after the disconnect (g)"
rec=$(newest "$dir")
tail=$(analyse "$rec" -2.5 2)
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
