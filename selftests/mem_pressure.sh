#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout=150
#
# XTCP selftest: protocol memory accounting (net.xtcp.mem, the twin of
# net.ipv4.tcp_mem), stock TCP and XTCP side by side.  With both
# limits set tiny (MEM_LIMITS pages: min, pressure, max), transfers of
# $MEM_SIZE (4 MiB) each way, for each stack at once, through the veth
# pair of conn_veth_lib.sh, the receivers waiting a second before they
# read (so that memory piles up):
#
#   - arrive intact (SHA-256): a sock always gets memory for the first
#     skb of its queues, so no transfer stalls for good;
#   - enter memory pressure: TCPMemoryPressures moves, XTCP's in
#     /proc/net/xtcp_stat and stock TCP's in /proc/net/netstat (A + B);
#   - /proc/net/xtcp_sockstat's "mem" (pages accounted) and "alloc"
#     (socks) are back to what they were once the sockets are gone;
#     stock TCP's /proc/net/sockstat "mem" is shown for comparison.
#
# The limits are put back at the end.  TAP output; needs root, veth.
# XTCP_FAMILY=2 makes "xtcp" AF_INET (a self-check of this script).

. "$(dirname "$0")/conn_veth_lib.sh"

MEM_SIZE=${MEM_SIZE:-4M}
MEM_LIMITS=${MEM_LIMITS:-"64 128 8192"}
port=7400
TO=90
xtcp_mem=
tcp_mem=

restore() {
	[ -n "$xtcp_mem" ] && sysctl -qw net.xtcp.mem="$xtcp_mem"
	[ -n "$tcp_mem" ] && sysctl -qw net.ipv4.tcp_mem="$tcp_mem"
	xtcp_mem=
	tcp_mem=
	cleanup
}
trap restore EXIT

# netstat_ctr NS NAME: TcpExt counter NAME of stock TCP in namespace NS
netstat_ctr() {
	in_ns "$1" awk -v want="$2" '
		$1 == "TcpExt:" && !names { for (i = 2; i <= NF; i++) n[i] = $i; names = 1; next }
		$1 == "TcpExt:" { for (i = 2; i <= NF; i++) if (n[i] == want) print $i; exit }
	' /proc/net/netstat
}

# xtcp_ctr NS NAME: XTCP's counter NAME in namespace NS
xtcp_ctr() {
	in_ns "$1" awk -v want="$2" '$1 == want { print $2; exit }' \
		/proc/net/xtcp_stat
}

# pressures x|s: TCPMemoryPressures of XTCP or stock TCP, A + B
pressures() {
	local f=netstat_ctr
	[ "$1" = x ] && f=xtcp_ctr
	echo $(($($f "$nsa" TCPMemoryPressures) + $($f "$nsb" TCPMemoryPressures)))
}

# sockstat_field FIELD: from /proc/net/xtcp_sockstat (root netns)
sockstat_field() {
	awk -v want="$1" '{ for (i = 2; i < NF; i++) if ($i == want) print $(i + 1) }' \
		/proc/net/xtcp_sockstat
}

tcp_sockstat_mem() {
	awk '$1 == "TCP:" { for (i = 2; i < NF; i++) if ($i == "mem") print $(i + 1) }' \
		/proc/net/sockstat
}

veth_start
if ! xtcp_is_inet && [ ! -r /proc/net/xtcp_sockstat ]; then
	nok "/proc/net/xtcp_sockstat exists"
	veth_end
	exit
fi
if ! xtcp_is_inet && ! sysctl -n net.xtcp.mem >/dev/null 2>&1; then
	nok "net.xtcp.mem exists in the initial netns"
	veth_end
	exit
fi
"$tool" gen --bytes "$MEM_SIZE" | sha256sum >"$tmp/data.sum"
read -r sum _ <"$tmp/data.sum"
bytes=$(numfmt --from=iec "$MEM_SIZE")

if ! xtcp_is_inet; then
	m0=$(sockstat_field mem)
	a0=$(sockstat_field alloc)
	diag "before: $(cat /proc/net/xtcp_sockstat); stock $(grep '^TCP:' /proc/net/sockstat)"
	# the twin is seeded from net.ipv4.tcp_mem at load
	read -r -a xm <<<"$(sysctl -n net.xtcp.mem)"
	read -r -a tm <<<"$(sysctl -n net.ipv4.tcp_mem)"
	if [ "${xm[*]}" = "${tm[*]}" ]; then
		ok "net.xtcp.mem: ${xm[*]}, as net.ipv4.tcp_mem"
	else
		nok "net.xtcp.mem: ${xm[*]}, net.ipv4.tcp_mem: ${tm[*]}"
	fi
	# global: no net.xtcp.mem in another netns, as no tcp_mem there
	if in_ns "$nsa" sysctl -n net.xtcp.mem >/dev/null 2>&1; then
		nok "net.xtcp.mem is visible in a child netns"
	else
		ok "net.xtcp.mem only in the initial netns"
	fi
	xtcp_mem=$(sysctl -n net.xtcp.mem)
	sysctl -qw net.xtcp.mem="$MEM_LIMITS"
