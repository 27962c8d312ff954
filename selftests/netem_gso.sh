#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# timeout=300
#
# XTCP selftest: loss and duplication of GSO super-packets.  As the other
# netem tests (netem_lib.sh: 8 transfers, XTCP and stock TCP in every
# pairing, both directions, SHA-256 checked), but with the veths'
# gso_max_segs left alone: the senders' write queue skbs hold many
# segments and go as one GSO packet each, netem drops or duplicates a
# whole one, and software GSO cuts it after the qdisc, so that the
# receivers ack and SACK single segments.  XTCP's sender then trims
# partly acked skbs, cuts skbs at SACK block edges and retransmits one
# segment at a time.  No 1 % loss: stock TCP sends 8 MiB in about 130
# GSO packets, and netem may then drop none of a namespace's (the
# RetransSegs checks would fail for want of a loss).
#
# Needs root, iproute2 (tc, netem), ethtool, veth.

NETEM_GSO=1
NETEM_SIZE=${NETEM_SIZE:-8M}
# the debug kernel (KASAN, lockdep) is 3 to 5 times slower: less data
case $(uname -r) in
*debug*)
	NETEM_SIZE=2M
	XTCP_NETEM_TO_SCALE=${XTCP_NETEM_TO_SCALE:-3} ;;
esac
. "$(dirname "$0")/netem_lib.sh"

netem_start
netem_condition "loss 5% (GSO packets)" 120 loss 5%
netem_condition "duplicate 5% (GSO packets)" 120 duplicate 5%
netem_condition "reorder 25% (GSO packets)" 120 delay 5ms reorder 25%
veth_end
