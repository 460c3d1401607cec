#!/bin/bash
# Direct media signalling against SIPp (both legs direct_media=yes):
# SIPp caller 300 -> Dial(PJSIP/callee) -> SIPp callee.
#  - glare (call_dm_uas_491.xml): the callee answers our direct-media
#    re-INVITE 491; Zvonok tries again 2.1-4 s later (RFC 3261 14.1: it
#    chose the Call-ID of that leg) with the same SDP, the callee takes
#    it; the caller's re-INVITE (call_dm_uac.xml) carries the callee's
#    media port and the callee's retry the caller's; both legs logged
#    "media flows directly to the peer";
#  - refusal (call_dm_uas_488.xml): the callee answers 488 a second
#    after the caller went direct; the caller is re-INVITEd back to
#    Zvonok's own media port (call_dm_uac_back.xml: two re-INVITEs, the
#    second not to the callee), logged "direct media refused (488)" and
#    "media anchored again"; the callee gets no second re-INVITE;
#  - session timer (call_dm_uas_timer.xml: Session-Expires 90,
#    refresher=uac, no UPDATE): Zvonok's refresh of the direct callee leg
#    is a re-INVITE 40-50 s after the direct one that still carries the
#    caller's media (a refresh must not anchor by accident) and
#    Session-Expires; then the callee hangs up and the caller
#    (call_dm_uac_bye_rx.xml) gets its BYE;
#  - direct_media_method=update (call_dm_uas_update.xml): the callee leg
#    gets an UPDATE with the caller's media instead of a re-INVITE.
# About 70 s in all.
. "$(dirname "$0")/lib.sh"
zv_need sipp

zv_setup
ZPORT=$(zv_free_port udp)
CALLEE_PORT=$(zv_free_port udp)
UPD_PORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 300 calls direct_media=yes
	zv_pjsip_static callee calls "$CALLEE_PORT" direct_media=yes
	zv_pjsip_static upd calls "$UPD_PORT" direct_media=yes direct_media_method=update
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 900,1,Dial(PJSIP/callee,10)
 same => n,Hangup()
exten => 901,1,Dial(PJSIP/upd,10)
 same => n,Hangup()
EOC
zv_start
cd "$ZV_DIR" || fail "no $ZV_DIR"

# logged FILE-GLOB NAME: "ADDR:PORT" that the scenario logged for NAME.
logged() { sed -n "s/^.*$2 \([0-9.]*:[0-9]*\).*/\1/p" $1 2>/dev/null | head -1; }
logged_t() { sed -n "s/^.*$2 .* t=\([0-9]*\).*/\1/p" $1 2>/dev/null | head -1; }

# call NAME UAS-SCENARIO UAC-SCENARIO [EXTEN PORT]: one call (to 900 and
# the callee's port unless given) in its own directory.
call() {
	mkdir -p "$1" && cd "$1" || fail "no $1"
	UAS_MP=$(zv_free_port udp)
	zv_sipp_uas "$2" "${5:-$CALLEE_PORT}" uas.out -trace_logs -trace_err -mp "$UAS_MP"
	UAC_MP=$(zv_free_port udp)
	zv_sipp_uac_bg "$3" "${4:-900}" uac.out -trace_logs -trace_err -mp "$UAC_MP"
	wait "$ZV_UAC_PID" || fail "$1: caller scenario failed: $(cat ./*errors.log 2>/dev/null | tail -5; tail -5 uac.out)"
	wait "$ZV_UAS_PID" || fail "$1: callee scenario failed: $(cat ./*errors.log 2>/dev/null | tail -5; tail -5 uas.out)"
	cd "$ZV_DIR" || fail "no $ZV_DIR"
}

# ---- 491, retry ----------------------------------------------------------------
call glare call_dm_uas_491.xml call_dm_uac.xml
r1=$(logged "glare/call_dm_uas_491_*_logs.log" reinvite1)
r2=$(logged "glare/call_dm_uas_491_*_logs.log" reinvite2)
t1=$(logged_t "glare/call_dm_uas_491_*_logs.log" reinvite1)
t2=$(logged_t "glare/call_dm_uas_491_*_logs.log" reinvite2)
c1=$(logged "glare/call_dm_uac_*_logs.log" reinvite1)
echo "glare: callee re-INVITEs $r1 (491) and $r2 after $((t2 - t1)) ms; caller re-INVITE $c1"
echo "glare: media ports: caller $UAC_MP, callee $UAS_MP"
expect_eq "$r1" "127.0.0.1:$UAC_MP" "the callee's first re-INVITE (the caller's media)"
expect_eq "$r2" "127.0.0.1:$UAC_MP" "the callee's retried re-INVITE"
expect_eq "$c1" "127.0.0.1:$UAS_MP" "the caller's re-INVITE (the callee's media)"
[ $((t2 - t1)) -ge 2050 ] && [ $((t2 - t1)) -le 4300 ] ||
	fail "the retry after 491 came after $((t2 - t1)) ms (RFC 3261 14.1: 2.1-4 s)"
