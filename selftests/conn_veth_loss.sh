#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# XTCP selftest: loss recovery of the sender.  Two network namespaces
# joined by a veth pair (conn_veth_lib.sh), offloads off (TSO, GSO, GRO,
# and gso_max_segs 1: one segment per packet for both stacks), netem
# dropping 2 % of A's packets (va).  An
# XTCP client in A sends 8 MiB (2 MiB on the debug kernel) to a server in B; the bytes must arrive
# exactly (SHA-256), and A's /proc/net/xtcp_stat must show the recovery:
#   - with SACK, to a stock receiver: TCPSackRecovery and RetransSegs;
#   - without (net.xtcp.sack=0 in A), to a stock receiver:
#     TCPRenoRecovery and RetransSegs;
#   - XTCP -> XTCP, SACK offered on both sides;
#   - the same transfer AF_INET -> AF_INET, the reference.
#
# XTCP_LOSS_BENCH=N (not run by `make check`): instead, N rounds of an
# 8 MiB transfer with 1 % loss and 20 ms delay, XTCP and AF_INET senders
# to an AF_INET receiver, and the throughput of each.
#
# Needs root, iproute2 (tc, netem), ethtool, util-linux, veth.

. "$(dirname "$0")/conn_veth_lib.sh"

TO=${XTCP_LOSS_TIMEOUT:-90}
SIZE=8M
# the debug kernel (KASAN, lockdep) is 3 to 5 times slower: less data
case $(uname -r) in
*debug*)
	TO=${XTCP_LOSS_TIMEOUT:-300}
	SIZE=2M ;;
esac
port=7100
next_port() { port=$((port + 1)); }

# xstat NAME: A's XTCP counter NAME
xstat() { in_ns "$nsa" awk -v n="$1" '$1 == n { print $2 }' /proc/net/xtcp_stat; }

# netem on va: ARGS (e.g. "loss 2%"); offloads off on both ends, and
# gso_max_segs 1: 6.1's TCP always builds GSO skbs, segmented after the
# qdisc, so without it netem would drop a stock sender's bursts whole
netem() {
	in_ns "$nsa" ethtool -K va tso off gso off gro off >/dev/null 2>&1 &&
	in_ns "$nsb" ethtool -K vb tso off gso off gro off >/dev/null 2>&1 &&
	in_ns "$nsa" ip link set dev va gso_max_segs 1 &&
	in_ns "$nsb" ip link set dev vb gso_max_segs 1 || return 1
	in_ns "$nsa" tc qdisc replace dev va root netem "$@"
}

# xfer CFAM SFAM NAME: A's CFAM client sends $data to SFAM's sink in B;
# checks the bytes; XFER_MS the time it took
xfer() {
	local cf=$1 sf=$2 name=$3 o=$tmp/x.$port t0 t1
	next_port
	if ! srv_tool "$sf" "$o.srv" serve-sink "$port"; then
		nok "$name (server did not start)"
		return 1
	fi
	t0=$(date +%s%N)
	cli "$cf" "$o.cli" send "$port" "$data"
	srv_wait
	t1=$(date +%s%N)
	XFER_MS=$(((t1 - t0) / 1000000))
	XFER_OK=
	if [ "$(field "$o.srv" recv 1)" = "$bytes" ] &&
	   [ "$(field "$o.srv" recv 2)" = "$sum" ]; then
		XFER_OK=1
	fi
	check "$name (${XFER_MS} ms)" "$bytes" "$sum" "$(field "$o.srv" recv 1)" \
		"$(field "$o.srv" recv 2)" "$o.srv" "$o.cli"
}

# counted NAME COUNTER...: each counter of A grew during the last case
declare -A before
snap() {
	local c
	for c in TCPSackRecovery TCPRenoRecovery RetransSegs TCPFastRetrans \
		 TCPTimeouts TCPLostRetransmit TCPSACKDiscard TCPDSACKRecv \
		 TCPSlowStartRetrans; do
		before[$c]=$(xstat $c)
	done
}
counted() {
	local name=$1 c d line= bad=
	shift
	for c in TCPSackRecovery TCPRenoRecovery RetransSegs TCPFastRetrans \
		 TCPTimeouts TCPLostRetransmit TCPSlowStartRetrans; do
		d=$(($(xstat $c) - ${before[$c]:-0}))
		line+="$c=$d "
	done
	for c in "$@"; do
		d=$(($(xstat $c) - ${before[$c]:-0}))
		[ "$d" -gt 0 ] || bad+="$c "
	done
	if [ -z "$bad" ]; then
		ok "$name: $line"
	else
		nok "$name: no $bad($line)"
	fi
}

