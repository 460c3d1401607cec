#!/bin/bash
# MWI to a real client: baresip (mwi module, account with mwi=yes) registers
# user 100 with MD5 digest and subscribes to message-summary.  Checked:
#  - the subscription is listed by `sip show subscriptions` (exactly one);
#  - the initial NOTIFY (0/0) and, after `mwi set 100@default 3 1`, one with
#    "Voice-Message: 3/1" reach baresip (its menu prints each MWI body) and
#    baresip answers that NOTIFY 200 (same Call-ID and CSeq, read from
#    Zvonok's `pjsip set logger on` trace);
#  - when baresip quits, its un-SUBSCRIBE (Expires: 0) ends the
#    subscription.
#
# baresip 1.0.0 (Debian 12) has a race in modules/mwi: a 1 ms start-up timer
# walks its subscription list and calls mwi_subscribe() for each entry,
# which appends to that same list, so if REGISTER succeeded before the timer
# ran (easy on loopback) it loops forever, sending thousands of SUBSCRIBEs a
# second and ignoring SIGTERM.  So the account is not in the accounts file:
# it is created with the menu's `/uanew` command on stdin once the timer
# has run with an empty list.
. "$(dirname "$0")/lib.sh"
command -v baresip >/dev/null && [ -f /usr/lib/baresip/modules/mwi.so ] ||
	fail "baresip with mwi.so is not installed (scripts/install-deps installs baresip-core)"

zv_setup
ZPORT=$(zv_free_port udp)
BPORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	# baresip 1.0 answers only the first challenge and knows only MD5
	zv_pjsip_phone 100 default secret mailboxes=100@default allow_subscribe=yes \
		auth:supported_algorithms_uas=md5 aor:remove_existing=yes
} >"$ZV_DIR/pjsip.conf"
zv_start
expect_contains "$(zv_rx 'pjsip set logger on')" "Logging enabled" "pjsip set logger on"

BDIR="$ZV_DIR/baresip"
mkdir -p "$BDIR"
cat >"$BDIR/config" <<EOF
sip_listen 127.0.0.1:$BPORT
net_interface 127.0.0.1
module_path /usr/lib/baresip/modules
module stdio.so
module g711.so
module_app account.so
module_app menu.so
module_app mwi.so
EOF
: >"$BDIR/accounts"
mkfifo "$BDIR/in"
# At exit zv_cleanup kills timeout(1) and the client under it.
timeout -s KILL 40 baresip -f "$BDIR" <"$BDIR/in" >"$ZV_DIR/baresip.out" 2>&1 &
BARESIP_PID=$!
exec 8>"$BDIR/in"

baresip_says() { grep -qE -- "$1" "$ZV_DIR/baresip.out"; }
bfail() { fail "$1; baresip said: $(tail -n 25 "$ZV_DIR/baresip.out")"; }

zv_wait_until 10 baresip_says "baresip is ready" || bfail "baresip did not start"
sleep 0.3 # past the mwi module's 1 ms start-up timer
printf '/uanew <sip:100@127.0.0.1:%s;transport=udp>;auth_pass=secret;regint=60;mwi=yes\n' \
	"$ZPORT" >&8

# Registered...
contact_listed() { zv_rx "pjsip show contacts" | grep -qE "100/sip:100[^@]*@127.0.0.1:$BPORT"; }
zv_wait_until 10 contact_listed || bfail "baresip did not register: $(zv_rx 'pjsip show contacts')"
# ...and subscribed, once.
subscribed() { zv_rx "sip show subscriptions" | grep -q "^127.0.0.1"; }
zv_wait_until 10 subscribed || bfail "no subscription from baresip"
out=$(zv_rx "sip show subscriptions")
expect_contains "$out" "^127.0.0.1 +100 +[^ ]+ +-- +[A-Za-z]+ +mwi +100@defaul" "sip show subscriptions"
expect_contains "$out" "1 active SIP subscription$" "sip show subscriptions"
expect_contains "$(zv_rx 'pjsip show subscriptions inbound')" " 100 +100/message-summary " \
	"pjsip show subscriptions inbound"
zv_wait_until 10 baresip_says "Voice-Message: 0/0" || bfail "baresip got no initial NOTIFY (0/0)"

expect_contains "$(zv_rx 'mwi set 100@default 3 1')" "Mailbox 100@default: 3 new, 1 old" "mwi set"
zv_wait_until 10 baresip_says "Voice-Message: 3/1" || bfail "baresip did not get the 3/1 NOTIFY"
baresip_says "Messages-Waiting: yes" || bfail "no Messages-Waiting: yes"

# The NOTIFY with 3/1 went to baresip's port and baresip answered it 200.
notify_answered() { zv_notify_answered "$ZV_DIR/out.log" "$BPORT" "Voice-Message: 3/1"; }
zv_wait_until 5 notify_answered >/dev/null || fail "NOTIFY with 3/1 not answered 200 by baresip: $(notify_answered)"

# Quit: baresip un-SUBSCRIBEs and the subscription is gone.
printf 'q' >&8
exec 8>&-
gone() { zv_rx "sip show subscriptions" | grep -q "^0 active SIP subscriptions"; }
zv_wait_until 10 gone || bfail "subscription still listed after baresip quit: $(zv_rx 'sip show subscriptions')"
exited() { ! kill -0 "$BARESIP_PID" 2>/dev/null; }
zv_wait_until 10 exited || true
zv_stop
echo "PASS: $TEST_NAME"
