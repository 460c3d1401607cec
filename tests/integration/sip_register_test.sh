# Registrar: REGISTER with MD5 (SIPp) and SHA-256 (tests/sip/reg_client.py)
# digest, wrong passwords, replays, stale nonces, 423, max_contacts with and
# without remove_existing, expiry 0, "Contact: *", TCP, md5_cred, sip.conf
# peers, qualify, contacts surviving a restart, brute-force bans per source
# IP (127.0.0.2 banned while 127.0.0.1 keeps registering), and baresip.  All peers on loopback; every wait is bounded.
. "$(dirname "$0")/lib.sh"

command -v sipp >/dev/null || { echo "SKIP: sipp (sip-tester) not installed"; exit 0; }
SIPDIR="$ZV_SRC/tests/sip"
CLIENT="python3 $SIPDIR/reg_client.py"

zv_setup
PORT=$(zv_free_port udp)
HA1_300=$(printf '300:asterisk:pw300' | md5sum | cut -d' ' -f1)
cat >"$ZV_DIR/pjsip.conf" <<EOF
[global]
type=global
ban_threshold=5
ban_window=60
ban_time=600

[udp]
type=transport
protocol=udp
bind=127.0.0.1:$PORT

[tcp]
type=transport
protocol=tcp
bind=127.0.0.1:$PORT

; SIPp answers only MD5 challenges
[100]
type=endpoint
auth=100
aors=100
[100]
type=auth
username=100
password=secret
supported_algorithms_uas=md5
[100]
type=aor
max_contacts=2
remove_existing=yes

[200]
type=endpoint
auth=200
aors=200
[200]
type=auth
username=200
password=pw200
supported_algorithms_uas=md5,sha-256
[200]
type=aor
max_contacts=4

[300]
type=endpoint
auth=300
aors=300
[300]
type=auth
auth_type=md5
username=300
md5_cred=$HA1_300
[300]
type=aor
max_contacts=1

[500]
type=endpoint
auth=500
aors=500
[500]
type=auth
username=500
password=pw500
supported_algorithms_uas=md5,sha-256
[500]
type=aor
max_contacts=1
qualify_frequency=1
EOF
cat >"$ZV_DIR/sip.conf" <<EOF
[general]
bindport=0

[400]
type=friend
host=dynamic
secret=pw400
EOF
zv_start

SIPP_PORT=$(zv_free_port udp)
sipp_run() { # scenario user password expires cparam [extra sipp args]
	local sf=$1 user=$2 pw=$3 exp=$4 cp=$5
	shift 5
	timeout 20 sipp "127.0.0.1:$PORT" -sf "$SIPDIR/$sf" -s "$user" -au "$user" -ap "$pw" \
		-set expires "$exp" -set cparam "$cp" -m 1 -nostdin -timeout 10 -timeout_error \
		-max_retrans 3 "$@" >"$ZV_DIR/sipp.out" 2>&1
}
client() { $CLIENT --server "127.0.0.1:$PORT" "$@"; }

# Stale nonces need the 30 s lifetime to pass: start that check first.
client --user 200 --password pw200 --contact-user stale --expires 120 --stale-wait 31 \
	--expect 401 >"$ZV_DIR/stale.out" 2>&1 &
STALE_PID=$!

# 1. SIPp, MD5, UDP.
sipp_run reg_auth.xml 100 secret 60 "" -i 127.0.0.1 -p "$SIPP_PORT" || fail "SIPp MD5 REGISTER failed: $(cat "$ZV_DIR/sipp.out")"
out=$(zv_rx "pjsip show contacts")
expect_contains "$out" "100/sip:100@127.0.0.1:$SIPP_PORT;transport=UDP" "contacts after SIPp REGISTER"
expect_contains "$(zv_rx 'pjsip show endpoint 100')" "Not in use" "endpoint state"

# 2. Wrong password: challenged again (401), nothing registered.
sipp_run reg_badauth.xml 100 wrong 60 "bad" -i 127.0.0.1 -p "$SIPP_PORT" || fail "wrong password did not get 401 again"
expect_not_contains "$(zv_rx 'pjsip show contacts')" "100bad@" "contacts after wrong password"
zv_rx "sip unban 127.0.0.1" >/dev/null

