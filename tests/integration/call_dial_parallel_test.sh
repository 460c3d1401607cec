#!/bin/bash
# Dial() to several destinations at once, and its timing options, with
# real SIP peers: SIPp callees a and b (pjsip.conf, static contacts), c
# (sip.conf peer), a caller 300 (SIPp), baresip phones 200 and 201 for
# D().  What the dialplan saw is written to AstDB by the h extension.
#  - Dial(PJSIP/a&PJSIP/b&SIP/c,10): all three ring; b answers after
#    1.5 s and hangs up 3 s later; a and c get a CANCEL with
#    Reason: SIP;cause=200;text="Call completed elsewhere" and end their
#    INVITE with 487 (ACKed).  DIALSTATUS=ANSWER, DIALEDPEERNAME=PJSIP/b-...,
#    DIALEDTIME(_MS) ~4.5 s (start of Dial to its end), ANSWEREDTIME(_MS)
#    ~3 s, each within 1 s.  Then the same with SIP/c answering.
#  - all three busy (486): DIALSTATUS=BUSY at once, and a Hangup()
#    without a cause gives the caller 486 (the legs' cause is the
#    caller's, as in Asterisk);
#  - Dial(PJSIP/a&PJSIP/b,3) with a busy and b ringing: NOANSWER after
#    3 s, b's CANCEL has no Reason (it was not answered elsewhere);
#    with option c, Dial(PJSIP/a,2,c): the CANCEL says cause=200;
#  - Dial(PJSIP/a&PJSIP/b,2) with a silent (no 1xx) for 3 s: a's CANCEL
#    waits for its 180 (RFC 3261 9.1), NOANSWER;
#  - Dial(PJSIP/dead&PJSIP/nocontact&PJSIP/b&SIP/c,10), dead a port where
#    nothing listens, nocontact never registered: b and c still ring at
#    once, b answers (ANSWER, DIALEDPEERNAME=PJSIP/b-...); the daemon
#    stops while dead's INVITE is pending, and frees the call;
#  - L(3000:1000:500): b gets Zvonok's BYE 3 s (+-1) after its 200, the
#    dialplan after Dial does not run; gS(2): the BYE 2 s (+-1) after the
#    200 and the dialplan goes on (g) with DIALSTATUS=ANSWER;
#  - D(1234:56): baresip 201 (auto answer) receives RFC 4733 events
#    1 2 3 4 and the calling baresip 5 6, nothing else; D(::37): a Local
#    callee that sends progress (no answer) reads 37;
#  - L(5000:2500) with LIMIT_WARNING_FILE: the caller (baresip) hears the
#    file instead of the callee (baresip, 440 Hz) 2.5 s after the answer;
#    L(6000:3000) without: the time left is said at 3 s;
#  - no channel is left.
. "$(dirname "$0")/lib.sh"
zv_need sipp baresip sox

zv_setup
ZPORT=$(zv_free_port udp)
APORT=$(zv_free_port udp)
BPORT=$(zv_free_port udp)
CPORT=$(zv_free_port udp)
DEADPORT=$(zv_free_port udp) # nothing binds it
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 300 calls
	zv_pjsip_endpoint 200 calls
	zv_pjsip_static a calls "$APORT"
	zv_pjsip_static b calls "$BPORT"
	zv_pjsip_static dead calls "$DEADPORT"
	zv_pjsip_phone nocontact calls ""
	zv_pjsip_phone 201 calls "" aor:remove_existing=yes
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/sip.conf" <<EOC
[general]
udpbindaddr=127.0.0.1:$(zv_free_port udp)
[c]
type=peer
host=127.0.0.1
port=$CPORT
disallow=all
allow=ulaw
context=calls
EOC
cat >"$ZV_DIR/extensions.conf" <<EOC
[globals]
WARN=$ZV_DIR/warn700
EOC
cat >>"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => par,1,Set(CASE=par)
 same => n,Dial(PJSIP/a&PJSIP/b&SIP/c,10)
 same => n,Hangup()
exten => parc,1,Set(CASE=parc)
 same => n,Dial(PJSIP/a&PJSIP/b&SIP/c,10)
 same => n,Hangup()
exten => busy,1,Set(CASE=busy)
 same => n,Dial(PJSIP/a&PJSIP/b&SIP/c,10)
 same => n,Hangup()
exten => busyring,1,Set(CASE=busyring)
 same => n,Dial(PJSIP/a&PJSIP/b,3)
 same => n,Hangup(19)
exten => silent,1,Set(CASE=silent)
 same => n,Dial(PJSIP/a&PJSIP/b,2)
 same => n,Hangup(19)
