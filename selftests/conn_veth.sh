#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# XTCP selftest: connections between two network namespaces joined by a
# veth pair (A: va 10.0.0.1/24, B: vb 10.0.0.2/24; A is the client side,
# B the server side), with xtcp_conn_tool moving the data.  TAP output.
#
#   - the handshake, and transfers compared by SHA-256 with the file
#     sent: 16 MiB XTCP -> XTCP, XTCP -> stock (nc -l) and stock (nc) ->
#     XTCP; 4 MiB in the other roles and directions (echo, server sends,
#     the tool with --family inet as the stock peer, nc -l as a sending
#     server); AF_INET everywhere as the reference;
#   - a tcpdump capture on va (checksum offload off on both ends:
#     `ethtool -K vX tx off`, so that the captured checksums are real) of
#     a handshake and a 2 MiB transfer, checked with tshark for malformed
#     packets, bad IP/TCP checksums and TCP analysis flags; stock TCP
#     first, as the reference, then XTCP -> XTCP, XTCP -> stock and
#     stock -> XTCP; and XTCP's SYN and SYN-ACK must carry the options
#     (kinds, MSS, window scale) stock TCP's carry.
#
# What tshark finds is sorted in three kinds:
#   errors (the case fails on any): malformed packets, bad IP or TCP
#     checksums, a segment ACKed that was never sent (ack_lost_segment),
#     a hole in the sequence space on the sender's side (lost_segment:
#     "previous segment not captured", with no capture drop), segments out
#     of order (out_of_order);
#   loss recovery (retransmissions of any kind, duplicate ACKs): under TCG
#     stock TCP shows a few (timers run late); they fail the case only
#     above 1% of the frames (at least 4);
#   flow control (window full / zero window / window update, their probes,
#     keep-alives): normal, listed only.
#
# The XTCP cases SKIP while XTCP's connect() gives EOPNOTSUPP (the
# connection path is not implemented yet).  XTCP_FAMILY=2 makes "xtcp"
# AF_INET (a self-check of this script).  Needs root, iproute2,
# util-linux (nsenter, unshare), veth; nc (netcat-openbsd), tcpdump,
# tshark and ethtool for their cases (missing ones SKIP).

set -u

dir=$(cd "$(dirname "$0")" && pwd)
tool=$dir/xtcp_conn_tool
tmp=$(mktemp -d /tmp/xtcp-connveth.XXXXXX)
nsa=
nsb=
bg=()
num=0
nfail=0
xtcp_ok=
xtcp_why=
SIZE=
CAP_SIZE=2M
start=$(date +%s)
TO=60			# seconds, for every transfer

ok()   { num=$((num + 1)); echo "ok $num $*"; }
nok()  { num=$((num + 1)); nfail=$((nfail + 1)); echo "not ok $num $*"; }
skip() { num=$((num + 1)); echo "ok $num $1 # SKIP $2"; }
diag() { echo "# $*"; }

