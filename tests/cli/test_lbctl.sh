#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# lbctl end to end: grammar (help, prefixes, ambiguity, version), attach,
# configuration, real packets through a veth pair, JSON output, every kind of
# bad input (exit 1, "Error:", nothing changed), in-place upgrade keeping the
# connection table, detach, config save/load round trip, and bpftool dumps of
# the pinned maps (private pin dir, then the default /sys/fs/bpf/xlb if free).
#
# Topology (two namespaces of our own, one veth pair):
#   client ns  xcB<pid> 198.18.0.2/24  <->  xcA<pid> 198.18.0.1/24  lb ns (xlb, native)
# The client reaches the VIP 198.18.0.10 through a static neighbour entry.
# Backends 198.18.1.0/24 are routed back through the client, so xlb sends the
# encapsulated packets out where they came from (XDP_TX); the client's veth
# runs the decap program, which gives XDP_TX a receiver and counts the tunnels.
#
# Root only. Prints "N passed, N failed"; exit 77 when it cannot run at all.
set -u
cd "$(dirname "$0")/../.." || exit 1

LBCTL=${LBCTL:-$PWD/build/lbctl}
ID=$$
NS_LB=xlbcli-lb-$ID
NS_CL=xlbcli-cl-$ID
DEV_LB=xcA$ID
DEV_CL=xcB$ID
export XLB_PIN_DIR=/sys/fs/bpf/xlb-cli-$ID
DEFAULT_PIN_DIR=/sys/fs/bpf/xlb
VIP="tcp 198.18.0.10:80"
UVIP="udp 198.18.0.10:53"
VIP6="tcp [fd00::10]:443"
TMP=
OWN_DEFAULT=0		# 1 while we own /sys/fs/bpf/xlb

# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cli_require_root "network namespaces, XDP, bpffs"
cli_require_tools jq socat bpftool nsenter setpriv ip