# 3. SHA-256 and MD5 from the Python client; both challenges offered, MD5
#    first by default (clients that read only the first know MD5).
out=$(client --user 200 --password pw200 --alg SHA-256 --contact-user a --contact-hostport 127.0.0.1:7001 --expires 120) || fail "SHA-256 REGISTER: $out"
expect_contains "$out" "CHALLENGE MD5,SHA-256" "challenge order"
out=$(client --user 200 --password pw200 --alg MD5 --contact-user b --contact-hostport 127.0.0.1:7002 --expires 120) || fail "MD5 REGISTER: $out"
expect_contains "$out" "CONTACT <sip:a@127.0.0.1:7001>;expires=1[12][0-9]" "200 OK contacts"
expect_contains "$out" "CONTACT <sip:b@" "200 OK contacts"
expect_contains "$(zv_rx 'pjsip show aor 200')" "200/sip:b@127.0.0.1" "aor 200"

# 4. Replayed nonce count: refused.
out=$(client --user 200 --password pw200 --contact-user b --contact-hostport 127.0.0.1:7002 --expires 120 --replay --expect 401) || fail "replay not refused: $out"

# 5. Too brief: 423 (the registrar's minimum is 60 s).
out=$(client --user 200 --password pw200 --contact-user b --contact-hostport 127.0.0.1:7002 --expires 10 --expect 423) || fail "no 423: $out"

# 6. max_contacts: 200 holds 4 (stale, a, b, c) and refuses a 5th (no
# remove_existing)...
client --user 200 --password pw200 --contact-user c --contact-hostport 127.0.0.1:7003 --expires 120 >/dev/null || fail "fourth contact refused"
out=$(client --user 200 --password pw200 --contact-user d --contact-hostport 127.0.0.1:7004 --expires 120 --expect 403) || fail "fifth contact not refused: $out"
# ...100 holds 2 and replaces the oldest (remove_existing).
client --user 100 --password secret --alg MD5 --contact-user x --expires 120 >/dev/null || fail "100 x"
client --user 100 --password secret --alg MD5 --contact-user y --expires 120 >/dev/null || fail "100 y"
out=$(zv_rx "pjsip show aor 100")
expect_not_contains "$out" "sip:100@127.0.0.1:$SIPP_PORT" "oldest contact of 100 after remove_existing"
expect_contains "$out" "100/sip:x@" "aor 100"
expect_contains "$out" "100/sip:y@" "aor 100"

# 7. Expires 0 removes one contact; "Contact: *" removes all.
client --user 200 --password pw200 --contact-user c --contact-hostport 127.0.0.1:7003 --expires 0 >/dev/null || fail "unregister c"
expect_not_contains "$(zv_rx 'pjsip show aor 200')" "200/sip:c@" "aor 200 after expires 0"
client --user 200 --password pw200 --star >/dev/null || fail "Contact: *"
expect_not_contains "$(zv_rx 'pjsip show contacts')" "200/sip:" "contacts after Contact: *"

# 8. TCP with SIPp.
sipp_run reg_auth.xml 100 secret 60 "tcp" -t t1 -i 127.0.0.1 -p "$(zv_free_port)" || fail "SIPp TCP REGISTER: $(cat "$ZV_DIR/sipp.out")"
expect_contains "$(zv_rx 'pjsip show contacts')" "100/sip:100tcp@127.0.0.1:[0-9]+;transport=TCP" "TCP contact"

# 9. md5_cred (HA1) and a sip.conf peer.
client --user 300 --password pw300 --alg MD5 --expires 120 >/dev/null || fail "md5_cred REGISTER"
client --user 400 --password pw400 --alg MD5 --expires 120 >/dev/null || fail "sip.conf peer REGISTER"
out=$(zv_rx "sip show peers")
expect_contains "$out" "^Name/username +Host +Dyn Forcerport Comedia +ACL Port +Status +Description" "sip show peers header"
expect_contains "$out" "400/400 +127.0.0.1 +D " "sip show peers row"
expect_contains "$out" "1 sip peers \[Monitored: 0 online, 0 offline Unmonitored: 1 online, 0 offline\]" "sip show peers summary"

# 10. Qualify: a SIPp UAS answers the OPTIONS for 500's contact.
QPORT=$(zv_free_port udp)
timeout 15 sipp -sf "$SIPDIR/options_uas.xml" -i 127.0.0.1 -p "$QPORT" -m 1 -nostdin -timeout 12 >"$ZV_DIR/uas.out" 2>&1 &
UAS_PID=$!
client --user 500 --password pw500 --contact-hostport "127.0.0.1:$QPORT" --expires 120 >/dev/null || fail "500 REGISTER"
ok=""
for _ in $(seq 1 50); do
	if zv_rx "pjsip show contacts" | grep -qE "500/sip:500@127.0.0.1:$QPORT +[0-9a-f]+ Avail "; then ok=1; break; fi
	sleep 0.1
