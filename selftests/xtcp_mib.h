/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Counters of the calling thread's network namespace, by name:
 *
 *   snmp_get("Icmp", "InCsumErrors")   /proc/net/snmp, then /proc/net/netstat
 *                                      ("Tcp", "TcpExt", "Icmp", ...)
 *   tcp_mib(fam, "OutOfWindowIcmps")   the TCP counter of a family: stock
 *                                      TCP's (Tcp or TcpExt) for AF_INET,
 *                                      /proc/net/xtcp_stat for XTCP
 *
 * Both return -1 when the counter does not exist.
 *
 *   tcp_sysctl(fam, "retries2", "3")   net.ipv4.tcp_retries2 for AF_INET,
 *                                      net.xtcp.retries2 for XTCP, in the
 *                                      calling thread's netns
 */
#ifndef XTCP_MIB_H
#define XTCP_MIB_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "xtcp_common.h"	/* sysctl_write() */

/* "Proto: name name ..." followed by "Proto: value value ..." */
static inline long mib_pairs(const char *path, const char *proto,
			     const char *name)
{
	char names[4096], vals[4096], *sn, *sv, *n, *v;
	size_t plen = strlen(proto);
	long ret = -1;
	FILE *f = fopen(path, "re");

	if (!f)
		return -1;
	while (fgets(names, sizeof(names), f) && fgets(vals, sizeof(vals), f)) {
		if (strncmp(names, proto, plen) || names[plen] != ':')
			continue;
		n = strtok_r(names + plen + 1, " \n", &sn);
		v = strtok_r(vals + plen + 1, " \n", &sv);
		while (n && v) {
			if (!strcmp(n, name)) {
				ret = strtol(v, NULL, 10);
				goto out;
			}
			n = strtok_r(NULL, " \n", &sn);
			v = strtok_r(NULL, " \n", &sv);
		}
	}
out:
	fclose(f);
	return ret;
}

static inline long snmp_get(const char *proto, const char *name)
{
	long v = mib_pairs("/proc/net/snmp", proto, name);

	return v >= 0 ? v : mib_pairs("/proc/net/netstat", proto, name);
}

/* /proc/net/xtcp_stat: "Name Value" lines */
static inline long xtcp_stat_get(const char *name)
{
	char line[256], n[128];
	long v, ret = -1;
	FILE *f = fopen("/proc/net/xtcp_stat", "re");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%127s %ld", n, &v) == 2 && !strcmp(n, name)) {
			ret = v;
			break;
		}
	fclose(f);
	return ret;
}

static inline long tcp_mib(int fam, const char *name)
{
	long v;

	if (fam != AF_INET)
		return xtcp_stat_get(name);
	v = mib_pairs("/proc/net/snmp", "Tcp", name);
	return v >= 0 ? v : mib_pairs("/proc/net/netstat", "TcpExt", name);
}

/* The family's twin of a TCP sysctl; 0 or -errno. */
static inline int tcp_sysctl(int fam, const char *name, const char *val)
{
	char path[128];

	snprintf(path, sizeof(path), fam == AF_INET ? "net/ipv4/tcp_%s" :
		 "net/xtcp/%s", name);
	return sysctl_write(path, val);
}

#endif /* XTCP_MIB_H */
