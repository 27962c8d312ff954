# SPDX-License-Identifier: GPL-2.0
#
# Shared part of the netem_*.sh tests (sourced, not a test): bulk
# transfers between the two namespaces of conn_veth_lib.sh (A: va
# 10.0.0.1, clients; B: vb 10.0.0.2, servers) while netem impairs the veth
# pair in both directions (data one way, ACKs the other), with TSO, GSO
# and GRO off on both ends so that netem sees every segment.
#
# netem_condition runs one condition: eight transfers of $NETEM_SIZE
# (32 MiB) at once, on ports of their own, each checked by SHA-256 against
# the generator's stream:
#
#   inet -> inet    stock TCP, the reference: the condition is survivable
#   xtcp -> xtcp    XTCP at both ends
#   xtcp -> inet    XTCP client, stock server
#   inet -> xtcp    stock client, XTCP server
#
# each with the client sending ("up": `send` to a serve-sink) and the
# server sending ("down": serve-send to a `recv`).  Running them together
# is sound: netem decides per packet, whichever flow it belongs to, and
# the flows never share a socket; the counters are checked per stack and
# per namespace (XTCP's in /proc/net/xtcp_stat, stock TCP's in
# /proc/net/snmp), where each namespace holds senders and receivers of
# both stacks.  A transfer that stalls ends at the condition's time limit
# (the tool's --timeout) and fails; so a whole condition takes at most
# that long.
#
# netem's queue holds NETEM_LIMIT (10000) packets, far above what these
# flows keep in flight, so that netem drops only what the condition says;
# a condition with a long delay adds a rate, which makes the link the
# bottleneck rather than the TCG guest's CPU.
#
# After each condition, counters that must have moved:
#   loss      RetransSegs, XTCP's and stock TCP's, in A and in B (each
#             namespace holds senders of both stacks)
#   corrupt   InCsumErrors, XTCP's and stock TCP's, in A and in B (netem
#             flips a bit of the linear part of the skb, a whole segment
#             for XTCP's linear skbs, the headers for stock TCP's paged
#             ones; IP header hits are dropped by IP instead)
# and the non-zero deltas of XTCP's counters are listed.
#
# Environment: NETEM_SIZE (32M), XTCP_NETEM_TO_SCALE (1: scales every
# condition's time limit, e.g. 3 on the debug kernel), NETEM_GSO (set:
# leave gso_max_segs alone, so that netem sees GSO super-packets, and
# the receivers the segments cut from them after the qdisc).

. "$(dirname "$0")/conn_veth_lib.sh"

NETEM_SIZE=${NETEM_SIZE:-32M}
NETEM_LIMIT=10000
netem_port=7100
netem_sum=
netem_bytes=
netem_ok=

# ctr_snap NS FILE: the namespace's stock and XTCP counters, raw
ctr_snap() {
	in_ns "$1" cat /proc/net/snmp /proc/net/xtcp_stat >"$2" 2>/dev/null
}