fi
tcp_mem=$(sysctl -n net.ipv4.tcp_mem)
sysctl -qw net.ipv4.tcp_mem="$MEM_LIMITS"
diag "net.xtcp.mem and net.ipv4.tcp_mem: $MEM_LIMITS (pages)"

px0=$(pressures x)
ps0=$(pressures s)

# Pressure for sure: the per-CPU reserves hide up to 256 pages per CPU
# from the limits, so the receivers wait a second before they read,
# with room for 2 MiB of window (tcp_rmem[1] 4 MiB, in A and B)
for ns in "$nsa" "$nsb"; do
	in_ns "$ns" sysctl -qw net.ipv4.tcp_rmem="4096 4194304 6291456"
done

# both stacks, both ways, at once
cases=("inet up" "inet down" "xtcp up" "xtcp down")
declare -a spid
for ((i = 0; i < ${#cases[@]}; i++)); do
	read -r fam dir <<<"${cases[i]}"
	o=$tmp/m$i
	port=$((port + 1))
	echo "$port" >"$o.port"
	if [ "$dir" = up ]; then
		: >"$o.srv"
		in_ns "$nsb" "$tool" --family "$fam" --timeout "$TO" \
			--delay 1 serve-sink "10.0.0.2:$port" >"$o.srv" 2>&1 &
		SRV_PID=$!
		bg+=("$SRV_PID")
		wait_listen "$o.srv" ||
			echo "error server did not start" >>"$o.srv"
	else
		srv_tool "$fam" "$o.srv" serve-send "$port" --bytes "$MEM_SIZE" ||
			echo "error server did not start" >>"$o.srv"
	fi
	spid[i]=$SRV_PID
done
cpids=()
for ((i = 0; i < ${#cases[@]}; i++)); do
	read -r fam dir <<<"${cases[i]}"
	o=$tmp/m$i
	read -r p <"$o.port"
	if [ "$dir" = up ]; then
		cli "$fam" "$o.cli" send "$p" --bytes "$MEM_SIZE" &
	else
		in_ns "$nsa" "$tool" --family "$fam" --timeout "$TO" \
			--delay 1 recv "10.0.0.2:$p" >"$o.cli" 2>&1 &
	fi
	cpids+=($!)
done
for p in "${cpids[@]}"; do
	wait "$p"
done
for ((i = 0; i < ${#cases[@]}; i++)); do
	SRV_PID=${spid[i]}
	srv_wait
done
px1=$(pressures x)
ps1=$(pressures s)
for ((i = 0; i < ${#cases[@]}; i++)); do
	read -r fam dir <<<"${cases[i]}"
	o=$tmp/m$i
	if [ "$dir" = up ]; then
		r=$o.srv
	else
		r=$o.cli
	fi
	check "$fam $dir: $MEM_SIZE intact under net.*.mem $MEM_LIMITS" \
		"$bytes" "$sum" "$(field "$r" recv 1)" "$(field "$r" recv 2)" \
		"$o.srv" "$o.cli"
done

if [ $((ps1 - ps0)) -gt 0 ]; then
	ok "inet: TCPMemoryPressures +$((ps1 - ps0))"
else
	nok "inet: TCPMemoryPressures did not move"
fi
if [ $((px1 - px0)) -gt 0 ]; then
	ok "xtcp: TCPMemoryPressures +$((px1 - px0))"
else
	nok "xtcp: TCPMemoryPressures did not move"
fi

sysctl -qw net.ipv4.tcp_mem="$tcp_mem"
tcp_mem=
if xtcp_is_inet; then
	veth_end
	exit
fi
sysctl -qw net.xtcp.mem="$xtcp_mem"
xtcp_mem=

# the sockets are closed; orphans finish their FIN handshakes
for ((i = 0; i < 250; i++)); do
	[ "$(sockstat_field mem)" = "$m0" ] && [ "$(sockstat_field alloc)" = "$a0" ] &&
		break
	snooze 0.02
done
diag "after: $(cat /proc/net/xtcp_sockstat); stock $(grep '^TCP:' /proc/net/sockstat)"
m1=$(sockstat_field mem)
a1=$(sockstat_field alloc)
if [ "$m1" = "$m0" ]; then
	ok "xtcp: sockstat mem back to $m0 pages"
else
	nok "xtcp: sockstat mem $m1 pages, was $m0"
fi
if [ "$a1" = "$a0" ]; then
	ok "xtcp: sockstat alloc back to $a0"
else
	nok "xtcp: sockstat alloc $a1, was $a0"
fi
diag "stock TCP: sockstat mem $(tcp_sockstat_mem) pages (per-CPU reserves left out)"
veth_end