cleanup() {
	trap - EXIT INT TERM
	if [ -e /run/netns/$NS_LB ]; then
		nsenter --net=/run/netns/$NS_LB ip link set dev $DEV_LB xdp off 2>/dev/null
		nsenter --net=/run/netns/$NS_LB ip link set dev $DEV_LB xdpgeneric off 2>/dev/null
	fi
	ip netns del $NS_LB 2>/dev/null
	ip netns del $NS_CL 2>/dev/null
	rm -rf "$XLB_PIN_DIR" "$XLB_PIN_DIR-b"
	[ "$OWN_DEFAULT" = 1 ] && rm -rf "$DEFAULT_PIN_DIR"
	[ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cli_require_lbctl
TMP=$(mktemp -d /tmp/xlb-cli-$ID.XXXXXX)

# ---- helpers ------------------------------------------------------------------

in_lb() { nsenter --net=/run/netns/$NS_LB "$@"; }
in_cl() { nsenter --net=/run/netns/$NS_CL "$@"; }

# run ARGS...: lbctl in the balancer's namespace; sets OUT, ERR, RC.
run() {
	OUT=$(in_lb "$LBCTL" "$@" 2>"$TMP/err")
	RC=$?
	ERR=$(cat "$TMP/err")
}

# expect DESC RC ARGS...: exact exit status.
expect() {
	local desc=$1 want=$2
	shift 2
	run "$@"
	if [ "$RC" = "$want" ]; then
		ok "$desc"
	else
		ko "$desc" "lbctl $* -> exit $RC (want $want)" "stdout: ${OUT:0:300}" \
			"stderr: ${ERR:0:300}"
	fi
}

# bad DESC PATTERN ARGS...: exit 1, one "Error: ...PATTERN..." line on stderr,
# nothing on stdout.
bad() {
	local desc=$1 pat=$2
	shift 2
	run "$@"
	if [ "$RC" = 1 ] && [ -z "$OUT" ] && grep -E '^Error: ' <<<"$ERR" | grep -qiF -- "$pat"; then
		ok "bad input: $desc"
	else
		ko "bad input: $desc" "lbctl $* -> exit $RC, want 1 and 'Error: ...$pat...'" \
			"stdout: ${OUT:0:200}" "stderr: ${ERR:0:300}"
	fi
}

# jcheck DESC JQ-EXPR: OUT is one JSON document and the expression is true.
jcheck() {
	if jq -e "$2" <<<"$OUT" >/dev/null 2>&1; then
		ok "$1"
	else
		ko "$1" "jq '$2' on: ${OUT:0:400}"
	fi
}

xdp_on() { in_lb ip link show dev $DEV_LB | grep -q 'xdp'; }
pins_gone() { [ ! -e "$1" ] || [ -z "$(ls -A "$1" 2>/dev/null)" ]; }

save_config() {	# save_config FILE: plain "config save" to FILE (must succeed)
	in_lb "$LBCTL" config save >"$1" 2>"$TMP/save.err"
}

# send_tcp SPORT [COUNT]: real SYNs from the client to the TCP VIP (nobody
# answers; socat gives up after its connect timeout, having retransmitted).
send_tcp() {
	in_cl timeout 3 socat -u /dev/null \
		TCP4:198.18.0.10:80,sourceport=$1,reuseaddr,connect-timeout=1 2>/dev/null
	return 0
}
send_udp() {	# send_udp SPORT COUNT
	local i
	for ((i = 0; i < $2; i++)); do
		echo "xlb cli test $i" | in_cl timeout 2 socat -u - \
			UDP4-SENDTO:198.18.0.10:53,sourceport=$1,reuseaddr 2>/dev/null
	done
}

# ---- 1. grammar: no state needed -------------------------------------------------

ip netns add $NS_LB || { ko "create netns"; finish; }
ip netns add $NS_CL || { ko "create netns"; finish; }
in_lb ip link set lo up
in_cl ip link set lo up

expect "help exits 0" 0 help
grep -q '^Usage: lbctl' <<<"$OUT" && ok "help on stdout" || ko "help on stdout" "$OUT"
for obj in prog vip backend stats conn config decap; do
	run $obj help
	if [ "$RC" = 0 ] && grep -q "^Usage: lbctl $obj " <<<"$OUT" && [ -z "$ERR" ]; then
		ok "$obj help: synopsis on stdout, exit 0"
	else
		ko "$obj help" "exit $RC" "$OUT" "$ERR"
	fi
done
run vip help
for w in "vip add VIP [sched SCHED] [ring SIZE]" "VIP := { tcp | udp } ADDR:PORT" \
	 "SCHED := { maglev | sh | rr | random }"; do
	grep -qF -- "$w" <<<"$OUT" && ok "vip help has '$w'" || ko "vip help has '$w'" "$OUT"
done
run backend help
grep -qF "backend set VIP ADDR { weight N | state STATE }" <<<"$OUT" &&
	ok "backend help grammar" || ko "backend help grammar" "$OUT"

run b h
[ "$RC" = 0 ] && grep -q "^Usage: lbctl backend " <<<"$OUT" && ok "prefix: 'b h' = backend help" ||
	ko "prefix: 'b h'" "$RC $OUT $ERR"
run c show
[ "$RC" = 2 ] && grep -q "ambiguous object 'c'.*conn, config" <<<"$ERR" &&
	grep -q '^Usage: lbctl' <<<"$ERR" && [ -z "$OUT" ] &&
	ok "ambiguous object lists candidates, usage on stderr, exit 2" ||
	ko "ambiguous object" "exit $RC" "$ERR"
run backend d
[ "$RC" = 2 ] && grep -q "ambiguous command 'd'.*drain, del" <<<"$ERR" &&
	grep -q "^Usage: lbctl backend" <<<"$ERR" &&
	ok "ambiguous command lists candidates, object help on stderr" ||
	ko "ambiguous command" "exit $RC" "$ERR"
run -j vip s tcp
[ "$RC" = 2 ] && jq -e '.error | test("VIP|ADDR")' <<<"$OUT" >/dev/null &&
	grep -q "^Usage: lbctl vip" <<<"$ERR" && ok "-j usage error: JSON on stdout, help on stderr" ||
	ko "-j usage error" "exit $RC" "$OUT" "$ERR"
expect "unknown object: exit 2" 2 frobnicate
expect "unknown command: exit 2" 2 vip frob
expect "missing argument: exit 2" 2 vip add
expect "unexpected argument: exit 2" 2 vip add $VIP bogus 1
expect "no object: exit 2" 2
expect "--version exits 0" 0 --version
grep -qE '^lbctl [0-9]+\.[0-9]+' <<<"$OUT" && ok "--version prints the version" ||
	ko "--version" "$OUT"
run -j --version
jcheck "-j --version" '.version | type == "string"'

# Without CAP_BPF/CAP_NET_ADMIN: a plain message, exit 1.
cp "$LBCTL" "$TMP/lbctl" && chmod 755 "$TMP" "$TMP/lbctl"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$TMP/lbctl" vip show 2>&1)
rc=$?
[ "$rc" = 1 ] && grep -q '^Error: lbctl needs root (CAP_BPF and CAP_NET_ADMIN) to ' <<<"$out" &&
	ok "unprivileged: 'needs root' error, exit 1" || ko "unprivileged" "exit $rc: $out"

# Show commands never create pins.
XLB_PIN_DIR=$XLB_PIN_DIR-none run vip show
[ "$RC" = 1 ] && grep -q '^Error: ' <<<"$ERR" && [ ! -e "$XLB_PIN_DIR-none" ] &&
	ok "show without pins: error, nothing created" || ko "show without pins" "exit $RC: $ERR"
XLB_PIN_DIR=$XLB_PIN_DIR-none run -j vip show
[ "$RC" = 1 ] && jcheck "show without pins, -j: {\"error\"}" '.error | length > 0' ||
	ko "show without pins -j" "exit $RC: $OUT"
XLB_PIN_DIR=$XLB_PIN_DIR-none run vip del $VIP
[ "$RC" = 1 ] && [ ! -e "$XLB_PIN_DIR-none" ] && ok "del without pins: error, nothing created" ||
	ko "del without pins" "exit $RC: $ERR"
rm -rf "$XLB_PIN_DIR-none"

# ---- 2. topology -------------------------------------------------------------------

ip link add $DEV_LB netns $NS_LB type veth peer name $DEV_CL netns $NS_CL ||
	{ ko "create veth"; finish; }
in_lb ip addr add 198.18.0.1/24 dev $DEV_LB
in_cl ip addr add 198.18.0.2/24 dev $DEV_CL
in_lb ip -6 addr add fd00::1/64 dev $DEV_LB nodad
in_lb ip link set $DEV_LB up
in_cl ip link set $DEV_CL up
in_cl ethtool -K $DEV_CL tx off >/dev/null 2>&1
MAC_LB=$(in_lb ip -br link show dev $DEV_LB | awk '{ print $3 }')
MAC_CL=$(in_cl ip -br link show dev $DEV_CL | awk '{ print $3 }')
in_cl ip neigh replace 198.18.0.10 lladdr "$MAC_LB" dev $DEV_CL nud permanent
in_lb sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
in_lb ip neigh replace 198.18.0.2 lladdr "$MAC_CL" dev $DEV_LB nud permanent
in_lb ip route add 198.18.1.0/24 via 198.18.0.2 dev $DEV_LB

# ---- 3. configure before attach, then attach ----------------------------------------

expect "vip add (before attach: creates pins)" 0 vip add $VIP
[ -d "$XLB_PIN_DIR" ] && ok "pins created under \$XLB_PIN_DIR" || ko "pins created" "$(ls /sys/fs/bpf)"
expect "vip add udp, sched rr, ring 1021" 0 vip add $UVIP sched rr ring 1021
expect "vip add IPv6" 0 vip add $VIP6 sched sh
expect "backend add (default weight)" 0 backend add $VIP 198.18.1.10
expect "backend add weight 50" 0 backend add $VIP 198.18.1.11 weight 50
expect "backend add standby" 0 backend add $VIP 198.18.1.12 state standby
expect "backend add udp" 0 backend add $UVIP 198.18.1.20
expect "backend add IPv6" 0 backend add $VIP6 fd00::1:10
run -j backend add $UVIP 198.18.1.21 weight 7
jcheck "backend add -j returns the backend" \
	'.backend.address == "198.18.1.21" and .backend.weight == 7 and .backend.state == "active"'

expect "prog attach native" 0 prog attach $DEV_LB mode native
xdp_on && ok "XDP program on $DEV_LB" || ko "XDP program on $DEV_LB" "$(in_lb ip link show dev $DEV_LB)"
run -j prog show
jcheck "prog show -j lists the device, native" \
	".progs | map(select(.dev == \"$DEV_LB\" and .mode == \"native\" and .prog_id > 0)) | length == 1"
run prog show
grep -q "$DEV_LB" <<<"$OUT" && ok "prog show (plain)" || ko "prog show (plain)" "$OUT"

# Give XDP_TX on our veth a receiver: the decap program on the client side,
# accepting the backends' addresses (lbctl decap, in the client namespace).
out=$(in_cl "$LBCTL" decap attach $DEV_CL mode native addr 198.18.1.10 addr 198.18.1.11 \
	addr 198.18.1.20 addr 198.18.1.21 2>&1)
[ $? = 0 ] && ok "decap attach (client side)" || ko "decap attach" "$out"

# ---- 4. show commands, JSON ----------------------------------------------------------

run -j vip show
jcheck "vip show -j: tcp VIP fields" \
	'.vips[] | select(.proto == "tcp" and .address == "198.18.0.10" and .port == 80) |
	 .sched == "maglev" and .ring_size == 65537 and (.id | type == "number") and
	 .backends == 3 and .active == 2 and .vip == "tcp 198.18.0.10:80"'
jcheck "vip show -j: udp VIP rr ring 1021" \
	'.vips[] | select(.proto == "udp") | .sched == "rr" and .ring_size == 1021 and .backends == 2'
jcheck "vip show -j: IPv6 VIP" \
	'.vips[] | select(.address == "fd00::10") | .port == 443 and .sched == "sh" and .vip == "tcp [fd00::10]:443"'
jcheck "vip show -j: 3 VIPs, distinct ids" '(.vips | length == 3) and ([.vips[].id] | unique | length == 3)'
run -p vip show
[ "$(wc -l <<<"$OUT")" -gt 10 ] && jcheck "-p: pretty-printed, valid JSON" '.vips | length == 3' ||
	ko "-p pretty-prints" "$OUT"
run -j vip show $UVIP
jcheck "vip show VIP -j: just that one" '(.vips | length == 1) and .vips[0].proto == "udp"'
run vip show
[ "$RC" = 0 ] && [ "$(wc -l <<<"$OUT")" = 3 ] && grep -q "tcp 198.18.0.10:80" <<<"$OUT" &&
	ok "vip show (plain): one line per VIP" || ko "vip show (plain)" "$OUT"

run -j backend show $VIP
jcheck "backend show VIP -j: fields" \
	'.backends | map(select(.vip == "tcp 198.18.0.10:80")) | length == 3'
jcheck "backend show -j: weight/state" \
	'(.backends[] | select(.address == "198.18.1.10") | .weight == 100 and .state == "active")
	 and (.backends[] | select(.address == "198.18.1.11") | .weight == 50)
	 and (.backends[] | select(.address == "198.18.1.12") | .state == "standby")
	 and ([.backends[].id | type == "number"] | all)'
run -j backend show
jcheck "backend show -j (all VIPs): 6 backends" '.backends | length == 6'
BS_LONG=$OUT
run -j b s
[ "$OUT" = "$BS_LONG" ] && ok "prefix: 'b s' = backend show" || ko "prefix: 'b s'" "$OUT"

expect "backend set weight" 0 backend set $VIP 198.18.1.11 weight 60
expect "backend set state" 0 backend set $VIP 198.18.1.12 state active
expect "backend drain" 0 backend drain $VIP 198.18.1.12
run -j backend show $VIP
jcheck "set/drain visible in backend show" \
	'(.backends[] | select(.address == "198.18.1.11") | .weight == 60) and
	 (.backends[] | select(.address == "198.18.1.12") | .state == "draining")'
run -j vip set $UVIP sched maglev
jcheck "vip set sched -j returns the VIP" '.vip.sched == "maglev" and .vip.proto == "udp"'

if bpftool map dump pinned "$XLB_PIN_DIR/xlb_backends" 2>/dev/null | grep -q '"weight"'; then
	ok "bpftool dumps xlb_backends with named fields"
else
	ko "bpftool map dump pinned \$XLB_PIN_DIR/xlb_backends shows \"weight\""
fi
bpftool map dump pinned "$XLB_PIN_DIR/xlb_vips" 2>/dev/null | grep -q '"ring_size"' &&
	ok "bpftool dumps xlb_vips with named fields" || ko "bpftool dump xlb_vips (\"ring_size\")"

# ---- 5. real packets -------------------------------------------------------------

send_tcp 40000
send_udp 40001 3
run -j stats show
jcheck "stats show -j: tcp VIP counted packets, bytes, new flows" \
	'.vips[] | select(.vip == "tcp 198.18.0.10:80") | .packets > 0 and .bytes > 0 and .new_flows > 0'
jcheck "stats show -j: udp VIP counted 3 packets" \
	'.vips[] | select(.vip == "udp 198.18.0.10:53") | .packets >= 3'
jcheck "stats show -j: backends forwarded packets" \
	'[.vips[] | select(.vip == "tcp 198.18.0.10:80") | .backends[].packets] | add > 0'
jcheck "stats show -j: global reasons, integers" \
	'(.global | has("pass_not_vip") and has("tx_forward") and has("conn_new")) and
	 (.global.conn_new.packets > 0) and ([.global[].packets | type == "number"] | all)'
jcheck "stats show -j: forwarded (tx_forward or redirect_forward)" \
	'.global.tx_forward.packets + .global.redirect_forward.packets > 0'
run stats show
grep -q "tcp 198.18.0.10:80" <<<"$OUT" && grep -q "pass_not_vip" <<<"$OUT" &&
	ok "stats show (plain)" || ko "stats show (plain)" "$OUT"
run -j stats show $UVIP
jcheck "stats show VIP -j: one VIP" '(.vips | length == 1) and .vips[0].vip == "udp 198.18.0.10:53"'
out=$(in_cl "$LBCTL" -j decap show $DEV_CL 2>&1)
jq -e '.counters.ipip.packets > 0' <<<"$out" >/dev/null &&
	ok "decap show -j: tunnels arrived at the client and were decapsulated" ||
	ko "decap show -j ipip > 0" "$out"

# stats watch: -j streams one object per line.
( sleep 0.3; send_udp 40002 2 ) &
run -j stats watch interval 0.5 count 2
wait
n=$(grep -c . <<<"$OUT")
if [ "$RC" = 0 ] && [ "$n" = 2 ] && jq -e -s 'length == 2 and all(.[]; .vips | type == "array")' \
	<<<"$OUT" >/dev/null 2>&1; then
	ok "stats watch -j count 2: two JSON lines"
else
	ko "stats watch -j" "exit $RC, $n lines" "$OUT" "$ERR"
fi
run stats watch $UVIP interval 0.2 count 1
[ "$RC" = 0 ] && grep -q "udp 198.18.0.10:53" <<<"$OUT" && ok "stats watch (plain) count 1" ||
	ko "stats watch (plain)" "exit $RC" "$OUT" "$ERR"

run -j conn show
jcheck "conn show -j lists the tcp flow" \
	'.conns | map(select(.client_address == "198.18.0.2" and .client_port == 40000 and
	 .vip == "tcp 198.18.0.10:80" and (.backend | startswith("198.18.1.1")))) | length == 1'
