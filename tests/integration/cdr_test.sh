#!/bin/bash
# CDRs from real calls through the dialplan on Local channels: an answered
# call (Answer+Wait(2)+Hangup: ANSWERED, billsec 2 +-1), Busy() (BUSY), a
# call hung up before Answer (NO ANSWER, logged with unanswered=yes),
# CDR(userfield) and a custom CDR variable, in Master.csv (Asterisk's
# columns with loguniqueid and loguserfield) and in the sqlite table of
# cdr_sqlite3_custom.conf.  Then kill -9 right after a burst of calls must
# leave only complete CSV lines and a database that passes integrity_check.
. "$(dirname "$0")/lib.sh"
zv_setup
cat >"$ZV_DIR/extensions.conf" <<'EOC'
[cdrtest]
exten => answered,1,Answer()
 same => n,Set(CDR(userfield)=uf-answered)
 same => n,Set(CDR(mycustom)=custom "value")
 same => n,Verbose(0,INCALL disposition=${CDR(disposition)} custom=${CDR(mycustom)})
 same => n,Wait(2)
 same => n,Hangup()
exten => busy,1,Set(CDR(userfield)=uf-busy)
 same => n,Busy(1)
exten => noans,1,Set(CDR(userfield)=uf-noans)
 same => n,Wait(1)
 same => n,Hangup()
exten => quiet,1,Set(CDR_PROP(disable)=1)
 same => n,Answer()
 same => n,Hangup()
exten => quick,1,Answer()
 same => n,Set(CDR(userfield)=burst)
 same => n,Hangup()
EOC
cat >"$ZV_DIR/cdr.conf" <<'EOC'
[general]
enable = yes
unanswered = yes
[csv]
loguniqueid = yes
loguserfield = yes
EOC
cat >"$ZV_DIR/cdr_sqlite3_custom.conf" <<'EOC'
[master]
table => cdr
columns => calldate, clid, dst, dcontext, channel, lastapp, duration, billsec, disposition, amaflags, uniqueid, userfield, mycustom
values => '${CDR(start)}','${CDR(clid)}','${CDR(dst)}','${CDR(dcontext)}','${CDR(channel)}','${CDR(lastapp)}','${CDR(duration)}','${CDR(billsec)}','${CDR(disposition)}','${CDR(amaflags)}','${CDR(uniqueid)}','${CDR(userfield)}','${CDR(mycustom)}'
busy_timeout => 1000
EOC
CSV="$ZV_DIR/log/cdr-csv/Master.csv"
DB="$ZV_DIR/log/master.db"
zv_start

status=$(zv_rx "cdr show status")
expect_contains "$status" "Logging: +Enabled" "cdr show status"
expect_contains "$status" "Mode: +Simple" "cdr show status"
expect_contains "$status" "Log unanswered calls: +Yes" "cdr show status"
expect_contains "$status" "    csv" "cdr show status"
expect_contains "$status" "    sqlite3_custom" "cdr show status"

for e in answered busy noans quiet; do
	zv_rx "channel originate Local/$e@cdrtest application Wait 10" >/dev/null ||
		fail "originate $e"
done

# Wait (at most 10 s) for the three ;2 records in both backends.
wait_rows() { # count
	for _ in $(seq 1 100); do
		n=$(python3 - "$CSV" "$DB" <<'EOP'
import csv, sqlite3, sys
try:
    rows = [r for r in csv.reader(open(sys.argv[1])) if r[5].endswith(";2")]
    db = sqlite3.connect(sys.argv[2])
    n = db.execute("select count(*) from cdr where channel like '%;2'").fetchone()[0]
    print(min(len(rows), n))
except Exception:
    print(0)
EOP
)
		[ "$n" -ge "$1" ] && return 0
		sleep 0.1
	done
	fail "fewer than $1 CDRs written: $(cat "$CSV" 2>/dev/null)"
}
wait_rows 3
grep -q "INCALL disposition=ANSWERED custom=custom \"value\"" "$ZV_DIR/out.log" ||
	fail "CDR() read in the call"

python3 - "$CSV" "$DB" <<'EOP' || fail "CDR contents"
import csv, sqlite3, sys
rows = {}
for r in csv.reader(open(sys.argv[1])):
    assert len(r) == 18, r  # 16 columns + uniqueid + userfield
    if r[5].endswith(";2"):
        rows[r[2]] = r
assert set(rows) == {"answered", "busy", "noans"}, rows  # quiet is disabled
a, b, n = rows["answered"], rows["busy"], rows["noans"]
assert a[3] == "cdrtest" and a[5].startswith("Local/answered@cdrtest-"), a
assert a[14] == "ANSWERED" and 1 <= int(a[13]) <= 3, a
assert a[7] == "Hangup" and a[10] != "" and a[15] == "DOCUMENTATION", a
assert a[17] == "uf-answered" and a[16] != "", a
assert b[14] == "BUSY" and b[13] == "0" and b[10] == "" and b[17] == "uf-busy", b
assert n[14] == "NO ANSWER" and n[13] == "0" and n[17] == "uf-noans", n
assert int(a[12]) >= int(a[13])
# The originating ;1 halves have their own records (originated channels).
ones = [r for r in csv.reader(open(sys.argv[1])) if r[5].endswith(";1")]
assert len(ones) >= 2, ones

db = sqlite3.connect(sys.argv[2])
q = {r[0]: r[1:] for r in db.execute(
    "select dst, disposition, billsec, userfield, mycustom, uniqueid, lastapp, calldate "
    "from cdr where channel like '%;2'")}
assert set(q) == {"answered", "busy", "noans"}, q
assert q["answered"][0] == "ANSWERED" and 1 <= int(q["answered"][1]) <= 3, q
assert q["answered"][2] == "uf-answered" and q["answered"][3] == 'custom "value"', q
assert q["answered"][4] == a[16] and q["answered"][5] == "Hangup", q
assert q["answered"][6] == a[9], (q, a)
assert q["busy"][0] == "BUSY" and q["noans"][0] == "NO ANSWER", q
assert q["busy"][3] == "", q
EOP

# A burst of calls, then kill -9 while some are still being written.
for i in $(seq 1 12); do
	zv_rx "channel originate Local/quick@cdrtest application Wait 5" >/dev/null
done
sleep 0.3
kill -KILL "$ZV_PID"
wait "$ZV_PID" 2>/dev/null
ZV_PID=""

python3 - "$CSV" "$DB" <<'EOP' || fail "files after kill -9"
import csv, sqlite3, sys
data = open(sys.argv[1]).read()
assert data.endswith("\n"), "last CSV line is cut"
for r in csv.reader(data.splitlines()):
    assert len(r) == 18, r
db = sqlite3.connect(sys.argv[2])
assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
n = db.execute("select count(*) from cdr").fetchone()[0]
assert n >= 3, n
EOP

# Restarted, the daemon appends to the same files.
zv_start
zv_rx "channel originate Local/quick@cdrtest application Wait 5" >/dev/null
for _ in $(seq 1 50); do
	[ "$(grep -c '"burst"' "$CSV")" -ge 1 ] && break
	sleep 0.1
done
zv_stop
python3 - "$CSV" "$DB" <<'EOP' || fail "files after restart"
import csv, sqlite3, sys
rows = list(csv.reader(open(sys.argv[1])))
assert all(len(r) == 18 for r in rows)
assert any(r[17] == "burst" for r in rows)
db = sqlite3.connect(sys.argv[2])
assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
EOP
echo "PASS"
