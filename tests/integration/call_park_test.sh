#!/bin/bash
# Call parking with real phones: baresip 200 (sending 1000 Hz) calls 201
# (a registered baresip that answers by itself, sending 440 Hz) through
# Dial(PJSIP/201,20,t); 201 blind-transfers the caller to 70, the lot's
# parkext (res_parking.conf: 70, spaces 71-79, context parkedcalls included
# by the phones' context, parkedmusicclass `parked`: a 523 Hz file; the
# default class plays 600 Hz).  Checked:
#  - the parked caller hears 523 Hz (the lot's class); `parkedcalls show`
#    and `parking show` list it on 71 with parker PJSIP/201-...;
#  - with parkinghints=yes the hint park:71@parkedcalls is InUse while
#    the call is parked and Idle after (72 stays Idle);
#  - 202 (sending 700 Hz) dials 71: ParkedCall(default,71) connects it
#    with the caller, who hears 700 Hz while 202 hears 1000 Hz;
#  - a call parked again and not retrieved comes back after parkingtime
#    (6 s) with comebacktoorigin=no to comebackcontext at PJSIP_201 (the
#    parker's flattened name: PARKINGSLOT 71 stored, then Milliwatt, so
#    the caller ends on 1004 Hz);
#  - the transferer (201, the parker) hears the space (digits/7, digits/1)
#    before it leaves; features.conf parkcall #72 (Dial k) parks the
#    caller the same way and 201 hears the space;
#  - 202 dialling 70 parks itself and hears its space said (digits/7,
#    digits/1 played); 79 (nothing parked) plays pbx-invalidpark.
. "$(dirname "$0")/lib.sh"
zv_need baresip sox

zv_setup
ZPORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	zv_pjsip_endpoint 200 calls
	zv_pjsip_phone 201 calls "" aor:remove_existing=yes
	zv_pjsip_endpoint 202 calls
} >"$ZV_DIR/pjsip.conf"
mkdir -p "$ZV_DIR/moh-park" "$ZV_DIR/moh-default"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/moh-park/t523.wav" synth 5 sine 523 vol 0.5 || fail "sox failed"
sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/moh-default/t600.wav" synth 5 sine 600 vol 0.5 || fail "sox failed"
for f in 1000 440 700; do
	sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone$f.wav" synth 60 sine $f vol 0.5 || fail "sox failed"
done
cat >"$ZV_DIR/musiconhold.conf" <<EOC
[default]
mode = files
directory = $ZV_DIR/moh-default
[parked]
mode = files
directory = $ZV_DIR/moh-park
EOC
cat >"$ZV_DIR/res_parking.conf" <<'EOC'
[default]
parkext => 70
parkpos => 71-79
context => parkedcalls
parkingtime => 6
comebacktoorigin = no
comebackcontext = back
parkedmusicclass = parked
parkinghints = yes
EOC
cat >"$ZV_DIR/features.conf" <<'EOC'
[featuremap]
blindxfer => #
parkcall => #72
EOC
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[calls]
include => parkedcalls
exten => 201,1,Dial(PJSIP/201,20,tk)
 same => n,Hangup()
[back]
exten => PJSIP_201,1,Set(DB(park/back)=${PARKINGSLOT}:${PARKEDLOT}:${PARKERDIALSTRING})
 same => n,Milliwatt()
EOC
zv_start

out=$(zv_rx "parking show")
expect_contains "$out" "Parking Extension +: +70" "parking show"
expect_contains "$out" "Parking Spaces +: +71-79" "parking show"
expect_contains "$(zv_rx 'dialplan show parkedcalls')" "ParkedCall\(default,71\)" "the lot's extensions"

cdir="$ZV_DIR/callee"
zv_baresip_config "$cdir" "$ZV_DIR/tone440.wav"
zv_baresip_keys "$cdir" 3
zv_baresip_callee "$cdir" 201 100

# park SECS: a new caller 200 calls 201, which transfers it to 70.
park() {
	dir="$ZV_DIR/caller-$RANDOM"
	zv_baresip_config "$dir" "$ZV_DIR/tone1000.wav"
	zv_baresip_dial "$dir" 200 201 "$1"
	caller=$ZV_BARESIP_PID
	zv_wait_lines "$cdir/out.txt" "Call established" $((++calls)) 10 || fail "201 did not answer"
	sleep 1
	zv_keys 3 '#'
	sleep 2.5
	zv_keys 3 7 0
	zv_wait_rx 5 "parkedcalls show" "Space: 71 " || fail "the call was not parked on 71: $(zv_rx 'parkedcalls show')"
	parked_at=$(zv_now_ms)
}
calls=0

