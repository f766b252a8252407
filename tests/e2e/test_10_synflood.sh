#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# e2e 10: established connections survive a SYN flood and a backend change.
# A small connection table (4096 entries) holds 100 quiet long-lived
# connections (one echo every 4 s); a flood of 30,000 SYNs from the client
# (spoofed ports, below the ephemeral range) then a new backend follow.
#   - With `conn limit 100` (the guard): the flood is forwarded without
#     table entries, the connections keep theirs: zero resets.
#   - Without it (the control, same steps): the flood evicts their entries,
#     the ring then changes and the connections it moves are reset. The
#     control must see resets, or the guarded run proves nothing.
# shellcheck source=tests/e2e/lib.sh
. "$(dirname "$0")/lib.sh"
e2e_require

CONNS=100
FLOOD=30000

e2e_up --backends 3 --no-vips
VIP="$TB_VIP_ECHO4"
D=$TB_DIR/synflood
mkdir -p "$D"

# phase NAME LIMIT: fresh VIP with backends 1-2, table 4096, conn limit
# LIMIT; hold CONNS connections, flood, add backend 3, let every connection
# send twice more. Prints the connhold report's path.
phase() {
	local name=$1 limit=$2 p f
	# shellcheck disable=SC2086
	tb_lbctl vip add $VIP >/dev/null
	# shellcheck disable=SC2086
	tb_lbctl backend add $VIP "$TB_BE4_1" >/dev/null
	# shellcheck disable=SC2086
	tb_lbctl backend add $VIP "$TB_BE4_2" >/dev/null
	tb_lbctl conn resize 4096 >/dev/null
	tb_lbctl conn limit "$limit" >/dev/null
	rm -f "$D/ready-$name" "$D/stop-$name"
	p=$(tb_bg "$TB_NS_C1" "$D/hold-$name.json" "$TB_PY" "$TB_TOOL" connhold \
		--addr "$TB_VIP4" --port 7000 --conns $CONNS --duration 60 --interval 4 \
		--size-max 200 --stop-file "$D/stop-$name" --ready-file "$D/ready-$name" \
		--drain 3 --seed 10)
	if ! tb_wait 20 test -s "$D/ready-$name"; then
		nok "$name: $CONNS connections established within 20 s"
		return
	fi
	sleep 1
	f=$(tb_client 1 "$TB_PY" "$TB_TOOL" synflood --addr "$TB_VIP4" --port 7000 \
		--src "$TB_CLIENT4_1" --count $FLOOD --rate 20000 --max-time 20)
	info "$name: flood $f"
	# shellcheck disable=SC2086
	tb_lbctl backend add $VIP "$TB_BE4_3" >/dev/null
	sleep 9		# two more echoes per connection, over the new ring
	touch "$D/stop-$name"
	for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	# shellcheck disable=SC2086
	tb_lbctl vip del $VIP >/dev/null
}

G0=$(tb_lbctl -j stats show | jq -c .global)
phase guard 100
G1=$(tb_lbctl -j stats show | jq -c .global)
phase control 0

q() { jq -r "$2" "$D/hold-$1.json" 2>/dev/null; }
not_ins=$(( $(jq .conn_not_inserted.packets <<<"$G1") - $(jq .conn_not_inserted.packets <<<"$G0") ))
est_g=$(q guard '.per_conn | length')
broke_g=$(q guard '[.per_conn[] | select(.error != null)] | length')
kinds_g=$(q guard '[.per_conn[] | select(.error != null) | .error] | unique | join(",")')
broke_c=$(q control '[.per_conn[] | select(.error != null)] | length')
kinds_c=$(q control '[.per_conn[] | select(.error != null) | .error] | unique | join(",")')
corrupt=$(( $(q guard '[.per_conn[].corrupt] | add') + 0 ))

check "guard: $est_g connections held" test "$est_g" = $CONNS
check "guard: the flood went past the table ($not_ins SYNs not inserted)" \
	test "$not_ins" -ge $((FLOOD / 2))
check "guard: no connection reset or failed through the flood and the new backend ($broke_g: $kinds_g)" \
	test "$broke_g" = 0
check "guard: no corrupted echo ($corrupt)" test "$corrupt" = 0
check "control (no limit): the flood evicted flows and the new ring reset some ($broke_c: $kinds_c)" \
	test "$broke_c" -gt 0
figure "$CONNS quiet connections, $FLOOD-SYN flood into a 4096-entry table, then a backend added: with conn limit 100, $broke_g broken ($not_ins SYNs forwarded without an entry); without a limit, $broke_c broken"
e2e_finish
