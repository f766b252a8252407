#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# e2e autoscale: xlbd on the testbed. Pool = tcp 198.18.0.10:7000 (the echo
# service) with 4 backends, 1 active and 3 standby, target 10 new flows/s per
# backend, stabilization 10 s. Health: HTTP GET on each backend's own
# address, port 8080 (a small server per backend started here).
#   - long-lived connections opened before the load and at its peak
#     exchange data throughout: zero resets, zero lost bytes;
#   - load up (60 new flows/s): standby backends activated (max 4), the
#     on_scale_up hook sees XLB_* in its environment;
#   - one active backend's health server stopped: taken out of the ring
#     (3 of 4 pass: no health panic), back through slow start once it
#     answers again;
#   - load down: drained back to standby (the on_scale_down hook hangs and
#     is killed on its timeout; xlbd goes on);
#   - /metrics parses and agrees with `lbctl -j stats show`;
#   - a connection-table resize while xlbd runs: xlbd lets the old table go;
#   - SIGHUP with a broken file changes nothing; a restart adopts the
#     pinned state without touching it; agent.json and history persisted.
. "$(dirname "$0")/lib.sh"
e2e_require

XLBD=$E2E_REPO/build/xlbd
if [ ! -x "$XLBD" ]; then
	nok "build/xlbd exists (run make)"
	e2e_finish
fi
command -v ss >/dev/null || e2e_skip "ss not installed"

LOAD_RATE=60		# new flows/s while loaded
LOAD_SECS=32
PORT=7000
METRICS=127.0.0.1:9143

XPID=
XLOG=
tb_cleanup_hook() {
	[ -n "$XPID" ] && kill "$XPID" 2>/dev/null
	[ -n "$XLOG" ] && [ -f "$XLOG" ] && [ "$E2E_FAIL" != 0 ] && {
		echo "# ---- xlbd log $XLOG (last 60 lines)"
		tail -n 60 "$XLOG" | sed 's/^/#   /'
	}
	# For debugging: XLBD_TEST_LOG=FILE keeps a copy of the first run's log.
	[ -n "${XLBD_TEST_LOG:-}" ] && [ -n "${D:-}" ] && cp "$D/xlbd.log" "$XLBD_TEST_LOG"
	return 0
}

e2e_up --backends 4 --no-vips
D=$TB_DIR/autoscale
mkdir -p "$D/www" "$D/state"
echo ok >"$D/www/index.html"
VIP="tcp $TB_VIP4:$PORT"
VIPW=(tcp "$TB_VIP4:$PORT")	# as lbctl arguments
BE=("" "$(tb_be4 1)" "$(tb_be4 2)" "$(tb_be4 3)" "$(tb_be4 4)")

# ---- health servers (one per backend, on its own address) -------------------
declare -a HPID
health_up() {	# N
	HPID[$1]=$(tb_bg "$TB_PREFIX-b$1" "$D/health$1.log" "$TB_PY" -m http.server \
		--bind "${BE[$1]}" --directory "$D/www" 8080)
	tb_wait 10 tb__listening "$TB_PREFIX-b$1" 8080 t
}
for n in 1 2 3 4; do
	health_up "$n" || { nok "health server on backend $n"; e2e_finish; }
done

# ---- hooks --------------------------------------------------------------------
cat >"$D/hook-up" <<EOF
#!/bin/sh
echo "\$XLB_EVENT \$XLB_VIP \$XLB_BACKEND \$XLB_POOL" >>"$D/hooks.log"
EOF
cat >"$D/hook-down" <<EOF
#!/bin/sh
echo "\$XLB_EVENT \$XLB_VIP \$XLB_BACKEND \$XLB_POOL" >>"$D/hooks.log"
exec sleep 60
EOF
chmod +x "$D/hook-up" "$D/hook-down"

