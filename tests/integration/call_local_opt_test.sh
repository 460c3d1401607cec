#!/bin/bash
# Local channel optimisation: baresip 202 (sends 1000 Hz) dials 300, which
# is Dial(Local/203@inner); inner's 203 is Dial(PJSIP/203) to baresip 203
# (sends 440 Hz, auto-answer).  PCMU on both legs.
#  - each side hears the other's tone, the log says the Local pair was
#    optimised away between the two PJSIP channels, and both PJSIP
#    channels log "native RTP bridge on" (their RTP is relayed session to
#    session, not through the Local pair); the caller's hang-up reaches
#    203 and both Dials end (no channel left, the h extensions of both
#    contexts ran);
#  - optimised again, 203 hanging up first: the caller gets the BYE, both
#    Dials end;
#  - to 204, which speaks only A-law: optimised, the tones arrive (the
#    frames are translated once, A to B), no native relay;
#  - the same with Local/203@inner/n: the tones still arrive, nothing is
#    optimised and no native bridge starts;
#  - a SIPp caller (300, silent) holding the call through the Local pair
#    for 3 s: the pair falls back to its frame path ("no longer
#    optimised"), 203 hears music on hold for about that long, and the
#    pair is optimised again after the re-INVITE that resumes.
. "$(dirname "$0")/lib.sh"
command -v baresip >/dev/null || fail "baresip is not installed"
command -v sipp >/dev/null || fail "sipp (sip-tester) is not installed"
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

; 204 speaks only A-law: A (PCMU) and B (PCMA) cannot be relayed natively.
[204](ep)
disallow=all
allow=alaw
auth=204
aors=204
[204]
type=auth
username=204
password=secret204
[204]
type=aor
max_contacts=1
remove_existing=yes

[300](ep)
EOC
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 300,1,Set(_CALLNAME=opt)
 same => n,Dial(Local/203@inner,10)
 same => n,Hangup()
exten => 310,1,Set(_CALLNAME=noopt)
 same => n,Dial(Local/203@inner/n,10)
 same => n,Hangup()
exten => 320,1,Set(_CALLNAME=hold)
 same => n,Dial(Local/203@inner,10)
 same => n,Hangup()
exten => 330,1,Set(_CALLNAME=byb)
 same => n,Dial(Local/203@inner,10)
 same => n,Hangup()
exten => 340,1,Set(_CALLNAME=alaw)
 same => n,Dial(Local/204@inner,10)
 same => n,Hangup()
exten => h,1,Set(DB(localopt/${CALLNAME}-outer)=${DIALSTATUS})

[inner]
exten => 203,1,Dial(PJSIP/203,10)
 same => n,Hangup()
exten => 204,1,Dial(PJSIP/204,10)
 same => n,Hangup()
exten => h,1,Set(DB(localopt/${CALLNAME}-inner)=${DIALSTATUS})
EOC
zv_start
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone1000.wav" synth 20 sine 1000 vol 0.5 || fail "sox failed"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone440.wav" synth 60 sine 440 vol 0.5 || fail "sox failed"

PIDS=""
cleanup() {
	for p in $PIDS; do kill -KILL "$p" 2>/dev/null; done
	zv_cleanup
}
trap cleanup EXIT

# callee DIR [SECONDS [USER]]: baresip USER (203) answering with 440 Hz,
# quitting after SECONDS (30).
callee() {
	local u=${3:-203}
	zv_baresip_config "$1" "$ZV_DIR/tone440.wav"
	echo "<sip:$u@127.0.0.1:$ZPORT;transport=udp>;auth_pass=secret$u;answermode=auto;regint=60" \
		>"$1/accounts"
	timeout -s KILL 40 baresip -f "$1" -t "${2:-30}" >"$1/out.txt" 2>&1 </dev/null &
	CALLEE_PID=$!
	PIDS="$PIDS $CALLEE_PID"
	for _ in $(seq 1 50); do
		zv_rx "pjsip show contacts" | grep -q "$u/sip:" && return 0
		sleep 0.2
	done
	fail "baresip $u did not register: $(zv_rx 'pjsip show contacts')"
}