jcheck "conn show -j lists the udp flow" '.conns | map(select(.client_port == 40001)) | length == 1'
run -j conn show $UVIP limit 1
jcheck "conn show VIP limit 1" '(.conns | length == 1) and .conns[0].proto == "udp"'
run conn show
grep -q "198.18.0.2:40000 *-> *tcp 198.18.0.10:80" <<<"$OUT" && ok "conn show (plain)" ||
	ko "conn show (plain)" "$OUT"

# ---- 6. bad input: exit 1, precise error, nothing changes ----------------------------

save_config "$TMP/before.conf" && [ -s "$TMP/before.conf" ] && ok "config save (stdout)" ||
	ko "config save" "$(cat "$TMP/save.err")"

bad "bad VIP address" "198.18.0.300" vip add tcp 198.18.0.300:80
bad "bad backend address" "198.18.1" backend add $VIP 198.18.1
bad "port 0" "port '0'" vip add tcp 198.18.0.20:0
bad "port 65536" "port '65536'" vip add tcp 198.18.0.20:65536
bad "IPv6 VIP without brackets" "brackets" vip add tcp fd00::20:80
bad "bad protocol" "sctp" vip add sctp 198.18.0.20:80
bad "unknown scheduler (add)" "scheduler 'wlc'" vip add tcp 198.18.0.20:80 sched wlc
bad "unknown scheduler (set)" "scheduler 'lc'" vip set $VIP sched lc
bad "weight 65536" "weight '65536'" backend add $VIP 198.18.1.30 weight 65536
bad "weight -1 (set)" "weight '-1'" backend set $VIP 198.18.1.10 weight -1
bad "unknown state" "state 'dead'" backend set $VIP 198.18.1.10 state dead
bad "ring size not an allowed prime" "ring size '1019'" vip add tcp 198.18.0.20:80 ring 1019
bad "ring size not a number" "ring size 'big'" vip add tcp 198.18.0.20:80 ring big
bad "duplicate VIP" "198.18.0.10" vip add $VIP
bad "duplicate backend" "198.18.1.10" backend add $VIP 198.18.1.10
bad "IPv6 backend on IPv4 VIP" "fd00::99" backend add $VIP fd00::99
bad "IPv4 backend on IPv6 VIP" "198.18.1.99" backend add $VIP6 198.18.1.99
bad "backend on a missing VIP" "198.18.0.99" backend add tcp 198.18.0.99:80 198.18.1.40
bad "unknown interface (attach)" "nosuch$ID" prog attach nosuch$ID
bad "unknown interface (decap)" "nosuch$ID" decap attach nosuch$ID
bad "delete a missing VIP" "198.18.0.99" vip del tcp 198.18.0.99:80
bad "delete a missing backend" "198.18.1.99" backend del $VIP 198.18.1.99
bad "config load: missing file" "$TMP/none.conf" config load $TMP/none.conf