# ---- configuration ------------------------------------------------------------
write_conf() {	# FILE MAX
	cat >"$1" <<EOF
vips = ( { proto = "tcp"; address = "$TB_VIP4"; port = $PORT; sched = "maglev";
	backends = (
		{ address = "${BE[1]}"; state = "active"; },
		{ address = "${BE[2]}"; state = "standby"; },
		{ address = "${BE[3]}"; state = "standby"; },
		{ address = "${BE[4]}"; state = "standby"; }
	); } );
agent = { interval = 1.0; state_dir = "$D/state"; metrics = "$METRICS";
	log_every = 5; hook_timeout = 2; history_save_interval = 5; };
pools = ( {
	name = "echo";
	vip = "$VIP";
	signal = "new_flows";
	min = 1; max = $2;
	slow_start = 3; drain_idle = 3; drain_timeout = 12; up_timeout = 20;
	on_scale_up = "$D/hook-up";
	on_scale_down = "$D/hook-down";
	health = { type = "http"; port = 8080; path = "/"; status = 200;
		   interval = 1.0; timeout = 0.5; rise = 2; fall = 2; };
	demand = { target = 10.0; stabilization = 10; load_window = 0; };
	predictive = { enabled = true; season = 3600; bucket = 60; history = 7200;
		       min_history = 3600; };
} );
EOF
}
write_conf "$D/xlbd.conf" 4
check "xlbd --check accepts the configuration" "$XLBD" --check "$D/xlbd.conf"

start_xlbd() {	# LOGFILE
	XLOG=$1
	XPID=$(tb_bg "$TB_NS_LB" "$XLOG" env XLB_PIN_DIR="$XLB_PIN_DIR" "$XLBD" \
		-c "$D/xlbd.conf")
}
start_xlbd "$D/xlbd.log"
if ! tb_wait 10 test -s "$D/state/agent.json"; then
	nok "xlbd started and wrote agent.json"
	e2e_finish
fi
ok "xlbd started (pid $XPID) and publishes $D/state/agent.json"

n_state() {	# STATE -> backends of the VIP in that state (from the maps)
	tb_lbctl -j backend show "${VIPW[@]}" | jq "[.backends[] | select(.state == \"$1\")] | length"
}
state_of() {	# ADDR
	tb_lbctl -j backend show "${VIPW[@]}" | jq -r ".backends[] | select(.address == \"$1\") | .state"
}
n_is() { test "$(n_state "$1")" "$2" "$3"; }	# STATE OP N
agent() { jq -r "$1" "$D/state/agent.json"; }
log_has() { grep -qE "$1" "$XLOG"; }
be_is() { [ "$(state_of "$1")" = "$2" ]; }		# ADDR STATE
counts_are() { [ "$(n_state active)/$(n_state standby)" = "$1" ]; }	# ACTIVE/STANDBY
agent_is() { [ "$(agent "$1")" = "$2" ]; }		# JQ VALUE

check "first start applied the file's vips: 1 active, 3 standby" \
	test "$(n_state active)/$(n_state standby)" = 1/3

# ---- long-lived connections ---------------------------------------------------
hold() {	# TAG CONNS
	tb_bg "$TB_NS_C1" "$D/hold$1.json" "$TB_PY" "$TB_TOOL" connhold --addr "$TB_VIP4" \
		--port $PORT --conns "$2" --duration 150 --interval 0.2 --size-max 1000 \
		--stop-file "$D/stop" --ready-file "$D/ready$1" --drain 3 --seed "$2"
}
HA=$(hold A 30)
tb_wait 15 test -s "$D/readyA" || { nok "30 long-lived connections up"; e2e_finish; }
check "30 long-lived connections established before the load ($(cat "$D/readyA"))" \
	test "$(cat "$D/readyA")" = 30

# ---- load up --------------------------------------------------------------------
cat >"$D/load.py" <<'EOF'
import json, os, socket, sys, time
addr, port, rate, dur, stop = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
t0 = time.time(); n = ok = err = 0
while time.time() - t0 < dur and not os.path.exists(stop):
    d = t0 + n / rate - time.time()
    if d > 0:
        time.sleep(d)
    n += 1
    try:
        s = socket.create_connection((addr, port), timeout=2)
        if s.recv(64).startswith(b"backend-"):
            ok += 1
        else:
            err += 1
        s.close()
    except OSError:
        err += 1
