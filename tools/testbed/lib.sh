# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# shellcheck shell=bash
#
# xlb netns testbed, as a library: `source tools/testbed/lib.sh`, then
# `tb_up [--backends N] [--clients N] [--generic] [--no-vips] [--no-attach]
# [--name ID]` (--no-attach: xlb not attached to lb-in; VIPs are still
# configured, which lbctl allows before attaching, unless --no-vips).
# tb_up installs an EXIT/INT/TERM trap that tears everything down (processes,
# namespaces and their veths, bpffs pins), so a failing or interrupted caller
# leaves nothing behind. Callers that want their own cleanup first define
# tb_cleanup_hook(). The `testbed` command wraps this for use by hand.
#
# Topology (one run; every name carries the run id, so runs coexist):
#
#   client k ──veth── router ──veth── xlb host (xlb_ingress on lb-in)
#   (c<k>-rt)         (rt)  (rt-lb)   (lb-in)  │ lb-b<n>, MTU 1600: IPIP/IP6IP6
#                      │                       ▼
#                      └──────veth──────── backend n (xlb_decap on b<n>-lb,
#                        (rt-b<n>) (b<n>-rt)  VIPs on lo, nginx, tbtool serve)
#
# Requests: client -> router -> xlb host -> (encapsulated, XDP_REDIRECT) ->
# backend. Replies (DSR): backend -> router -> client, never through xlb.
#
# Addresses (198.18.0.0/15 and fd00::/8 only):
#   VIPs               198.18.0.10          fd00::10
#   client k           198.18.(7+k).2/24    fd00:c:k::2/64     (router .1 / ::1)
#   router <-> xlb     198.18.1.1 / .2      fd00:1::1 / ::2
#   xlb <-> backend n  198.18.(63+n).1/.2   fd00:b:n::1 / ::2  (tunnel endpoint .2)
#   backend n <-> rt   198.18.(127+n).2/.1  fd00:e:n::2 / ::1  (return path)
#
# Standard VIPs (added with every backend unless --no-vips):
#   tcp :80 (nginx: "backend-<n>\n" on /, a 4 MB file on /big)
#   udp :53 (tbtool: replies "backend-<n> <payload>")
#   tcp :7000 (tbtool: echo, first line "backend-<n>")
#   tcp :9000 (tbtool: sink, replies "backend-<n> <bytes> <sha256>" at EOF)
# each on 198.18.0.10 and [fd00::10].

TB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TB_REPO=$(cd "$TB_SRC/../.." && pwd)
TB_PY=/usr/bin/python3		# Debian's python (KERNEL-FACTS: not pyenv's)
TB_TOOL=$TB_SRC/tbtool.py

TB_VIP4=198.18.0.10
TB_VIP6=fd00::10
TB_PORTS_TCP="80 7000 9000"
TB_PORTS_UDP="53"
TB_BIG_BYTES=$((4 * 1024 * 1024))

tb_log() { echo "testbed: $*" >&2; }
tb_die() { echo "Error: testbed: $*" >&2; return 1; }

# Run a command in a namespace of this run: tb_in NS CMD...
# nsenter, not `ip netns exec`: the latter remounts /sys and hides bpffs.
tb_in() { local ns=$1; shift; nsenter --net="/run/netns/$ns" "$@"; }
tb_lb() { tb_in "$TB_NS_LB" "$@"; }
tb_rt() { tb_in "$TB_NS_RT" "$@"; }
tb_client() { local k=$1; shift; tb_in "$TB_PREFIX-c$k" "$@"; }
tb_backend() { local n=$1; shift; tb_in "$TB_PREFIX-b$n" "$@"; }

# lbctl inside the xlb host's namespace, on this run's pins.
tb_lbctl() {
	tb_in "$TB_NS_LB" env XLB_PIN_DIR="$XLB_PIN_DIR" "$TB_LBCTL" "$@"
}

tb_be4() { echo "198.18.$((63 + $1)).2"; }
tb_be6() { printf 'fd00:b:%x::2\n' "$1"; }
tb_client4() { echo "198.18.$((7 + $1)).2"; }
tb_client6() { printf 'fd00:c:%x::2\n' "$1"; }