printf '# line 1\n# line 2\nvips = ( { this is not libconfig\n' >"$TMP/syntax.conf"
run config load "$TMP/syntax.conf"
[ "$RC" = 1 ] && grep -E '^Error: ' <<<"$ERR" | grep -qE '(line |:)3([^0-9]|$)' &&
	ok "bad input: config syntax error names line 3" || ko "config syntax error" "exit $RC: $ERR"
# Schema error: the saved file with one weight out of range.
wl=$(grep -n 'weight' "$TMP/before.conf" | head -n 1 | cut -d: -f1)
if [ -n "$wl" ]; then
	sed -E "${wl}s/(weight[^0-9]*)[0-9]+/\\170000/" "$TMP/before.conf" >"$TMP/schema.conf"
	run config load "$TMP/schema.conf"
	[ "$RC" = 1 ] && grep -E '^Error: ' <<<"$ERR" | grep -qE "(line |:)$wl([^0-9]|$)" &&
		ok "bad input: config schema error (weight 70000) names line $wl" ||
		ko "config schema error names line $wl" "exit $RC: $ERR"
else
	ko "config schema error" "no 'weight' in saved config" "$(head -c 400 "$TMP/before.conf")"
fi
# A bad file on a machine with no xlb state must not create any (bad input
# leaves nothing behind): a private, empty pin directory.
FRESH=/sys/fs/bpf/xlb-cli-fresh-$ID
OUT=$(in_lb env XLB_PIN_DIR=$FRESH "$LBCTL" config load "$TMP/schema.conf" 2>"$TMP/err"); RC=$?
[ "$RC" = 1 ] && [ ! -e "$FRESH" ] && ok "bad input: config load of a bad file creates no state" ||
	ko "config load of a bad file creates no state" "exit $RC, $(ls -A "$FRESH" 2>&1 | head -3)"
