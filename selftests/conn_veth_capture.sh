#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# XTCP selftest: the segments XTCP puts on the wire, checked by tshark,
# with stock TCP as the reference.  Two network namespaces joined by a
# veth pair (A: va 10.0.0.1/24, client; B: vb 10.0.0.2/24, server), tx
# checksum offload off on both ends (`ethtool -K vX tx off`, so that the
# checksums tcpdump sees on va are the real ones).  One tcpdump session
# on va holds four 1 MiB transfers with their handshakes and closes:
# stock -> stock (the reference), XTCP -> XTCP, XTCP -> stock, stock ->
# XTCP (xtcp_conn_tool with --family inet as the stock side).  Then:
#
#   - per transfer, what tshark finds is sorted in three kinds:
#     errors (the case fails on any): malformed packets, bad IP or TCP
#       checksums (a TCP checksum of 0xffff where tshark computes 0x0000
#       is the same one's-complement zero, RFC 1624, and is good), a
#       segment ACKed that was never sent (ack_lost_segment),
#       a hole in the sequence space (lost_segment: "previous segment not
#       captured"; not an error when tcpdump reports drops), any analysis
#       flag not listed below;
#     loss recovery (retransmissions of any kind, duplicate ACKs, segments
#       out of order): nothing is lost on the veth (the receive backlog is
#       made large enough for TCG, see below), and stock TCP shows none or
#       one; more than 1% of the frames (and more than 3) fail the case.
#       When stock -> stock itself shows more, or on the debug kernel
#       (XTCP_DEBUG_CHECKS=1: KASAN and lockdep are slow enough for
#       senders to retransmit spuriously), the machine is too slow for the
#       check, and it is informational for every transfer;
#     flow control (window full / zero window / window update, their
#       probes, keep-alives): normal, counted only;
#   - XTCP's SYN and SYN-ACK must carry the options stock TCP's carry
#     (kinds, MSS, window scale).
#
# The XTCP cases SKIP while XTCP's connect() gives EOPNOTSUPP.
# XTCP_FAMILY=2 makes "xtcp" AF_INET (a self-check of this script).
# Needs root, iproute2, util-linux, veth; tcpdump, tshark and ethtool
# (missing ones SKIP the checks).

. "$(dirname "$0")/conn_veth_lib.sh"

CAP_SIZE=1M

# ---------------------------------------------------------------------
# Captures

# One tshark pass per capture (tshark starts slowly under TCG): these
# fields, one line per frame; FT_NONE flags print 1 when present.
FIELDS=(frame.number tcp.checksum.status ip.checksum.status _ws.malformed
	tcp.analysis.ack_lost_segment tcp.analysis.lost_segment
	tcp.analysis.out_of_order
	tcp.analysis.retransmission tcp.analysis.fast_retransmission
	tcp.analysis.spurious_retransmission tcp.analysis.duplicate_ack
	tcp.analysis.window_update tcp.analysis.window_full
	tcp.analysis.zero_window tcp.analysis.zero_window_probe
	tcp.analysis.zero_window_probe_ack tcp.analysis.keep_alive
	tcp.analysis.keep_alive_ack tcp.analysis.flags
	tcp.flags tcp.option_kind tcp.options.mss_val tcp.options.wscale.shift)
# checksum status: 0 bad, 1 good, 2 unverified; $26 is tcp.checksum
CLASSIFY='
{
	n++
	tcpok = ($2 == 1 || ($2 == 0 && $26 == "0xffff"))
	if (tcpok) good++
	bad = (!tcpok || $3 == 0 || $4 != "" || $5 != "" || $6 != "")
	rec = ($7 != "" || $8 != "" || $9 != "" || $10 != "" || $11 != "")
	flow = 0
	for (i = 12; i <= 18; i++) if ($i != "") flow = 1
	other = ($19 != "" && !bad && !rec && !flow)
	if (bad || other) { nbad++; badl = badl " " $1 }
	if (rec) { nrec++; recl = recl " " $1 }
	if (flow) nflow++
	if ($20 == "0x0002" || $20 == "0x0012")
		print $20, $21, $22, $23 > syn
}
END {
	printf "%d %d %d %d %d bad:%s rec:%s\n", n, good, nbad, nrec, nflow,
		substr(badl, 1, 200), substr(recl, 1, 200)
}'

tsh() { tshark -n -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE "$@" 2>/dev/null; }

# Captures: one tcpdump session on va holds the four captured transfers
# (one server port each), one tshark pass reads them all (tshark takes
# about 10 s to start under TCG).
CAP_PAIRS=("inet inet" "xtcp xtcp" "xtcp inet" "inet xtcp")
CAP_PORT0=7100

