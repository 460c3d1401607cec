#!/bin/bash
# A call over a trunk between two Zvonoks: baresip (200) calls instance A,
# whose dialplan does Dial(PJSIP/600@provider); the provider is instance B,
# which challenges the INVITE (401) and runs Echo() for the endpoint A
# authenticates as (outbound_auth).  Also the sip.conf style
# Dial(SIP/provider/601) to B's Milliwatt, and a wrong trunk password.
# Asserts the tone baresip sends comes back through both PBXs, the 1004 Hz
# tone arrives, DIALSTATUS of the refused call, and that both instances
# are left without channels.
. "$(dirname "$0")/lib.sh"
zv_need baresip sox

zv_setup
APORT=$(zv_free_port udp)
BPORT=$(zv_free_port udp)

# Instance B: the provider.
zv_setup_b
{
	zv_pjsip_udp "$BPORT"
	cat <<EOC
[customer-a]
type=endpoint
context=provider
disallow=all
allow=ulaw
auth=customer-a
aors=customer-a
[customer-a]
type=auth
username=customer-a
password=trunkpw
[customer-a]
type=aor
max_contacts=1
EOC
} >"$B_DIR/pjsip.conf"
cat >"$B_DIR/extensions.conf" <<'EOC'
[provider]
exten => 600,1,Answer()
 same => n,Echo()
exten => 601,1,Milliwatt()
exten => 700,1,Progress()
 same => n,Playback(hello-world,noanswer)
 same => n,Hangup(17)
exten => 800,1,Ringing()
 same => n,Wait(4)
 same => n,Hangup(19)
EOC
zv_start_b