rm -rf "$FRESH"

run -j vip add $VIP
[ "$RC" = 1 ] && jcheck "-j runtime error: one valid JSON document {\"error\"}" \
	'.error | test("198.18.0.10")' || ko "-j runtime error exit 1" "exit $RC: $OUT"
run -j backend add $VIP 198.18.1.30 weight 99999
[ "$RC" = 1 ] && jcheck "-j bad value: {\"error\"} names the value" '.error | test("99999")' ||
	ko "-j bad value exit 1" "exit $RC: $OUT"
[ "$(jq -s length <<<"$OUT" 2>/dev/null)" = 1 ] && ok "-j error: exactly one document" ||
	ko "-j error: one document" "$OUT"

save_config "$TMP/after.conf"
cmp -s "$TMP/before.conf" "$TMP/after.conf" && ok "bad input changed nothing (config save identical)" ||
	ko "bad input changed nothing" "$(diff "$TMP/before.conf" "$TMP/after.conf" | head -20)"

# ---- 7. upgrade in place keeps the connection table -----------------------------------

prog_before=$(in_lb "$LBCTL" -j prog show | jq -r ".progs[] | select(.dev == \"$DEV_LB\") | .prog_id")
expect "prog attach again (upgrade in place)" 0 prog attach $DEV_LB mode native
run -j conn show
jcheck "flow survives re-attach (conn show -j)" \
	'.conns | map(select(.client_port == 40000 and .vip == "tcp 198.18.0.10:80")) | length == 1'