cleanup() {
	local p
	for p in "${bg[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${bg[@]}"; do
		wait "$p" 2>/dev/null
	done
	bg=()
	for p in $nsa $nsb; do
		kill "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	nsa=
	nsb=
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_ns() { # in_ns PID CMD...
	local ns=$1
	shift
	nsenter -t "$ns" -n "$@"
}

netns_of() { readlink "/proc/$1/ns/net" 2>/dev/null; }

have() { command -v "$1" >/dev/null 2>&1; }

# field N of the line of FILE that starts with WORD
field() { sed -n "s/^$2 //p" "$1" | head -n 1 | cut -d' ' -f"$3"; }

# ---------------------------------------------------------------------
# Servers in B

# srv_tool FAM OUT MODE PORT [ARGS...]: an xtcp_conn_tool server; waits
# until it listens.  SRV_PID.
srv_tool() {
	local fam=$1 out=$2 mode=$3 port=$4 i
	shift 4
	in_ns "$nsb" "$tool" --family "$fam" --timeout "$TO" "$mode" \
		"10.0.0.2:$port" "$@" >"$out" 2>&1 &
	SRV_PID=$!
	bg+=("$SRV_PID")
	for i in $(seq 250); do
		grep -q '^listening' "$out" && return 0
		grep -q '^error' "$out" && break
		sleep 0.02
	done
	sed 's/^/#   server: /' "$out"
	return 1
}

# srv_nc OUT PORT [NC-ARGS...]: stock netcat listening in B; stdin from
# $NC_IN (default /dev/null).  SRV_PID.
srv_nc() {
	local out=$1 port=$2 i
	shift 2
	in_ns "$nsb" timeout "$TO" nc "$@" -l 10.0.0.2 "$port" \
		<"${NC_IN:-/dev/null}" >"$out" 2>"$out.err" &
	SRV_PID=$!
	bg+=("$SRV_PID")
	for i in $(seq 250); do
		in_ns "$nsb" ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && return 0
		sleep 0.02
	done
	sed 's/^/#   nc: /' "$out.err"
	return 1
}

srv_wait() {
	wait "$SRV_PID" 2>/dev/null
	local rc=$?
	local p n=()
	for p in "${bg[@]}"; do
		[ "$p" != "$SRV_PID" ] && n+=("$p")
	done
	bg=("${n[@]}")
	return $rc
}

# cli FAM OUT MODE PORT [ARGS...]: the tool as a client in A
cli() {
	local fam=$1 out=$2 mode=$3 port=$4
	shift 4
	in_ns "$nsa" "$tool" --family "$fam" --timeout "$TO" "$mode" \
		"10.0.0.2:$port" "$@" >"$out" 2>&1
}

show() { # show FILE...: the files' lines as diagnostics
	local f
	for f in "$@"; do
		[ -s "$f" ] && sed "s|^|#   $(basename "$f"): |" "$f"
	done
	return 0
}

# check NAME WANT_BYTES WANT_SUM GOT_BYTES GOT_SUM [FILES TO SHOW...]
check() {
	local name=$1 wb=$2 ws=$3 gb=$4 gs=$5
	shift 5
	if [ "$gb" = "$wb" ] && [ "$gs" = "$ws" ]; then
		ok "$name"
	else
		nok "$name (got ${gb:-nothing} bytes ${gs:0:16}.., want $wb ${ws:0:16}..)"
		show "$@"
	fi
}

# Is FAM's side of a case runnable?  Prints the SKIP reason if not.
fam_skip() {
	local f
	for f in "$@"; do
		if [ "$f" = xtcp ] && [ -z "$xtcp_ok" ]; then
			echo "$xtcp_why"
			return 0
		fi
	done
	return 1
}

# ---------------------------------------------------------------------
# Cases

port=7000
next_port() { port=$((port + 1)); }

# sink CFAM SFAM: A sends the file to a serve-sink in B
case_sink() {
	local cf=$1 sf=$2 name="$1 -> $2: $SIZE to a sink" why o=$tmp/sink.$1.$2
	next_port
	if why=$(fam_skip "$cf" "$sf"); then
		skip "$name" "$why"
		return
	fi
	if ! srv_tool "$sf" "$o.srv" serve-sink "$port"; then
		nok "$name (server did not start)"
		return
	fi
	cli "$cf" "$o.cli" send "$port" "$data"
	srv_wait
	check "$name" "$bytes" "$sum" "$(field "$o.srv" recv 1)" \
		"$(field "$o.srv" recv 2)" "$o.srv" "$o.cli"
}

# echo CFAM SFAM: A sends the file to a serve-echo in B and reads it back
case_echo() {
	local cf=$1 sf=$2 name="$1 -> $2: $SIZE echoed back" why o=$tmp/echo.$1.$2
	next_port
	if why=$(fam_skip "$cf" "$sf"); then
		skip "$name" "$why"
		return
	fi
	if ! srv_tool "$sf" "$o.srv" serve-echo "$port"; then
		nok "$name (server did not start)"
		return
	fi
	cli "$cf" "$o.cli" send "$port" "$data"
	srv_wait
	check "$name" "$bytes $bytes" "$sum $sum" \
		"$(field "$o.cli" sent 1) $(field "$o.cli" recv 1)" \
		"$(field "$o.cli" sent 2) $(field "$o.cli" recv 2)" "$o.srv" "$o.cli"
}

# serve CFAM SFAM: a serve-send in B sends the file to A's recv
case_serve() {
	local cf=$1 sf=$2 name="$2 server -> $1 client: $SIZE" why o=$tmp/serve.$1.$2
	next_port
	if why=$(fam_skip "$cf" "$sf"); then
		skip "$name" "$why"
		return
	fi
	if ! srv_tool "$sf" "$o.srv" serve-send "$port" "$data"; then
		nok "$name (server did not start)"
		return
	fi
	cli "$cf" "$o.cli" recv "$port"
	srv_wait
	check "$name" "$bytes" "$sum" "$(field "$o.cli" recv 1)" \
		"$(field "$o.cli" recv 2)" "$o.srv" "$o.cli"
}

# to_nc CFAM: A's tool sends the file to `nc -l` in B
case_to_nc() {
	local cf=$1 name="$1 -> nc -l: $SIZE" why o=$tmp/tonc.$1 s
	next_port
	if why=$(fam_skip "$cf"); then
		skip "$name" "$why"
		return
	fi
	if ! srv_nc "$o.out" "$port"; then
		nok "$name (nc did not start)"
		return
	fi
	cli "$cf" "$o.cli" send "$port" "$data"
	srv_wait
	s=$(sha256sum <"$o.out" | cut -d' ' -f1)
	check "$name" "$bytes" "$sum" "$(stat -c %s "$o.out")" "$s" "$o.cli" "$o.out.err"
}

# from_nc SFAM: `nc -N` in A sends the file to a serve-sink in B
case_from_nc() {
	local sf=$1 name="nc -> $1: $SIZE" why o=$tmp/fromnc.$1
	next_port
	if why=$(fam_skip "$sf"); then
		skip "$name" "$why"
		return
	fi
	if ! srv_tool "$sf" "$o.srv" serve-sink "$port"; then
		nok "$name (server did not start)"
		return
	fi
	in_ns "$nsa" timeout "$TO" nc -N 10.0.0.2 "$port" <"$data" >"$o.nc" 2>&1
	srv_wait
	check "$name" "$bytes" "$sum" "$(field "$o.srv" recv 1)" \
		"$(field "$o.srv" recv 2)" "$o.srv" "$o.nc"
}

# nc_serve CFAM: `nc -N -l` in B sends the file to A's recv
case_nc_serve() {
	local cf=$1 name="nc -l server -> $1 client: $SIZE" why o=$tmp/ncserve.$1
	next_port
	if why=$(fam_skip "$cf"); then
		skip "$name" "$why"
		return
	fi
	if ! NC_IN=$data srv_nc "$o.out" "$port" -N; then
		nok "$name (nc did not start)"
		return
	fi
	cli "$cf" "$o.cli" recv "$port"
	srv_wait
	check "$name" "$bytes" "$sum" "$(field "$o.cli" recv 1)" \
		"$(field "$o.cli" recv 2)" "$o.cli" "$o.out.err"
}

# handshake CFAM SFAM: connect and close, nothing sent
case_handshake() {
	local cf=$1 sf=$2 name="$1 -> $2: handshake over veth" why o=$tmp/hs.$1.$2 r
	next_port
	if why=$(fam_skip "$cf" "$sf"); then
		skip "$name" "$why"
		return
	fi
	if ! srv_tool "$sf" "$o.srv" serve-sink "$port"; then
		nok "$name (server did not start)"
		return
	fi
	cli "$cf" "$o.cli" connect "$port"
	srv_wait
	r="$(cat "$o.cli") / $(field "$o.srv" recv 1)"
	if [ "$r" = "connect OK / 0" ]; then
		ok "$name"
	else
		nok "$name (client: $(cat "$o.cli"); server received: $(field "$o.srv" recv 1))"
		show "$o.srv"
	fi
}

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
# checksum status: 0 bad, 1 good, 2 unverified
CLASSIFY='
{
	n++
	if ($2 == 1) good++
	bad = ($2 == 0 || $3 == 0 || $4 != "" || $5 != "" || $6 != "" || $7 != "")
	rec = ($8 != "" || $9 != "" || $10 != "" || $11 != "")
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
	in_ns "$nsa" timeout -k 5 100 tcpdump -n -i va -s 0 -U -w "$tmp/cap.pcap" \
		"tcp portrange $CAP_PORT0-$((CAP_PORT0 + 9))" 2>"$tmp/cap.td" &
	pid=$!
	bg+=("$pid")
	for i in $(seq 500); do
		grep -q 'listening on' "$tmp/cap.td" && break
		sleep 0.02
	done
	k=0
	for pair in "${CAP_PAIRS[@]}"; do
		k=$((k + 1))
		cap_transfer "$k" $pair
	done
	sleep 0.3
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	grep -E 'captured|dropped by kernel' "$tmp/cap.td" | sed 's/^/#   tcpdump: /'
	for f in "${FIELDS[@]}"; do
		args+=(-e "$f")
	done
	tsh -r "$tmp/cap.pcap" -T fields -E separator=/t "${args[@]}" \
		-e tcp.srcport -e tcp.dstport >"$tmp/cap.fields"
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
	lim=$((nall / 100))
	[ "$lim" -ge 3 ] || lim=3
	diag "$cf -> $sf: $nall frames, $nchk with a verified good TCP checksum; $nrec loss recovery (retransmission, dup ACK), $nflow flow control (informational)"
	diag "  flagged frames: ${res#* * * * * }"
	if [ "${nbad:-1}" -eq 0 ] && [ "${nrec:-0}" -le "$lim" ] &&
	   [ "${nchk:-0}" -gt 0 ] && [ "$nchk" -eq "$nall" ] && [ -s "$tmp/syn.$cf.$sf" ]; then
		ok "$name"
	else
		nok "$name (${nbad:-?} errors, ${nrec:-?} loss recovery (limit $lim); ${nchk:-?} of ${nall:-?} checksums good; SYN/SYN-ACK seen: $(wc -l <"$tmp/syn.$cf.$sf"))"
		tsh -r "$tmp/cap.pcap" -Y "tcp.port == $p && (tcp.analysis.flags || _ws.malformed || tcp.checksum.status != 1)" |
			head -n 20 | sed 's/^/#   /'
	fi
}

# ---------------------------------------------------------------------
echo "TAP version 13"

if [ "$(id -u)" -ne 0 ]; then
	echo "1..0 # SKIP needs root"
	exit 4
fi
if [ ! -x "$tool" ]; then
	echo "Bail out! $tool not built (make -C selftests)"
	exit 1
fi

setup() {
	local self i
	modprobe veth 2>/dev/null
	self=$(netns_of $$)
	unshare -n sleep 3600 &
	nsa=$!
	unshare -n sleep 3600 &
	nsb=$!
	for i in $(seq 100); do
		[ "$(netns_of "$nsa")" != "$self" ] &&
			[ "$(netns_of "$nsb")" != "$self" ] && break
		sleep 0.02
	done
	[ "$(netns_of "$nsa")" != "$self" ] || return 1
	[ "$(netns_of "$nsb")" != "$self" ] || return 1
	in_ns "$nsa" ip link set lo up &&
	in_ns "$nsb" ip link set lo up &&
	in_ns "$nsa" ip link add va type veth peer name vb netns "$nsb" &&
	in_ns "$nsa" ip addr add 10.0.0.1/24 dev va &&
	in_ns "$nsb" ip addr add 10.0.0.2/24 dev vb &&
	in_ns "$nsa" ip link set va up &&
	in_ns "$nsb" ip link set vb up
}

if setup; then
	ok "setup: netns A (va 10.0.0.1/24) and B (vb 10.0.0.2/24) over veth"
else
	nok "setup: netns A and B over veth"
	echo "Bail out! no namespaces"
	exit 1
fi

# Does XTCP connect?  To a closed port of B: ECONNREFUSED if it tries.
r=$(in_ns "$nsa" "$tool" --family xtcp --timeout 20 connect 10.0.0.2:9 2>&1)
case "$r" in
"connect ECONNREFUSED")
	xtcp_ok=1
	ok "xtcp: connect() to a closed port of B: ECONNREFUSED" ;;