# Instance A: the PBX with the trunk (pjsip.conf) and the same provider
# as a sip.conf peer.
{
	zv_pjsip_udp "$APORT"
	cat <<EOC
[200]
type=endpoint
context=office
disallow=all
allow=ulaw
auth=200
aors=200
[200]
type=auth
username=200
password=secret
[200]
type=aor
max_contacts=1

[provider]
type=endpoint
context=from-provider
disallow=all
allow=ulaw
outbound_auth=provider-auth
aors=provider
[provider-auth]
type=auth
username=customer-a
password=trunkpw
; a host name: resolved (RFC 3263) on the blocking pool at call time
[provider]
type=aor
contact=sip:localhost:$BPORT

[badprovider]
type=endpoint
context=from-provider
disallow=all
allow=ulaw
outbound_auth=badprovider-auth
aors=badprovider
[badprovider-auth]
type=auth
username=customer-a
password=wrong
[badprovider]
type=aor
contact=sip:127.0.0.1:$BPORT
EOC
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/sip.conf" <<EOC
[general]
udpbindaddr=127.0.0.1:$(zv_free_port udp)
[sipprovider]
type=peer
host=127.0.0.1
port=$BPORT
defaultuser=customer-a
secret=trunkpw
insecure=invite
disallow=all
allow=ulaw
context=from-provider
EOC
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[office]
exten => 600,1,Dial(PJSIP/600@provider,10)
 same => n,Hangup()
exten => 601,1,Dial(SIP/sipprovider/601,10)
 same => n,Hangup()
exten => 611,1,Dial(SIP/sipprovider/601,10,S(2))
 same => n,Hangup()
exten => 800,1,Dial(PJSIP/800@provider,10,r)
 same => n,Set(DB(result/ring)=${DIALSTATUS})
 same => n,Hangup()
exten => 700,1,Dial(PJSIP/700@provider,10)
 same => n,Set(DB(result/early)=${DIALSTATUS})
 same => n,Hangup()
exten => 602,1,Dial(PJSIP/600@badprovider,5)
 same => n,Set(DB(result/bad)=${DIALSTATUS})
 same => n,Hangup()
EOC
zv_start

sox -n -r 8000 -c 1 -b 16 "$ZV_DIR/tone.wav" synth 10 sine 1000 vol 0.5 || fail "sox failed"

call() { # exten seconds
	dir="$ZV_DIR/b-$1"
	zv_baresip_config "$dir" "$ZV_DIR/tone.wav"
	ZPORT=$APORT zv_baresip_dial "$dir" 200 "$1" "$2" auth_pass=secret
}

# PJSIP trunk with digest: the echo comes back through A and B.
call 600 5
sleep 2.5
expect_contains "$(zv_rx 'core show channels')" "PJSIP/provider-" "A's outgoing trunk leg"
expect_contains "$(zv_b_rx 'core show channels')" "PJSIP/customer-a-" "B's incoming channel"
wait "$ZV_BARESIP_PID"
out=$(zv_analyse "$dir")
echo "trunk echo: $out"
zv_in_range "$(zv_field "$out" freq)" 985 1015 || fail "the echo over the trunk: $out"
zv_in_range "$(zv_field "$out" purity)" 0.8 1 || fail "the echo over the trunk is not clean: $out"

# sip.conf peer with a static host: Dial(SIP/peer/number).
call 601 4
wait "$ZV_BARESIP_PID"
out=$(zv_analyse "$dir")
echo "trunk milliwatt: $out"
zv_in_range "$(zv_field "$out" freq)" 999 1009 || fail "Milliwatt over SIP/sipprovider: $out"

# Dial option S(2): the milliwatt call is cut 2 s after the answer.
call 611 7
wait "$ZV_BARESIP_PID"
out=$(zv_analyse "$dir")
echo "S(2): $out"
zv_in_range "$(zv_field "$out" secs)" 1.5 2.7 || fail "S(2): heard $(zv_field "$out" secs) s"
expect_contains "$(cat "$dir/out.txt")" "terminated" "S(2) hung up the call"

# Dial option r: ringback (440+480 Hz, 2 s on) while B only rings, then
# NOANSWER when B gives up.
call 800 7
wait "$ZV_BARESIP_PID"
out=$(zv_analyse "$dir")
echo "ringback: $out"
zv_in_range "$(zv_field "$out" secs)" 1.6 2.4 || fail "ringback: expected one 2 s burst, got $out"
f=$(zv_field "$out" freq)
{ zv_in_range "$f" 435 445 || zv_in_range "$f" 475 485; } || fail "ringback: not 440/480 Hz: $out"
expect_eq "$(zv_rx 'database get result ring')" "Value: NOANSWER" "DIALSTATUS when the far end gives up ringing"

# Early media: B plays hello-world after Progress() without answering,
# then hangs up busy; A passes the 183 and the audio to baresip.
call 700 5
wait "$ZV_BARESIP_PID"
out=$(zv_analyse "$dir")
echo "early media: $out"
awk -v s="$(zv_field "$out" secs)" 'BEGIN { exit !(s > 0.8 && s < 2) }' ||
	fail "early media: expected about 1.4 s of hello-world, got: $out"
expect_not_contains "$(cat "$dir/out.txt")" "Call established" "the early-media call was not answered"
expect_eq "$(zv_rx 'database get result early')" "Value: BUSY" "DIALSTATUS after early media and 486"

# A wrong trunk password: B refuses, A's Dial ends and the dialplan goes on.
call 602 3
wait "$ZV_BARESIP_PID"
st=$(zv_rx 'database get result bad')
expect_contains "$st" "Value: " "DIALSTATUS of the refused trunk call"
expect_not_contains "$st" "ANSWER" "the refused trunk call was not answered"

sleep 0.5
[ "$(zv_rx 'core show channels' | grep -c '/')" = 0 ] || fail "channels left on A: $(zv_rx 'core show channels')"
[ "$(zv_b_rx 'core show channels' | grep -c '/')" = 0 ] || fail "channels left on B"
kill -TERM "$B_PID"
zv_stop
echo "PASS $TEST_NAME"