run -j prog show
jcheck "still one program on $DEV_LB after re-attach" \
	".progs | map(select(.dev == \"$DEV_LB\" and .prog_id > 0)) | length == 1"
echo "       (prog id before $prog_before, after $(jq -c "[.progs[].prog_id]" <<<"$OUT"))"
run -j stats show
jcheck "counters survive re-attach" \
	'.vips[] | select(.vip == "tcp 198.18.0.10:80") | .packets > 0'
save_config "$TMP/after-upgrade.conf"
cmp -s "$TMP/before.conf" "$TMP/after-upgrade.conf" && ok "configuration survives re-attach" ||
	ko "configuration survives re-attach" "$(diff "$TMP/before.conf" "$TMP/after-upgrade.conf" | head)"

# ---- 7b. the connection table is resized under the running program ----------------------

run -j conn table
jcheck "conn table: default size" ".entries == 2097153 and .memlock > 0 and .map_id > 0"
old_map=$(jq -r .map_id <<<"$OUT")
expect "conn resize 8192" 0 -j conn resize 8192
jcheck "conn resize: reports the sizes and the copied flows" \
	".entries == 8192 and .previous_entries == 2097153 and .copied >= 1"
run -j conn table
jcheck "conn table: new size" ".entries == 8192 and .map_id != $old_map"
new_map=$(jq -r .map_id <<<"$OUT")
bpftool map show pinned "$XLB_PIN_DIR/xlb_conns" 2>&1 | grep -q "max_entries 8192" &&
	ok "the pin is the new table (bpftool)" || ko "the pin is the new table"
pid=$(in_lb "$LBCTL" -j prog show | jq -r ".progs[] | select(.dev == \"$DEV_LB\") | .prog_id")
bpftool prog show id "$pid" 2>/dev/null | grep -Eq "map_ids.*\b$new_map\b" &&
	ok "the attached program uses the new table" ||
	ko "the attached program uses the new table" "$(bpftool prog show id "$pid" 2>&1)"
run -j conn show
jcheck "flow survives the resize" \
	'.conns | map(select(.client_port == 40000 and .vip == "tcp 198.18.0.10:80")) | length == 1'
send_tcp 40003
run -j conn show
jcheck "a new flow lands in the new table" \
	'.conns | map(select(.client_port == 40003)) | length == 1'
expect "conn resize to the same size is a no-op" 0 conn resize 8192
expect "bad input: conn resize 100" 1 conn resize 100
grep -q "bad connection-table size '100'" <<<"$ERR" && ok "conn resize 100: names the size" ||
	ko "conn resize 100: names the size" "$ERR"
expect "bad input: conn resize abc" 1 conn resize abc
expect "bad input: conn resize without ENTRIES" 2 conn resize
expect "bad input: prog attach conns 5" 1 prog attach $DEV_LB conns 5
expect "prog attach conns 2097153 (resize back, in place)" 0 prog attach $DEV_LB conns 2097153
run -j conn show
jcheck "flows survive resizing back" \
	'.conns | map(select(.client_port == 40000 or .client_port == 40003)) | length == 2'
run -j conn table
jcheck "conn table: default size again" ".entries == 2097153"

# Concurrency: resizes (and attaches) of several lbctl processes are
# serialised; whatever order they take, the pin and the attached program
# must end on one and the same table, with no temporary pin left behind.
for i in 1 2 3; do
	in_lb "$LBCTL" conn resize 4096 >/dev/null 2>"$TMP/r1.err" &
	r1=$!
	in_lb "$LBCTL" conn resize 8192 >/dev/null 2>"$TMP/r2.err" &
	r2=$!
	wait $r1; rc1=$?
	wait $r2; rc2=$?
	[ $rc1 = 0 ] && [ $rc2 = 0 ] || break
done
[ $rc1 = 0 ] && [ $rc2 = 0 ] && ok "concurrent resizes both succeed (3 rounds)" ||
	ko "concurrent resizes both succeed" "$(cat "$TMP/r1.err" "$TMP/r2.err")"
pinned=$(bpftool -j map show pinned "$XLB_PIN_DIR/xlb_conns" | jq .id)
pid=$(in_lb "$LBCTL" -j prog show | jq -r ".progs[] | select(.dev == \"$DEV_LB\") | .prog_id")
bpftool -j prog show id "$pid" | jq -e --argjson m "$pinned" '.map_ids | index($m) != null' >/dev/null &&
	ok "after concurrent resizes the program uses the pinned table" ||
	ko "after concurrent resizes the program uses the pinned table" \
		"pinned $pinned, program: $(bpftool -j prog show id "$pid" | jq -c .map_ids)"
ls "$XLB_PIN_DIR" | grep -q '_new' && ko "no temporary pin left" "$(ls "$XLB_PIN_DIR")" ||
	ok "no temporary pin left"

# Another instance (its own pin directory) on another device is not touched.
in_lb ip link add xcC$ID type veth peer name xcD$ID && in_lb ip link set xcC$ID up &&
	in_lb ip link set xcD$ID up
