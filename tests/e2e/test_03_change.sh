#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# e2e 3: connections survive change. 300 long-lived TCP connections (240
# IPv4, 60 IPv6) to an echo VIP exchange random payloads (1-3000 bytes, each
# connection every 100 ms) and check every echoed byte, while backends are
# added, drained, reweighted, put on standby and back, the scheduler is
# switched through every kind, the ring is rebuilt at another size and the
# connection table is resized (copied into a new map) under the program.
# Required: zero resets, zero corrupted or lost bytes, no connection waiting
# more than 1 s for its echo. Then one backend is deleted: exactly its
# connections break, every other survives.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require

CONNS4=240
CONNS6=60
MAX_STALL=1.0
STEP=1.5	# seconds of traffic under each configuration

e2e_up --backends 5 --no-vips
VIPS=("$TB_VIP_ECHO4" "$TB_VIP_ECHO6")
be() {	# VIPSPEC N -> backend address of the VIP's family
	tb_be_for_vip "$1" "$2"
}
# each_vip DESC LBCTL-ARGS...: one case running lbctl for both VIPs, with the
# word VIP replaced by the VIP and BE<n> by backend n's address.
STEPS=()
each_vip() {
	local d=$1 v rc=0 a; shift
	STEPS+=("$(date +%s.%N) $d")
	local -a args
	for v in "${VIPS[@]}"; do
		args=()
		for a in "$@"; do
			case $a in
			VIP) read -ra vw <<<"$v"; args+=("${vw[@]}") ;;
			BE[0-9]*) args+=("$(be "$v" "${a#BE}")") ;;
			*) args+=("$a") ;;
			esac
		done
		tb_lbctl "${args[@]}" >/dev/null || rc=1
	done
	check "lbctl: $d" test $rc = 0
}

for v in "${VIPS[@]}"; do
	# shellcheck disable=SC2086
	tb_lbctl vip add $v >/dev/null
done
for n in 1 2 3; do
	each_vip "add backend $n" backend add VIP BE$n
done

D=$TB_DIR/t3
mkdir -p "$D"
hold() {	# FAM ADDR CONNS
	tb_bg "$TB_NS_C1" "$D/hold$1.json" "$TB_PY" "$TB_TOOL" connhold --addr "$2" --port 7000 \
		--conns "$3" --duration 90 --interval 0.1 --size-max 3000 \
		--stop-file "$D/stop" --ready-file "$D/ready$1" --drain 3 --seed "$1"
}
P4=$(hold 4 "$TB_VIP4" $CONNS4)
P6=$(hold 6 "$TB_VIP6" $CONNS6)
if ! tb_wait 20 test -s "$D/ready4" -a -s "$D/ready6"; then
	nok "connections established within 20 s"
	e2e_finish
fi
est=$(( $(cat "$D/ready4") + $(cat "$D/ready6") ))
check "$est/$((CONNS4 + CONNS6)) connections established" test "$est" = $((CONNS4 + CONNS6))
T_START=$(date +%s.%N)
STEPS+=("$T_START connections established")
retrans() {	# the client's TCP retransmitted segments, and those DSACKed (spurious)
	tb_client 1 nstat -asz TcpRetransSegs TcpExtTCPDSACKRecvSegs |
		awk '$1 == "TcpRetransSegs" { r = $2 } $1 == "TcpExtTCPDSACKRecvSegs" { d = $2 } END { print r + 0, d + 0 }'
}
read -r RT0 DS0 < <(retrans)
G0=$(tb_lbctl -j stats show | jq -c .global)

sleep $STEP
each_vip "add backend 4" backend add VIP BE4;			sleep $STEP
each_vip "add backend 5 (weight 50)" backend add VIP BE5 weight 50; sleep $STEP
each_vip "drain backend 2" backend drain VIP BE2;		sleep $STEP
each_vip "reweight backend 1 to 300" backend set VIP BE1 weight 300; sleep $STEP
each_vip "backend 4 to standby" backend set VIP BE4 state standby; sleep $STEP
each_vip "backend 4 back to active" backend set VIP BE4 state active; sleep $STEP
for s in rr random sh maglev; do
	each_vip "scheduler to $s" vip set VIP sched $s;	sleep $STEP
done
# Rebuild the ring at another size: lbctl applies a config file as a diff.
tb_lbctl config save >"$D/saved.cfg"
n=$(grep -c 'ring *= *65537' "$D/saved.cfg")
sed 's/ring *= *65537/ring = 16381/' "$D/saved.cfg" >"$D/ring.cfg"
STEPS+=("$(date +%s.%N) ring rebuilt at 16381 slots")
check "lbctl config load: both rings rebuilt at 16381 slots ($n found at 65537)" \
	tb_lbctl config load "$D/ring.cfg"
sizes=$(tb_lbctl -j vip show | jq -r '[.vips[].ring_size] | unique | join(",")')
check "rings are now 16381 slots ($sizes)" test "$sizes" = 16381
sleep $STEP
# Resize the connection table under the running program: flows are copied.
STEPS+=("$(date +%s.%N) connection table resized to 262144")
check "lbctl conn resize 262144 (from $(tb_lbctl -j conn table | jq .entries))" \
	tb_lbctl conn resize 262144
