#!/bin/bash
# SIP subscriptions and MESSAGE (module sip_pubsub) against SIPp:
#  - SUBSCRIBE message-summary: 200 + NOTIFY "Messages-Waiting: no"; after
#    `mwi set 100@default 2 1` a NOTIFY with "Voice-Message: 2/1"; then
#    Expires: 0 and the terminated NOTIFY;
#  - SUBSCRIBE dialog for extension 100 (hint Custom:x): dialog-info with
#    terminated (idle), then `devstate change Custom:x INUSE` and a NOTIFY
#    with confirmed; presence: PIDF; no hint: 404;
#  - an unknown event package: 489;
#  - MESSAGE in: 202 and the MessageReceived log line;
#  - `sip send message` to a SIPp UAS that expects "hello world";
#  - the same answered with 401: retried with endpoint 200's outbound_auth
#    (SIPp verifies the digest);
#  - unsolicited MWI: a SIPp registers 100 (through sip_registrar) with a
#    contact where a second SIPp waits; `mwi set 100@default 3 0` sends it
#    a message-summary NOTIFY.
. "$(dirname "$0")/lib.sh"
command -v sipp >/dev/null || { echo "SKIP: sipp not installed"; exit 0; }
SCEN="$ZV_SRC/tests/sip"

zv_setup
ZPORT=$(zv_free_port udp)
SPORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT" transport-udp
	cat <<EOC
[100]
type=endpoint
context=default
allow_subscribe=yes
mailboxes=100@default
aors=100

[100]
type=aor
max_contacts=1

[200]
type=endpoint
context=default
outbound_auth=200-out

[200-out]
type=auth
auth_type=userpass
username=200
password=msgpw
EOC
} >"$ZV_DIR/pjsip.conf"
cat >"$ZV_DIR/extensions.conf" <<EOC
[default]
exten => 100,hint,Custom:x
EOC
zv_start

run_sipp() { # scenario service [extra args...]
	local scen=$1 service=$2
	shift 2
	sipp -sf "$SCEN/$scen" -i 127.0.0.1 -p "$SPORT" -m 1 -s "$service" \
		-timeout 20s -timeout_error -trace_err -error_file "$ZV_DIR/$scen.err" \
		-nostdin "$@" 127.0.0.1:"$ZPORT" >"$ZV_DIR/$scen.out" 2>&1
}

sipp_fail() {
	cat "$ZV_DIR/$1.out" "$ZV_DIR/$1.err" >&2 2>/dev/null
	fail "SIPp scenario $1 failed"
}

# MWI: run SIPp in the background; set the mailbox once the first NOTIFY
# has been answered (the subscription shows up in the CLI).
run_sipp subscribe_mwi.xml 100 &
SIPP_PID=$!
zv_wait_rx 5 "sip show subscriptions" "^127.0.0.1"
expect_contains "$out" "1 active SIP subscription$" "sip show subscriptions"
expect_contains "$out" "mwi +100@defaul " "sip show subscriptions"
expect_contains "$(zv_rx "pjsip show subscriptions inbound")" " 100 +100/message-summary +[^ ]+ +[0-9]+"
sleep 0.3
expect_contains "$(zv_rx 'mwi set 100@default 2 1')" "Mailbox 100@default: 2 new, 1 old"
wait "$SIPP_PID" || sipp_fail subscribe_mwi.xml
expect_contains "$(zv_rx 'sip show subscriptions')" "0 active SIP subscriptions"

# BLF: the hint's device changes while subscribed.
run_sipp subscribe_dialog.xml 100 &
SIPP_PID=$!
zv_wait_rx 5 "sip show subscriptions" "^127.0.0.1"
expect_contains "$out" "100@default +Idle +dialog-info\+xml" "sip show subscriptions"
sleep 0.3
zv_rx "devstate change Custom:x INUSE" >/dev/null
wait "$SIPP_PID" || sipp_fail subscribe_dialog.xml
zv_rx "devstate change Custom:x NOT_INUSE" >/dev/null
run_sipp subscribe_presence.xml 100 || sipp_fail subscribe_presence.xml
run_sipp subscribe_nohint.xml 999 || sipp_fail subscribe_nohint.xml
run_sipp subscribe_bad_event.xml 100 || sipp_fail subscribe_bad_event.xml