exten => cancelc,1,Set(CASE=cancelc)
 same => n,Dial(PJSIP/a,2,c)
 same => n,Hangup(19)
exten => unreach,1,Set(CASE=unreach)
 same => n,Dial(PJSIP/dead&PJSIP/nocontact&PJSIP/b&SIP/c,10)
 same => n,Hangup()
exten => limit,1,Set(CASE=limit)
 same => n,Dial(PJSIP/b,10,L(3000:1000:500))
 same => n,Set(DB(r/limit_after)=ran)
 same => n,Hangup()
exten => sg,1,Set(CASE=sg)
 same => n,Dial(PJSIP/b,10,gS(2))
 same => n,Set(DB(r/sg_after)=${DIALSTATUS})
 same => n,Hangup()
exten => dtmf,1,Set(CASE=dtmf)
 same => n,Dial(PJSIP/201,10,D(1234:56))
 same => n,Hangup()
exten => progdial,1,Set(CASE=prog)
 same => n,Dial(Local/prog@dtmfprog,10,D(::37))
 same => n,Hangup()
exten => limitw,1,Set(CASE=limitw)
 same => n,Set(LIMIT_WARNING_FILE=${WARN})
 same => n,Dial(PJSIP/201,10,L(5000:2500))
 same => n,Hangup()
exten => limits,1,Set(CASE=limits)
 same => n,Dial(PJSIP/201,10,L(6000:3000))
 same => n,Hangup()
exten => h,1,Set(DB(r/${CASE}_status)=${DIALSTATUS})
 same => n,Set(DB(r/${CASE}_peer)=[${DIALEDPEERNAME}])
 same => n,Set(DB(r/${CASE}_dialed)=${DIALEDTIME}/${DIALEDTIME_MS})
 same => n,Set(DB(r/${CASE}_answered)=${ANSWEREDTIME}/${ANSWEREDTIME_MS})
 same => n,Set(DB(r/${CASE}_ring)=${RINGTIME}/${RINGTIME_MS})
 same => n,Set(DB(r/${CASE}_progress)=${PROGRESSTIME}/${PROGRESSTIME_MS})

[dtmfprog]
exten => prog,1,Progress()
 same => n,Read(d,,2,n,,5)
 same => n,Set(DB(r/progress)=${d})
 same => n,Hangup()
EOC
zv_start
cd "$ZV_DIR" || fail "no $ZV_DIR"

# uas NAME SCENARIO PORT [SIPP-ARG...]: SIPp callee NAME in the
# background (output NAME.out, its <log> lines in NAME.log).
declare -A UAS
uas() {
	local name=$1 sf=$2 port=$3
	shift 3
	rm -f "$name.log"
	zv_sipp_uas "$sf" "$port" "$name.out" -trace_logs -log_file "$ZV_DIR/$name.log" "$@"
	UAS[$name]=$ZV_UAS_PID
}
# uas_ok NAME WHAT: callee NAME's scenario passed.
uas_ok() {
	wait "${UAS[$1]}" ||
		fail "$2: callee $1's scenario failed: $(grep -v '^ *$' "$1.out" | tail -15) $(cat "$1.log" 2>/dev/null)"
}
# tick NAME EVENT: the [clock_tick] ms NAME logged for EVENT (invite,
# answer, cancel, bye).
tick() { sed -n "s/^.*$2 t=\([0-9]*\).*/\1/p" "$1.log" | head -1; }
# db CASE KEY: the value the h extension stored.
db() { zv_rx "database get r ${1}_$2" | sed -n 's/^Value: //p'; }
# ms_near VALUE EXPECTED WHAT: |VALUE - EXPECTED| <= 1000.
ms_near() {
	[ -n "$1" ] && [ "$1" -ge $(($2 - 1000)) ] && [ "$1" -le $(($2 + 1000)) ] ||
		fail "$3 is '$1' ms, expected $2 +- 1000"
}
# durations CASE DIALED_MS ANSWERED_MS: DIALEDTIME(_MS) and ANSWEREDTIME(_MS)
# within 1 s of the expected, the seconds being the milliseconds rounded
# down as Asterisk does.
durations() {
	local d a
	d=$(db "$1" dialed)
	a=$(db "$1" answered)
	echo "$1: DIALEDTIME/_MS $d, ANSWEREDTIME/_MS $a"
	ms_near "${d#*/}" "$2" "$1: DIALEDTIME_MS"
	ms_near "${a#*/}" "$3" "$1: ANSWEREDTIME_MS"
	expect_eq "${d%/*}" "$((${d#*/} / 1000))" "$1: DIALEDTIME"
	expect_eq "${a%/*}" "$((${a#*/} / 1000))" "$1: ANSWEREDTIME"
}
ELSEWHERE='reason=<Reason: SIP;cause=200;text="Call completed elsewhere">'
# cancelled NAME WHAT [REASON]: callee NAME got a CANCEL with the Reason
# header REASON (none when not given) and its 487 was ACKed.
cancelled() {
	uas_ok "$1" "$2"
	grep -q "^ack487 cseq=[0-9]" "$1.log" || fail "$2: $1's 487 was not ACKed: $(cat "$1.log")"
	grep -qF "${3:-reason=<>}" "$1.log" || fail "$2: $1's CANCEL: $(grep cancel "$1.log"), expected ${3:-reason=<>}"
}

