#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# `testbed down ID` works from a testbed's state files, possibly long after
# a crashed run: it must kill the processes that testbed started and no
# other, even when a recorded pid now belongs to someone else. No
# namespaces or pins are created here: only the state directory.
set -u
cd "$(dirname "$0")/../.." || exit 1
pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   - $*"; }
nok() { fail=$((fail + 1)); echo "FAIL - $*"; }

[ "$(id -u)" = 0 ] || { echo "skip: needs root (testbed down)"; exit 77; }
ID=td$$
DIR=/tmp/xlb-tb-$ID
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. tools/testbed/lib.sh
mkdir -p "$DIR"
sleep 60 & ours=$!
sleep 60 & reused=$!
sleep 60 & legacy=$!
PIDS=("$ours" "$reused" "$legacy")
start=$(tb__starttime "$ours")
if [ -n "$start" ]; then ok "start time of a live process ($start)"; else nok "start time of a live process"; fi
{
	echo "$ours $start"
	echo "$reused $(($(tb__starttime "$reused") + 1))"	# the pid of another process now
	echo "$legacy"					# no start time: unknown process
} >"$DIR/pids"

tools/testbed/testbed down "$ID" >/dev/null 2>&1
gone() { ! kill -0 "$1" 2>/dev/null || [ "$(ps -o stat= -p "$1")" = Z ]; }
for i in $(seq 50); do gone "$ours" && break; sleep 0.1; done
if gone "$ours"; then ok "the testbed's own process is killed"; else nok "the testbed's own process is killed"; fi
if kill -0 "$reused" 2>/dev/null; then ok "a reused pid is left alone"; else nok "a reused pid was killed"; fi
if kill -0 "$legacy" 2>/dev/null; then ok "a pid without start time is left alone"; else nok "a pid without start time was killed"; fi
if [ ! -e "$DIR" ]; then ok "state directory removed"; else nok "state directory removed"; fi
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
