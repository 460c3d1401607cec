#!/bin/bash
# The basic applications on Local channels: Set/MSet and inheritance,
# System/TrySystem and ${SYSTEMSTATUS}, Hangup(cause) seen by the h
# extension, Wait timing, Busy, ImportVar, SetAMAFlags, Random, Log.
. "$(dirname "$0")/lib.sh"
zv_setup
cat >"$ZV_DIR/extensions.conf" <<EOC
[t]
exten => set,1,Set(_INH1=one)
 same => n,Set(__INH2=two)
 same => n,MSet(a=1,b=x\,y)
 same => n,Set(CALLERID(num)=5551234)
 same => n,Verbose(0,SET a=\${a} b=\${b} cid=\${CALLERID(num)})
 same => n,Originate(Local/child@t,exten,t,child2,1)
 same => n,Hangup()
exten => child,1,Verbose(0,CHILD INH1=\${INH1} INH2=\${INH2})
 same => n,Answer()
 same => n,Wait(1)
exten => child2,1,Verbose(0,CHILD2 INH1=\${INH1} INH2=\${INH2})

exten => sys,1,System(true)
 same => n,Verbose(0,SYS1 \${SYSTEMSTATUS})
 same => n,TrySystem(exit 3)
 same => n,Verbose(0,SYS2 \${SYSTEMSTATUS})
 same => n,TrySystem(/no/such/command/here)
 same => n,Verbose(0,SYS3 \${SYSTEMSTATUS})
 same => n,System(touch $ZV_DIR/system-ran)
 same => n,Verbose(0,SYS4 \${SYSTEMSTATUS})

exten => cause,1,Hangup(USER_BUSY)
exten => h,1,Verbose(0,HANGUP cause=\${HANGUPCAUSE} exten=\${EXTEN})

exten => wait,1,Set(t0=\${EPOCH})
 same => n,Wait(1.5)
 same => n,Verbose(0,WAITED \$[\${EPOCH} - \${t0}])

exten => busy,1,Busy(1)
 same => n,Verbose(0,NOT REACHED)

exten => flags,1,SetAMAFlags(billing)
 same => n,Verbose(0,AMA \${CHANNEL(amaflags)})
 same => n,Random(100:rand)
 same => n,Verbose(0,NOT REACHED RANDOM)
 same => n(rand),Log(NOTICE,LOGGED \${EXTEN})
EOC
zv_start
wait_log() { # pattern
	for _ in $(seq 1 80); do
		grep -qE -- "$1" "$ZV_DIR/out.log" && return 0
		sleep 0.05
	done
	fail "out.log lacks /$1/"
}
run() { zv_rx "channel originate Local/$1@t application NoOp" >/dev/null || fail "originate $1"; }

run set
wait_log "SET a=1 b=x,y cid=5551234"
wait_log "CHILD INH1=one INH2=two"
wait_log "CHILD2 INH1=one INH2=two"

run sys
wait_log "SYS1 SUCCESS"
wait_log "SYS2 APPERROR"
wait_log "SYS3 FAILURE"
wait_log "SYS4 SUCCESS"
[ -f "$ZV_DIR/system-ran" ] || fail "System() did not run its command"

run cause
wait_log "HANGUP cause=17 exten=h"

run wait
wait_log "WAITED (1|2)$"

run busy
wait_log "Executing \[busy@t:1\] Busy"
sleep 1.5
if grep -q "NOT REACHED$" "$ZV_DIR/out.log"; then fail "Busy() returned into the dialplan"; fi

run flags
wait_log "AMA BILLING"
wait_log "NOTICE.*LOGGED flags"
if grep -q "NOT REACHED RANDOM" "$ZV_DIR/out.log"; then fail "Random(100:...) did not jump"; fi

zv_stop
echo "PASS $TEST_NAME"
