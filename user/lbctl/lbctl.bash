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
	conn)		echo "show table resize limit help" ;;
	config)		echo "save load help" ;;
	decap)		echo "attach detach show help" ;;
	agent)		echo "show help" ;;
	esac
}

# "POSITIONALS|KEYWORDS" of OBJECT COMMAND. Positionals: dev (interface),
# proto (tcp/udp, the start of a VIP), vip (ADDR:PORT of a live VIP of that
# proto), be (address of a live backend of that VIP), addr (a new ADDR:PORT
# or ADDR: nothing to offer), entries, rate (numbers: nothing to offer),
# file, and a trailing "?" for an optional one.
_lbctl_spec()
{
	case "$1 $2" in
	"prog attach")		echo "dev|mode conns" ;;
	"prog detach")		echo "dev|keep-pins" ;;
	"vip add")		echo "proto addr|sched ring" ;;
	"vip set")		echo "proto vip|sched ring" ;;
	"vip del")		echo "proto vip|" ;;
	"vip show")		echo "proto? vip|" ;;
	"backend add")		echo "proto vip addr|weight state" ;;
	"backend set")		echo "proto vip be|weight state" ;;
	"backend drain"|"backend del")	echo "proto vip be|" ;;
	"backend show")		echo "proto? vip|" ;;
	"stats show")		echo "proto? vip|" ;;
	"stats watch")		echo "proto? vip|interval count" ;;
	"conn show")		echo "proto? vip|limit" ;;
	"conn resize")		echo "entries|" ;;
	"conn limit")		echo "rate|" ;;
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

# ---- live state ----------------------------------------------------------------
# Like bpftool's map/prog ids: VIPs and backends come from "lbctl -j ... show".
# Without root or pinned state lbctl fails: then nothing is offered and
# nothing is printed (stderr and stdin go to /dev/null, and a bounded time).
_lbctl_jq=$(type -P jq)
_lbctl_timeout=$(type -P timeout)