print(json.dumps({"conns": n, "ok": ok, "errors": err, "seconds": round(time.time() - t0, 1)}))
EOF
T_LOAD=$SECONDS
LPID=$(tb_bg "$TB_NS_C1" "$D/load.json" "$TB_PY" "$D/load.py" "$TB_VIP4" $PORT $LOAD_RATE \
	$LOAD_SECS "$D/stopload")
if tb_wait 20 n_is active -eq 4; then
	ok "load $LOAD_RATE flows/s: all 4 backends active after $((SECONDS - T_LOAD)) s"
else
	nok "load $LOAD_RATE flows/s: 4 backends active within 20 s ($(n_state active) active)"
fi
check "scale-up logged with its reason (policy demand)" \
	tb_wait 3 log_has "pool echo: load .* desired 4 -> acting: .*reason"
check "on_scale_up hook ran with XLB_EVENT/XLB_VIP/XLB_BACKEND/XLB_POOL" \
	grep -q "^scale_up $VIP ${BE[2]} echo$" "$D/hooks.log"
tb_wait 6 agent_is '[.pools[0].backends[] | select(.phase == "active")] | length' 4
check "slow start finished: every backend at weight 100" \
	test "$(tb_lbctl -j backend show "${VIPW[@]}" | jq '[.backends[] | select(.weight == 100)] | length')" = 4

# More long-lived connections, now spread over every backend: those on the
# backends drained later must survive too.
HB=$(hold B 60)
tb_wait 15 test -s "$D/readyB" || nok "60 more long-lived connections up at the peak"

# ---- health check: one backend's server stops ------------------------------------
kill "${HPID[3]}"
T_H=$SECONDS
if tb_wait 8 be_is "${BE[3]}" standby; then
	ok "backend 3's health server stopped: out of the ring after $((SECONDS - T_H)) s"
else
	nok "backend 3's health server stopped: out of the ring within 8 s ($(state_of "${BE[3]}"))"
fi
check "health failure logged" tb_wait 3 log_has "backend ${BE[3]}: health up -> down"
check "1 of 4 failing is no health panic (threshold 0.5)" sh -c "! grep -q 'panic' '$XLOG'"
tb_wait 3 agent_is ".pools[0].backends[] | select(.address == \"${BE[3]}\") | .healthy" false
check "agent.json: backend 3 unhealthy, 3 active" \
	test "$(agent ".pools[0].backends[] | select(.address == \"${BE[3]}\") | .healthy")/$(agent '.pools[0].active')" = false/3
health_up 3
T_H=$SECONDS
if tb_wait 8 be_is "${BE[3]}" active; then
	ok "backend 3 answers again: back in the ring after $((SECONDS - T_H)) s"
else
	nok "backend 3 answers again: back in the ring within 8 s ($(state_of "${BE[3]}"))"
fi
check "recovery went through slow start" tb_wait 3 log_has "backend ${BE[3]}: recovered: back through slow start"

# ---- load down ------------------------------------------------------------------
tb_wait $((LOAD_SECS + 10)) sh -c "! kill -0 $LPID 2>/dev/null"
L=$(cat "$D/load.json")
info "load: $L"
check "load connections all answered ($(jq -r .ok <<<"$L")/$(jq -r .conns <<<"$L"))" \
	test "$(jq -r .errors <<<"$L")" = 0
T_DOWN=$SECONDS
if tb_wait 20 n_is draining -ge 1; then
	ok "load gone: backends draining after $((SECONDS - T_DOWN)) s (stabilization 10 s)"
else
	nok "load gone: backends draining within 20 s"
fi
if tb_wait 30 counts_are 1/3; then
	ok "drained back to 1 active, 3 standby after $((SECONDS - T_DOWN)) s"
else
	nok "drained back to 1 active, 3 standby within 30 s ($(n_state active) active, $(n_state draining) draining)"
fi
check "scale-down reason logged" tb_wait 3 log_has "drained \\(idle|drain timeout"
check "on_scale_down hook ran" grep -q "^scale_down $VIP " "$D/hooks.log"
tb_wait 5 log_has "on_scale_down .*killed after"
check "hanging on_scale_down hook killed after hook_timeout, xlbd goes on" \
	log_has "on_scale_down .*killed after"