# caller DIR TARGET SECONDS: 202 dials TARGET with 1000 Hz.
caller() {
	zv_baresip_config "$1" "$ZV_DIR/tone1000.wav"
	echo "<sip:202@127.0.0.1:$ZPORT;transport=udp>;auth_pass=secret202;regint=0" >"$1/accounts"
	timeout -s KILL $(($3 + 10)) baresip -f "$1" -e "/dial sip:$2@127.0.0.1:$ZPORT" -t "$3" \
		>"$1/out.txt" 2>&1 </dev/null &
	CALLER_PID=$!
	PIDS="$PIDS $CALLER_PID"
}

# no_channels: wait until no channel is left (2 s at most).
no_channels() {
	for _ in $(seq 1 20); do
		[ -z "$(zv_rx 'core show channels' | grep -E 'PJSIP/|Local/')" ] && return 0
		sleep 0.1
	done
	fail "channels left after the call: $(zv_rx 'core show channels')"
}

# hears DIR LO HI WHAT: the newest recording in DIR has its tone in range.
hears() {
	out=$(zv_analyse "$1")
	echo "$4 hears: $out"
	zv_in_range "$(zv_field "$out" freq)" "$2" "$3" || fail "$4 should hear $2-$3 Hz, got $out"
	zv_in_range "$(zv_field "$out" secs)" 3 9 || fail "too little audio for $4: $out"
}

log_count() { grep -c -- "$1" "$ZV_DIR/out.log"; }

# ---- optimised ----
E="$ZV_DIR/callee1"
callee "$E"
C="$ZV_DIR/caller1"
caller "$C" 300 8
wait "$CALLER_PID"
sleep 1
hears "$C" 430 450 "the caller (optimised)"
hears "$E" 985 1015 "the callee (optimised)"
log=$(cat "$ZV_DIR/out.log")
a=$(grep -o 'PJSIP/202-[0-9a-f]*' <<<"$log" | head -1)
b=$(grep -o 'PJSIP/203-[0-9a-f]*' <<<"$log" | head -1)
[ -n "$a" ] && [ -n "$b" ] || fail "no PJSIP/202 and PJSIP/203 channels in the log"
opt=$(grep "optimised away" <<<"$log")
echo "log: $opt"
expect_contains "$opt" "Local/203@inner-[0-9a-f]*: optimised away: $a and $b exchange media directly" \
	"the optimisation log line"
expect_contains "$log" "$a: native RTP bridge on" "the caller's RTP relayed natively"
expect_contains "$log" "$b: native RTP bridge on" "the callee's RTP relayed natively"
expect_not_contains "$log" "Local/203@inner-[0-9a-f]*;[12]: native RTP bridge on" "native bridge on a Local half"
no_channels
expect_eq "$(zv_rx 'database get localopt opt-outer')" "Value: ANSWER" "the outer Dial's DIALSTATUS"
expect_eq "$(zv_rx 'database get localopt opt-inner')" "Value: ANSWER" "the inner Dial's DIALSTATUS"
for _ in $(seq 1 20); do
	grep -q "terminated" "$E/out.txt" && break
	sleep 0.1
done
expect_contains "$(cat "$E/out.txt")" "terminated" "the caller's hang-up reached the callee"
wait "$CALLEE_PID" 2>/dev/null

# ---- optimised, the callee hangs up first ----
n_opt=$(log_count "optimised away")
E="$ZV_DIR/callee4"
callee "$E" 7
C="$ZV_DIR/caller4"
caller "$C" 330 20
wait "$CALLEE_PID" 2>/dev/null
for _ in $(seq 1 30); do
	grep -q "terminated" "$C/out.txt" && break
	sleep 0.1