run_sipp message_uac.xml 100 || sipp_fail message_uac.xml
sleep 0.2
expect_contains "$(cat "$ZV_DIR/out.log")" "MESSAGE from 'sip:100@127.0.0.1:$SPORT' to 'sip:100@127.0.0.1:$ZPORT' \(100\): hello from sipp"

# MESSAGE out: SIPp as UAS.
UPORT=$(zv_free_port udp)
sipp -sf "$SCEN/message_uas.xml" -i 127.0.0.1 -p "$UPORT" -m 1 -timeout 20s -timeout_error \
	-trace_err -error_file "$ZV_DIR/uas.err" -nostdin >"$ZV_DIR/uas.out" 2>&1 &
UAS_PID=$!
sleep 0.5
expect_contains "$(zv_rx "sip send message sip:200@127.0.0.1:$UPORT hello world")" "Sending MESSAGE"
wait "$UAS_PID" || { cat "$ZV_DIR/uas.out" "$ZV_DIR/uas.err" >&2; fail "SIPp UAS got no MESSAGE"; }
for _ in $(seq 1 40); do
	grep -q "MESSAGE to sip:200@127.0.0.1:$UPORT: 200 OK" "$ZV_DIR/out.log" && break
	sleep 0.05
done
expect_contains "$(cat "$ZV_DIR/out.log")" "MESSAGE to sip:200@127.0.0.1:$UPORT: 200 OK"

# MESSAGE out, challenged: answered with endpoint 200's outbound_auth.
UPORT=$(zv_free_port udp)
sipp -sf "$SCEN/message_uas_auth.xml" -i 127.0.0.1 -p "$UPORT" -m 1 -timeout 20s -timeout_error \
	-trace_err -error_file "$ZV_DIR/uasauth.err" -nostdin >"$ZV_DIR/uasauth.out" 2>&1 &
UAS_PID=$!
sleep 0.5
zv_rx "sip send message sip:200@127.0.0.1:$UPORT authenticated hello" >/dev/null
wait "$UAS_PID" || { cat "$ZV_DIR/uasauth.out" "$ZV_DIR/uasauth.err" >&2; fail "SIPp digest UAS failed"; }
for _ in $(seq 1 40); do
	grep -q "MESSAGE to sip:200@127.0.0.1:$UPORT: 200 OK" "$ZV_DIR/out.log" && break
	sleep 0.05
done
expect_contains "$(cat "$ZV_DIR/out.log")" "MESSAGE to sip:200@127.0.0.1:$UPORT: 200 OK"

# Unsolicited MWI to a registered contact (needs the registrar module).
if zv_rx "module show like sip_registrar" | grep -q sip_registrar; then
	CPORT=$(zv_free_port udp)
	sipp -sf "$SCEN/notify_mwi_uas.xml" -i 127.0.0.1 -p "$CPORT" -m 1 -timeout 20s \
		-timeout_error -trace_err -error_file "$ZV_DIR/mwiuas.err" -nostdin \
		>"$ZV_DIR/mwiuas.out" 2>&1 &
	UAS_PID=$!
	run_sipp register_contact.xml 100 -key contact_port "$CPORT" || sipp_fail register_contact.xml
	zv_rx "mwi set 100@default 3 0" >/dev/null
	wait "$UAS_PID" || { cat "$ZV_DIR/mwiuas.out" "$ZV_DIR/mwiuas.err" >&2; fail "no unsolicited MWI NOTIFY"; }
fi

zv_stop
echo "PASS: $TEST_NAME"