# A process's start time (clock ticks since boot, /proc/PID/stat field 22):
# with the pid, it names one process, even after the pid is reused.
tb__starttime() {	# PID
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }	# the command name may hold spaces and parentheses
	# shellcheck disable=SC2086
	set -- $s
	echo "${20}"
}

# True when PID is still the process that started at START.
tb__same_proc() {	# PID START
	[ -n "$2" ] && [ "$(tb__starttime "$1")" = "$2" ]
}

# Start a long-running process in a namespace, remembered for teardown
# (pid and start time: teardown kills only that very process).
# tb_bg NS LOGFILE CMD...; prints the pid.
tb_bg() {
	local ns=$1 log=$2 pid; shift 2
	nsenter --net="/run/netns/$ns" "$@" >"$log" 2>&1 </dev/null &
	pid=$!
	echo "$pid $(tb__starttime "$pid")" >>"$TB_DIR/pids"
	echo "$pid"
}

# Wait (bounded) until a command succeeds: tb_wait SECONDS CMD...
tb_wait() {
	local tmo=$1 end; shift
	end=$((SECONDS + tmo))
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$end" ] && return 1
		sleep 0.1
	done
}

tb__sysctl() {	# NS key=value...
	local ns=$1; shift
	tb_in "$ns" sysctl -q -w "$@" >/dev/null
}

tb__ns_add() {
	local ns=$1
	ip netns add "$ns" || return 1
	echo "$ns" >>"$TB_DIR/netns"
	tb_in "$ns" ip link set lo up
	# Addresses are usable at once (no DAD wait), no strict reverse-path
	# check (DSR: requests and replies take different links).
	tb__sysctl "$ns" net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
}

# tb__veth NS_A DEV_A NS_B DEV_B MTU: both ends created directly inside their
# namespaces, so names never collide with another run or the root namespace.
tb__veth() {
	local nsa=$1 deva=$2 nsb=$3 devb=$4 mtu=$5
	tb_in "$nsa" ip link add "$deva" mtu "$mtu" type veth peer name "$devb" mtu "$mtu" \
		netns "$nsb" || return 1
	tb_in "$nsa" ip link set "$deva" up
	tb_in "$nsb" ip link set "$devb" up
}

# Offloads for links that feed a native XDP program (KERNEL-FACTS): native XDP
# on veth loses checksum-offload state, generic mode drops TSO/GSO frames.
tb__no_offload() {
	tb_in "$1" ethtool -K "$2" tx off tso off gso off >/dev/null 2>&1 ||
		tb_die "ethtool -K $2 in $1 failed"
}

tb__addr() {	# NS DEV ADDR/PLEN
	case $3 in
	*:*) tb_in "$1" ip -6 addr add "$3" dev "$2" nodad ;;
	*) tb_in "$1" ip addr add "$3" dev "$2" ;;
	esac
}