# ---- 1: park, then 202 retrieves it ----
park 20
expect_contains "$(zv_rx 'core show hints')" "71@parkedcalls +: park:71@parkedcalls +State:InUse" "the space's hint while parked"
expect_contains "$(zv_rx 'core show hints')" "72@parkedcalls +: park:72@parkedcalls +State:Idle" "a free space's hint"
out=$(zv_rx "parkedcalls show")
expect_contains "$out" "Channel: PJSIP/200-[0-9a-f]+ +Parker: PJSIP/201-" "parkedcalls show"
expect_contains "$out" "1 parked call in total" "parkedcalls show"
expect_contains "$(zv_rx 'parking show default')" "Space: 71 " "parking show default"
sleep 3.5
rdir="$ZV_DIR/retriever"
zv_baresip_config "$rdir" "$ZV_DIR/tone700.wav"
zv_baresip_dial "$rdir" 202 71 5
wait "$ZV_BARESIP_PID"
wait "$caller"
rec=$(zv_recording "$dir")
[ -n "$rec" ] || fail "the caller recorded nothing"
# the caller's recording ends with 202's 5 s call; before it, parked
parked=$(zv_analyse_part "$rec" -7.5 1.8)
talk=$(zv_analyse_part "$rec" -3.5 2.5)
got=$(zv_analyse "$rdir")
echo "caller while parked: $parked; after the retrieval: $talk; retriever: $got"
zv_in_range "$(zv_field "$parked" freq)" 513 533 || fail "the parked caller should hear the lot's 523 Hz class: $parked"
zv_in_range "$(zv_field "$talk" freq)" 690 710 || fail "after the retrieval the caller should hear 202's 700 Hz: $talk"
zv_in_range "$(zv_field "$got" freq)" 990 1010 || fail "the retriever should hear the caller's 1000 Hz: $got"
grep -q "retrieved from 71@default by PJSIP/202-" "$ZV_DIR/out.log" || fail "no retrieval in the log"
expect_contains "$(zv_rx 'parkedcalls show')" "0 parked calls in total" "after the retrieval"
expect_contains "$(zv_rx 'core show hints')" "71@parkedcalls +: park:71@parkedcalls +State:Idle" "the space's hint after the retrieval"
grep -q "<PJSIP/201-[0-9a-f]*> Playing '.*/digits/7\.wav" "$ZV_DIR/out.log" &&
	grep -q "<PJSIP/201-[0-9a-f]*> Playing '.*/digits/1\.wav" "$ZV_DIR/out.log" ||
	fail "the transferer (parker) did not hear the space 71"

# ---- 2: parked and not retrieved: back after 6 s to back,PJSIP_201 ----
park 16
wait "$caller"
rec=$(zv_recording "$dir")
tail=$(zv_analyse_part "$rec" -2.5 2)
echo "caller at the end after the time-out: $tail"
zv_in_range "$(zv_field "$tail" freq)" 994 1014 || fail "the timed-out call should reach Milliwatt in [back]: $tail"
expect_eq "$(zv_rx 'database get park back')" "Value: 71:default:PJSIP/201" "PARKINGSLOT:PARKEDLOT:PARKERDIALSTRING"

# ---- 3: one-touch parkcall (#72, Dial k): 201 parks the caller ----
dir="$ZV_DIR/caller-k"
zv_baresip_config "$dir" "$ZV_DIR/tone1000.wav"
zv_baresip_dial "$dir" 200 201 10
caller=$ZV_BARESIP_PID
zv_wait_lines "$cdir/out.txt" "Call established" $((++calls)) 10 || fail "201 did not answer"
sleep 1
said=$(grep -c "<PJSIP/201-[0-9a-f]*> Playing '.*/digits/1\.wav" "$ZV_DIR/out.log")
zv_keys 3 '#' 7 2
zv_wait_rx 5 "parkedcalls show" "Space: 71 .*Parker: PJSIP/201-" || fail "parkcall did not park the caller: $(zv_rx 'parkedcalls show')"
sleep 1.5
expect_eq "$(grep -c "<PJSIP/201-[0-9a-f]*> Playing '.*/digits/1\.wav" "$ZV_DIR/out.log")" $((said + 1)) "the space said to the parkcall presser"
wait "$caller"
sleep 0.5

# ---- 4: 202 parks itself and hears its space; 79 has nothing ----
sdir="$ZV_DIR/self"
zv_baresip_config "$sdir" "$ZV_DIR/tone700.wav"
zv_baresip_dial "$sdir" 202 70 4
wait "$ZV_BARESIP_PID"
grep -q "<PJSIP/202-[0-9a-f]*> Playing '.*/digits/7\.wav" "$ZV_DIR/out.log" &&
	grep -q "<PJSIP/202-[0-9a-f]*> Playing '.*/digits/1\.wav" "$ZV_DIR/out.log" ||
	fail "the self-parked channel did not hear its space"
zv_baresip_dial "$sdir" 202 79 3
wait "$ZV_BARESIP_PID"
grep -q "Playing '.*/pbx-invalidpark" "$ZV_DIR/out.log" || fail "79: no pbx-invalidpark"
sleep 0.5
expect_contains "$(zv_rx 'parkedcalls show')" "0 parked calls in total" "at the end"
zv_stop
echo "PASS $TEST_NAME"
