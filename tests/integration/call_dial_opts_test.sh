#!/bin/bash
# Dial's options that run on the called channel after it answers, before
# the bridge, with baresip phones (200 calls, 201 answers by itself):
#  - A(file) + M(macro^arg) + U(context^arg^arg): the callee hears the
#    announcement (700 Hz) first, the macro and the subroutine see their
#    arguments (AstDB), then the call is bridged (the caller hears 440 Hz);
#  - GOSUB_RESULT=BUSY: DIALSTATUS=BUSY, the callee is hung up and the
#    caller's dialplan goes on;
#  - GOSUB_RESULT=CONTINUE: the caller goes on (DIALSTATUS=ANSWER);
#  - GOSUB_RESULT=GOTO:after^s^1: the caller goes on there;
#  - MACRO_RESULT=ABORT: both are hung up, nothing after Dial runs;
#  - unknown (q) and unsupported (w) options are named in a warning.
. "$(dirname "$0")/lib.sh"
zv_need baresip sox

zv_setup
ZPORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 200 calls
	zv_pjsip_phone 201 calls "" aor:remove_existing=yes
	zv_pjsip_phone 209 calls "" # never registers
} >"$ZV_DIR/pjsip.conf"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone1000.wav" synth 30 sine 1000 vol 0.5 || fail "sox failed"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone440.wav" synth 120 sine 440 vol 0.5 || fail "sox failed"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone700.wav" synth 2 sine 700 vol 0.5 || fail "sox failed"
cat >"$ZV_DIR/extensions.conf" <<EOC
[calls]
exten => 301,1,Dial(PJSIP/201,10,A($ZV_DIR/tone700)M(check^x1)U(sub-args^a^b))
 same => n,Hangup()
exten => 302,1,Dial(PJSIP/201,10,U(sub-result^BUSY))
 same => n,Set(DB(r/busy)=\${DIALSTATUS})
 same => n,Hangup()
exten => 303,1,Dial(PJSIP/201,10,U(sub-result^CONTINUE))
 same => n,Set(DB(r/continue)=\${DIALSTATUS})
 same => n,Hangup()
exten => 304,1,Dial(PJSIP/201,10,U(sub-goto))
 same => n,Set(DB(r/goto)=wrong)
 same => n,Hangup()
exten => 305,1,Dial(PJSIP/201,10,M(abort))
 same => n,Set(DB(r/abort)=wrong)
 same => n,Hangup()
exten => 309,1,Dial(PJSIP/209,1,qw)
 same => n,Set(DB(r/unavail)=\${DIALSTATUS})
 same => n,Hangup()

[macro-check]
exten => s,1,Set(DB(r/macro)=\${ARG1})

[macro-abort]
exten => s,1,Set(MACRO_RESULT=ABORT)

[sub-args]
exten => s,1,Set(DB(r/sub)=\${ARG1}-\${ARG2}-\${CHANNEL(name)})
 same => n,Return()

[sub-result]
exten => s,1,Set(GOSUB_RESULT=\${ARG1})
 same => n,Return()

[sub-goto]
exten => s,1,Set(GOSUB_RESULT=GOTO:after^s^1)
 same => n,Return()

[after]
exten => s,1,Set(DB(r/goto)=\${DIALSTATUS})
 same => n,Hangup()
EOC
zv_start

cdir="$ZV_DIR/callee"
zv_baresip_config "$cdir" "$ZV_DIR/tone440.wav"
zv_baresip_callee "$cdir" 201 80

call() {
	dir="$ZV_DIR/caller-$1-$RANDOM"
	zv_baresip_config "$dir" "$ZV_DIR/tone1000.wav"
	zv_baresip_dial "$dir" 200 "$1" "$2"
}
# ended SECS: wait for the caller to be hung up (not its own time-out;
# a BYE right after the answer is reported as "session closed").
ended() {
	for _ in $(seq 1 $(($1 * 10))); do
		grep -qE "terminated|session closed" "$dir/out.txt" && return 0
		sleep 0.1
	done
	return 1
}

# A + M + U, then the bridge.
call 301 8
wait "$ZV_BARESIP_PID"
sleep 0.5
crec=$(zv_recording "$cdir")
ann=$(zv_analyse_part "$crec" 0.2 1.5)
echo "callee at the start: $ann"
zv_in_range "$(zv_field "$ann" freq)" 690 710 || fail "A(): the callee should hear 700 Hz first: $ann"
rec=$(zv_recording "$dir")
last=$(zv_analyse_part "$rec" -2.5 2)
echo "caller at the end: $last"
zv_in_range "$(zv_field "$last" freq)" 430 450 || fail "after A/M/U the call should be bridged: $last"
expect_eq "$(zv_rx 'database get r macro')" "Value: x1" "M(): the macro's ARG1"
expect_contains "$(zv_rx 'database get r sub')" "Value: a-b-PJSIP/201-" "U(): arguments, run on the called channel"

# GOSUB_RESULT=BUSY / CONTINUE / GOTO, MACRO_RESULT=ABORT
for x in 302 303 304 305; do
	n=$(grep -cE "terminated|session closed" "$cdir/out.txt")
	call $x 15
	ended 8 || fail "$x: the caller was not hung up"
	kill "$ZV_BARESIP_PID" 2>/dev/null # baresip stays until its -t otherwise
	wait "$ZV_BARESIP_PID" 2>/dev/null
	for _ in $(seq 1 30); do
		[ "$(grep -cE "terminated|session closed" "$cdir/out.txt")" -gt "$n" ] && break
		sleep 0.1
	done
	[ "$(grep -cE "terminated|session closed" "$cdir/out.txt")" -gt "$n" ] || fail "$x: the callee got no BYE"
done
expect_eq "$(zv_rx 'database get r busy')" "Value: BUSY" "GOSUB_RESULT=BUSY"
expect_eq "$(zv_rx 'database get r continue')" "Value: ANSWER" "GOSUB_RESULT=CONTINUE"
expect_eq "$(zv_rx 'database get r goto')" "Value: ANSWER" "GOSUB_RESULT=GOTO:after^s^1"
expect_contains "$(zv_rx 'database get r abort' 2>&1)" "not found" "MACRO_RESULT=ABORT: nothing after Dial"

# Unknown and unsupported options.
call 309 3
wait "$ZV_BARESIP_PID"
expect_eq "$(zv_rx 'database get r unavail')" "Value: CHANUNAVAIL" "Dial with bad options still dials"
grep -q "unknown option 'q'" "$ZV_DIR/out.log" || fail "no warning naming the unknown option q"
grep -q "option 'w' is not supported" "$ZV_DIR/out.log" || fail "no warning naming the unsupported option w"

sleep 0.5
[ "$(zv_rx 'core show channels' | grep -c 'PJSIP/20[01]-')" = 0 ] || fail "channels left"
zv_stop
echo "PASS $TEST_NAME"
