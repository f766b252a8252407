# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# bash completion for lbctl(8). Install as
# $(PREFIX)/share/bash-completion/completions/lbctl.
# The tables below follow "lbctl OBJECT help"; tests/cli/test_docs.sh checks
# that every command and keyword of the help synopses is here.
# shellcheck disable=SC2207 # COMPREPLY=($(compgen ...)) is the idiom

_lbctl_objects="prog vip backend stats conn config decap agent"
_lbctl_options="-j -p -d -h -V --json --pretty --debug --help --version"

# Commands of OBJECT.
_lbctl_cmds()
{
	case $1 in
	prog)		echo "attach detach show help" ;;
	vip)		echo "add set del show help" ;;
	backend)	echo "add set drain del show help" ;;
	stats)		echo "show watch help" ;;
	conn)		echo "show help" ;;
	config)		echo "save load help" ;;
	decap)		echo "attach detach show help" ;;
	agent)		echo "show help" ;;
	esac
}

# "POSITIONALS|KEYWORDS" of OBJECT COMMAND. Positionals: dev (interface),
# proto (tcp/udp, the start of a VIP), addr (ADDR:PORT or ADDR), file, and a
# trailing "?" for an optional one.
_lbctl_spec()
{
	case "$1 $2" in
	"prog attach")		echo "dev|mode" ;;
	"prog detach")		echo "dev|keep-pins" ;;
	"vip add"|"vip set")	echo "proto addr|sched ring" ;;
	"vip del")		echo "proto addr|" ;;
	"vip show")		echo "proto? addr|" ;;
	"backend add"|"backend set")	echo "proto addr addr|weight state" ;;
	"backend drain"|"backend del")	echo "proto addr addr|" ;;
	"backend show")		echo "proto? addr|" ;;
	"stats show")		echo "proto? addr|" ;;
	"stats watch")		echo "proto? addr|interval count" ;;
	"conn show")		echo "proto? addr|limit" ;;
	"config save")		echo "file?|" ;;
	"config load")		echo "file|" ;;
	"decap attach")		echo "dev|mode addr" ;;
	"decap detach"|"decap show")	echo "dev|" ;;
	"agent show")		echo "|dir" ;;
	*)			echo "|" ;;
	esac
}

# Values of keyword $2 for OBJECT $1; "-" for a keyword without a value.
_lbctl_values()
{
	case $2 in
	sched)		echo "maglev sh rr random" ;;
	ring)		echo "1021 4093 16381 65537 131071 262139 524287 1048573" ;;
	mode)		echo "native generic auto" ;;
	state)		if [ "$1" = add ]; then echo "active standby"
			else echo "active draining standby"; fi ;;
	keep-pins)	echo "-" ;;
	*)		echo "" ;;	# weight interval count limit addr dir: free
	esac
}

# The one word of list $2 that $1 is a prefix of (lbctl's abbreviations;
# "s" is "show" wherever show exists).
_lbctl_expand()
{
	local w m="" n=0

	[ "$1" = s ] && [[ " $2 " == *" show "* ]] && { echo show; return; }
	for w in $2; do
		[ "$w" = "$1" ] && { echo "$w"; return; }
		[[ $w == "$1"* ]] && { m=$w; n=$((n + 1)); }
	done
	[ $n = 1 ] && echo "$m"
}

_lbctl_devs()
{
	local d

	for d in /sys/class/net/*; do
		[ -e "$d" ] && echo "${d##*/}"
	done
}

_lbctl()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local i obj="" cmd="" ci=0 spec pos kws slot v w npos=0 used=""

	COMPREPLY=()
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [ -z "$obj" ]; then
			[[ $w == -* ]] && continue
			obj=$(_lbctl_expand "$w" "$_lbctl_objects help")
			[ -z "$obj" ] && return 0
		elif [ -z "$cmd" ]; then
			cmd=$(_lbctl_expand "$w" "$(_lbctl_cmds "$obj")")
			ci=$i
			[ -z "$cmd" ] && return 0
		fi
	done

	if [ -z "$obj" ]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "$_lbctl_options" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$_lbctl_objects help" -- "$cur"))
		fi
		return 0
	fi
	[ "$obj" = help ] && return 0
	if [ -z "$cmd" ]; then
		COMPREPLY=($(compgen -W "$(_lbctl_cmds "$obj")" -- "$cur"))
		return 0
	fi
	[ "$cmd" = help ] && return 0

	spec=$(_lbctl_spec "$obj" "$cmd")
	pos=${spec%%|*}
	kws=${spec#*|}

	# The word before the cursor is a keyword that takes a value.
	if [ "$ci" -lt $((COMP_CWORD - 1)) ] && [[ " $kws " == *" $prev "* ]]; then
		v=$(_lbctl_values "$cmd" "$prev")
		if [ "$v" != - ]; then
			case $prev in
			dir)	compopt -o filenames 2>/dev/null
			COMPREPLY=($(compgen -d -- "$cur")) ;;
			*)	COMPREPLY=($(compgen -W "$v" -- "$cur")) ;;
			esac
			return 0
		fi
	fi

	# Count the positionals given so far, skipping keyword/value pairs.
	for ((i = ci + 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		if [[ " $kws " == *" $w "* ]]; then
			used="$used $w"
			[ "$(_lbctl_values "$cmd" "$w")" != - ] && i=$((i + 1))
		else
			npos=$((npos + 1))
		fi
	done
	# Keywords not used yet (addr is repeatable).
	v=""
	for w in $kws; do
		[[ " $used " == *" $w "* && $w != addr ]] || v="$v $w"
	done

	set -- $pos
	if [ "$npos" -lt $# ]; then
		shift "$npos"
		slot=$1
		# lbctl takes an optional VIP only before the keywords.
		if [[ $slot == *\? && -n $used ]]; then
			COMPREPLY=($(compgen -W "$v" -- "$cur"))
			return 0
		fi
		case ${slot%\?} in
		dev)	COMPREPLY=($(compgen -W "$(_lbctl_devs)" -- "$cur")) ;;
		proto)	COMPREPLY=($(compgen -W "tcp udp" -- "$cur")) ;;
		file)	compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur")) ;;
		addr)	;;
		esac
		# An optional positional: the keywords may come instead.
		[[ $slot == *\? ]] && COMPREPLY+=($(compgen -W "$v" -- "$cur"))
		return 0
	fi
	COMPREPLY=($(compgen -W "$v" -- "$cur"))
	return 0
}

complete -F _lbctl lbctl
