#!/bin/bash
# linphonec (liblinphone 5.1, Debian package linphone-cli) as a real client:
#  - registers user 100 with MD5 digest from a [proxy_0]/[auth_info_0]
#    rc file; `pjsip show contacts` lists its contact;
#  - `mwi set 100@default 2 0` sends an unsolicited message-summary NOTIFY
#    to that contact: linphone's own log shows it received the body, and
#    Zvonok's `pjsip set logger on` trace shows linphone answered it 200;
#  - on `quit` linphone un-REGISTERs and the contact disappears.
#
# Headless notes: linphonec needs no sound card to register (it logs "Could
# not find a suitable soundcard" and goes on), but it does not start its
# SIP stack at all unless $HOME/.local/share/linphone exists (it fails to
# open linphone.db and never sends REGISTER), so HOME is a temp dir with
# that directory made.  Commands come from a FIFO on stdin.
. "$(dirname "$0")/lib.sh"
command -v linphonec >/dev/null ||
	fail "linphonec is not installed (scripts/install-deps installs linphone-cli)"

zv_setup
ZPORT=$(zv_free_port udp)
LPORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$ZPORT"
	# linphone may read only the first challenge: offer MD5 only
	zv_pjsip_phone 100 default secret mailboxes=100@default \
		auth:supported_algorithms_uas=md5 aor:remove_existing=yes
} >"$ZV_DIR/pjsip.conf"
zv_start
expect_contains "$(zv_rx 'pjsip set logger on')" "Logging enabled" "pjsip set logger on"

LHOME="$ZV_DIR/lhome"
mkdir -p "$LHOME/.local/share/linphone"
cat >"$LHOME/linphonerc" <<EOF
[sip]
sip_port=$LPORT
sip_tcp_port=0
sip_tls_port=0
bind_address=127.0.0.1
default_proxy=0
register_only_when_network_is_up=0

[video]
enabled=0
display=0
capture=0

[proxy_0]
reg_proxy=<sip:127.0.0.1:$ZPORT;transport=udp>
reg_identity=sip:100@127.0.0.1
reg_expires=120
reg_sendregister=1
publish=0

[auth_info_0]
username=100
passwd=secret
realm=asterisk
EOF
mkfifo "$LHOME/in"
# At exit zv_cleanup kills timeout(1) and the client under it.
HOME="$LHOME" XDG_CONFIG_HOME="$LHOME/.config" XDG_DATA_HOME="$LHOME/.local/share" \
	timeout -s KILL 45 linphonec -c "$LHOME/linphonerc" -d 6 <"$LHOME/in" >"$ZV_DIR/linphone.out" 2>&1 &
LINPHONE_PID=$!
exec 8>"$LHOME/in"

linphone_says() { grep -qE -- "$1" "$ZV_DIR/linphone.out"; }
lfail() {
	fail "$1; linphonec said: $(grep -vE 'alsa error|Codec |Could not find (en|de)coder' \
		"$ZV_DIR/linphone.out" | tail -n 25 | cut -c1-200)"
}

contact_listed() { zv_rx "pjsip show contacts" | grep -qE "100/sip:100@127.0.0.1:$LPORT"; }
zv_wait_until 20 contact_listed || lfail "linphonec did not register: $(zv_rx 'pjsip show contacts')"
zv_wait_until 10 linphone_says "moving from state \[LinphoneRegistrationProgress\] to \[LinphoneRegistrationOk\]" ||
	lfail "linphonec does not say it is registered"

expect_contains "$(zv_rx 'mwi set 100@default 2 0')" "Mailbox 100@default: 2 new, 0 old" "mwi set"
# linphone's trace shows the body it received (belle-sip logs each message).
zv_wait_until 10 linphone_says "^Voice-Message: 2/0" || lfail "linphonec got no NOTIFY with 2/0"
linphone_says "^Event: message-summary" || lfail "no message-summary NOTIFY in linphone's trace"

notify_answered() { zv_notify_answered "$ZV_DIR/out.log" "$LPORT" "Voice-Message: 2/0"; }
zv_wait_until 5 notify_answered >/dev/null || fail "NOTIFY with 2/0 not answered 200 by linphonec: $(notify_answered)"

# quit: linphone un-REGISTERs (Expires: 0) before exiting.
echo quit >&8
exec 8>&-
gone() { ! contact_listed; }
zv_wait_until 10 gone || lfail "contact still listed after linphonec quit"
exited() { ! kill -0 "$LINPHONE_PID" 2>/dev/null; }
zv_wait_until 10 exited || lfail "linphonec did not exit after quit"
zv_stop
echo "PASS: $TEST_NAME"