OUT=$(in_lb env XLB_PIN_DIR="$XLB_PIN_DIR-b" "$LBCTL" prog attach xcC$ID mode generic 2>&1)
[ $? = 0 ] && ok "a second instance attaches to another device" ||
	ko "a second instance attaches to another device" "$OUT"
pid_b=$(in_lb "$LBCTL" -j prog show | jq -r ".progs[] | select(.dev == \"xcC$ID\") | .prog_id")
maps_b=$(bpftool -j prog show id "$pid_b" | jq -c .map_ids)
expect "conn resize 16384 of the first instance" 0 conn resize 16384
pid_b2=$(in_lb "$LBCTL" -j prog show | jq -r ".progs[] | select(.dev == \"xcC$ID\") | .prog_id")
[ "$pid_b2" = "$pid_b" ] && [ "$(bpftool -j prog show id "$pid_b2" | jq -c .map_ids)" = "$maps_b" ] &&
	ok "the other instance's program and maps are untouched" ||
	ko "the other instance's program and maps are untouched" "before $pid_b $maps_b, after $pid_b2"
in_lb env XLB_PIN_DIR="$XLB_PIN_DIR-b" "$LBCTL" prog detach xcC$ID >/dev/null 2>&1
in_lb ip link del xcC$ID
[ ! -e "$XLB_PIN_DIR-b" ] && ok "second instance detached, its pins gone" ||
	ko "second instance detached, its pins gone" "$(ls "$XLB_PIN_DIR-b")"

# The new-flow limit (SYN-flood guard): set, shown, saved, refused when bad.
expect "conn limit 125000" 0 -j conn limit 125000
jcheck "conn limit: reports the limit" ".new_flow_limit == 125000"
run -j conn table
jcheck "conn table shows the limit" ".new_flow_limit == 125000"
save_config "$TMP/limit.conf"
grep -q 'new_flow_limit = 125000;' "$TMP/limit.conf" && ok "config save writes new_flow_limit" ||
	ko "config save writes new_flow_limit" "$(head -5 "$TMP/limit.conf")"
expect "bad input: conn limit abc" 1 conn limit abc
expect "bad input: conn limit 100000001" 1 conn limit 100000001
grep -q "bad new-flow limit '100000001'" <<<"$ERR" && ok "conn limit 100000001: names the value" ||
	ko "conn limit 100000001: names the value" "$ERR"
expect "bad input: conn limit without RATE" 2 conn limit
expect "conn limit 0 (none)" 0 conn limit 0
run -j conn table
jcheck "limit back to none" ".new_flow_limit == 0"

# Growing copies every flow, and copied says how many are in the new table.
for p in 41000 41001 41002; do send_tcp $p; done
run -j conn show limit 100000
nflows=$(jq '.conns | length' <<<"$OUT")
expect "conn resize back to 2097153" 0 -j conn resize 2097153
jcheck "copied = every flow when growing ($nflows)" ".copied == $nflows"

# ---- 8. config save FILE -> delete everything -> config load -------------------------

expect "config save FILE" 0 config save "$TMP/saved.conf"
cmp -s "$TMP/before.conf" "$TMP/saved.conf" && ok "config save FILE = config save stdout" ||
	ko "config save FILE = stdout" "$(diff "$TMP/before.conf" "$TMP/saved.conf" | head)"
expect "backend del" 0 backend del $VIP 198.18.1.10
run -j backend show $VIP
jcheck "backend del: gone" '.backends | map(select(.address == "198.18.1.10")) | length == 0'
ok_del=1
for v in "$VIP" "$UVIP" "$VIP6"; do
	# shellcheck disable=SC2086
	run vip del $v
	[ "$RC" = 0 ] || ok_del=0
done
[ $ok_del = 1 ] && ok "vip del (all three)" || ko "vip del" "$ERR"
run -j vip show
jcheck "no VIPs left" '.vips | length == 0'
run -j backend show
jcheck "no backends left (vip del removes its backends)" '.backends | length == 0'
expect "config load" 0 config load "$TMP/saved.conf"
save_config "$TMP/reloaded.conf"
cmp -s "$TMP/saved.conf" "$TMP/reloaded.conf" && ok "config load restores an identical save" ||
	ko "config load restores an identical save" "$(diff "$TMP/saved.conf" "$TMP/reloaded.conf" | head -20)"
expect "config load again (no-op diff)" 0 config load "$TMP/saved.conf"
save_config "$TMP/reloaded2.conf"
cmp -s "$TMP/saved.conf" "$TMP/reloaded2.conf" && ok "second load changes nothing" ||
	ko "second load changes nothing" "$(diff "$TMP/saved.conf" "$TMP/reloaded2.conf" | head)"

# settings.conns: the connection table's size travels with the configuration
grep -q 'conns = 2097153;' "$TMP/saved.conf" && ok "config save writes settings.conns" ||
	ko "config save writes settings.conns" "$(head -5 "$TMP/saved.conf")"