veth_start
if ! have tc || ! have ethtool; then
	skip "loss cases" "tc or ethtool missing"
	veth_end
	exit
fi
modprobe sch_netem 2>/dev/null
data=$tmp/data.$SIZE
"$tool" gen --bytes $SIZE >"$data"
read -r sum _ < <(sha256sum <"$data")
bytes=$(wc -c <"$data")
bytes=${bytes// /}

if [ -n "${XTCP_LOSS_BENCH:-}" ]; then
	if ! netem loss 1% delay 20ms limit 10000; then
		nok "netem loss 1% delay 20ms on va"
		veth_end
		exit
	fi
	ok "netem: 1 % loss, 20 ms delay on va"
	# each stock connection starts afresh, as each XTCP one does
	in_ns "$nsa" sysctl -qw net.ipv4.tcp_no_metrics_save=1
	declare -A total
	for ((r = 1; r <= XTCP_LOSS_BENCH; r++)); do
		for f in inet xtcp; do
			[ "$f" = xtcp ] && [ -z "$xtcp_ok" ] && continue
			xfer "$f" inet "round $r: $f -> inet, $SIZE"
			[ -n "$XFER_OK" ] || continue
			total[$f]=$((${total[$f]:-0} + XFER_MS))
			diag "round $r $f: $((bytes * 1000 / XFER_MS / 1024)) KiB/s"
		done
	done
	for f in inet xtcp; do
		[ -n "${total[$f]:-}" ] || continue
		diag "$f sender: $((bytes * XTCP_LOSS_BENCH * 1000 / total[$f] / 1024)) KiB/s on average"
	done
	if [ -n "${total[xtcp]:-}" ] && [ -n "${total[inet]:-}" ]; then
		diag "XTCP / stock throughput: $((total[inet] * 100 / total[xtcp])) %"
	fi
	diag "netns A /proc/net/xtcp_stat, non-zero: $(in_ns "$nsa" awk '$2 != 0 { printf "%s=%s ", $1, $2 }' /proc/net/xtcp_stat)"
	diag "netns A stock TcpExt, recovery: $(in_ns "$nsa" awk '/^TcpExt:/ { if (!h) { split($0, n); h = 1 } else { for (i = 2; i <= NF; i++) if (n[i] ~ /Recovery|Timeouts|Retrans|LossProbe|SACKReorder|Spurious/ && $i != 0) printf "%s=%s ", n[i], $i } }' /proc/net/netstat)"
	veth_end
	exit
fi

if netem loss 2%; then
	ok "netem: 2 % loss on va, offloads off"
else
	nok "netem loss 2% on va"
	veth_end
	exit
fi

xfer inet inet "inet -> inet: $SIZE, 2 % loss (reference)"

if why=$(fam_skip xtcp); then
	skip "xtcp cases" "$why"
	veth_end
	exit
fi

snap
xfer xtcp inet "xtcp -> inet: $SIZE, 2 % loss, SACK"
counted "xtcp -> inet, SACK: recovery counted" TCPSackRecovery RetransSegs

in_ns "$nsa" sysctl -qw net.xtcp.sack=0
snap
xfer xtcp inet "xtcp -> inet: $SIZE, 2 % loss, no SACK"
counted "xtcp -> inet, NewReno: recovery counted" TCPRenoRecovery RetransSegs
in_ns "$nsa" sysctl -qw net.xtcp.sack=1

snap
xfer xtcp xtcp "xtcp -> xtcp: $SIZE, 2 % loss"
counted "xtcp -> xtcp: recovery counted" RetransSegs

for ns in "$nsa" "$nsb"; do
	[ "$ns" = "$nsa" ] && n=A || n=B
	diag "netns $n /proc/net/xtcp_stat, non-zero: $(in_ns "$ns" awk '$2 != 0 { printf "%s=%s ", $1, $2 }' /proc/net/xtcp_stat)"
done
veth_end