# cap_transfer IDX CFAM SFAM: a CAP_SIZE sink transfer on port CAP_PORT0+IDX
cap_transfer() {
	local i=$1 cf=$2 sf=$3 o=$tmp/cap.$2.$3 p=$((CAP_PORT0 + $1))
	echo skip >"$o.status"
	[ -z "$(fam_skip "$cf" "$sf")" ] || return 0
	if ! srv_tool "$sf" "$o.srv" serve-sink "$p"; then
		echo "server did not start" >"$o.status"
		return 0
	fi
	cli "$cf" "$o.cli" send "$p" --bytes "$CAP_SIZE"
	srv_wait
	if [ "$(field "$o.srv" recv 1)" = "$cap_bytes" ]; then
		echo done >"$o.status"
	else
		echo "transfer failed" >"$o.status"
		show "$o.srv" "$o.cli"
	fi
}

run_captures() {
	local pid i k pair cf sf f args=()
	[ -z "$cap_why" ] || return 0
	# (background jobs of a script ignore SIGINT: stop it with SIGTERM)
	in_ns "$nsa" timeout -k 5 100 tcpdump -n -i va -s 0 -B 32768 -U -w "$tmp/cap.pcap" \
		"tcp portrange $CAP_PORT0-$((CAP_PORT0 + 9))" 2>"$tmp/cap.td" &
	pid=$!
	bg+=("$pid")
	for ((i = 0; i < 1000; i++)); do
		grep -q 'listening on' "$tmp/cap.td" && break
		snooze 0.02
	done
	k=0
	for pair in "${CAP_PAIRS[@]}"; do
		k=$((k + 1))
		cap_transfer "$k" $pair
	done
	snooze 0.3
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	grep -E 'captured|dropped by kernel' "$tmp/cap.td" | sed 's/^/#   tcpdump: /'
	cap_drops=$(sed -n 's/^\([0-9]*\) packets dropped by kernel.*/\1/p' "$tmp/cap.td")
	cap_drops=${cap_drops:-unknown}
	for f in "${FIELDS[@]}"; do
		args+=(-e "$f")
	done
	tsh -r "$tmp/cap.pcap" -T fields -E separator=/t "${args[@]}" \
		-e tcp.srcport -e tcp.dstport -e tcp.checksum >"$tmp/cap.fields"
}