# The lbctl being completed (words[0] if it is a runnable path), else nothing.
_lbctl_bin()
{
	if [[ $1 == */* ]]; then
		[[ -f $1 && -x $1 ]] && echo "$1"
	else
		type -P -- "$1" || type -P lbctl
	fi
}

# _lbctl_json LBCTL ARGS...: "LBCTL -j ARGS" in at most 2 s, silently.
_lbctl_json()
{
	local bin=$1

	shift
	[ -n "$bin" ] || return 1
	if [ -n "$_lbctl_timeout" ]; then
		"$_lbctl_timeout" -k 1 2 "$bin" -j "$@" </dev/null 2>/dev/null
	else
		"$bin" -j "$@" </dev/null 2>/dev/null
	fi
}

# Every string value of key $1 in the JSON text $2 (no jq: lbctl's strings
# never hold a quote or a backslash).
_lbctl_json_strings()
{
	local s=$2 re="\"$1\"[[:space:]]*:[[:space:]]*\"([^\"\\\\]*)\""

	while [[ $s =~ $re ]]; do
		echo "${BASH_REMATCH[1]}"
		s=${s#*"${BASH_REMATCH[0]}"}
	done
}

# The live VIPs of protocol $2 as ADDRESS:PORT ([IPv6]:PORT), one a line.
_lbctl_live_vips()
{
	local out w

	[[ $2 == tcp || $2 == udp ]] || return 0
	out=$(_lbctl_json "$1" vip show) || return 0
	if [ -n "$_lbctl_jq" ]; then
		# shellcheck disable=SC2016 # $p is jq's
		"$_lbctl_jq" -r --arg p "$2" '.vips[]? | select(.proto == $p) |
			if (.address | contains(":")) then "[\(.address)]:\(.port)"
			else "\(.address):\(.port)" end' <<<"$out" 2>/dev/null
		return 0
	fi
	# "vip" is "PROTO ADDRESS:PORT" (README, JSON output).
	while read -r w; do
		[[ $w == "$2 "* ]] && echo "${w#"$2 "}"
	done < <(_lbctl_json_strings vip "$out")
}

# The addresses of the live backends of VIP "$2 $3", one a line.
_lbctl_live_backends()
{
	local out

	[[ $2 == tcp || $2 == udp ]] && [ -n "$3" ] || return 0
	out=$(_lbctl_json "$1" backend show "$2" "$3") || return 0
	if [ -n "$_lbctl_jq" ]; then
		"$_lbctl_jq" -r '.backends[]?.address // empty' <<<"$out" 2>/dev/null
	else
		_lbctl_json_strings address "$out"
	fi
}

# COMPREPLY+= the lines of stdin that start with $1. Not compgen -W: it
# expands its words, and "[fd00::10]:443" is a glob.
_lbctl_reply_lines()
{
	local w

	while IFS= read -r w; do
		[[ -n $w && $w == "$1"* ]] && COMPREPLY+=("$w")
	done
}

_lbctl()
{
	local cur prev words cword
	local i obj="" cmd="" ci=0 spec pos kws slot v w npos=0 used="" posw=()

	# ':' breaks words in bash: rejoin "198.18.0.10:80" and "[fd00::10]:443"
	# with bash-completion's helper (the installed location needs it loaded).
	if [ -n "${COMP_LINE-}" ] && declare -F _get_comp_words_by_ref >/dev/null; then
		_get_comp_words_by_ref -n : cur prev words cword
	else
		words=("${COMP_WORDS[@]}")
		cword=$COMP_CWORD
		cur=${words[cword]}
		prev=${words[cword - 1]}
	fi

	COMPREPLY=()
	for ((i = 1; i < cword; i++)); do
		w=${words[i]}
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
	if [ "$ci" -lt $((cword - 1)) ] && [[ " $kws " == *" $prev "* ]]; then
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

	# Collect the positionals given so far, skipping keyword/value pairs.
	for ((i = ci + 1; i < cword; i++)); do
		w=${words[i]}
		if [[ " $kws " == *" $w "* ]]; then
			used="$used $w"
			[ "$(_lbctl_values "$cmd" "$w")" != - ] && i=$((i + 1))
		else
			posw+=("$w")
			npos=$((npos + 1))
		fi
	done
	# Keywords not used yet (addr is repeatable).
	v=""
	for w in $kws; do
		[[ " $used " == *" $w "* && $w != addr ]] || v="$v $w"
	done

	# shellcheck disable=SC2086 # a list of words
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
		vip)	_lbctl_reply_lines "$cur" < <(_lbctl_live_vips \
				"$(_lbctl_bin "${words[0]}")" "${posw[0]}") ;;
		be)	_lbctl_reply_lines "$cur" < <(_lbctl_live_backends \
				"$(_lbctl_bin "${words[0]}")" "${posw[0]}" "${posw[1]}") ;;
		file)	compopt -o filenames 2>/dev/null
		COMPREPLY=($(compgen -f -- "$cur")) ;;
		addr|entries|rate)	;;
		esac
		# An optional positional: the keywords may come instead.
		[[ $slot == *\? ]] && COMPREPLY+=($(compgen -W "$v" -- "$cur"))
	else
		COMPREPLY=($(compgen -W "$v" -- "$cur"))
	fi
	# Readline replaces only the text after the last ':' of the word (when
	# called with COMP_WORDS alone, as by tests, the words are whole).
	[ -n "${COMP_LINE-}" ] || return 0
	if declare -F __ltrim_colon_completions >/dev/null; then
		__ltrim_colon_completions "$cur"
	elif [[ $cur == *:* && $COMP_WORDBREAKS == *:* ]]; then
		w=${cur%"${cur##*:}"}
		for i in "${!COMPREPLY[@]}"; do
			COMPREPLY[i]=${COMPREPLY[i]#"$w"}
		done
	fi
	return 0
}

complete -F _lbctl lbctl