# ---- parallel: all ring, b answers, a and c are CANCELled -----------------
uas a dial_uas_cancel.xml "$APORT"
uas b dial_uas_answer.xml "$BPORT" -set ring 1500 -set talk 3000
uas c dial_uas_cancel.xml "$CPORT"
zv_sipp_uac call_uac_bye_rx.xml par uac-par.out ||
	fail "par: the caller was not connected and hung up: $(tail -20 uac-par.out)"
uas_ok b par
cancelled a par "$ELSEWHERE"
cancelled c par "$ELSEWHERE"
expect_eq "$(db par status)" "ANSWER" "par: DIALSTATUS"
expect_contains "$(db par peer)" '^\[PJSIP/b-[0-9a-f]+\]$' "par: DIALEDPEERNAME"
talk=$(($(tick b bye) - $(tick b answer)))
echo "par: b talked $talk ms by its clock"
durations par 4500 3000
ms_near "$talk" 3000 "par: b's own talk time"
r=$(db par ring)
[ "${r#*/}" -lt 1500 ] || fail "par: RINGTIME $r, the legs rang at once"

# ---- the same, SIP/c answers ---------------------------------------------------------
uas a dial_uas_cancel.xml "$APORT"
uas b dial_uas_cancel.xml "$BPORT"
uas c dial_uas_answer.xml "$CPORT" -set ring 1000 -set talk 1000
zv_sipp_uac call_uac_bye_rx.xml parc uac-parc.out ||
	fail "parc: the caller was not connected and hung up: $(tail -20 uac-parc.out)"
uas_ok c parc
cancelled a parc "$ELSEWHERE"
cancelled b parc "$ELSEWHERE"
expect_eq "$(db parc status)" "ANSWER" "parc: DIALSTATUS"
expect_contains "$(db parc peer)" '^\[SIP/c-[0-9a-f]+\]$' "parc: DIALEDPEERNAME"
durations parc 2000 1000

# ---- all busy ------------------------------------------------------------------------
uas a call_uas_busy.xml "$APORT"
uas b call_uas_busy.xml "$BPORT"
uas c call_uas_busy.xml "$CPORT"
t0=$(zv_now_ms)
zv_sipp_uac call_uac_486.xml busy uac-busy.out || fail "busy: the caller did not get 486: $(tail -20 uac-busy.out)"
el=$(($(zv_now_ms) - t0))
for x in a b c; do uas_ok $x busy; done
expect_eq "$(db busy status)" "BUSY" "busy: DIALSTATUS with every leg busy"
d=$(db busy dialed)
# Not the 10 s timeout: the wall time includes SIPp's start (seconds on
# a loaded host), DIALEDTIME is the PBX's own.
[ "${d#*/}" -lt 1500 ] && [ "$el" -lt 8000 ] || fail "busy: DIALEDTIME $d, the caller waited $el ms"
expect_eq "$(db busy answered)" "/" "busy: ANSWEREDTIME without an answer"

# ---- one busy, one rings until the timeout -------------------------------------------
uas a call_uas_busy.xml "$APORT"
uas b dial_uas_cancel.xml "$BPORT"
zv_sipp_uac call_uac_480.xml busyring uac-busyring.out ||
	fail "busyring: the caller did not get 180 then 480: $(tail -20 uac-busyring.out)"
uas_ok a busyring
cancelled b busyring
expect_eq "$(db busyring status)" "NOANSWER" "busyring: DIALSTATUS, one busy and one not answering"
d=$(db busyring dialed)
ms_near "${d#*/}" 3000 "busyring: DIALEDTIME_MS"
expect_eq "${d%/*}" "3" "busyring: DIALEDTIME"

