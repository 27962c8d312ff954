#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout=150
#
# XTCP selftest: receive buffer autotuning (dynamic right-sizing), stock
# TCP and XTCP side by side.  Bulk transfers of $RCVBUF_SIZE (4 MiB)
# through a veth pair that delays every packet by 20 ms each way, one at
# a time; the receiver (xtcp_conn_tool --bufinfo) reports SO_RCVBUF once
# connected and at EOF, and TCP_INFO's tcpi_rcv_space and tcpi_rcv_rtt.
# For each stack, the receiver being:
#
#   accepted (serve-sink) grows SO_RCVBUF; tcpi_rcv_space moves past the
#                         first window's ten segments; tcpi_rcv_rtt is
#                         about the 40 ms round trip
#   connected (recv)      grows SO_RCVBUF
#   SO_RCVBUF locked      keeps it (SOCK_RCVBUF_LOCK): twice the 65536 set
#   moderate_rcvbuf=0     keeps net.ipv4.tcp_rmem[1] (net.xtcp.
#                         moderate_rcvbuf for XTCP, net.ipv4.
#                         tcp_moderate_rcvbuf for stock TCP, in B),
#                         with a stock TCP sender
#
# and every transfer arrives intact (SHA-256).  TAP output; needs root,
# iproute2 (tc netem), ethtool, veth.  XTCP_FAMILY=2 makes "xtcp"
# AF_INET (a self-check of this script).

. "$(dirname "$0")/netem_lib.sh"

RCVBUF_SIZE=${RCVBUF_SIZE:-4M}
port=7300
TO=60

# one FAM MODE OUT [TOOL-OPTIONS...]: a transfer of $RCVBUF_SIZE from the
# sender to a --bufinfo receiver of family FAM, in B (MODE sink: the
# receiver accepts) or in A (MODE recv: it connects); both ends FAM,
# but the sender SEND_FAM when set (sink only)
one() {
	local fam=$1 mode=$2 out=$3
	shift 3
	port=$((port + 1))
	if [ "$mode" = sink ]; then
		: >"$out.srv"
		in_ns "$nsb" "$tool" --family "$fam" --timeout "$TO" "$@" \
			--bufinfo serve-sink "10.0.0.2:$port" >"$out.srv" 2>&1 &
		SRV_PID=$!
		bg+=("$SRV_PID")
		wait_listen "$out.srv" || return
		cli "${SEND_FAM:-$fam}" "$out.cli" send "$port" \
			--bytes "$RCVBUF_SIZE"
		srv_wait
		cp "$out.srv" "$out"
	else
		TO=$TO srv_tool "$fam" "$out.srv" serve-send "$port" \
			--bytes "$RCVBUF_SIZE" || return
		in_ns "$nsa" "$tool" --family "$fam" --timeout "$TO" "$@" \
			--bufinfo recv "10.0.0.2:$port" >"$out" 2>&1
		srv_wait
	fi
}

# judge NAME OUT grow|keep: the data intact, and SO_RCVBUF grew or kept
judge() {
	local name=$1 out=$2 want=$3 r0 r1 sp rtt
	check "$name: $RCVBUF_SIZE intact" "$bytes" "$sum" \
		"$(field "$out" recv 1)" "$(field "$out" recv 2)" "$out" "$out.srv"
	r0=$(field "$out" rcvbuf 1)
	r1=$(field "$out" rcvbuf 2)
	sp=$(field "$out" rcvspace 1)
	rtt=$(field "$out" rcvspace 2)
	diag "$name: SO_RCVBUF $r0 -> $r1, tcpi_rcv_space $sp, tcpi_rcv_rtt $rtt us"
	if [ -z "$r0" ] || [ -z "$r1" ]; then
		nok "$name: no SO_RCVBUF report"
		show "$out"
		return
	fi
	case $want in
	grow)
		if [ "$r1" -gt "$r0" ]; then
			ok "$name: SO_RCVBUF grew ($r0 -> $r1)"
		else
			nok "$name: SO_RCVBUF did not grow ($r0 -> $r1)"
		fi ;;
	keep)
		if [ "$r1" -eq "$r0" ] && [ "$r0" -eq "$want_r0" ]; then
			ok "$name: SO_RCVBUF kept at $r0"
		else
			nok "$name: SO_RCVBUF $r0 -> $r1, want $want_r0 throughout"
		fi ;;
	esac
	if [ "$mode" = sink ] && [ "$want" = grow ]; then
		# the first measure is ten segments: 14600 bytes at MSS 1460
		if [ "${sp:-0}" -gt 14600 ]; then
			ok "$name: tcpi_rcv_space moved ($sp)"
		else
			nok "$name: tcpi_rcv_space stayed at ${sp:-?}"
		fi
		# 40 ms of netem delay, more under TCG
		if [ "${rtt:-0}" -ge 30000 ] && [ "${rtt:-0}" -le 2000000 ]; then
			ok "$name: tcpi_rcv_rtt $rtt us (40 ms round trip)"
		else
			nok "$name: tcpi_rcv_rtt ${rtt:-?} us, want 30000..2000000"
		fi
	fi
}

netem_start
if [ -z "$netem_ok" ]; then
	veth_end
	exit
fi
"$tool" gen --bytes "$RCVBUF_SIZE" | sha256sum >"$tmp/data.sum"
read -r sum _ <"$tmp/data.sum"
bytes=$(numfmt --from=iec "$RCVBUF_SIZE")
if ! netem_set delay 20ms limit "$NETEM_LIMIT"; then
	nok "netem delay 20ms on va and vb"
	veth_end
	exit
fi
diag "netem delay 20ms each way; transfers of $RCVBUF_SIZE, one at a time"

rmem1=$(sysctl -n net.ipv4.tcp_rmem | awk '{ print $2 }')
for fam in inet xtcp; do
	if why=$(fam_skip "$fam"); then
		skip "$fam: autotuning" "$why"
		continue
	fi
	for mode in sink recv; do
		o=$tmp/$fam.$mode
		one "$fam" "$mode" "$o"
		judge "$fam $mode" "$o" grow
	done
	mode=sink
	want_r0=131072
	o=$tmp/$fam.locked
	one "$fam" sink "$o" --rcvbuf 65536
	judge "$fam SO_RCVBUF 65536" "$o" keep

	if [ "$fam" = xtcp ] && ! xtcp_is_inet; then
		knob=net.xtcp.moderate_rcvbuf
	else
		knob=net.ipv4.tcp_moderate_rcvbuf
	fi
	in_ns "$nsb" sysctl -qw "$knob=0"
	want_r0=$rmem1
	o=$tmp/$fam.nomod
	# a stock sender: XTCP's own skbs (linear, a 4 KiB buffer for 1448
	# bytes) cost more than the window counts, and the receiver grows
	# its buffer to hold them (xtcp_clamp_window(), as 6.1 would)
	SEND_FAM=inet one "$fam" sink "$o"
	judge "$fam $knob=0" "$o" keep
	in_ns "$nsb" sysctl -qw "$knob=1"
done
netem_clear
veth_end
