#!/bin/bash
# Outbound registration between two Zvonoks: instance A runs the
# registrar (sip_registrar) with an endpoint that requires digest auth;
# instance B registers to it (sip_outbound) with its outbound auth.
# server_uri names the host "localhost" (resolved on the blocking pool).
# Asserts B shows Registered, A's `pjsip show contacts` lists B's contact,
# a wrong password ends Rejected, and stopping B removes the contact.
. "$(dirname "$0")/lib.sh"

zv_setup
APORT=$(zv_free_port udp)
BPORT=$(zv_free_port udp)
{
	zv_pjsip_udp "$APORT" transport-udp
	cat <<EOC
[zv-b]
type=endpoint
context=default
auth=zv-b-auth
aors=zv-b

[zv-b-auth]
type=auth
auth_type=userpass
username=zv-b
password=s3cret

[zv-b]
type=aor
max_contacts=1
EOC
} >"$ZV_DIR/pjsip.conf"
zv_start

b_start() { # password
	zv_setup_b
	{
		zv_pjsip_udp "$BPORT" transport-udp
		cat <<EOC
[to-a]
type=registration
server_uri=sip:localhost:$APORT
client_uri=sip:zv-b@127.0.0.1:$APORT
contact_user=zvb
outbound_auth=to-a-auth
retry_interval=60
expiration=300

[to-a-auth]
type=auth
auth_type=userpass
username=zv-b
password=$1
EOC
	} >"$B_DIR/pjsip.conf"
	zv_start_b
}

b_wait_state() { # pattern
	for _ in $(seq 1 100); do
		out=$(zv_b_rx "pjsip show registrations")
		printf '%s' "$out" | grep -qE "$1" && return 0
		sleep 0.05
	done
	fail "B's registration is not /$1/: $out"
}

b_stop() {
	kill -TERM "$B_PID"
	for _ in $(seq 1 200); do
		kill -0 "$B_PID" 2>/dev/null || break
		sleep 0.05
	done
	wait "$B_PID" || fail "instance B exited with an error"
	[ -z "${ZV_KEEP:-}" ] && rm -rf "$B_DIR"
	B_DIR=""
}

# Right password: registered, contact on A.
b_start s3cret
b_wait_state "to-a/sip:localhost:$APORT +to-a-auth +Registered"
out=$(zv_rx "pjsip show contacts")
expect_contains "$out" "zv-b/sip:zvb@127.0.0.1:$BPORT" "A's pjsip show contacts"
b_stop
for _ in $(seq 1 40); do
	out=$(zv_rx "pjsip show contacts")
	printf '%s' "$out" | grep -q "sip:zvb@" || break
	sleep 0.05
done
expect_not_contains "$out" "sip:zvb@127.0.0.1:$BPORT" "A's contacts after B stopped"

# Wrong password: challenged twice, Rejected (auth_rejection_permanent).
b_start wrong
b_wait_state "to-a/sip:localhost:$APORT +to-a-auth +Rejected"
expect_not_contains "$(zv_rx 'pjsip show contacts')" "sip:zvb@" "A's contacts"
b_stop

zv_stop
echo "PASS: $TEST_NAME"
