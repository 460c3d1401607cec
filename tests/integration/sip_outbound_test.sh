#!/bin/bash
# Outbound registration (module sip_outbound) against Kamailio as the
# registrar: usrloc in memory, digest auth with a fixed password checked
# by the auth module's pv_www_authenticate() (qop=auth), once with MD5 and
# once with SHA-256.  Asserts that `pjsip show registrations` and
# `sip show registry` show Registered, that `kamcmd ul.dump` lists
# Zvonok's contacts, `pjsip send unregister`/`register`, a refresh before
# expiry (12 s registration, MD5 case), and that stopping Zvonok removed
# the contacts (REGISTER with Expires: 0).
. "$(dirname "$0")/lib.sh"
command -v kamailio >/dev/null || { echo "SKIP: kamailio not installed"; exit 0; }
MODDIR=$(dirname "$(find /usr/lib -name registrar.so -path '*kamailio*' | head -1)")

KAM_PID=""
kam_cleanup() {
	[ -n "$KAM_PID" ] && kill "$KAM_PID" 2>/dev/null
	zv_cleanup
}
trap kam_cleanup EXIT

run_case() { # algorithm
	local alg=$1
	zv_setup
	KPORT=$(zv_free_port udp)
	ZPORT=$(zv_free_port udp)
	SPORT=$(zv_free_port udp)
	KDIR="$ZV_DIR/kam"
	mkdir -p "$KDIR"
	cat >"$KDIR/kamailio.cfg" <<EOC
#!KAMAILIO
debug=2
log_stderror=yes
children=1
listen=udp:127.0.0.1:$KPORT
mpath="$MODDIR/"
loadmodule "kex.so"
loadmodule "corex.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "pv.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "auth.so"
loadmodule "ctl.so"
modparam("ctl", "binrpc", "unix:$KDIR/ctl.sock")
modparam("usrloc", "db_mode", 0)
modparam("registrar", "min_expires", 5)
modparam("auth", "algorithm", "$alg")
request_route {
	if (method == "REGISTER") {
		if (!pv_www_authenticate("\$td", "secret123", "0")) {
			www_challenge("\$td", "1");
			exit;
		}
		if (!save("location")) {
			sl_reply_error();
		}
		exit;
	}
	sl_send_reply("404", "Not here");
}
EOC
	kamailio -f "$KDIR/kamailio.cfg" -DD -E -Y "$KDIR" -P "$KDIR/kam.pid" >"$KDIR/kam.log" 2>&1 &
	KAM_PID=$!
	for _ in $(seq 1 100); do
		kamcmd -s "unix:$KDIR/ctl.sock" core.version >/dev/null 2>&1 && break
		kill -0 "$KAM_PID" 2>/dev/null || { cat "$KDIR/kam.log" >&2; fail "kamailio did not start"; }
		sleep 0.05
	done

	{
		zv_pjsip_udp "$ZPORT" transport-udp
		cat <<EOC
[kam]
type=registration
server_uri=sip:127.0.0.1:$KPORT
client_uri=sip:zvonok@127.0.0.1:$KPORT
contact_user=zvonok
transport=transport-udp
outbound_auth=kam-auth
retry_interval=5
expiration=120

[kam-short]
type=registration
server_uri=sip:127.0.0.1:$KPORT
client_uri=sip:zshort@127.0.0.1:$KPORT
contact_user=zshort
transport=transport-udp
outbound_auth=kam-auth
expiration=12

[kam-auth]
type=auth
auth_type=userpass
username=zvonok
password=secret123
EOC
	} >"$ZV_DIR/pjsip.conf"
	cat >"$ZV_DIR/sip.conf" <<EOC
[general]
bindaddr=127.0.0.1
bindport=$SPORT
register => alice:secret123@127.0.0.1:$KPORT/alice
EOC
	zv_start

	local out=""
	zv_wait_rx 5 "pjsip show registrations" "Registered"
	expect_contains "$out" "kam/sip:127.0.0.1:$KPORT +kam-auth +Registered +\(exp\. [0-9]+s\)" "pjsip show registrations ($alg)"
	zv_wait_rx 5 "sip show registry" "Registered"
	expect_contains "$out" "^Host +dnsmgr Username       Refresh State                Reg.Time" "sip show registry"
	expect_contains "$out" "127.0.0.1:$KPORT +N +alice +120 Registered" "sip show registry ($alg)"
	expect_contains "$out" "1 SIP registrations." "sip show registry"

	out=$(kamcmd -s "unix:$KDIR/ctl.sock" ul.dump)
	expect_contains "$out" "sip:zvonok@127.0.0.1:$ZPORT" "ul.dump ($alg)"
	expect_contains "$out" "sip:alice@127.0.0.1:$SPORT" "ul.dump ($alg)"
	expect_contains "$out" "AoR: zvonok" "ul.dump ($alg)"

	# CLI unregister / register.
	expect_contains "$(zv_rx 'pjsip send unregister kam')" "Unregistering kam"
	for _ in $(seq 1 100); do
		out=$(kamcmd -s "unix:$KDIR/ctl.sock" ul.dump)
		printf '%s' "$out" | grep -q "sip:zvonok@" || break
		sleep 0.05
	done
	expect_not_contains "$out" "sip:zvonok@127.0.0.1:$ZPORT" "ul.dump after unregister"
	expect_contains "$(zv_rx 'pjsip show registrations')" "Unregistered"
	expect_contains "$(zv_rx 'pjsip send register kam')" "Re-registering kam"
	for _ in $(seq 1 100); do
		out=$(kamcmd -s "unix:$KDIR/ctl.sock" ul.dump)
		printf '%s' "$out" | grep -q "sip:zvonok@" && break
		sleep 0.05
	done
	expect_contains "$out" "sip:zvonok@127.0.0.1:$ZPORT" "ul.dump after register"

	if [ "$alg" = MD5 ]; then
		# Refresh: a 12 s registration is renewed after 7 s, same Call-ID,
		# higher CSeq.
		field() { # name: the zshort binding's field
			kamcmd -s "unix:$KDIR/ctl.sock" ul.dump |
				awk -v f="$1:" '/AoR: zshort/ {on = 1} on && $1 == f {print $2; exit}'
		}
		cid1=$(field Call-ID)
		cseq1=$(field CSeq)
		[ -n "$cid1" ] && [ -n "$cseq1" ] || fail "no Call-ID/CSeq for zshort in ul.dump"
		sleep 7.5
		n=$(grep -c "Registration 'kam-short' to sip:127.0.0.1:$KPORT: registered for 12 s" "$ZV_DIR/out.log")
		[ "$n" -ge 2 ] || fail "kam-short was not refreshed ($n registrations)"
		out=$(kamcmd -s "unix:$KDIR/ctl.sock" ul.dump)
		expect_contains "$out" "sip:zshort@127.0.0.1:$ZPORT" "ul.dump after refresh"
		[ "$(printf '%s' "$out" | grep -c 'AoR: zshort')" = 1 ] || fail "refresh made a second binding"
		expect_eq "$(field Call-ID)" "$cid1" "Call-ID after refresh"
		[ "$(field CSeq)" -gt "$cseq1" ] || fail "CSeq did not grow on refresh"
	fi

	zv_stop
	out=$(kamcmd -s "unix:$KDIR/ctl.sock" ul.dump)
	expect_not_contains "$out" "sip:zvonok@127.0.0.1:$ZPORT" "ul.dump after stop ($alg)"
	expect_not_contains "$out" "sip:alice@127.0.0.1:$SPORT" "ul.dump after stop ($alg)"

	kill "$KAM_PID"
	wait "$KAM_PID" 2>/dev/null
	KAM_PID=""
	rm -rf "$ZV_DIR"
	ZV_DIR=""
}

run_case MD5
run_case SHA-256
echo "PASS: $TEST_NAME"
