#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# e2e demo: `make demo`'s machinery in its short mode (tools/demo/run
# --short: 4 backends, 1 active, a flash sale to 3-4x the calm rate, short
# stabilisation). Required: the ring grew and shrank again under xlbd, the
# new backends served requests, zero errors, zero resets (keep-alive
# connections included), a PNG chart and a CSV, and nothing left behind.
# Then a second run is interrupted with SIGINT (Ctrl-C) mid-load: it must
# exit 130 and leave no namespace, pin, run directory or process behind.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require
command -v gnuplot >/dev/null || e2e_skip "gnuplot not installed (make deps)"
if [ ! -x "$E2E_REPO/build/xlbd" ]; then
	nok "build/xlbd exists (run make)"
	e2e_finish
fi

RUNNER=$E2E_REPO/tools/demo/run
D=$(mktemp -d /tmp/xlb-test-demo.XXXXXX)
trap 'rm -rf "$D"' EXIT

# No namespace, pin, run directory or process of demo run $1 (its pid).
left_behind() {
	local id=d$1 what=
	ip netns list | awk '{ print $1 }' | grep -q "^xtb-$id-" && what="$what netns"
	[ -e "/sys/fs/bpf/xlb-tb-$id" ] && what="$what pins"
	[ -e "/tmp/xlb-demo-$1" ] && what="$what run-dir"
	[ -e "/run/xlb-testbed-$id.env" ] && what="$what env-file"
	pgrep -f "/tmp/xlb-demo-$1/" >/dev/null && what="$what processes"
	echo "${what# }"
}
run_pid_of() {	# output file -> the run's pid (its testbed is d<pid>)
	sed -n 's/.*cleaning up (testbed d\([0-9]*\)).*/\1/p' "$1" | tail -n 1
}

# ---- a full short run ----------------------------------------------------------------
T=$SECONDS
DEMO_OUT=$D/out timeout -k 10 180 "$RUNNER" --short >"$D/run.txt" 2>&1
rc=$?
sed 's/^/#    /' "$D/run.txt"
figure "short demo run: $((SECONDS - T)) s"
check "tools/demo/run --short exits 0 (exit $rc)" test "$rc" = 0
S=$D/out/summary.json
if [ ! -s "$S" ]; then
	nok "summary.json written"
	e2e_finish
fi
js() { jq -r "$1" "$S"; }
# shellcheck disable=SC2317	# called through check
jqe() { jq -e "$1" "$S" >/dev/null; }
check "scaled up: the ring grew from $(js .first_active) to $(js .max_active) active backends" \
	jqe '.scaled_up and .max_active > .first_active'
check "scaled down: $(js .max_active) -> $(js .last_active) active at the end" \
	jqe '.scaled_down and .last_active < .max_active'
check "xlbd decided both ways (desired up $(js .scale_ups)x, down $(js .scale_downs)x)" \
	jqe '.scale_ups >= 1 and .scale_downs >= 1'
check "every decision has a reason" \
	jqe '[.events[] | select(.kind != "ring") | .reason | length > 0] | all'
check "$(js .requests) requests, all answered 200 (zero errors)" \
	jqe '.errors == 0 and .requests >= 3000 and .ok == .requests'
check "zero resets ($(js .ka_connections) keep-alive connections, $(js .ka_requests) requests)" \
	jqe '.resets == 0 and .ka_resets == 0 and .ka_requests >= 200'
nbe=$(jq -s '[.[].backends | keys[]] | unique | length' "$D/out/loadgen.jsonl" 2>/dev/null)
check "standby backends served once activated ($nbe of 4 answered)" test "${nbe:-0}" -ge 3
check "demo.png is a PNG" \
	test "$(head -c 8 "$D/out/demo.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a
rows=$(awk -F, 'NR > 1 && $7 != "" && $8 != ""' "$D/out/demo.csv" 2>/dev/null | wc -l)
check "demo.csv: $rows seconds with active and desired backends" test "$rows" -ge 25
pid=$(run_pid_of "$D/run.txt")
lb=$(left_behind "${pid:-0}")
check "run $pid cleaned up${lb:+ (left: $lb)}" test -n "$pid" -a -z "$lb"

# ---- Ctrl-C in the middle of the load ------------------------------------------------
# A background job of a script ignores SIGINT; restore it as a terminal's
# Ctrl-C would find it, then send SIGINT to the run once the load runs.
DEMO_OUT=$D/int "$TB_PY" -c 'import os, signal, sys
signal.signal(signal.SIGINT, signal.SIG_DFL)
os.execv(sys.argv[1], sys.argv[1:])' "$RUNNER" --short >"$D/int.txt" 2>&1 &
ipid=$!
if tb_wait 60 grep -q "^demo: load:" "$D/int.txt"; then
	sleep 4
	kill -INT "$ipid"
	for _ in $(seq 300); do kill -0 "$ipid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$ipid" 2>/dev/null; then
		nok "interrupted run ends within 30 s of SIGINT"
		kill -TERM "$ipid"
	fi
	wait "$ipid"
	rc=$?
	sed 's/^/#    /' "$D/int.txt"
	check "interrupted run exits 130 (exit $rc)" test "$rc" = 130
	lb=$(left_behind "$ipid")
	check "interrupted run $ipid cleaned up${lb:+ (left: $lb)}" test -z "$lb"
else
	sed 's/^/#    /' "$D/int.txt"
	nok "second run reached its load phase"
	kill -TERM "$ipid" 2>/dev/null
	wait "$ipid"
fi
e2e_finish