tb__write_env() {
	local f=$TB_ENV n k
	{
		echo "# xlb testbed $TB_ID: source this file"
		echo "TB_ID=$TB_ID"
		echo "TB_PREFIX=$TB_PREFIX"
		echo "TB_DIR=$TB_DIR"
		echo "TB_ENV=$TB_ENV"
		echo "TB_MODE=$TB_MODE"
		echo "TB_BACKENDS=$TB_BACKENDS"
		echo "TB_CLIENTS=$TB_CLIENTS"
		echo "TB_NS_LB=$TB_NS_LB"
		echo "TB_NS_RT=$TB_NS_RT"
		echo "TB_NS_CLIENTS=\"$(for k in $(seq "$TB_CLIENTS"); do echo -n "$TB_PREFIX-c$k "; done)\""
		echo "TB_NS_BACKENDS=\"$(for n in $(seq "$TB_BACKENDS"); do echo -n "$TB_PREFIX-b$n "; done)\""
		echo "TB_LB_DEV=lb-in"
		echo "TB_LB4=198.18.1.2"
		echo "TB_LB6=fd00:1::2"
		echo "TB_LBCTL=$TB_LBCTL"
		echo "export XLB_PIN_DIR=$XLB_PIN_DIR"
		echo "TB_VIP4=$TB_VIP4"
		echo "TB_VIP6=$TB_VIP6"
		echo "TB_VIP_HTTP4='tcp $TB_VIP4:80'"
		echo "TB_VIP_HTTP6='tcp [$TB_VIP6]:80'"
		echo "TB_VIP_UDP4='udp $TB_VIP4:53'"
		echo "TB_VIP_UDP6='udp [$TB_VIP6]:53'"
		echo "TB_VIP_ECHO4='tcp $TB_VIP4:7000'"
		echo "TB_VIP_ECHO6='tcp [$TB_VIP6]:7000'"
		echo "TB_VIP_SINK4='tcp $TB_VIP4:9000'"
		echo "TB_VIP_SINK6='tcp [$TB_VIP6]:9000'"
		echo "TB_BIG=$TB_DIR/www/big"
		for n in $(seq "$TB_BACKENDS"); do
			echo "TB_NS_B$n=$TB_PREFIX-b$n"
			echo "TB_BE4_$n=$(tb_be4 "$n")"
			echo "TB_BE6_$n=$(tb_be6 "$n")"
		done
		for k in $(seq "$TB_CLIENTS"); do
			echo "TB_NS_C$k=$TB_PREFIX-c$k"
			echo "TB_CLIENT4_$k=$(tb_client4 "$k")"
			echo "TB_CLIENT6_$k=$(tb_client6 "$k")"
		done
	} >"$f"
	# shellcheck disable=SC1090
	. "$f"
}

# The standard VIPs: VIP specs, one per line.
tb_vip_list() {
	local p a
	for a in "$TB_VIP4" "[$TB_VIP6]"; do
		for p in $TB_PORTS_TCP; do echo "tcp $a:$p"; done
		for p in $TB_PORTS_UDP; do echo "udp $a:$p"; done
	done
}

# Backend address of backend n for a VIP spec ("tcp [fd00::10]:80" -> v6).
tb_be_for_vip() {	# VIPSPEC N
	case $1 in *\[*) tb_be6 "$2" ;; *) tb_be4 "$2" ;; esac
}

# Add the standard VIPs with backends 1..N (default: all; weight default).
# shellcheck disable=SC2120
tb_add_vips() {
	local v n nmax=${1:-$TB_BACKENDS}
	while read -r v; do
		# shellcheck disable=SC2086
		tb_lbctl vip add $v >/dev/null || return 1
		for n in $(seq "$nmax"); do
			# shellcheck disable=SC2086
			tb_lbctl backend add $v "$(tb_be_for_vip "$v" "$n")" >/dev/null || return 1
		done
	done < <(tb_vip_list)
}

tb__nginx_conf() {	# N
	local n=$1 d=$TB_DIR/b$1
	mkdir -p "$d/tmp"
	cat >"$d/nginx.conf" <<EOF
# xlb testbed backend $n (generated)
user root;
worker_processes 1;
pid $d/nginx.pid;
error_log $d/nginx.err warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	keepalive_requests 100000;
	server {
		listen $TB_VIP4:80 reuseport;
		listen [$TB_VIP6]:80 reuseport;
		# the backend's own addresses: health checks (xlbd) and direct tests
		listen $(tb_be4 "$n"):80;
		listen [$(tb_be6 "$n")]:80;
		default_type text/plain;
		location = / { return 200 "backend-$n\n"; }
		location = /big { alias $TB_DIR/www/big; }
	}
}
EOF
}

tb__listening() {	# NS PORT PROTO(t|u)
	tb_in "$1" ss -"$3"lnH "sport = :$2" | grep -q .
}

