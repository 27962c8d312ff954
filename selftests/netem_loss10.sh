#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout=360
#
# XTCP selftest: 32 MiB transfers in both directions, XTCP and stock TCP
# in every pairing, through a veth pair that loses 10 % of the packets each
# way (data and ACKs); RetransSegs must move.  With one segment per packet
# (netem_lib.sh), stock TCP needs 120-160 s here under TCG, most of it in
# retransmission timeouts: 300 s each.
#
# See netem_lib.sh for the transfers, the counters checked and the
# environment.  TAP output; needs root, iproute2 (tc netem), ethtool,
# util-linux, veth.  The XTCP cases SKIP while XTCP cannot connect;
# XTCP_FAMILY=2 makes "xtcp" AF_INET (a self-check of this script).

. "$(dirname "$0")/netem_lib.sh"

netem_start
netem_condition "loss 10%" 300 loss 10%
veth_end
