#!/bin/bash
# zvonok --check-config: every error with file:line and a non-zero exit;
# warnings for unknown options; 0 for a valid tree (the embedded default).
. "$(dirname "$0")/lib.sh"

# The embedded default configuration is valid.
out=$("$ZVONOK" --check-config -C "$ZV_SRC/etc") || fail "etc/ does not pass --check-config: $out"
expect_contains "$out" "0 errors"

zv_setup
mkdir -p "$ZV_DIR/inc"
cat >>"$ZV_DIR/zvonok.conf" <<'EOC'
maxcalls = lots
colour = yes
EOC
cat >"$ZV_DIR/logger.conf" <<'EOC'
[general]
dateformat = %T
no equals sign here
#include inc/*.conf
#include missing.conf
#tryinclude also-missing.conf
[logfiles]
console => notice,bogus
EOC
printf '[extra]\nkey = value\n[unterminated\n' >"$ZV_DIR/inc/a.conf"
cat >"$ZV_DIR/modules.conf" <<'EOC'
[modules]
autoload = maybe
load => no_such_module.so
EOC

if out=$("$ZVONOK" --check-config -C "$ZV_DIR"); then
	fail "--check-config passed a broken configuration: $out"
fi
expect_contains "$out" "zvonok.conf:[0-9]+: error: maxcalls"
expect_contains "$out" "zvonok.conf:[0-9]+: warning: unknown option 'colour'"
expect_contains "$out" "logger.conf:3: error"
expect_contains "$out" "inc/a.conf:3: error"
expect_contains "$out" "logger.conf:5: error"
expect_not_contains "$out" "also-missing"
expect_contains "$out" "modules.conf:2: error: autoload"
expect_contains "$out" "modules.conf:3: warning: no module named 'no_such_module.so'"
expect_contains "$out" "[1-9][0-9]* errors?"

# Fixing the syntax leaves only warnings: valid, exit 0, still reported.
cat >"$ZV_DIR/logger.conf" <<'EOC'
[general]
dateformat = %T
[logfiles]
console => notice,bogus
EOC
rm -r "$ZV_DIR/inc" "$ZV_DIR/modules.conf"
sed -i '/maxcalls = lots/d' "$ZV_DIR/zvonok.conf"
out=$("$ZVONOK" --check-config -C "$ZV_DIR") || fail "a valid configuration failed: $out"
expect_contains "$out" "logger.conf:4: warning: unknown log level 'bogus'"
expect_contains "$out" "zvonok.conf:[0-9]+: warning: unknown option 'colour'"
expect_contains "$out" " 0 errors, 2 warnings"

# An unreadable configuration file is a clear error.
rm "$ZV_DIR/logger.conf"
mkdir "$ZV_DIR/logger.conf"
if out=$("$ZVONOK" --check-config -C "$ZV_DIR"); then fail "a directory as logger.conf passed"; fi
expect_contains "$out" "logger.conf"
expect_contains "$out" "[Ii]s a directory"

# A -C path that does not exist.
if out=$("$ZVONOK" --check-config -C "$ZV_DIR/nope" 2>&1); then fail "missing -C path passed"; fi
expect_contains "$out" "nope.*No such file"
echo "PASS $TEST_NAME"