"connect EOPNOTSUPP")
	xtcp_why="connection path not implemented yet (XTCP connect() gives EOPNOTSUPP)"
	skip "xtcp: connect() to a closed port of B" "$xtcp_why" ;;
*)
	xtcp_why="XTCP connect() to a closed port failed: $r"
	nok "xtcp: connect() to a closed port of B ($r; is xtcp.ko loaded?)" ;;
esac
r=$(in_ns "$nsa" "$tool" --family inet --timeout 20 connect 10.0.0.2:9 2>&1)
[ "$r" = "connect ECONNREFUSED" ] && ok "inet: connect() to a closed port of B: ECONNREFUSED" ||
	nok "inet: connect() to a closed port of B ($r)"

# use_data 16M|4M: the file the cases send ($data, $bytes, $sum, $SIZE)
use_data() {
	SIZE=$1
	data=$tmp/data.$1
	if [ ! -f "$data" ]; then
		"$tool" gen --bytes "$1" >"$data"
		sha256sum <"$data" | cut -d' ' -f1 >"$data.sum"
		diag "data $1: $(stat -c %s "$data") bytes, sha256 $(cat "$data.sum")"
	fi
	bytes=$(stat -c %s "$data")
	sum=$(cat "$data.sum")
}
cap_bytes=$("$tool" gen --bytes "$CAP_SIZE" | wc -c)

