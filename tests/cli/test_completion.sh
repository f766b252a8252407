#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
#
# lbctl's bash completion (user/lbctl/lbctl.bash) with bash-completion's
# helpers, as bash calls it: COMP_LINE/COMP_POINT and COMP_WORDS split the way
# bash splits them (':' breaks words), then COMPREPLY is checked both as it is
# and as the word readline makes of it. Live state comes from lbctl against a
# private pin dir (vip/backend commands need no attached program): VIPs of
# each protocol (IPv4 and IPv6), backends of a VIP, VIPs gone after a delete;
# interfaces from /sys/class/net, also inside a namespace of our own; and with
# no state, an empty pin dir, no lbctl or no root, the static words only and
# nothing on stderr.
#
# Root only. Prints "N passed, N failed"; exit 77 when it cannot run at all.
set -u
cd "$(dirname "$0")/../.." || exit 1

LBCTL=${LBCTL:-$PWD/build/lbctl}
COMP=${LBCTL_COMP:-$PWD/user/lbctl/lbctl.bash}
BASH_COMPLETION=/usr/share/bash-completion/bash_completion
ID=$$
PIN=/sys/fs/bpf/xlb-comp-$ID
NS=xlbcomp-$ID
TMP=

# shellcheck source=tests/cli/lib.sh
. "$(dirname "$0")/lib.sh"
cli_require_root "bpffs pins, a network namespace"
if [ ! -r "$BASH_COMPLETION" ]; then
	echo "skip: $BASH_COMPLETION missing (Debian package bash-completion)"
	exit 77
fi
cli_require_tools ip nsenter unshare setpriv mount

