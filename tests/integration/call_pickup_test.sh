#!/bin/bash
# Call pickup with real phones.  A baresip (200, sending 1000 Hz) calls
# 201 through Dial(PJSIP/201,30,g); 201 is a SIPp UAS that only rings
# (call_uas_ring_pickup.xml: it must get a CANCEL carrying Reason:
# SIP;cause=200, "call completed elsewhere").  Another baresip (sending
# 440 Hz) picks the call up; checked each time: the UAS got its CANCEL,
# the caller heard 440 Hz and the picker 1000 Hz (tone_check.py on what
# each recorded), the caller's Dial ended with DIALSTATUS=ANSWER and
# DIALEDPEERNAME Pickup/<picker>.  Ways tried:
#  - 202 (pickup_group=1,3-4) dials *8 (features.conf pickupexten default)
#    for 201 (call_group=1);
#  - 204 (named_pickup_group=support,sales) dials *8 for 201
#    (named_call_group=sales);
#  - 203 dials 82: Pickup(201@calls);
#  - 203 dials 83: PickupChan(PJSIP/201);
#  - 203 dials 84: PickupChan(PJSIP/20,p) (the caller PJSIP/200-..., also
#    ringing, is older but no Dial leg: skipped);
#  - 203 dials 85: Pickup(m211@PICKUPMARK) for a caller that dialled 211
#    (Set(_PICKUPMARK=m211) before Dial);
#  - 203 dials 87: Set(CHANNEL(pickupgroup)=1-2), read back as 1,2, then
#    Pickup();
# and refused: 203 (pickup_group=2) dialling *8 leaves 201 ringing, and 86
# (Pickup(999@calls)) finds nothing and goes on in the dialplan.
. "$(dirname "$0")/lib.sh"
zv_need baresip sipp sox

zv_setup
ZPORT=$(zv_free_port udp)
RING=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 200 calls
	zv_pjsip_static 201 calls "$RING" call_group=1 named_call_group=sales
	zv_pjsip_endpoint 202 calls pickup_group=1,3-4
	zv_pjsip_endpoint 203 calls pickup_group=2
	zv_pjsip_endpoint 204 calls named_pickup_group=support,sales
} >"$ZV_DIR/pjsip.conf"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone1000.wav" synth 30 sine 1000 vol 0.5 || fail "sox failed"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone440.wav" synth 30 sine 440 vol 0.5 || fail "sox failed"
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
exten => 201,1,Dial(PJSIP/201,30,g)
 same => n,Set(DB(pick/status)=${DIALSTATUS})
 same => n,Set(DB(pick/peer)=${DIALEDPEERNAME})
 same => n,Hangup()
exten => 211,1,Set(_PICKUPMARK=m211)
 same => n,Goto(201,1)
exten => 82,1,Pickup(201@calls)
exten => 83,1,PickupChan(PJSIP/201)
exten => 84,1,PickupChan(PJSIP/20,p)
exten => 85,1,Pickup(m211@PICKUPMARK)
exten => 86,1,Pickup(999@calls)
 same => n,Set(DB(pick/after86)=continued)
 same => n,Hangup()
exten => 87,1,Set(CHANNEL(pickupgroup)=1-2)
 same => n,Set(DB(pick/group87)=${CHANNEL(pickupgroup)})
 same => n,Pickup()
EOC
zv_start

# ring LOGNAME [SCENARIO] [CALLEE-EXTEN]: the ringing UAS, then the caller
# 200 dialling CALLEE-EXTEN (201); waits until Dial's leg rings.
ring() {
	zv_rx "database del pick status" >/dev/null 2>&1
	uaslog="$ZV_DIR/uas-$1.log"
	zv_sipp_uas "${2:-call_uas_ring_pickup.xml}" "$RING" "$uaslog"
	uas=$ZV_UAS_PID
	cdir="$ZV_DIR/caller-$1"
	zv_baresip_config "$cdir" "$ZV_DIR/tone1000.wav"
	zv_baresip_dial "$cdir" 200 "${3:-201}" 10
	caller=$ZV_BARESIP_PID
	zv_wait_rx 5 "core show channels" "PJSIP/201-.*Ringing" || fail "$1: 201 does not ring"
}