check "xlbd still running" kill -0 "$XPID"

# ---- long-lived connections: zero resets ---------------------------------------
touch "$D/stop"
for p in $HA $HB; do
	for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
done
for t in A B; do
	R=$(cat "$D/hold$t.json" 2>/dev/null)
	errs=$(jq -r .errors <<<"$R" 2>/dev/null)
	kinds=$(jq -r '[.per_conn[] | select(.error != null) | .error] | unique | join(",")' <<<"$R" 2>/dev/null)
	info "connections $t: $(jq -c '{conns, established, errors, corrupt, bytes_echoed, by_backend}' <<<"$R" 2>/dev/null)"
	check "long-lived connections $t: none reset or failed ($errs; $kinds), none corrupt" \
		test "$errs/$(jq -r .corrupt <<<"$R" 2>/dev/null)" = 0/0
done
nb=$(jq -r '.by_backend | length' "$D/holdB.json" 2>/dev/null)
check "connections B were spread over drained backends too ($nb backends)" test "${nb:-0}" -ge 3

# ---- metrics --------------------------------------------------------------------
sleep 1.2
M=$(tb_lb curl -sS --max-time 3 "http://$METRICS/metrics")
S=$(tb_lbctl -j stats show "${VIPW[@]}")
bad=$(grep -vE '^#|^$' <<<"$M" | grep -cvE '^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="[^"]*",?)*\})? (-?[0-9.]+([eE][-+]?[0-9]+)?|NaN|[+-]Inf)$')
n=$(grep -vcE '^#|^$' <<<"$M")
check "/metrics: $n samples, all in the text exposition format ($bad bad)" test "$n" -gt 50 -a "$bad" = 0
mval() { grep -F "$1" <<<"$M" | awk '{ print $NF }'; }
for c in packets bytes new_flows; do
	m=$(mval "xlb_vip_${c}_total{vip=\"$VIP\"}")
	l=$(jq -r ".vips[0].$c" <<<"$S")
	check "xlb_vip_${c}_total = lbctl stats ($m = $l)" test "$m" = "$l"
done
mism=0
for n in 1 2 3 4; do
	m=$(mval "xlb_backend_packets_total{vip=\"$VIP\",backend=\"${BE[$n]}\"}")
	l=$(jq -r ".vips[0].backends[] | select(.address == \"${BE[$n]}\") | .packets" <<<"$S")
	[ "$m" = "$l" ] || { mism=$((mism + 1)); info "backend $n: metrics $m, lbctl $l"; }
done
check "xlb_backend_packets_total = lbctl stats for every backend" test $mism = 0
# Global reasons: read before lbctl's, so never above it (counters only grow).
G=$(tb_lbctl -j stats show | jq -c .global)
over=0
for r in $(jq -r 'keys[]' <<<"$G"); do
	m=$(mval "xlb_reason_packets_total{reason=\"$r\"}")
	l=$(jq -r ".$r.packets" <<<"$G")
	[ -n "$m" ] && [ "$m" -le "$l" ] || { over=$((over + 1)); info "reason $r: metrics '$m', lbctl $l"; }
done
check "xlb_reason_packets_total for every reason, consistent with lbctl stats ($over off)" \
	test $over = 0
check "xlb_reason_packets_total{reason=\"conn_hit\"} counts the established packets" \
	test "$(mval 'xlb_reason_packets_total{reason="conn_hit"}')" -gt 0
check "xlb_pool_active_backends = 1" test "$(mval 'xlb_pool_active_backends{pool="echo"')" = 1
check "xlb_backend_state reports 3 standby" \
	test "$(grep -F 'state="standby"} 1' <<<"$M" | grep -cF "vip=\"$VIP\"")" = 3
dsum=$(grep -F 'xlb_decisions_total{pool="echo"' <<<"$M" | awk '{ s += $NF } END { print s + 0 }')
check "xlb_decisions_total counts the decisions ($dsum)" test "$dsum" -gt 30
check "xlb_pool_desired_backends per policy" \
	grep -q 'xlb_pool_desired_backends{pool="echo",vip=".*",policy="predictive"}' <<<"$M"