done
expect_contains "$(cat "$C/out.txt")" "terminated" "the callee's hang-up reached the caller"
kill -KILL "$CALLER_PID" 2>/dev/null
wait "$CALLER_PID" 2>/dev/null
hears "$C" 430 450 "the caller (callee hangs up)"
[ "$(log_count "optimised away")" -gt "$n_opt" ] || fail "the call to 330 was not optimised"
no_channels
expect_eq "$(zv_rx 'database get localopt byb-outer')" "Value: ANSWER" "the outer Dial's DIALSTATUS (callee hung up)"
expect_eq "$(zv_rx 'database get localopt byb-inner')" "Value: ANSWER" "the inner Dial's DIALSTATUS (callee hung up)"

# ---- optimised, different codecs: frames A->B translated, no native relay ----
n_opt=$(log_count "optimised away")
n_native=$(log_count "native RTP bridge on")
E="$ZV_DIR/callee5"
callee "$E" 30 204
C="$ZV_DIR/caller5"
caller "$C" 340 8
wait "$CALLER_PID"
sleep 1
hears "$C" 430 450 "the caller (PCMU to PCMA)"
hears "$E" 985 1015 "the callee (PCMA from PCMU)"
expect_contains "$(grep 'optimised away' "$ZV_DIR/out.log" | tail -1)" "Local/204@inner-[0-9a-f]*: optimised away: PJSIP/202-[0-9a-f]* and PJSIP/204-" \
	"the optimisation of the A-law call"
[ "$(log_count "optimised away")" = $((n_opt + 1)) ] || fail "the A-law call was not optimised once"
[ "$(log_count "native RTP bridge on")" = "$n_native" ] || fail "PCMU and PCMA were relayed natively"
no_channels
wait "$CALLEE_PID" 2>/dev/null

# ---- /n: not optimised ----
n_opt=$(log_count "optimised away")
n_native=$(log_count "native RTP bridge on")
E="$ZV_DIR/callee2"
callee "$E"
C="$ZV_DIR/caller2"
caller "$C" 310 8
wait "$CALLER_PID"
sleep 1
hears "$C" 430 450 "the caller (/n)"
hears "$E" 985 1015 "the callee (/n)"
[ "$(log_count "optimised away")" = "$n_opt" ] || fail "Local/.../n was optimised: $(grep 'optimised away' "$ZV_DIR/out.log")"
[ "$(log_count "native RTP bridge on")" = "$n_native" ] || fail "a native bridge started through Local/.../n"
no_channels
expect_eq "$(zv_rx 'database get localopt noopt-inner')" "Value: ANSWER" "the inner Dial's DIALSTATUS (/n)"
wait "$CALLEE_PID" 2>/dev/null

# ---- hold through an optimised pair ----
n_opt=$(log_count "optimised away")
E="$ZV_DIR/callee3"
callee "$E"
timeout 30 sipp 127.0.0.1:$ZPORT -sf "$ZV_SRC/tests/sip/bridge_hold_uac.xml" -s 320 -m 1 \
	-i 127.0.0.1 -p "$(zv_free_port udp)" -mp "$(zv_free_port udp)" -nostdin -timeout 25 \
	>"$ZV_DIR/hold.out" 2>&1 || fail "hold scenario failed: $(tail -5 "$ZV_DIR/hold.out")"
sleep 1
out=$(zv_analyse "$E")
echo "held callee hears: $out"
awk -v s="$(zv_field "$out" secs)" -v p="$(zv_field "$out" purity)" 'BEGIN { exit !(s > 2 && s < 4 && p < 0.5) }' ||
	fail "hold through the Local pair: expected about 3 s of music, got: $out"
expect_contains "$(cat "$ZV_DIR/out.log")" "Local/203@inner-[0-9a-f]*: no longer optimised" "the fall-back on hold"
n=$(( $(log_count "optimised away") - n_opt ))
[ "$n" = 2 ] || fail "expected the pair optimised at the answer and again after the hold, saw $n"
no_channels
zv_stop
echo "PASS $TEST_NAME"