# cap_show RESULT: the first error frames and recovery frames of a
# check's result line ("... bad: N N.. rec: N N..") with tshark's words
cap_show() {
	local b r list n f k
	b=${1#*bad:}
	b=${b%%rec:*}
	r=${1#*rec:}
	for list in "$b" "$r"; do
		n=0
		f=
		for k in $list; do
			f="$f${f:+,}$k"
			n=$((n + 1))
			[ "$n" -lt 10 ] || break
		done
		[ -n "$f" ] || continue
		tsh -r "$tmp/cap.pcap" -Y "frame.number in {$f}" -T fields \
			-e frame.number -e ip.src -e tcp.srcport -e tcp.seq \
			-e tcp.ack -e tcp.len -e tcp.window_size -e _ws.expert.message |
			sed 's/^/#   /'
	done
}

# check_capture IDX CFAM SFAM
check_capture() {
	local k=$1 cf=$2 sf=$3 name="capture $2 -> $3: no bad segment" why
	local o=$tmp/cap.$2.$3 p=$((CAP_PORT0 + $1)) res nall nchk nbad nrec nflow lim
	why=$cap_why
	[ -n "$why" ] || why=$(fam_skip "$cf" "$sf")
	if [ -n "$why" ]; then
		skip "$name" "$why"
		return
	fi
	if [ "$(cat "$o.status")" != done ]; then
		nok "$name ($(cat "$o.status"))"
		return
	fi
	: >"$tmp/syn.$cf.$sf"
	res=$(awk -F'\t' -v port="$p" '$24 == port || $25 == port' "$tmp/cap.fields" |
		awk -F'\t' -v syn="$tmp/syn.$cf.$sf" "$CLASSIFY")
	read -r nall nchk nbad nrec nflow _ <<<"$res"
	if [ "${nbad:-0}" -gt 0 ] && [ "$cap_drops" != 0 ]; then
		diag "  tcpdump dropped $cap_drops packets: segments seen missing are not errors here"
		nbad=$(awk -F'\t' -v port="$p" '($24 == port || $25 == port) &&
			(($2 == 0 && $26 != "0xffff") || $3 == 0 || $4 != "")' "$tmp/cap.fields" | wc -l)
	fi
	lim=$((nall / 100))
	[ "$lim" -ge 3 ] || lim=3
	if [ "$cap_backlog_drops" != 0 ]; then
		diag "  the receive backlog dropped $cap_backlog_drops packets: loss recovery not checked"
		lim=$nall
	fi
	# stock -> stock is checked first: the reference for the machine
	if [ -z "$cap_slow" ] && [ "$cf.$sf" = inet.inet ] &&
	   [ "${nrec:-0}" -gt "$lim" ]; then
		cap_slow="stock -> stock showed $nrec loss recovery frames"
	fi
	if [ -n "$cap_slow" ]; then
		diag "  $cap_slow: too slow a machine, loss recovery not checked"
		lim=$nall
	fi
	diag "$cf -> $sf: $nall frames, $nchk with a verified good TCP checksum; $nrec loss recovery (retransmission, dup ACK), $nflow flow control (informational)"
	diag "  flagged frames: ${res#* * * * * }"
	if [ "${nbad:-1}" -eq 0 ] && [ "${nrec:-0}" -le "$lim" ] &&
	   [ "${nchk:-0}" -gt 0 ] && [ "$nchk" -eq "$nall" ] && [ -s "$tmp/syn.$cf.$sf" ]; then
		ok "$name"
	else
		nok "$name (${nbad:-?} errors, ${nrec:-?} loss recovery (limit $lim); ${nchk:-?} of ${nall:-?} checksums good; SYN/SYN-ACK seen: $(wc -l <"$tmp/syn.$cf.$sf"))"
		cap_show "$res"
	fi
}

# Packets the kernel dropped at its receive backlog, all CPUs
# (/proc/net/softnet_stat, second column, hex)
backlog_drops() {
	local n=0 a d _
	while read -r a d _; do
		n=$((n + 16#$d))
	done </proc/net/softnet_stat
	echo "$n"
}

# ---------------------------------------------------------------------
veth_start
cap_bytes=$("$tool" gen --bytes "$CAP_SIZE" | wc -c)

# A veth hands each segment to the peer's per-CPU backlog, which holds
# net.core.netdev_max_backlog packets (1000); under TCG the receiving side
# falls behind and segments are dropped there, for stock TCP as for
# XTCP, which makes the loss recovery counts meaningless.  A larger
# backlog (global; put back at the end) keeps the veth lossless.
old_backlog=$(cat /proc/sys/net/core/netdev_max_backlog 2>/dev/null)
if [ -n "$old_backlog" ] && echo 100000 >/proc/sys/net/core/netdev_max_backlog; then
	trap 'echo "$old_backlog" >/proc/sys/net/core/netdev_max_backlog; cleanup' EXIT
fi
drops0=$(backlog_drops)

cap_why=
cap_slow=
[ "${XTCP_DEBUG_CHECKS:-}" != 1 ] || cap_slow="the debug kernel"
if ! have tcpdump; then
	cap_why="tcpdump not installed"
elif ! have tshark; then
	cap_why="tshark not installed"
elif ! have ethtool; then
	cap_why="ethtool not installed"
elif ! in_ns "$nsa" ethtool -K va tx off >/dev/null 2>&1 ||
     ! in_ns "$nsb" ethtool -K vb tx off >/dev/null 2>&1; then
	cap_why="ethtool -K vX tx off failed"
	nok "ethtool -K va/vb tx off"
else
	ok "ethtool -K va tx off, ethtool -K vb tx off"
fi
run_captures
cap_backlog_drops=$(($(backlog_drops) - drops0))
diag "receive backlog drops during the captures: $cap_backlog_drops"
k=0
for pair in "${CAP_PAIRS[@]}"; do
	k=$((k + 1))
	check_capture "$k" $pair
done

# XTCP's SYN and SYN-ACK carry what stock TCP's carry
name="xtcp SYN and SYN-ACK options (kinds, MSS, window scale) as stock TCP's"
if [ -n "$cap_why" ]; then
	skip "$name" "$cap_why"
elif why=$(fam_skip xtcp); then
	skip "$name" "$why"
elif [ ! -s "$tmp/syn.inet.inet" ]; then
	nok "$name (no SYN in the stock capture)"
else
	bad=
	for p in xtcp.xtcp xtcp.inet inet.xtcp; do
		if ! cmp -s "$tmp/syn.inet.inet" "$tmp/syn.$p"; then
			bad="$bad ${p/./->}"
			diag "stock:"
			show "$tmp/syn.inet.inet"
			diag "${p/./ -> }:"
			show "$tmp/syn.$p"
		fi
	done
	if [ -z "$bad" ]; then
		ok "$name"
	else
		nok "$name (differ:$bad)"
	fi
fi

# XTCP's counters in each namespace (informational)
for ns in "$nsa" "$nsb"; do
	[ "$ns" = "$nsa" ] && n=A || n=B
	if in_ns "$ns" test -r /proc/net/xtcp_stat; then
		diag "netns $n /proc/net/xtcp_stat, non-zero: $(in_ns "$ns" awk '$2 != 0 { printf "%s=%s ", $1, $2 }' /proc/net/xtcp_stat)"
	fi
done
veth_end