tb__backend_up() {	# N
	local n=$1 ns=$TB_PREFIX-b$1 be4 be6 hex
	be4=$(tb_be4 "$n"); be6=$(tb_be6 "$n"); hex=$(printf %x "$n")
	tb__ns_add "$ns" || return 1
	tb__sysctl "$ns" net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2
	# Tunnel link from the xlb host: MTU 1600 so an encapsulated
	# full-size frame (1500 + 20 or 40) fits.
	tb__veth "$TB_NS_LB" "lb-b$n" "$ns" "b$n-lb" 1600 || return 1
	tb__addr "$TB_NS_LB" "lb-b$n" "198.18.$((63 + n)).1/24"
	tb__addr "$TB_NS_LB" "lb-b$n" "fd00:b:$hex::1/64"
	tb__addr "$ns" "b$n-lb" "$be4/24"
	tb__addr "$ns" "b$n-lb" "$be6/64"
	tb__no_offload "$TB_NS_LB" "lb-b$n" || return 1
	tb__no_offload "$ns" "b$n-lb" || return 1
	# Return link straight to the router (DSR).
	tb__veth "$ns" "b$n-rt" "$TB_NS_RT" "rt-b$n" 1500 || return 1
	tb__addr "$ns" "b$n-rt" "198.18.$((127 + n)).2/24"
	tb__addr "$ns" "b$n-rt" "fd00:e:$hex::2/64"
	tb__addr "$TB_NS_RT" "rt-b$n" "198.18.$((127 + n)).1/24"
	tb__addr "$TB_NS_RT" "rt-b$n" "fd00:e:$hex::1/64"
	tb_in "$ns" ip route add default via "198.18.$((127 + n)).1"
	tb_in "$ns" ip -6 route add default via "fd00:e:$hex::1"
	# The VIPs live on lo: decapsulated packets are delivered locally.
	tb__addr "$ns" lo "$TB_VIP4/32"
	tb__addr "$ns" lo "$TB_VIP6/128"
	# The product's decap program, native; it also gives b<n>-lb the NAPI
	# that XDP_REDIRECT into lb-b<n> needs (KERNEL-FACTS).
	tb_in "$ns" "$TB_LBCTL" decap attach "b$n-lb" mode native addr "$be4" addr "$be6" \
		>/dev/null || { tb_die "lbctl decap attach b$n-lb failed"; return 1; }
	tb__nginx_conf "$n"
	tb_in "$ns" nginx -q -e "$TB_DIR/b$n/nginx.err" -c "$TB_DIR/b$n/nginx.conf" ||
		{ tb_die "nginx on backend $n failed: $(cat "$TB_DIR/b$n/nginx.err")"; return 1; }
	tb_bg "$ns" "$TB_DIR/b$n/tbtool.log" "$TB_PY" "$TB_TOOL" serve --name "backend-$n" \
		--addr "$TB_VIP4" --addr "$TB_VIP6" >/dev/null
}