# --- transfers ---------------------------------------------------------
use_data 16M
for f in inet xtcp; do
	case_handshake "$f" "$f"
	case_sink "$f" "$f"
done
if have nc; then
	for f in inet xtcp; do
		case_to_nc "$f"
		case_from_nc "$f"
	done
fi
use_data 4M
for f in inet xtcp; do
	case_echo "$f" "$f"
	case_serve "$f" "$f"
done
# XTCP with stock TCP: the tool as the AF_INET peer
case_sink xtcp inet
case_sink inet xtcp
case_serve xtcp inet
case_serve inet xtcp
case_echo xtcp inet
case_echo inet xtcp
if have nc; then
	for f in inet xtcp; do
		case_nc_serve "$f"
	done
else
	for f in inet xtcp; do
		skip "$f <-> nc" "nc (netcat-openbsd) not installed"
	done
fi

diag "transfers done after $(($(date +%s) - start)) s"

# --- captures ----------------------------------------------------------
cap_why=
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
			sed 's/^/#   /' "$tmp/syn.inet.inet"
			diag "${p/./ -> }:"
			sed 's/^/#   /' "$tmp/syn.$p"
		fi
	done
	if [ -z "$bad" ]; then
		ok "$name"
	else
		nok "$name (differ:$bad)"
	fi
fi

diag "$(($(date +%s) - start)) s"
echo "1..$num"
[ "$nfail" -eq 0 ]