# shellcheck disable=SC2317 # called by the trap
cleanup() {
	trap - EXIT INT TERM
	ip netns del "$NS" 2>/dev/null
	rm -rf "$PIN" "$PIN-empty"
	[ -n "$TMP" ] && rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

cli_require_lbctl
TMP=$(mktemp -d /tmp/xlb-comp-$ID.XXXXXX)
chmod 755 "$TMP"
# Copies every user can read and run (the no-root case runs as nobody).
mkdir "$TMP/bin"
cp "$LBCTL" "$TMP/bin/lbctl"
cp "$COMP" "$TMP/lbctl.bash"
chmod 755 "$TMP/bin" "$TMP/bin/lbctl"
chmod 644 "$TMP/lbctl.bash"

# The runner: one fresh bash per completion, as bash calls it.
#   runner.sh LINE  (cursor at the end; env NOJQ=1 hides jq from lbctl.bash)
# Prints one line per COMPREPLY word: "REPLY<TAB>WORD", where WORD is the
# whitespace-separated word readline makes by replacing the text after the
# last word-break character of LINE with REPLY.
cat >"$TMP/runner.sh" <<'EOF'
set +u
. /usr/share/bash-completion/bash_completion >/dev/null || exit 1
. "$(dirname "$0")/lbctl.bash" || exit 1
[ "${NOJQ-}" = 1 ] && _lbctl_jq=
COMP_WORDBREAKS=$' \t\n"\'@><=;|&(:'
line=$1
wb=${COMP_WORDBREAKS//[[:space:]]/}
# Split like bash: blanks separate words, a run of break characters is a
# word of its own, the word under the cursor is last (maybe empty).
words=() tok="" last=""
for ((i = 0; i < ${#line}; i++)); do
	c=${line:i:1}
	if [[ $c == [[:space:]] ]]; then
		[ -n "$tok" ] && words+=("$tok")
		tok="" last=""
		continue
	fi
	if [[ $wb == *"$c"* ]]; then cls=b; else cls=w; fi
	if [ -n "$tok" ] && [ "$cls" != "$last" ]; then
		words+=("$tok")
		tok=""
	fi
	tok+=$c last=$cls
done
words+=("$tok")
COMP_WORDS=("${words[@]}")
COMP_CWORD=$((${#words[@]} - 1))
COMP_LINE=$line
COMP_POINT=${#line}
COMPREPLY=()
_lbctl
# Readline replaces the text after the last blank or break character.
head=$line
while [ -n "$head" ] && [[ ${head: -1} != [[:space:]] && $wb != *"${head: -1}"* ]]; do
	head=${head%?}
done
for r in "${COMPREPLY[@]}"; do
	full="$head$r"
	printf '%s\t%s\n' "$r" "${full##*[[:space:]]}"
done
EOF
chmod 644 "$TMP/runner.sh"

export XLB_PIN_DIR=$PIN
PATH_LB="$TMP/bin:$PATH"	# "lbctl" as typed, found in PATH
ERRS="$TMP/stderr"
: >"$ERRS"

# comp LINE: the completion's words (field 1) or, with WORDS=1, the words
# readline makes (field 2); sorted, on one line. Its stderr goes to $ERRS.
comp() {
	local f=1

	[ "${WORDS-}" = 1 ] && f=2
	${RUN_AS-} env PATH="$PATH_LB" bash "$TMP/runner.sh" "$1" 2>>"$ERRS" </dev/null |
		cut -f "$f" | sort | tr '\n' ' ' | sed 's/ $//'
}
# expect "WANT (sorted, space separated)" LINE: completion words as they are.
expect() {
	local got
	got=$(comp "$2")
	if [ "$got" = "$1" ]; then ok "complete '$2' -> '$1'"; else
		ko "complete '$2'" "got '$got'" "want '$1'"; fi
}
# expect_words "WANT" LINE: the words on the command line after completing.
expect_words() {
	local got
	got=$(WORDS=1 comp "$2")
	if [ "$got" = "$1" ]; then ok "complete '$2' makes '$1'"; else
		ko "complete '$2' (words made)" "got '$got'" "want '$1'"; fi
}
# stderr_clean DESC: nothing printed on stderr since the last call.
stderr_clean() {
	if [ -s "$ERRS" ]; then ko "$1: nothing on stderr" "$(head -c 300 "$ERRS")"; else
		ok "$1: nothing on stderr"; fi
	: >"$ERRS"
}

L=$TMP/bin/lbctl	# typed as a path: the completion runs that lbctl

# ---- static words (no state at all yet) ----------------------------------------
expect "agent backend config conn decap help prog stats vip" "lbctl "
expect "decap" "lbctl -j de"
expect "add del drain help set show" "lbctl b "
expect "tcp udp" "lbctl vip show "
expect "count interval tcp udp" "lbctl stats watch "
expect "limit tcp udp" "lbctl conn show "

# ---- no state: static words, live slots empty, silent --------------------------
for dir in "$PIN" "$PIN-empty"; do
	[ "$dir" = "$PIN-empty" ] && mkdir "$dir"
	what="no state"
	[ -d "$dir" ] && what="empty pin dir"
	XLB_PIN_DIR=$dir
	expect "tcp udp" "$L vip del "
	expect "" "lbctl vip show tcp "
	expect "" "$L vip set udp 198"
	expect "" "$L backend del tcp 198.18.0.10:80 "
	expect "count interval" "$L stats watch tcp 198.18.0.10:80 "
	expect "maglev random rr sh" "$L vip set tcp 198.18.0.10:80 sched "
	stderr_clean "$what ($dir)"
done
XLB_PIN_DIR=$PIN
rmdir "$PIN-empty"

# ---- live state ----------------------------------------------------------------------
setup_ok=1
for a in "vip add tcp 198.18.0.10:80" "vip add tcp [fd00::10]:443" "vip add udp 198.18.0.10:53" \
	"backend add tcp 198.18.0.10:80 198.18.1.10" "backend add tcp 198.18.0.10:80 198.18.1.11" \
	"backend add tcp [fd00::10]:443 fd00::1:10"; do
	# shellcheck disable=SC2086 # one command a string
	out=$("$LBCTL" $a 2>&1) || { ko "setup: lbctl $a" "$out"; setup_ok=0; }
done
[ "$setup_ok" = 1 ] && ok "setup: 3 VIPs, 3 backends in $PIN without attaching"

V4=198.18.0.10:80
V6="[fd00::10]:443"
expect "$V4 $V6" "$L vip show tcp "
expect "$V4 $V6" "lbctl vip show tcp "
expect "198.18.0.10:53" "$L vip show udp "
for c in "vip del" "vip set" "backend add" "backend show" "backend set" "backend drain" \
	"backend del" "stats show" "stats watch" "conn show"; do
	expect "$V4 $V6" "$L $c tcp "
done
expect "" "$L vip add tcp "
expect "" "$L vip show sctp "
# ':' splits words in bash: the reply drops what precedes the last ':' and
# readline's word is the whole VIP.
expect "80" "$L vip del tcp 198.18.0.10:"
expect_words "$V4" "$L vip del tcp 198.18.0.10:"
expect_words "$V4" "$L vip set tcp 198"
expect_words "$V6" "$L vip set tcp [fd"
expect_words "$V6" "$L vip set tcp [fd00::"
expect "443" "$L vip set tcp [fd00::10]:4"
expect_words "$V6" "$L vip set tcp [fd00::10]:4"
expect_words "198.18.0.10:53" "$L stats show udp 198.18.0.10:"
# A VIP with ':' counts as one word: the keywords after it still complete.
expect "ring sched" "$L vip set tcp $V4 "
expect "1021 1048573 131071 16381 262139 4093 524287 65537" "$L vip set tcp $V6 ring "
expect "count interval" "$L stats watch tcp $V6 "
expect "" "$L vip show tcp $V4 "
expect "limit" "$L conn show tcp $V6 "

# Backends of the VIP.
expect "198.18.1.10 198.18.1.11" "$L backend set tcp $V4 "
expect "198.18.1.10 198.18.1.11" "$L backend drain tcp $V4 198.18.1"
expect "198.18.1.11" "$L backend del tcp $V4 198.18.1.11"
expect "fd00::1:10" "$L backend del tcp $V6 "
expect_words "fd00::1:10" "$L backend drain tcp $V6 fd00::1:"
expect_words "fd00::1:10" "$L backend set tcp $V6 fd00"
expect "" "$L backend set udp 198.18.0.10:53 "
expect "" "$L backend add tcp $V4 "
expect "state weight" "$L backend set tcp $V4 198.18.1.10 "
expect "active draining standby" "$L backend set tcp $V6 fd00::1:10 state "
expect "" "$L backend del tcp $V4 198.18.1.10 "

# Without jq: the bash parser gives the same words.
got=$(NOJQ=1 comp "$L vip show tcp ")
if [ "$got" = "$V4 $V6" ]; then ok "without jq: live VIPs"; else
	ko "without jq: live VIPs" "got '$got'"; fi
got=$(NOJQ=1 WORDS=1 comp "$L backend drain tcp $V6 fd00::1:")
if [ "$got" = "fd00::1:10" ]; then ok "without jq: live backends"; else
	ko "without jq: live backends" "got '$got'"; fi
stderr_clean "live state"

# Live, not cached: a deleted VIP is no longer offered.
if "$LBCTL" vip del tcp "$V6" >/dev/null 2>&1; then
	expect "$V4" "$L vip show tcp "
	expect "" "$L backend set tcp $V6 "
else
	ko "lbctl vip del tcp $V6"
fi

# ---- failures with state present: silent, static words ------------------------------
# No root: lbctl cannot open the 0600 pins.
RUN_AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
expect "" "$L vip show tcp "
expect "" "lbctl backend set tcp $V4 "
expect "state weight" "$L backend set tcp $V4 198.18.1.10 "
expect "tcp udp" "$L stats show "
RUN_AS=
stderr_clean "no root"
# No lbctl to run: the typed path does not exist, nor lbctl in PATH.
expect "" "/nonexistent/lbctl vip show tcp "
PATH_LB=$PATH
if ! command -v lbctl >/dev/null; then expect "" "lbctl vip show tcp "; fi
PATH_LB="$TMP/bin:$PATH"
expect "tcp udp" "/nonexistent/lbctl vip del "
stderr_clean "no lbctl"
# An lbctl that complains on stderr and fails, or prints non-JSON and
# succeeds, or hangs (bounded by the completion's timeout).
for f in fail garbage hang; do
	mkdir -p "$TMP/$f"
	case $f in
	fail)	printf '#!/bin/sh\necho "Error: no state" >&2\necho "{\\"error\\": 1}"\nexit 1\n' ;;
	garbage) printf '#!/bin/sh\necho "warning: odd" >&2\necho "{not json"\n' ;;
	hang)	printf '#!/bin/sh\nexec sleep 10\n' ;;
	esac >"$TMP/$f/lbctl"
	chmod 755 "$TMP/$f" "$TMP/$f/lbctl"
	start=$(date +%s%N)
	expect "" "$TMP/$f/lbctl vip show tcp "
	ms=$((($(date +%s%N) - start) / 1000000))
	expect "" "$TMP/$f/lbctl backend del tcp $V4 "
	expect "state weight" "$TMP/$f/lbctl backend set tcp $V4 198.18.1.10 "
	if [ "$f" != hang ]; then
		got=$(NOJQ=1 comp "$TMP/$f/lbctl vip show tcp ")
		if [ -z "$got" ]; then ok "without jq, $f lbctl: nothing"; else
			ko "without jq, $f lbctl: nothing" "got '$got'"; fi
	elif [ "$ms" -lt 4000 ]; then
		ok "hanging lbctl: completion gives up after $ms ms"
	else
		ko "hanging lbctl: completion gives up" "$ms ms"
	fi
	stderr_clean "$f lbctl"
done
# Fast: one failing completion well under a second (lbctl is not retried).
XLB_PIN_DIR=$PIN-none
start=$(date +%s%N)
comp "$L backend set tcp $V4 " >/dev/null
ms=$((($(date +%s%N) - start) / 1000000))
if [ "$ms" -lt 1000 ]; then ok "failing completion takes $ms ms"; else
	ko "failing completion is fast" "$ms ms"; fi
XLB_PIN_DIR=$PIN

# ---- interfaces ------------------------------------------------------------------
want=$(for d in /sys/class/net/*; do echo "${d##*/}"; done | sort | tr '\n' ' ' | sed 's/ $//')
expect "$want" "lbctl prog attach "
expect "$want" "lbctl prog detach "
expect "$want" "lbctl decap show "
expect "lo" "lbctl prog attach l"
# In a namespace of our own (sysfs remounted in a private mount namespace,
# as the namespace's tools see it): its devices, not the host's.
if ip netns add "$NS" && ip -n "$NS" link add xcpa$ID type veth peer name xcpb$ID; then
	# shellcheck disable=SC2016 # expanded by the inner sh
	got=$(nsenter --net=/run/netns/"$NS" unshare --mount sh -c \
		'mount -t sysfs sysfs /sys && exec env PATH="$1" bash "$2" "lbctl prog attach "' \
		sh "$PATH_LB" "$TMP/runner.sh" 2>>"$ERRS" | cut -f 1 | sort | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "lo xcpa$ID xcpb$ID" ]; then ok "interfaces of a namespace: $got"; else
		ko "interfaces of a namespace" "got '$got'" "want 'lo xcpa$ID xcpb$ID'"; fi
else
	ko "setup: namespace $NS with a veth pair"
fi
stderr_clean "interfaces"

finish