# pickup LOGNAME USER EXTEN: USER dials EXTEN to pick the ringing call up;
# the checks of a pickup that worked.
pickup() {
	pdir="$ZV_DIR/picker-$1"
	zv_baresip_config "$pdir" "$ZV_DIR/tone440.wav"
	zv_baresip_dial "$pdir" "$2" "$3" 5
	picker=$ZV_BARESIP_PID
	wait "$uas" || fail "$1: 201 (SIPp) did not get its CANCEL with Reason cause=200: $(tail -5 "$uaslog")"
	wait "$picker"
	wait "$caller"
	local c p
	c=$(zv_analyse "$cdir")
	p=$(zv_analyse "$pdir")
	echo "$1: caller heard $c; picker heard $p"
	zv_in_range "$(zv_field "$c" freq)" 430 450 || fail "$1: the caller should hear the picker's 440 Hz: $c"
	zv_in_range "$(zv_field "$p" freq)" 990 1010 || fail "$1: the picker should hear the caller's 1000 Hz: $p"
	expect_eq "$(zv_rx 'database get pick status')" "Value: ANSWER" "$1: the caller's DIALSTATUS"
	expect_contains "$(zv_rx 'database get pick peer')" "Value: Pickup/PJSIP/$2-" "$1: DIALEDPEERNAME"
	grep -q "Call pickup on 'PJSIP/201-[0-9a-f]*' by 'PJSIP/$2-" "$ZV_DIR/out.log" ||
		fail "$1: no 'Call pickup on' in the log"
}

ring star8
pickup star8 202 '*8'
ring named
pickup named 204 '*8'
ring exten
pickup exten 203 82
ring chan
pickup chan 203 83
ring prefix
pickup prefix 203 84
ring mark call_uas_ring_pickup.xml 211
pickup mark 203 85
ring chanfunc
pickup chanfunc 203 87
expect_eq "$(zv_rx 'database get pick group87')" "Value: 1,2" "CHANNEL(pickupgroup) after writing 1-2"

# Refused: 203's pickup group (2) does not meet 201's call group (1); a
# Pickup() that finds nothing goes on in the dialplan.
ring refused call_uas_ring.xml
before=$(grep -c "No target channel found" "$ZV_DIR/out.log")
pdir="$ZV_DIR/picker-refused"
zv_baresip_config "$pdir" "$ZV_DIR/tone440.wav"
zv_baresip_dial "$pdir" 203 '*8' 3
wait "$ZV_BARESIP_PID"
zv_baresip_dial "$pdir" 203 86 3
wait "$ZV_BARESIP_PID"
expect_contains "$(zv_rx 'core show channels')" "PJSIP/201-.*Ringing" "201 still rings after the refused pickups"
after=$(grep -c "No target channel found" "$ZV_DIR/out.log")
expect_eq "$((after - before))" 2 "'No target channel found' lines"
expect_eq "$(zv_rx 'database get pick after86')" "Value: continued" "the dialplan after a Pickup() that found nothing"
wait "$caller"
wait "$uas" || fail "refused: 201 did not get the caller's CANCEL: $(tail -5 "$uaslog")"
expect_contains "$(zv_rx 'database get pick status' 2>&1)" "not found" "no DIALSTATUS after the caller gave up"

echo "pickups relayed across workers: $(grep -c 'Call pickup on.*across workers' "$ZV_DIR/out.log") of 7"
sleep 0.5
[ "$(zv_rx 'core show channels' | grep -c -E 'PJSIP/20[0-4]-|Pickup/')" = 0 ] ||
	fail "channels left after the calls: $(zv_rx 'core show channels')"
zv_stop
echo "PASS $TEST_NAME"
