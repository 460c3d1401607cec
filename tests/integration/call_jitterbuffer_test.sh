#!/bin/bash
# JITTERBUFFER() on terminated media: tests/media/rtp_jitter_call.py calls
# as 300 and sends 24 tone steps of 100 ms (8 frequencies, 3 times) as
# PCMU packets each delayed by a random 0-150 ms, so they arrive
# reordered by several positions; the dialplan records 4 s with Record().
#  - 800: Set(JITTERBUFFER(fixed)=200) first: the recording has the 24
#    steps in the order sent (tests/media/tone_steps.py: the dominant of
#    the 8 frequencies per 20 ms block), with at most 2 stray blocks;
#  - 801: Set(JITTERBUFFER(adaptive)=default): the same;
#  - 802: no jitter buffer: the recording is out of order (this is what
#    makes the first two able to fail);
#  - 803: JITTERBUFFER(disabled) after fixed: out of order too;
#  - a bad type or value is a warning;
#  - sip.conf's [general] jbenable=yes + jbforce=yes puts the buffer on a
#    SIP/ channel (caller 301, a sip.conf friend) with no JITTERBUFFER()
#    in the dialplan: 802 is recorded in order; after a reload with
#    jbforce=no (a SIP channel accepts jitter, as in chan_sip) it is
#    scrambled again; jbimpl=bogus is a config error naming file:line.
. "$(dirname "$0")/lib.sh"
zv_setup
ZPORT=$(zv_free_port udp)
# The one transport is sip.conf's, used by both files' endpoints.
sipconf() { # jbforce jbimpl
	printf '[general]\nudpbindaddr=127.0.0.1:%s\njbenable=yes\njbforce=%s\n' "$ZPORT" "$1"
	printf 'jbimpl=%s\njbmaxsize=200\n\n' "$2"
	printf '[301]\ntype=friend\nhost=dynamic\ncontext=calls\ndisallow=all\nallow=ulaw\n'
}
sipconf yes adaptive >"$ZV_DIR/sip.conf"
zv_pjsip_endpoint 300 calls >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<EOC
[calls]
exten => 800,1,Answer()
 same => n,Set(JITTERBUFFER(fixed)=200)
 same => n,Record($ZV_DIR/jb800.wav,0,4,q)
 same => n,Hangup()
exten => 801,1,Answer()
 same => n,Set(JITTERBUFFER(adaptive)=default)
 same => n,Record($ZV_DIR/jb801.wav,0,4,q)
 same => n,Hangup()
exten => 802,1,Answer()
 same => n,Record($ZV_DIR/jb802.wav,0,4,q)
 same => n,Hangup()
exten => 803,1,Answer()
 same => n,Set(JITTERBUFFER(fixed)=200,1000,40)
 same => n,Set(JITTERBUFFER(disabled)=)
 same => n,Set(JITTERBUFFER(bogus)=default)
 same => n,Set(JITTERBUFFER(fixed)=abc)
 same => n,Record($ZV_DIR/jb803.wav,0,4,q)
 same => n,Hangup()
EOC
zv_start
FREQS="400 800 1200 1600 2000 2400 2800 3200"
EXPECT=$(for _ in 1 2 3; do for f in $FREQS; do printf '%s,' "$f"; done; done)
EXPECT=${EXPECT%,}
call() { # exten [caller [recording]]
	local x=$1 wav=${3:-jb$1}
	ZV_CALLER=${2:-300} timeout 30 python3 "$ZV_SRC/tests/media/rtp_jitter_call.py" "$ZPORT" "$x" 150 7 \
		>"$ZV_DIR/call$x.out" 2>&1 || fail "call to $x failed: $(cat "$ZV_DIR/call$x.out")"
	for _ in $(seq 1 50); do [ -s "$ZV_DIR/jb$x.wav" ] && break; sleep 0.1; done
	[ -s "$ZV_DIR/jb$x.wav" ] || fail "no recording for $x"
	[ "$wav" = "jb$x" ] || mv "$ZV_DIR/jb$x.wav" "$ZV_DIR/$wav.wav"
}
for x in 800 801 802 803; do call $x; done
check() { # recording in-order|scrambled
	local out steps singles
	out=$(python3 "$ZV_SRC/tests/media/tone_steps.py" "$ZV_DIR/jb$1.wav" $FREQS)
	echo "$1: $out"
	steps=$(sed -n 's/.*steps=\([0-9,]*\).*/\1/p' <<<"$out")
	singles=$(zv_field "$out" singles)
	if [ "$2" = in-order ]; then
		expect_eq "$steps" "$EXPECT" "steps recorded through the jitter buffer on $1"
		[ "$singles" -le 2 ] || fail "$1: $singles stray blocks through the jitter buffer"
	else
		[ "$steps" != "$EXPECT" ] || [ "$singles" -gt 2 ] ||
			fail "$1: the recording without a jitter buffer is in order: the test cannot tell"
	fi
}
check 800 in-order
check 801 in-order
check 802 scrambled
check 803 scrambled
call 802 301 jbsip-forced
check sip-forced in-order
sipconf no fixed >"$ZV_DIR/sip.conf"
zv_rx "core reload" >/dev/null
call 802 301 jbsip-unforced
check sip-unforced scrambled
sipconf yes bogus >"$ZV_DIR/sip.conf"
bad=$("$ZVONOK" --check-config -C "$ZV_DIR" 2>&1) && fail "jbimpl=bogus passed --check-config"
expect_contains "$bad" "sip.conf:5: error: jbimpl=bogus: fixed or adaptive" "jbimpl error with file:line"
log=$(cat "$ZV_DIR/out.log")
expect_contains "$log" "Unknown jitterbuffer type 'bogus'" "warning for a bad type"
expect_contains "$log" "bad value 'abc'" "warning for a bad value"
zv_stop
echo "PASS $TEST_NAME"
