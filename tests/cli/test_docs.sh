#!/bin/bash
# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# The README's command list and lbctl's help must not drift: every
# "lbctl OBJECT COMMAND" in any object's help synopsis appears in README.md,
# and every "lbctl OBJECT COMMAND" line in the README's command block is a
# command lbctl knows. The man pages (lbctl.8, xlbd.8) render without
# warnings and document every command and option; the bash completion
# (lbctl.bash) offers every object, command, keyword and value of the help
# synopses, and completes real command lines in bash (COMP_WORDS/COMP_CWORD).
# shellcheck disable=SC1090 # sources the completion under test
set -u
cd "$(dirname "$0")/../.." || exit 1
LBCTL=build/lbctl
pass=0 fail=0
ok() { pass=$((pass + 1)); }
nok() { echo "FAIL - $*"; fail=$((fail + 1)); }

[ -x "$LBCTL" ] || { echo "FAIL - $LBCTL not built"; echo "0 passed, 1 failed"; exit 1; }
objects=$("$LBCTL" help | sed -n 's/^OBJECT := { \(.*\) }$/\1/p' | tr -d '|')
[ -n "$objects" ] || nok "lbctl help lists no OBJECT := { ... } line"

known=""
for o in $objects; do
	syn=$("$LBCTL" "$o" help | sed -n 's/^\(Usage:\)\{0,1\} *\(lbctl [a-z]* [a-z]*\).*/\2/p' | sort -u)
	[ -n "$syn" ] || nok "lbctl $o help has no synopsis"
	while read -r l; do
		[ -z "$l" ] && continue
		known="$known|$l"
		case $l in *" help") continue ;; esac
		if grep -qF "$l" README.md; then ok; else nok "README.md does not document '$l'"; fi
	done <<<"$syn"
done

# README command block -> lbctl (the block after "VIP := " in "Using lbctl").
while read -r l; do
	if [[ "|$known|" == *"|$l|"* ]]; then ok; else nok "README.md documents '$l', which lbctl's help does not list"; fi
done < <(awk '/^## Using lbctl/ { on = 1 } on && /^```$/ { n++; if (n == 2) exit } on && n == 1 && /^lbctl [a-z]+ [a-z]+/ { print $1, $2, $3 }' README.md | sort -u)

# ---- lbctl.8, lbctl.bash, xlbd.8 ---------------------------------------------
# LBCTL_MAN, LBCTL_COMP and XLBD_MAN name other copies (to show a check fails).
MAN8=${LBCTL_MAN:-user/lbctl/lbctl.8}
COMP=${LBCTL_COMP:-user/lbctl/lbctl.bash}
XMAN8=${XLBD_MAN:-user/xlbd/xlbd.8}
XLBD=build/xlbd

# The man page's text with font escapes and "\-" undone, for grep -F.
man_text() { sed -e 's/\\f[BIRP]//g' -e 's/\\-/-/g' "$1"; }
# Run the completion in a subshell: comp WORD... (the last word is the one
# being completed); prints COMPREPLY, one word a line, sorted.
comp() {
	(
		set +u
		. "$COMP" || exit 1
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMPREPLY=()
		_lbctl
		printf '%s\n' "${COMPREPLY[@]}" | sed '/^$/d' | sort
	)
}
comp_var() { (set +u; . "$COMP" >/dev/null 2>&1; eval "echo \"\$$1\""); }
comp_fn() { (set +u; . "$COMP" >/dev/null 2>&1; "$@"); }
has_word() { [[ " $(echo $1) " == *" $2 "* ]]; }	# has_word LIST WORD

for f in "$MAN8" "$XMAN8"; do
	if [ ! -f "$f" ]; then nok "$f missing"; continue; fi
	w=$(groff -man -ww -z "$f" 2>&1)
	if [ -z "$w" ]; then ok; else nok "groff -ww warns on $f: $w"; fi
	w=$(MANWIDTH=80 man --warnings -l "$f" 2>&1 >/dev/null)
	if [ -z "$w" ]; then ok; else nok "man --warnings warns on $f: $w"; fi
	n=$(MANWIDTH=80 man -l "$f" 2>/dev/null | awk 'length > 80' | wc -l)
	if [ "$n" = 0 ]; then ok; else nok "$f renders $n line(s) wider than 80 columns"; fi
done
if bash -n "$COMP" 2>/dev/null && [ -n "$(comp_var _lbctl_objects)" ]; then ok; else
	nok "$COMP does not source or has no _lbctl_objects"; fi

if [[ $( (. "$COMP" && complete -p lbctl) 2>&1) == *"-F _lbctl lbctl"* ]]; then ok; else
	nok "$COMP does not register 'complete -F _lbctl lbctl'"; fi

