/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * XTCP: an alternative TCP implementation in its own socket family.
 *
 * socket(AF_XTCP, SOCK_STREAM, 0) gives a stream socket that speaks
 * standard TCP on the wire and takes and returns struct sockaddr_in,
 * like AF_INET's TCP sockets.  Socket options at SOL_SOCKET, SOL_IP and
 * SOL_TCP keep their Linux names and semantics.
 */
#ifndef _UAPI_LINUX_XTCP_H
#define _UAPI_LINUX_XTCP_H

/*
 * The family number.  27 is AF_IB, which is below AF_MAX (46 on 6.1)
 * and which no 6.1 code registers as a socket family, so socket(27, ...)
 * reaches XTCP and nothing else.  28 (AF_MPLS) would not do: Debian
 * aliases net-pf-28 to mpls_router, so socket(28, ...) auto-loads that
 * module.  The module parameter "family" overrides the number; the one
 * in use is readable in /sys/module/xtcp/parameters/family.
 */
#define AF_XTCP		27
#define PF_XTCP		AF_XTCP

#endif /* _UAPI_LINUX_XTCP_H */
