#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# e2e xlbd reload: SIGHUP edge cases, without the full testbed. xlbd runs in
# a private netns (loopback only, so its health probes fail at once and
# never leave the namespace) on a private pin dir with one VIP and one
# standby backend; no program is attached (no traffic needed).
#   - a pool with a TCP health check on a dead port: the backend is claimed
#     (min 1) but never becomes healthy;
#   - SIGHUP with the health check turned off: the backend must become
#     active (regression: the old "down" verdict stayed and the boot never
#     finished; the in-flight probe socket leaked);
#   - SIGHUP with a broken file changes nothing;
#   - SIGTERM: xlbd exits and leaves the pinned state as it was.
set -u
REPO=$(cd "$(dirname "$0")/../.." && pwd)
LBCTL=$REPO/build/lbctl
XLBD=$REPO/build/xlbd
PASS=0 FAIL=0
ok() { PASS=$((PASS + 1)); echo "ok   - $*"; }
nok() { FAIL=$((FAIL + 1)); echo "FAIL - $*"; }
finish() { echo "$PASS passed, $FAIL failed"; [ "$FAIL" = 0 ]; exit; }

[ "$(id -u)" = 0 ] || { echo "skip: needs root"; exit 77; }
command -v jq >/dev/null || { echo "skip: jq not installed"; exit 77; }
[ -d /sys/fs/bpf ] || { echo "skip: no bpffs"; exit 77; }
for b in "$LBCTL" "$XLBD"; do
	[ -x "$b" ] || { nok "$b exists (run make)"; finish; }
done

NS=xlbrl$$
D=$(mktemp -d /tmp/xlbd-reload.XXXXXX)
export XLB_PIN_DIR=/sys/fs/bpf/xlb-reload-$$
XPID=
cleanup() {
	if [ -n "$XPID" ]; then
		kill "$XPID" 2>/dev/null
		wait "$XPID" 2>/dev/null
	fi
	ip netns del "$NS" 2>/dev/null
	rm -rf "$XLB_PIN_DIR" "$D"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "$NS" || { nok "netns $NS"; finish; }
ip -n "$NS" link set lo up

VIP=(tcp 198.18.0.10:80)
BE=198.18.1.2
"$LBCTL" vip add "${VIP[@]}" >/dev/null &&
	"$LBCTL" backend add "${VIP[@]}" "$BE" state standby >/dev/null ||
	{ nok "lbctl: vip and standby backend"; finish; }

conf() {	# HEALTH-TYPE
	cat <<EOF
agent = { interval = 0.2; state_dir = "$D/state"; metrics = ""; hook_timeout = 1; };
pools = ( {
	name = "rl"; vip = "tcp 198.18.0.10:80"; signal = "new_flows";
	min = 1; max = 1; weight = 100; slow_start = 0; up_timeout = 600;
	health = { type = "$1"; port = 8080; interval = 0.2; timeout = 0.2; rise = 1; fall = 1; };
	demand = { target = 100.0; stabilization = 0; };
} );
EOF
}

be_state() { "$LBCTL" -j backend show "${VIP[@]}" | jq -r '.backends[0].state'; }
# poll CMD... for up to N tenths of a second
poll() {
	local n=$1 i; shift
	for ((i = 0; i < n; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
logged() { grep -q "$1" "$D/xlbd.log"; }
is_state() { [ "$(be_state)" = "$1" ]; }

conf tcp >"$D/xlbd.conf"
nsenter --net="/run/netns/$NS" "$XLBD" -c "$D/xlbd.conf" -v >"$D/xlbd.log" 2>&1 &
XPID=$!

if poll 100 logged "scale up: booting" && poll 30 logged "check failed"; then
	ok "backend claimed, its health check fails"
else
	nok "backend claimed, its health check fails"
fi
if is_state standby; then ok "not healthy: still standby"; else nok "not healthy: still standby ($(be_state))"; fi

conf none >"$D/xlbd.conf"
kill -HUP "$XPID"
if poll 50 is_state active; then
	ok "health check turned off by SIGHUP: the booting backend becomes active"
else
	nok "health check turned off by SIGHUP: the booting backend becomes active ($(be_state))"
fi
nprobe=$(ls -l "/proc/$XPID/fd" 2>/dev/null | grep -c socket)
before=$nprobe
sleep 1
nprobe=$(ls -l "/proc/$XPID/fd" 2>/dev/null | grep -c socket)
if [ "$nprobe" -le "$before" ]; then ok "no socket leak after reload ($nprobe)"; else nok "sockets grow: $before -> $nprobe"; fi

echo 'pools = ( { name = "x"; ' >"$D/xlbd.conf"
kill -HUP "$XPID"
if poll 30 logged "reload failed"; then ok "broken file: reload failed is logged"; else nok "broken file: reload failed is logged"; fi
if is_state active && kill -0 "$XPID"; then ok "broken file changes nothing"; else nok "broken file changes nothing"; fi

kill -TERM "$XPID"
if poll 50 eval '! kill -0 "$XPID" 2>/dev/null'; then ok "SIGTERM: xlbd exits"; else nok "SIGTERM: xlbd exits"; fi
wait "$XPID" 2>/dev/null
XPID=
if is_state active; then ok "after exit the pinned state stays"; else nok "after exit the pinned state stays"; fi
[ "$FAIL" != 0 ] && sed 's/^/#   /' "$D/xlbd.log" | tail -n 30
finish
