#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout=400
#
# XTCP selftest: 32 MiB transfers in both directions, XTCP and stock TCP
# in every pairing, through a veth pair that loses 5 % of the packets
# each way (data and ACKs); RetransSegs must move.
#
# Not in make check: stock TCP moves 32 MiB through this in about 20 s,
# XTCP's sender in 70 to 200 s under TCG (no RACK and no tail loss
# probes: a lost retransmission waits for the RTO), over the time CI
# has.  See netem_lib.sh for the transfers, the counters checked and the
# environment.  TAP output; needs root, iproute2 (tc netem), ethtool,
# util-linux, veth.

. "$(dirname "$0")/netem_lib.sh"

netem_start
netem_condition "loss 5%" "${NETEM_LOSS5_TO:-300}" loss 5%
veth_end