# ctr FILE x|s NAME: counter NAME of XTCP (x) or stock TCP (s) in FILE
ctr() {
	local w v n=() i
	if [ "$2" = x ]; then
		while read -r w v _; do
			[ "$w" = "$3" ] && [ -n "$v" ] && [[ $v != *[!0-9]* ]] &&
				{ echo "$v"; return; }
		done <"$1"
		echo 0
		return
	fi
	# /proc/net/snmp: "Tcp: names..." then "Tcp: values..."
	while read -r w v; do
		[ "$w" = Tcp: ] || continue
		if [ ${#n[@]} -eq 0 ]; then
			read -r -a n <<<"$v"
			continue
		fi
		read -r -a v <<<"$v"
		for ((i = 0; i < ${#n[@]}; i++)); do
			[ "${n[i]}" = "$3" ] && { echo "${v[i]}"; return; }
		done
		break
	done <"$1"
	echo 0
}

# ctr_delta BEFORE AFTER x|s NAME
ctr_delta() {
	echo $(($(ctr "$2" "$3" "$4") - $(ctr "$1" "$3" "$4")))
}

# xtcp_deltas BEFORE AFTER: XTCP's counters that moved, "Name+N ..."
xtcp_deltas() {
	local w v d out=
	while read -r w v _; do
		[ -n "$v" ] && [[ $v != *[!0-9]* ]] && [[ $w =~ ^[A-Z][A-Za-z]+$ ]] || continue
		d=$((v - $(ctr "$1" x "$w")))
		[ "$d" -ne 0 ] && out+="$w+$d "
	done < <(grep -E '^[A-Z][A-Za-z]+ [0-9]+$' "$2")
	echo "${out:-none}"
}

netem_set() { # netem_set ARGS...: the same netem qdisc on va and vb
	in_ns "$nsa" tc qdisc replace dev va root netem "$@" &&
		in_ns "$nsb" tc qdisc replace dev vb root netem "$@"
}

netem_clear() {
	in_ns "$nsa" tc qdisc del dev va root 2>/dev/null
	in_ns "$nsb" tc qdisc del dev vb root 2>/dev/null
}

# Start: namespaces (veth_start), offloads off, netem there?
netem_start() {
	local d
	veth_start
	modprobe sch_netem 2>/dev/null
	for d in "$nsa va" "$nsb vb"; do
		# shellcheck disable=SC2086
		set -- $d
		in_ns "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1
		# GSO off on the device still lets TCP build super-packets
		# (segmented after the qdisc): one segment per skb, so that
		# netem drops, delays and reorders segments, not 64 KiB;
		# unless NETEM_GSO asks for the super-packets
		[ -n "${NETEM_GSO:-}" ] ||
			in_ns "$1" ip link set dev "$2" gso_max_segs 1
	done
	if ! in_ns "$nsa" ethtool -k va | grep -q '^tcp-segmentation-offload: off'; then
		nok "setup: TSO/GSO/GRO off on va and vb (ethtool -K)"
		return
	fi
	if [ -z "${NETEM_GSO:-}" ] &&
	   ! in_ns "$nsb" ip -d link show vb | grep -q 'gso_max_segs 1 '; then
		nok "setup: gso_max_segs 1 on va and vb"
		return
	fi
	if ! netem_set delay 0ms limit "$NETEM_LIMIT"; then
		skip "setup: netem" "no netem qdisc (sch_netem, tc)"
		return
	fi
	netem_clear
	# the generator's digest: known for 32M (hashing costs ~10 s under TCG)
	if [ "$NETEM_SIZE" = 32M ]; then
		netem_sum=0ca233c2b842d6cf3efcc3114dd0570ecb90116342861d324c674b0d8d56f46f
	else
		"$tool" gen --bytes "$NETEM_SIZE" | sha256sum >"$tmp/data.sum"
		read -r netem_sum _ <"$tmp/data.sum"
	fi
	netem_bytes=$(numfmt --from=iec "$NETEM_SIZE")
	netem_ok=1
	local segs=1
	[ -z "${NETEM_GSO:-}" ] || segs="default (GSO super-packets)"
	ok "setup: TSO/GSO/GRO off, gso_max_segs $segs, netem available; $NETEM_SIZE = $netem_bytes bytes, sha256 ${netem_sum:0:16}.."
}

# netem_condition NAME TO NETEM-ARGS...: the eight transfers under netem
# ARGS (plus the limit), each within TO seconds (scaled)
netem_condition() {
	local name=$1 to=$2 t0 i k cf sf dir why o p
	local -a cases=() spid=() cpid=() skips=()
	local ba=$tmp/ctr.a0 bb=$tmp/ctr.b0 aa=$tmp/ctr.a1 ab=$tmp/ctr.b1
	shift 2
	to=$((to * ${XTCP_NETEM_TO_SCALE:-1}))
	if [ -z "$netem_ok" ]; then
		skip "$name: transfers" "no netem"
		return
	fi
	if ! netem_set "$@" limit "$NETEM_LIMIT"; then
		nok "$name: tc qdisc ... netem $* failed"
		return
	fi
	diag "$name: netem $* limit $NETEM_LIMIT on va and vb; 8 transfers of $NETEM_SIZE at once, ${to} s each at most"
	ctr_snap "$nsa" "$ba"
	ctr_snap "$nsb" "$bb"
	for k in "inet inet" "xtcp xtcp" "xtcp inet" "inet xtcp"; do
		for dir in up down; do
			cases+=("${k% *} ${k#* } $dir")
		done
	done
	# servers first (each waits until it listens), then every client
	t0=$EPOCHREALTIME
	for ((i = 0; i < ${#cases[@]}; i++)); do
		read -r cf sf dir <<<"${cases[i]}"
		o=$tmp/nc$i
		spid[i]=
		skips[i]=
		if why=$(fam_skip "$cf" "$sf"); then
			skips[i]=$why
			continue
		fi
		netem_port=$((netem_port + 1))
		echo "$netem_port" >"$o.port"
		if [ "$dir" = up ]; then
			TO=$to srv_tool "$sf" "$o.srv" serve-sink "$netem_port" ||
				echo "error server did not start" >>"$o.srv"
		else
			TO=$to srv_tool "$sf" "$o.srv" serve-send "$netem_port" \
				--bytes "$NETEM_SIZE" ||
				echo "error server did not start" >>"$o.srv"
		fi
		spid[i]=$SRV_PID
	done
	for ((i = 0; i < ${#cases[@]}; i++)); do
		[ -n "${spid[i]}" ] || continue
		read -r cf sf dir <<<"${cases[i]}"
		o=$tmp/nc$i
		read -r p <"$o.port"
		if [ "$dir" = up ]; then
			(TO=$to cli "$cf" "$o.cli" send "$p" --bytes "$NETEM_SIZE"
			 echo "$EPOCHREALTIME" >"$o.end") &
		else
			(TO=$to cli "$cf" "$o.cli" recv "$p"
			 echo "$EPOCHREALTIME" >"$o.end") &
		fi
		cpid[i]=$!
		bg+=("${cpid[i]}")
	done
	for p in "${cpid[@]}" "${spid[@]}"; do
		[ -n "$p" ] && wait "$p" 2>/dev/null
	done
	bg=()
	ctr_snap "$nsa" "$aa"
	ctr_snap "$nsb" "$ab"
	netem_clear
	diag "$name: all transfers done after $(netem_secs "$t0" "$EPOCHREALTIME") s"

	for ((i = 0; i < ${#cases[@]}; i++)); do
		read -r cf sf dir <<<"${cases[i]}"
		o=$tmp/nc$i
		if [ "$dir" = up ]; then
			k="$name: $cf client -> $sf server, $NETEM_SIZE"
		else
			k="$name: $cf client <- $sf server, $NETEM_SIZE"
		fi
		if [ -n "${skips[i]}" ]; then
			skip "$k" "${skips[i]}"
			continue
		fi
		local e=
		[ -r "$o.end" ] && read -r e <"$o.end"
		k+=" (${e:+$(netem_secs "$t0" "$e") s})"
		if [ "$dir" = up ]; then
			check "$k" "$netem_bytes" "$netem_sum" "$(field "$o.srv" recv 1)" \
				"$(field "$o.srv" recv 2)" "$o.srv" "$o.cli"
		else
			check "$k" "$netem_bytes" "$netem_sum" "$(field "$o.cli" recv 1)" \
				"$(field "$o.cli" recv 2)" "$o.srv" "$o.cli"
		fi
	done
	netem_counters "$name" "$ba" "$aa" "$bb" "$ab" "$@"
}

# seconds between two $EPOCHREALTIME values, one decimal
netem_secs() {
	local a=${1/./} b=${2/./}
	local d=$(((10#$b - 10#$a) / 100000))
	echo "$((d / 10)).$((d % 10))"
}

# netem_counters NAME A0 A1 B0 B1 NETEM-ARGS...: the counter checks
netem_counters() {
	local name=$1 a0=$2 a1=$3 b0=$4 b1=$5 what= c s ns f0 f1 d why
	shift 5
	case " $* " in
	*" loss "*) what=RetransSegs ;;
	*" corrupt "*) what=InCsumErrors ;;
	esac
	for ns in A B; do
		[ $ns = A ] && f0=$a0 f1=$a1 || f0=$b0 f1=$b1
		[ -n "$xtcp_ok" ] && grep -q '^InSegs ' "$f1" &&
			diag "$name: netns $ns XTCP counters moved: $(xtcp_deltas "$f0" "$f1")"
		[ -n "$what" ] || continue
		for s in s x; do
			d=$(ctr_delta "$f0" "$f1" "$s" "$what")
			[ $s = s ] && c="stock TCP $what" || c="XTCP $what"
			if [ $s = x ] && why=$(fam_skip xtcp); then
				skip "$name: $c moved in netns $ns" "$why"
			elif [ $s = x ] && ! grep -q '^InSegs ' "$f1"; then
				skip "$name: $c moved in netns $ns" "no /proc/net/xtcp_stat"
			elif [ "$d" -gt 0 ]; then
				ok "$name: $c moved in netns $ns (+$d)"
			else
				nok "$name: $c moved in netns $ns (+$d)"
			fi
		done
	done
}