# ---- a leg that has sent no provisional response is CANCELled only after one --------
# (RFC 3261 9.1): a stays silent for 3 s, the Dial timeout is 2 s.
uas a dial_uas_silent.xml "$APORT"
uas b dial_uas_cancel.xml "$BPORT"
zv_sipp_uac call_uac_480.xml silent uac-silent.out ||
	fail "silent: the caller did not get 180 then 480: $(tail -20 uac-silent.out)"
uas_ok a silent
cancelled b silent
grep -q early-cancel a.log && fail "silent: CANCEL before any provisional response: $(cat a.log)"
[ "$(tick a cancel)" -ge "$(tick a ring)" ] || fail "silent: CANCEL before the 180: $(cat a.log)"
expect_eq "$(db silent status)" "NOANSWER" "silent: DIALSTATUS"

# ---- c: not answered, still 'answered elsewhere' -----------------------------------------
uas a dial_uas_cancel.xml "$APORT"
zv_sipp_uac call_uac_480.xml cancelc uac-cancelc.out ||
	fail "cancelc: the caller did not get 180 then 480: $(tail -20 uac-cancelc.out)"
cancelled a cancelc "$ELSEWHERE"
expect_eq "$(db cancelc status)" "NOANSWER" "cancelc: DIALSTATUS"

# ---- L(): Zvonok hangs up 3 s after the answer ------------------------------------------------
uas b dial_uas_answer.xml "$BPORT" -set ring 0 -set talk 0
zv_sipp_uac call_uac_bye_rx.xml limit uac-limit.out ||
	fail "limit: the caller did not get its BYE: $(tail -20 uac-limit.out)"
uas_ok b limit
grep -q "bye t=.* from=zvonok" b.log || fail "limit: b got no BYE: $(cat b.log)"
lim=$(($(tick b bye) - $(tick b answer)))
echo "limit: BYE at b $lim ms after its 200"
ms_near "$lim" 3000 "L(3000): the BYE after the 200"
expect_eq "$(db limit status)" "ANSWER" "limit: DIALSTATUS"
expect_contains "$(zv_rx 'database get r limit_after' 2>&1)" "not found" "L() without g: nothing after Dial"
durations limit 3000 3000

# ---- gS(2): hung up after 2 s, the dialplan goes on ------------------------------------------
uas b dial_uas_answer.xml "$BPORT" -set ring 0 -set talk 0
zv_sipp_uac call_uac_bye_rx.xml sg uac-sg.out || fail "sg: the caller did not get its BYE: $(tail -20 uac-sg.out)"
uas_ok b sg
lim=$(($(tick b bye) - $(tick b answer)))
echo "S(2): BYE at b $lim ms after its 200"
ms_near "$lim" 2000 "S(2): the BYE after the 200"
expect_eq "$(zv_rx 'database get r sg_after')" "Value: ANSWER" "gS(2): the dialplan went on after Dial"

# ---- D(called:calling) ------------------------------------------------------------------------------
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone.wav" synth 20 sine 1000 vol 0.3 || fail "sox failed"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone440.wav" synth 20 sine 440 vol 0.3 || fail "sox failed"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/warn700.wav" synth 1 sine 700 vol 0.5 || fail "sox failed"
cdir="$ZV_DIR/callee"
zv_baresip_config "$cdir" "$ZV_DIR/tone440.wav"
zv_baresip_callee "$cdir" 201 60
dir="$ZV_DIR/caller"
zv_baresip_config "$dir" "$ZV_DIR/tone.wav"
zv_baresip_dial "$dir" 200 dtmf 7
wait "$ZV_BARESIP_PID"
events() { grep -o "received event: '.' (end=0)" "$1/out.txt" | sed "s/received event: '\(.\)'.*/\1/" | tr -d '\n'; }
called=$(events "$cdir")
calling=$(events "$dir")
echo "D(1234:56): the called phone received '$called', the calling phone '$calling'"
expect_eq "$(db dtmf status)" "ANSWER" "dtmf: DIALSTATUS"
expect_eq "$called" "1234" "D(): digits the called party received"
expect_eq "$calling" "56" "D(): digits the calling party received"

# D(::37): the called party sends progress without answering; Read()
# in its dialplan (a Local channel) gets the digits.
zv_rx "channel originate Local/progdial@calls application Wait 12" >/dev/null || fail "originate progdial"
zv_wait_rx 10 "database get r progress" "Value: " || fail "D(::37): the progress digits were not read: $out"
expect_eq "$out" "Value: 37" "D(::37): digits the called party read after its progress"
zv_wait_rx 5 "database get r prog_status" "Value: " || fail "D(::37): Dial did not end: $out"
p=$(db prog progress)
echo "D(::37): PROGRESSTIME/_MS $p"
[ -n "${p#*/}" ] && [ "${p#*/}" -lt 1500 ] || fail "D(::37): PROGRESSTIME $p"
zv_rx "channel request hangup all" >/dev/null