sed -E 's/conns = [0-9]+;/conns = 16384;/' "$TMP/saved.conf" >"$TMP/conns.conf"
expect "config load with conns = 16384" 0 config load "$TMP/conns.conf"
run -j conn table
jcheck "config load resized the table" ".entries == 16384"
sed -E 's/conns = [0-9]+;/conns = 5;/' "$TMP/saved.conf" >"$TMP/conns-bad.conf"
expect "bad input: config load with conns = 5" 1 config load "$TMP/conns-bad.conf"
grep -Eq "conns-bad.conf:[0-9]+: bad conns 5" <<<"$ERR" && ok "conns = 5: names the file, line and value" ||
	ko "conns = 5: names the file, line and value" "$ERR"
run -j conn table
jcheck "a bad conns changed nothing" ".entries == 16384"
expect "config load of the earlier save" 0 config load "$TMP/saved.conf"
run -j conn table
jcheck "the table is back at 2097153" ".entries == 2097153"

# ---- 9. detach -----------------------------------------------------------------------

expect "prog detach keep-pins" 0 prog detach $DEV_LB keep-pins
! xdp_on && ok "keep-pins: no XDP program left" || ko "keep-pins: XDP still on $DEV_LB"
[ -e "$XLB_PIN_DIR/xlb_vips" ] && ok "keep-pins: pins kept" || ko "keep-pins: pins kept" "$(ls -A "$XLB_PIN_DIR" 2>&1)"
run -j vip show
jcheck "keep-pins: configuration still readable" '.vips | length == 3'
expect "prog attach after keep-pins" 0 prog attach $DEV_LB mode native
expect "prog detach" 0 prog detach $DEV_LB
! xdp_on && ok "detach: no XDP program on $DEV_LB" || ko "detach: XDP still on $DEV_LB" \
	"$(in_lb ip link show dev $DEV_LB)"
pins_gone "$XLB_PIN_DIR" && ok "detach: no pins left" || ko "detach: pins left" "$(ls -A "$XLB_PIN_DIR")"
out=$(in_cl "$LBCTL" decap detach $DEV_CL 2>&1)
[ $? = 0 ] && ! in_cl ip link show dev $DEV_CL | grep -q xdp && ok "decap detach" ||
	ko "decap detach" "$out"

# Another XDP program on the device: a clear error, not a silent replace.
out=$(in_lb "$LBCTL" decap attach $DEV_LB mode native 2>&1) || ko "decap attach on $DEV_LB" "$out"
bad "device busy with another XDP program" "$DEV_LB" prog attach $DEV_LB mode native
in_lb "$LBCTL" decap show $DEV_LB >/dev/null 2>&1 && ok "the other program is still there" ||
	ko "the other program is still there"
in_lb "$LBCTL" decap detach $DEV_LB >/dev/null 2>&1
rm -rf "$XLB_PIN_DIR"

# ---- 10. the default pin directory (/sys/fs/bpf/xlb) -----------------------------------

if [ -e "$DEFAULT_PIN_DIR" ]; then
	echo "skip - default pin dir: $DEFAULT_PIN_DIR exists (in use by someone else)"
elif ! mkdir "$DEFAULT_PIN_DIR" 2>/dev/null; then
	echo "skip - default pin dir: $DEFAULT_PIN_DIR appeared meanwhile"
else
	# mkdir is our lock: from here on the directory is ours and cleanup removes it.
	OWN_DEFAULT=1
	d() { env -u XLB_PIN_DIR nsenter --net=/run/netns/$NS_LB "$LBCTL" "$@"; }
	if d vip add $VIP >/dev/null && d backend add $VIP 198.18.1.10 weight 42 >/dev/null &&
	   d prog attach $DEV_LB mode native >/dev/null; then
		ok "default pin dir: configure and attach"
	else
		ko "default pin dir: configure and attach"
	fi
	bpftool map dump pinned $DEFAULT_PIN_DIR/xlb_backends 2>/dev/null | grep -q '"weight": 42' &&
		ok "bpftool map dump pinned /sys/fs/bpf/xlb/xlb_backends shows \"weight\": 42" ||
		ko "bpftool dump of /sys/fs/bpf/xlb/xlb_backends" \
			"$(bpftool map dump pinned $DEFAULT_PIN_DIR/xlb_backends 2>&1 | head -20)"
	d prog detach $DEV_LB >/dev/null
	pins_gone "$DEFAULT_PIN_DIR" && ! xdp_on && ok "default pin dir: detach removes the pins" ||
		ko "default pin dir: detach removes the pins" "$(ls -A $DEFAULT_PIN_DIR 2>&1)"
	rm -rf "$DEFAULT_PIN_DIR"
	OWN_DEFAULT=0
fi

# ---- agent show: an unreadable view names the real reason ------------------------
mkdir -p "$TMP/agent" && echo '{}' >"$TMP/agent/agent.json" && chmod 600 "$TMP/agent/agent.json"
chmod 755 "$TMP"
OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$LBCTL" agent show dir "$TMP/agent" \
	2>"$TMP/err"); RC=$?; ERR=$(cat "$TMP/err")
if [ "$RC" = 1 ] && grep -q '^Error: .*Permission denied' <<<"$ERR"; then
	ok "agent show: unreadable agent.json says permission denied"
else
	ko "agent show: unreadable agent.json says permission denied" "exit $RC: $ERR"
fi
bad "agent show: missing agent.json" "No such file or directory" agent show dir "$TMP/none"

finish