# tb_up [--backends N] [--clients N] [--generic] [--no-vips] [--no-attach]
#       [--name ID]
tb_up() {
	local n k
	TB_BACKENDS=3 TB_CLIENTS=1 TB_MODE=native TB_ID=$$ TB_WITH_VIPS=1 TB_ATTACH=1
	TB_CREATED=0	# set once this call owns state that tb_down must remove
	while [ $# -gt 0 ]; do
		case $1 in
		--backends) TB_BACKENDS=$2; shift ;;
		--clients) TB_CLIENTS=$2; shift ;;
		--generic) TB_MODE=generic ;;
		--no-vips) TB_WITH_VIPS=0 ;;
		--no-attach) TB_ATTACH=0 ;;
		--name) TB_ID=$2; shift ;;
		*) tb_die "unknown option '$1'"; return 2 ;;
		esac
		shift
	done
	case $TB_ID in *[!a-zA-Z0-9]*|'') tb_die "--name: letters and digits only"; return 2 ;; esac
	[ "${#TB_ID}" -le 12 ] || { tb_die "--name: at most 12 characters"; return 2; }
	case $TB_BACKENDS in ''|*[!0-9]*) TB_BACKENDS=0 ;; esac
	case $TB_CLIENTS in ''|*[!0-9]*) TB_CLIENTS=0 ;; esac
	if [ "$TB_BACKENDS" -lt 1 ] || [ "$TB_BACKENDS" -gt 60 ]; then
		tb_die "--backends: 1..60"; return 2
	fi
	if [ "$TB_CLIENTS" -lt 1 ] || [ "$TB_CLIENTS" -gt 8 ]; then
		tb_die "--clients: 1..8"; return 2
	fi
	[ "$(id -u)" = 0 ] || { tb_die "needs root"; return 1; }
	TB_LBCTL=${TB_LBCTL:-$TB_REPO/build/lbctl}
	[ -x "$TB_LBCTL" ] || { tb_die "$TB_LBCTL missing: run make"; return 1; }

	TB_PREFIX=xtb-$TB_ID
	TB_NS_LB=$TB_PREFIX-lb
	TB_NS_RT=$TB_PREFIX-rt
	TB_DIR=/tmp/xlb-tb-$TB_ID
	TB_ENV=/run/xlb-testbed-$TB_ID.env
	export XLB_PIN_DIR=/sys/fs/bpf/xlb-tb-$TB_ID
	if [ -e "/run/netns/$TB_NS_LB" ] || [ -e "$TB_ENV" ]; then
		tb_die "testbed $TB_ID exists (testbed down $TB_ID)"; return 1
	fi
	TB_CREATED=1
	mkdir -p "$TB_DIR/www" || return 1
	: >"$TB_DIR/netns"; : >"$TB_DIR/pids"
	echo "$XLB_PIN_DIR" >"$TB_DIR/pin_dir"
	[ "${TB_NO_TRAP:-0}" = 1 ] || tb_trap
	tb__write_env

	# A 4 MB incompressible file served by every nginx on /big.
	head -c "$TB_BIG_BYTES" /dev/urandom >"$TB_DIR/www/big"
	chmod -R a+rX "$TB_DIR"

	tb__ns_add "$TB_NS_RT" || return 1
	tb__ns_add "$TB_NS_LB" || return 1
	tb__sysctl "$TB_NS_RT" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	# bpf_fib_lookup needs forwarding on in the xlb host (KERNEL-FACTS).
	tb__sysctl "$TB_NS_LB" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

	tb__veth "$TB_NS_RT" rt-lb "$TB_NS_LB" lb-in 1500 || return 1
	tb__addr "$TB_NS_RT" rt-lb 198.18.1.1/24
	tb__addr "$TB_NS_RT" rt-lb fd00:1::1/64
	tb__addr "$TB_NS_LB" lb-in 198.18.1.2/24
	tb__addr "$TB_NS_LB" lb-in fd00:1::2/64
	# rt-lb feeds xlb (native XDP: checksums must be complete; generic:
	# no TSO/GSO frames); lb-in feeds rt-lb, which runs an XDP program
	# too (below).
	tb__no_offload "$TB_NS_RT" rt-lb || return 1
	tb__no_offload "$TB_NS_LB" lb-in || return 1
	tb_rt ip route add 198.18.0.0/24 via 198.18.1.2
	tb_rt ip -6 route add fd00::/64 via fd00:1::2
	# The xlb host reaches the clients through the router; it has no route
	# to the VIPs (a packet to a VIP that xlb does not take is unreachable).
	tb_lb ip route add 198.18.8.0/21 via 198.18.1.1
	tb_lb ip -6 route add fd00:c::/32 via fd00:1::1
	# XDP_TX from lb-in (ping replies, ICMP too big) arrives only if the
	# peer runs an XDP program (KERNEL-FACTS): the decap program passes
	# everything that is not a tunnel packet, so it serves.
	tb_rt "$TB_LBCTL" decap attach rt-lb mode native >/dev/null ||
		{ tb_die "lbctl decap attach rt-lb failed"; return 1; }

	for k in $(seq "$TB_CLIENTS"); do
		local ns=$TB_PREFIX-c$k hex
		hex=$(printf %x "$k")
		tb__ns_add "$ns" || return 1
		tb__veth "$ns" "c$k-rt" "$TB_NS_RT" "rt-c$k" 1500 || return 1
		tb__addr "$ns" "c$k-rt" "$(tb_client4 "$k")/24"
		tb__addr "$ns" "c$k-rt" "$(tb_client6 "$k")/64"
		tb__addr "$TB_NS_RT" "rt-c$k" "198.18.$((7 + k)).1/24"
		tb__addr "$TB_NS_RT" "rt-c$k" "fd00:c:$hex::1/64"
		tb_in "$ns" ip route add default via "198.18.$((7 + k)).1"
		tb_in "$ns" ip -6 route add default via "fd00:c:$hex::1"
	done
	for n in $(seq "$TB_BACKENDS"); do
		tb__backend_up "$n" || return 1
	done

	if [ "$TB_ATTACH" = 1 ]; then
		tb_lbctl prog attach lb-in mode "$TB_MODE" >/dev/null ||
			{ tb_die "lbctl prog attach lb-in mode $TB_MODE failed"; return 1; }
	fi
	if [ "$TB_WITH_VIPS" = 1 ]; then
		tb_add_vips || { tb_die "adding the standard VIPs failed"; return 1; }
	fi

	# Services are up when every backend listens on every port.
	for n in $(seq "$TB_BACKENDS"); do
		for k in $TB_PORTS_TCP; do
			tb_wait 10 tb__listening "$TB_PREFIX-b$n" "$k" t ||
				{ tb_die "backend $n: nothing listens on tcp $k"; return 1; }
		done
		for k in $TB_PORTS_UDP; do
			tb_wait 10 tb__listening "$TB_PREFIX-b$n" "$k" u ||
				{ tb_die "backend $n: nothing listens on udp $k"; return 1; }
		done
	done
	tb_log "up: $TB_ID ($TB_BACKENDS backends, $TB_CLIENTS clients, xlb $TB_MODE), env $TB_ENV"
}