done
[ -n "$ok" ] || fail "qualify did not mark 500 Avail: $(zv_rx 'pjsip show contacts')"
wait "$UAS_PID" 2>/dev/null
# Nobody answers the next OPTIONS: Unavail after the 3 s qualify timeout.
ok=""
for _ in $(seq 1 80); do
	if zv_rx "pjsip show contacts" | grep -qE "500/sip:500@127.0.0.1:$QPORT +[0-9a-f]+ Unavail "; then ok=1; break; fi
	sleep 0.1
done
[ -n "$ok" ] || fail "qualify did not mark 500 Unavail: $(zv_rx 'pjsip show contacts')"

# 11. Brute force from 127.0.0.2: banned at the 5th failure, then ignored;
# 127.0.0.1 keeps registering.
for i in 1 2 3 4 5; do
	client --bind 127.0.0.2 --user 200 --password nope --contact-user bf --expires 120 --expect 401 >/dev/null || fail "failure $i not answered with 401"
done
out=$(zv_rx "sip show bans")
expect_contains "$out" "127.0.0.2 +5 +[0-9]{4}-" "sip show bans"
out=$(client --bind 127.0.0.2 --user 200 --password pw200 --timeout 0.5 --expect 0 2>&1)
expect_contains "$out" "STATUS None" "a banned source got an answer"
client --user 200 --password pw200 --contact-user ok --expires 120 >/dev/null || fail "127.0.0.1 refused during the ban of 127.0.0.2"
expect_contains "$(zv_rx 'pjsip show bans')" "127.0.0.2" "pjsip show bans"
expect_contains "$(zv_rx 'sip unban 127.0.0.2')" "Unbanned 127.0.0.2" "sip unban"
client --bind 127.0.0.2 --user 200 --password pw200 --contact-user bf --expires 120 >/dev/null || fail "127.0.0.2 still refused after unban"

# 12. baresip (MD5); scripts/install-deps installs it.
command -v baresip >/dev/null && [ -d /usr/lib/baresip/modules ] ||
	fail "baresip is not installed (scripts/install-deps installs baresip-core)"
if true; then
	BDIR="$ZV_DIR/baresip"
	mkdir -p "$BDIR"
	BPORT=$(zv_free_port udp)
	cat >"$BDIR/config" <<EOF
sip_listen 127.0.0.1:$BPORT
net_interface 127.0.0.1
module_path /usr/lib/baresip/modules
module g711.so
module_app account.so
EOF
	echo "<sip:600@127.0.0.1:$PORT;transport=udp>;auth_pass=pw600;regint=60" >"$BDIR/accounts"
	cat >>"$ZV_DIR/pjsip.conf" <<EOF

[600]
type=endpoint
auth=600
aors=600
; baresip 1.0 (libre) answers only the first challenge and knows
; only MD5: with SHA-256 offered first it gives up (ENOSYS).
[600]
type=auth
username=600
password=pw600
supported_algorithms_uas=md5
[600]
type=aor
max_contacts=1
EOF
	zv_rx "module reload sip" >/dev/null
	timeout 20 baresip -f "$BDIR" </dev/null >"$ZV_DIR/baresip.out" 2>&1 &
	BARESIP_PID=$!
	ok=""
	for _ in $(seq 1 100); do
		if zv_rx "pjsip show contacts" | grep -qE "600/sip:600[^@]*@127.0.0.1:$BPORT"; then ok=1; break; fi
		sleep 0.1
	done
	kill "$BARESIP_PID" 2>/dev/null
	wait "$BARESIP_PID" 2>/dev/null
	[ -n "$ok" ] || fail "baresip did not register: $(tail -20 "$ZV_DIR/baresip.out")"
fi

# 13. Stale nonce (started at the top).
wait "$STALE_PID" || fail "stale nonce: $(cat "$ZV_DIR/stale.out")"
expect_contains "$(cat "$ZV_DIR/stale.out")" "STALE true" "stale nonce answer"

# 14. Contacts survive a restart.
before=$(zv_rx "pjsip show contacts" | grep "Contact:  [0-9]" | awk '{print $2}' | sort)
[ -n "$before" ] || fail "no contacts before restart"
sleep 1.2 # let the 1 s writer run once more (stop also flushes)
zv_stop
zv_start
after=$(zv_rx "pjsip show contacts" | grep "Contact:  [0-9]" | awk '{print $2}' | sort)
expect_eq "$after" "$before" "contacts after restart"
zv_stop
echo "PASS: $TEST_NAME"