# ---- reload -------------------------------------------------------------------------
cp "$D/xlbd.conf" "$D/good.conf"
sed -i 's/signal = "new_flows";/signal = "new_flows"; bogus_key = 1;/' "$D/xlbd.conf"
kill -HUP "$XPID"
tb_wait 3 log_has "reload failed: .*xlbd.conf:[0-9]+: pool: unknown key 'bogus_key'"
check "SIGHUP with a broken file: error with its line, configuration kept" \
	log_has "reload failed: .*xlbd.conf:[0-9]+: pool: unknown key 'bogus_key'"
write_conf "$D/xlbd.conf" 3
kill -HUP "$XPID"
check "SIGHUP with a good file: reloaded" tb_wait 3 log_has "reloaded .*1 pool"
tb_wait 3 agent_is '.pools[0].max' 3
check "new max visible in agent.json" test "$(agent '.pools[0].max')" = 3
AV=$(tb_lbctl -j agent show dir "$D/state")
check "lbctl agent show: xlbd running, pool echo, max 3, a decision with its reason" \
	test "$(jq -r '[.running, .agent.pools[0].name, .agent.pools[0].max,
		(.agent.pools[0].last_decision.text | length > 0)] | @tsv' <<<"$AV")" = \
	"$(printf 'true\techo\t3\ttrue')"
AP=$(tb_lbctl agent show dir "$D/state")
check "lbctl agent show (plain) names the pool and its VIP" grep -q "^pool echo .*${VIP%:*}" <<<"$AP"

# ---- a connection-table resize while xlbd runs: xlbd lets the old table go ---------
old_map=$(tb_lbctl -j conn table | jq .map_id)
check "lbctl conn resize 65537 while xlbd runs" tb_lbctl conn resize 65537
check "xlbd releases the old table within 3 s (map $old_map gone)" \
	tb_wait 3 sh -c "! bpftool map show id $old_map >/dev/null 2>&1"
check "xlbd still running after the resize" kill -0 "$XPID"

# ---- restart: adopt, persist -------------------------------------------------------
before=$(tb_lbctl -j backend show "${VIPW[@]}" | jq -c '[.backends[] | {address, state, weight}]')
kill -TERM "$XPID"
tb_wait 5 sh -c "! kill -0 $XPID 2>/dev/null"
check "SIGTERM: xlbd exits" sh -c "! kill -0 $XPID 2>/dev/null"
check "load history persisted at exit" test -s "$D/state/history-echo.txt"
check "agent.json is valid JSON with the pool" test "$(agent '.pools[0].name')" = echo
check "lbctl agent show: xlbd stopped is reported as not running" \
	test "$(tb_lbctl -j agent show dir "$D/state" | jq -r .running)" = false
# The metrics port taken by someone else: logged, xlbd serves anyway.
BPID=$(tb_bg "$TB_NS_LB" "$D/blocker.log" "$TB_PY" -c "import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('${METRICS%:*}', ${METRICS##*:})); s.listen(); time.sleep(60)")
tb_wait 5 tb__listening "$TB_NS_LB" "${METRICS##*:}" t || nok "port blocker listening"
start_xlbd "$D/xlbd2.log"
check "metrics port busy: clear log line" tb_wait 5 log_has "metrics: cannot listen on $METRICS"
tb_wait 5 log_has "adopting the live state"
check "restart adopts the live state (vips not re-applied)" log_has "adopting the live state"
check "restart loads the history" tb_wait 5 log_has "pool echo: load history .*usable"
sleep 3
after=$(tb_lbctl -j backend show "${VIPW[@]}" | jq -c '[.backends[] | {address, state, weight}]')
check "restart changed no backend (no flap)" test "$before" = "$after"
check "xlbd serves without its metrics port" kill -0 "$XPID"
check "agent.json updated by the restarted xlbd" agent_is .pid "$XPID"
kill "$BPID" 2>/dev/null
kill -TERM "$XPID"
tb_wait 5 sh -c "! kill -0 $XPID 2>/dev/null"
XPID=
XLOG=
e2e_finish