grep -q "PJSIP/callee-[0-9a-f]*: 491 to our re-INVITE: again later" out.log || fail "no 491 in the log"
[ "$(grep -c "media flows directly to the peer" out.log)" -ge 2 ] || fail "the legs did not go direct"

# ---- 488: stays anchored, the caller is taken back -------------------------------
call refused call_dm_uas_488.xml call_dm_uac_back.xml
r1=$(logged "refused/call_dm_uas_488_*_logs.log" reinvite1)
c1=$(logged "refused/call_dm_uac_back_*_logs.log" reinvite1)
c2=$(logged "refused/call_dm_uac_back_*_logs.log" reinvite2)
echo "refused: callee re-INVITE $r1 (488); caller re-INVITEs $c1 then $c2"
echo "refused: media ports: caller $UAC_MP, callee $UAS_MP"
expect_eq "$r1" "127.0.0.1:$UAC_MP" "the callee's re-INVITE (the caller's media)"
expect_eq "$c1" "127.0.0.1:$UAS_MP" "the caller's first re-INVITE (the callee's media)"
[ -n "$c2" ] && [ "$c2" != "127.0.0.1:$UAS_MP" ] ||
	fail "the caller was not taken back from the callee's media: second re-INVITE '$c2'"
grep -q "PJSIP/callee-[0-9a-f]*: direct media refused (488)" out.log || fail "the refusal is not logged"
grep -q "PJSIP/300-[0-9a-f]*: media anchored again" out.log || fail "the caller was not anchored again"
# ---- direct_media_method=update ----------------------------------------------------
call update call_dm_uas_update.xml call_dm_uac.xml 901 "$UPD_PORT"
u1=$(logged "update/call_dm_uas_update_*_logs.log" update1)
c1=$(logged "update/call_dm_uac_*_logs.log" reinvite1)
echo "update: callee UPDATE $u1, caller re-INVITE $c1; media ports: caller $UAC_MP, callee $UAS_MP"
expect_eq "$u1" "127.0.0.1:$UAC_MP" "the callee's UPDATE (the caller's media)"
expect_eq "$c1" "127.0.0.1:$UAS_MP" "the caller's re-INVITE (the callee's media)"

# ---- session timer refresh while direct -----------------------------------------
# (SIPp by hand: the zv_sipp_* helpers stop SIPp after 30 s)
mkdir -p timer && cd timer || fail "no timer"
UAS_MP=$(zv_free_port udp)
timeout -s KILL 90 sipp -sf "$ZV_SRC/tests/sip/call_dm_uas_timer.xml" -i 127.0.0.1 -p "$CALLEE_PORT" \
	-mp "$UAS_MP" -m 1 -nostdin -timeout 80 -timeout_error -trace_logs -trace_err >uas.out 2>&1 &
uas_pid=$!
zv_wait_udp "$CALLEE_PORT"
UAC_MP=$(zv_free_port udp)
timeout -s KILL 90 sipp "127.0.0.1:$ZPORT" -sf "$ZV_SRC/tests/sip/call_dm_uac_bye_rx.xml" -s 900 \
	-i 127.0.0.1 -p "$(zv_free_port udp)" -mp "$UAC_MP" -m 1 -nostdin -timeout 80 -timeout_error \
	-max_retrans 3 -trace_logs -trace_err >uac.out 2>&1 &
uac_pid=$!
wait "$uas_pid" || fail "timer: callee scenario failed: $(cat ./*errors.log 2>/dev/null | tail -5; tail -5 uas.out)"
wait "$uac_pid" || fail "timer: caller scenario failed: $(cat ./*errors.log 2>/dev/null | tail -5; tail -5 uac.out)"
cd "$ZV_DIR" || fail "no $ZV_DIR"
r1=$(logged "timer/call_dm_uas_timer_*_logs.log" reinvite1)
r2=$(logged "timer/call_dm_uas_timer_*_logs.log" reinvite2)
t1=$(logged_t "timer/call_dm_uas_timer_*_logs.log" reinvite1)
t2=$(logged_t "timer/call_dm_uas_timer_*_logs.log" reinvite2)
se2=$(sed -n 's/^.*reinvite2 .* se=\([0-9]*\).*/\1/p' timer/call_dm_uas_timer_*_logs.log | head -1)
echo "timer: callee re-INVITEs $r1 (direct), $r2 (refresh, Session-Expires $se2) $((t2 - t1)) ms later"
expect_eq "$r1" "127.0.0.1:$UAC_MP" "the callee's direct re-INVITE"
expect_eq "$r2" "127.0.0.1:$UAC_MP" "the session refresh while direct (the caller's media)"
expect_eq "$se2" 90 "Session-Expires of the refresh"
[ $((t2 - t1)) -ge 40000 ] && [ $((t2 - t1)) -le 50000 ] ||
	fail "the refresh came $((t2 - t1)) ms after the direct re-INVITE (expected ~45 s)"

sleep 0.3
expect_not_contains "$(zv_rx 'core show channels')" "PJSIP/" "channels after the calls"
zv_stop
echo "PASS $TEST_NAME"