check "the table now has 262144 entries" \
	test "$(tb_lbctl -j conn table | jq .entries)" = 262144
sleep $STEP
T_CHANGES=$(date +%s.%N)
read -r RT1 DS1 < <(retrans)
G1=$(tb_lbctl -j stats show | jq -c .global)

# Delete backend 3: its connections are moved to other backends, which
# reset them; nothing else may break.
T_DEL=$(date +%s.%N)
each_vip "delete backend 3" backend del VIP BE3
sleep 4
touch "$D/stop"
for p in $P4 $P6; do
	for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
done
R4=$(cat "$D/hold4.json"); R6=$(cat "$D/hold6.json")
all=$(jq -s '{per_conn: (.[0].per_conn + .[1].per_conn), max_stall_all: ([.[].max_stall] | max)}' \
	<<<"$R4$R6") || { nok "connhold reports readable"; e2e_finish; }

q() { jq -r --argjson tdel "$T_DEL" "$1" <<<"$all"; }
total=$(q '.per_conn | length')
early=$(q '[.per_conn[] | select(.error != null and .err_time < $tdel)] | length')
early_kinds=$(q '[.per_conn[] | select(.error != null and .err_time < $tdel) | .error] | unique | join(",")')
corrupt=$(q '[.per_conn[].corrupt] | add')
on3=$(q '[.per_conn[] | select(.backend == "backend-3")] | length')
broke3=$(q '[.per_conn[] | select(.backend == "backend-3" and .error != null)] | length')
others=$(q '[.per_conn[] | select(.backend != "backend-3")] | length')
kinds3=$(q '[.per_conn[] | select(.backend == "backend-3") | .error] | unique | join(",")')
broke_others=$(q '[.per_conn[] | select(.backend != "backend-3" and .error != null)] | length')
lost=$(q '[.per_conn[] | select(.backend != "backend-3") | .sent - .echoed] | add')
stall=$(q '[.per_conn[] | select(.backend != "backend-3") | .max_stall] | max')
bytes=$(q '[.per_conn[].echoed] | add')
by_be=$(q '[.per_conn[].backend] | group_by(.) | map({(.[0]): length}) | add | tostring')
# Which step was running when the longest wait for an echo began?
stall_at=$(q '[.per_conn[] | select(.backend != "backend-3")] | max_by(.max_stall) | .stall_at // 0')
stall_step=$(printf '%s\n' "${STEPS[@]}" | awk -v t="$stall_at" '$1 <= t { s = $0 } END { sub(/^[^ ]* /, "", s); print s }')
secs=$(awk -v a="$T_START" -v b="$T_CHANGES" 'BEGIN { printf "%.1f", b - a }')

info "connections per backend at open: $by_be"
check "$total connections held through $secs s of changes: none reset or failed ($early; $early_kinds)" \
	test "$early" = 0
check "no corrupted echo (corrupt: $corrupt)" test "$corrupt" = 0
check "no lost bytes on surviving connections ($lost unechoed)" test "$lost" = 0
check "no connection stalled > ${MAX_STALL}s (max wait for an echo: ${stall}s, after step: $stall_step)" \
	fcmp "$stall <= $MAX_STALL"
info "client TCP retransmissions during the changes: $((RT1 - RT0)), of which spurious (DSACKed): $((DS1 - DS0))"
# xlb's own view of the change phase: every packet should have hit the
# connection table (no new or rescheduled flow: no connection was opened).
moved=$(jq -rn --argjson a "$G0" --argjson b "$G1" \
	'[("conn_new", "conn_rescheduled", "drop_no_backend") | $b[.].packets - $a[.].packets] | add')
check "xlb: every packet during the changes hit the connection table (new/rescheduled/no-backend: $moved)" \
	test "$moved" = 0
info "xlb counters during the changes: $(jq -rn --argjson a "$G0" --argjson b "$G1" \
	'[$b | to_entries[] | select(.value.packets != $a[.key].packets) |
	  "\(.key) +\(.value.packets - $a[.key].packets)"] | join(", ")')"
if [ "$early" != 0 ]; then
	q '.per_conn[] | select(.error != null and .err_time < $tdel) |
		"\(.err_time) conn \(.idx) on \(.backend): \(.error), \(.echoed)/\(.sent) bytes echoed"' |
	head -n 10 | while read -r t rest; do
		info "early failure: $rest, after step: $(printf '%s\n' "${STEPS[@]}" |
			awk -v t="$t" '$1 <= t { s = $0 } END { sub(/^[^ ]* /, "", s); print s }')"
	done
fi
check "backend 3 held connections before its deletion ($on3)" test "$on3" -gt 0
check "every connection of deleted backend 3 broke ($broke3/$on3)" test "$broke3" = "$on3"
check "every other connection survived ($((others - broke_others))/$others)" test "$broke_others" = 0
figure "$total connections held ($by_be), $bytes bytes echoed and checked, resets before delete: $early, corrupt: $corrupt, max stall ${stall}s ($((RT1 - RT0)) TCP retransmissions, $((DS1 - DS0)) of them DSACKed as spurious); after deleting backend 3: $broke3/$on3 of its connections broke ($kinds3), $broke_others/$others others"
e2e_finish