mantext=$(man_text "$MAN8")
comp_objs=$(comp_var _lbctl_objects)
comp_opts=$(comp_var _lbctl_options)
values=""	# every value the completion offers for any keyword of any command
for o in $objects; do
	has_word "$comp_objs" "$o" && ok || nok "$COMP: object '$o' not in _lbctl_objects"
	if grep -qE "^\.SS $o " "$MAN8"; then ok; else nok "$MAN8: no .SS section for object '$o'"; fi
	cmds=$(comp_fn _lbctl_cmds "$o")
	help=$("$LBCTL" "$o" help)
	lines=$(sed -n 's/^\(Usage:\)\{0,1\} *\(lbctl [a-z]* [a-z]*.*\)/\2/p' <<<"$help")
	helpcmds=""
	while read -r l; do
		[ -z "$l" ] && continue
		set -- $l
		c=$3 helpcmds="$helpcmds $3"
		has_word "$cmds" "$c" && ok || nok "$COMP: '$c' not in the commands of '$o' ($cmds)"
		[ "$c" = help ] && continue
		if grep -qF "lbctl $o $c" <<<"$mantext"; then ok; else nok "$MAN8 does not document 'lbctl $o $c'"; fi
		spec=$(comp_fn _lbctl_spec "$o" "$c")
		kws=${spec#*|} vals=""
		for k in $kws; do vals="$vals $(comp_fn _lbctl_values "$c" "$k")"; done
		values="$values $vals"
		# Lower-case words after OBJECT COMMAND are keywords or their values.
		for t in $(shift 3; echo "$@" | tr -c 'a-z0-9-\n' ' '); do
			[[ $t =~ ^[a-z][a-z-]*$ ]] || continue
			if has_word "$kws" "$t" || has_word "$vals" "$t"; then ok; else
				nok "$COMP: keyword '$t' of 'lbctl $o $c' is not completed (keywords: $kws)"
			fi
		done
	done <<<"$lines"
	for c in $cmds; do
		has_word "$helpcmds" "$c" && ok || nok "$COMP: '$o $c' is not a command in lbctl's help"
	done
	# "NAME := { a | b }": every value is completed somewhere.
	while read -r l; do
		[ -z "$l" ] && continue
		for t in $(tr '|' ' ' <<<"$l"); do
			if has_word "$values $comp_objs help tcp udp" "$t"; then ok; else
				nok "$COMP: value '$t' of '$o help' is never completed"
			fi
		done
	done < <(sed -n 's/^[A-Z]* := { \([^}]*\) }.*/\1/p' <<<"$help")
done
# Global options: the completion and the man page know every one in the help.
for t in $("$LBCTL" help | sed -n 's/^OPTIONS := { \(.*\) }$/\1/p' | tr '|' ' '); do
	has_word "$comp_opts" "$t" && ok || nok "$COMP: option '$t' not in _lbctl_options"
	if grep -qE -- "(^| )$t([ ,]|$)" <<<"$mantext"; then ok; else nok "$MAN8 does not document option '$t'"; fi
done
# xlbd.8 knows every option of xlbd --help.
if [ -x "$XLBD" ]; then
	for t in $("$XLBD" --help 2>&1 | grep -oE -- '(^| )--?[a-z]+' | sort -u); do
		if grep -qE -- "(^| )$t([ ,]|$)" <<<"$(man_text "$XMAN8")"; then ok; else
			nok "$XMAN8 does not document option '$t'"; fi
	done
fi

# The completion itself, in bash, with COMP_WORDS/COMP_CWORD.
tmpd=$(mktemp -d /tmp/xlb-docs-$$.XXXXXX)
trap 'rm -rf "$tmpd"' EXIT INT TERM
touch "$tmpd/xlb-one.conf" "$tmpd/xlb-two.conf"
expect() {	# expect "WANT (space separated, sorted)" WORD...
	local want=$1 got
	shift
	got=$(comp "$@" | tr '\n' ' ' | sed 's/ $//')
	if [ "$got" = "$want" ]; then ok; else nok "complete '$*': got '$got', want '$want'"; fi
}
expect_has() {	# expect_has WANTED-WORD WORD...
	local want=$1
	shift
	if comp "$@" | grep -qxF -- "$want"; then ok; else nok "complete '$*': '$want' missing"; fi
}
expect "agent backend config conn decap help prog stats vip" lbctl ""
expect "--debug --help --json --pretty --version" lbctl --
expect "decap" lbctl -j de
expect "attach detach help show" lbctl -p prog ""
expect "add del drain help set show" lbctl backend ""
expect "add del drain help set show" lbctl b ""
expect "auto generic native" lbctl prog attach lo mode ""
expect "keep-pins" lbctl prog detach lo ""
expect "tcp udp" lbctl vip add ""
expect "ring sched" lbctl vip add tcp 198.18.0.10:80 ""
expect "maglev random rr sh" lbctl vip add tcp 198.18.0.10:80 sched ""
expect "1021 1048573 131071 16381 262139 4093 524287 65537" lbctl vip set udp "[fd00::10]:53" ring ""
expect "ring" lbctl v a tcp 198.18.0.10:80 sched rr ""
expect "tcp udp" lbctl v s ""
expect "state weight" lbctl backend add tcp 198.18.0.10:80 198.18.1.10 ""
expect "active standby" lbctl backend add tcp 198.18.0.10:80 198.18.1.10 state ""
expect "active draining standby" lbctl backend set tcp 198.18.0.10:80 198.18.1.10 state ""
expect "" lbctl backend set tcp 198.18.0.10:80 198.18.1.10 weight ""
expect "count interval tcp udp" lbctl stats watch ""
expect "count" lbctl stats watch interval 2 ""
expect "limit tcp udp" lbctl conn show ""
expect "dir" lbctl agent show ""
expect "addr mode" lbctl decap attach lo ""
expect "addr" lbctl decap attach lo mode generic ""
expect "" lbctl help ""
expect "" lbctl nosuchobject ""
expect_has lo lbctl prog attach ""
expect_has lo lbctl decap show ""
expect "$tmpd/xlb-one.conf $tmpd/xlb-two.conf" lbctl config load "$tmpd/xlb-"
expect "$tmpd/xlb-one.conf" lbctl config save "$tmpd/xlb-o"
expect "$tmpd" lbctl agent show dir "$tmpd"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