# ---- L() warnings -------------------------------------------------------------------------------
# L(5000:2500) with LIMIT_WARNING_FILE (1 s of 700 Hz): the caller hears
# the callee (440 Hz), the warning instead 2.5 s after the answer, the
# callee again, and the call ends at 5 s.
dir="$ZV_DIR/caller-limitw"
zv_baresip_config "$dir" "$ZV_DIR/tone.wav"
zv_baresip_dial "$dir" 200 limitw 10
wait "$ZV_BARESIP_PID"
grep -qE "terminated|session closed" "$dir/out.txt" || fail "limitw: the call did not end by itself"
rec=$(zv_recording "$dir")
[ -n "$rec" ] || fail "limitw: the caller recorded nothing"
all=$(python3 "$ZV_SRC/tests/media/tone_check.py" "$rec")
before=$(zv_analyse_part "$rec" 0.5 1.5)
during=$(zv_analyse_part "$rec" 2.75 0.5)
after=$(zv_analyse_part "$rec" 3.9 0.7)
echo "L(5000:2500): whole call $all; 0.5-2 s $before; 2.75-3.25 s $during; 3.9-4.6 s $after"
zv_in_range "$(zv_field "$all" secs)" 4 6 || fail "L(5000): the call lasted $(zv_field "$all" secs) s"
zv_in_range "$(zv_field "$before" freq)" 430 450 || fail "L(): before the warning the callee: $before"
zv_in_range "$(zv_field "$during" freq)" 690 710 || fail "L(:2500): the warning file at 2.5 s: $during"
zv_in_range "$(zv_field "$during" purity)" 0.8 1 || fail "L(): the callee mixed into the warning: $during"
zv_in_range "$(zv_field "$after" freq)" 430 450 || fail "L(): after the warning the callee again: $after"
expect_eq "$(db limitw status)" "ANSWER" "limitw: DIALSTATUS"

# L(6000:3000) without a file: the time left is said (vm-youhave, 3,
# queue-seconds) 3 s after the answer, speech rather than the callee's
# 440 Hz for a second or more.
dir="$ZV_DIR/caller-limits"
zv_baresip_config "$dir" "$ZV_DIR/tone.wav"
zv_baresip_dial "$dir" 200 limits 11
wait "$ZV_BARESIP_PID"
rec=$(zv_recording "$dir")
[ -n "$rec" ] || fail "limits: the caller recorded nothing"
before=$(zv_analyse_part "$rec" 0.5 2)
during=$(zv_analyse_part "$rec" 3.2 1)
echo "L(6000:3000): 0.5-2.5 s $before; 3.2-4.2 s $during"
zv_in_range "$(zv_field "$before" freq)" 430 450 || fail "L(): before the warning the callee: $before"
zv_in_range "$(zv_field "$during" freq)" 430 450 && fail "L(:3000): no announcement at 3 s: $during"
zv_in_range "$(zv_field "$during" secs)" 0.3 1 || fail "L(:3000): the announcement is not audible: $during"
grep -q "PJSIP/200-.* hears the time-limit warning" "$ZV_DIR/out.log" || fail "limits: no warning in the log"

# ---- unreachable and unregistered destinations do not hold up the others -------------------
# The INVITE to dead, then its CANCEL, stay in their transactions until
# timer B/F (32 s); this case runs last and the daemon stops while they
# are pending: it must end them and free the call (under ASan a leak at
# exit fails the run).
uas b dial_uas_answer.xml "$BPORT" -set ring 1000 -set talk 1000
uas c dial_uas_cancel.xml "$CPORT"
zv_sipp_uac call_uac_bye_rx.xml unreach uac-unreach.out ||
	fail "unreach: the caller was not connected: $(tail -20 uac-unreach.out)"
uas_ok b unreach
cancelled c unreach "$ELSEWHERE"
expect_eq "$(db unreach status)" "ANSWER" "unreach: DIALSTATUS"
expect_contains "$(db unreach peer)" '^\[PJSIP/b-[0-9a-f]+\]$' "unreach: DIALEDPEERNAME"
durations unreach 2000 1000

sleep 0.5
chans=$(zv_rx "core show channels")
expect_not_contains "$chans" "(PJSIP|SIP)/" "core show channels after the calls"
zv_stop
echo "PASS $TEST_NAME"