# Tear down a run: tb_down [ID] (default: this shell's run). Idempotent, and
# works from the state files alone, so `testbed down ID` can clean up after a
# crashed caller.
tb_down() {
	local id=${1:-${TB_ID:-}} dir pid ns pin n p start
	[ -n "$id" ] || return 0
	dir=/tmp/xlb-tb-$id
	# Only processes this testbed started: a pid left in the file by a
	# crashed run may belong to someone else by now.
	if [ -f "$dir/pids" ]; then
		while read -r pid start; do
			tb__same_proc "$pid" "$start" && kill "$pid" 2>/dev/null
		done <"$dir/pids"
	fi
	# nginx daemonizes: stop it by its pid file, if that pid is an nginx.
	for pid in "$dir"/b*/nginx.pid; do
		[ -f "$pid" ] || continue
		pid=$(cat "$pid")
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = nginx ] && kill "$pid" 2>/dev/null
	done
	pin=/sys/fs/bpf/xlb-tb-$id
	[ -f "$dir/pin_dir" ] && pin=$(cat "$dir/pin_dir")
	# Deleting a namespace deletes its veths, and with them the XDP
	# programs attached to them.
	for ns in $( { [ -f "$dir/netns" ] && cat "$dir/netns"; ip netns list | \
			awk -v p="xtb-$id-" 'index($1, p) == 1 { print $1 }'; } | sort -u); do
		ip netns del "$ns" 2>/dev/null
	done
	case $pin in
	/sys/fs/bpf/xlb-tb-*) [ -e "$pin" ] && rm -rf "$pin" ;;
	esac
	# Give killed processes a moment, then make sure.
	if [ -f "$dir/pids" ]; then
		for n in 1 2 3 4 5 6 7 8 9 10; do
			pid=
			while read -r p start; do
				tb__same_proc "$p" "$start" && pid=$p
			done <"$dir/pids"
			[ -z "$pid" ] && break
			sleep 0.1
		done
		while read -r pid start; do
			tb__same_proc "$pid" "$start" && kill -9 "$pid" 2>/dev/null
		done <"$dir/pids"
	fi
	rm -rf "$dir" "/run/xlb-testbed-$id.env"
	return 0
}

tb__on_exit() {
	local rc=$?
	trap - EXIT INT TERM
	if declare -F tb_cleanup_hook >/dev/null; then tb_cleanup_hook; fi
	tb_down "$TB_ID"
	exit "$rc"
}

tb_trap() {
	trap tb__on_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

# Counters of a device, from netlink (sysfs shows the root namespace's
# devices under nsenter): tb_dev_stat NS DEV rx|tx bytes|packets
tb_dev_stat() {
	tb_in "$1" ip -j -s link show dev "$2" | jq -r ".[0].stats64.$3.$4"
}
