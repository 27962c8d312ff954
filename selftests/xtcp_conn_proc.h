/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A parser for /proc/net/tcp and /proc/net/xtcp, which have the same
 * format (Linux 6.1's tcp4_seq_show()):
 *
 *   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ...
 *    0: 0100007F:1389 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 ...
 *
 * Addresses are the __be32 printed as a host-order integer (%08X), ports
 * host order (%04X), st the TCP state in hex.  Listeners, full sockets,
 * request socks (st 03) and TIME_WAIT socks (st 06, or 05 for an orphan's
 * FIN_WAIT2) all appear.  The files show the calling process's network
 * namespace.  The tests run the same parser on /proc/net/tcp for their
 * AF_INET runs and on /proc/net/xtcp for their AF_XTCP runs, so that both
 * runs assert the same states.
 */
#ifndef XTCP_CONN_PROC_H
#define XTCP_CONN_PROC_H

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/* st values (include/net/tcp_states.h) */
enum {
	ST_NONE = 0,		/* no such entry (not a kernel state) */
	ST_ESTABLISHED = 1,
	ST_SYN_SENT,
	ST_SYN_RECV,
	ST_FIN_WAIT1,
	ST_FIN_WAIT2,
	ST_TIME_WAIT,
	ST_CLOSE,
	ST_CLOSE_WAIT,
	ST_LAST_ACK,
	ST_LISTEN,
	ST_CLOSING,
	ST_NEW_SYN_RECV,
};

#define PROC_NET_TCP	"/proc/net/tcp"
#define PROC_NET_XTCP	"/proc/net/xtcp"

static inline const char *st_name(int st)
{
	static const char *const names[] = {
		"NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1",
		"FIN_WAIT2", "TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK",
		"LISTEN", "CLOSING", "NEW_SYN_RECV",
	};

	if (st >= 0 && st < (int)(sizeof(names) / sizeof(names[0])))
		return names[st];
	return "?";
}

struct proc_ent {
	uint32_t laddr, raddr;	/* network order, as in sin_addr.s_addr */
	uint16_t lport, rport;	/* host order */
	int st;
	unsigned int txq, rxq;
	unsigned int uid;
	unsigned long inode;
};

/* The file of a family: /proc/net/tcp for AF_INET, else /proc/net/xtcp. */
static inline const char *proc_path(int fam)
{
	return fam == AF_INET ? PROC_NET_TCP : PROC_NET_XTCP;
}

/* Parse one data line; false for the header or anything unexpected. */
static inline bool proc_parse_line(const char *line, struct proc_ent *e)
{
	unsigned int la, lp, ra, rp, st, txq = 0, rxq = 0, tr, retr, uid = 0;
	unsigned long when, inode = 0;
	int timeout, n;

	n = sscanf(line, " %*u: %8X:%4X %8X:%4X %2X %8X:%8X %2X:%8lX %8X %u %d %lu",
		   &la, &lp, &ra, &rp, &st, &txq, &rxq, &tr, &when, &retr,
		   &uid, &timeout, &inode);
	if (n < 5)
		return false;
	memset(e, 0, sizeof(*e));
	e->laddr = la;
	e->raddr = ra;
	e->lport = lp;
	e->rport = rp;
	e->st = st;
	e->txq = txq;
	e->rxq = rxq;
	e->uid = uid;
	e->inode = inode;
	return true;
}

/*
 * Call fn(entry, arg) for every entry of path until fn returns true.
 * Returns the number of entries visited, or -errno when the file cannot
 * be read (-ENOENT: no such file).
 */
static inline int proc_walk(const char *path,
			    bool (*fn)(const struct proc_ent *, void *),
			    void *arg)
{
	char line[512];
	struct proc_ent e;
	int n = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (!proc_parse_line(line, &e))
			continue;
		n++;
		if (fn(&e, arg))
			break;
	}
	fclose(f);
	return n;
}

struct proc_match {
	/* what to look for: 0 / INADDR_ANY are wildcards only where said */
	uint32_t laddr, raddr;
	uint16_t lport, rport;
	bool any_laddr, any_raddr, any_lport, any_rport;
	int st;			/* count: only this state (0: any) */
	/* results */
	int found_st;
	int count;
};

static inline bool proc_match_ent(const struct proc_match *m,
				  const struct proc_ent *e)
{
	return (m->any_laddr || e->laddr == m->laddr) &&
	       (m->any_lport || e->lport == m->lport) &&
	       (m->any_raddr || e->raddr == m->raddr) &&
	       (m->any_rport || e->rport == m->rport);
}

static inline bool proc_find_cb(const struct proc_ent *e, void *arg)
{
	struct proc_match *m = arg;

	if (!proc_match_ent(m, e))
		return false;
	m->found_st = e->st;
	return true;
}

static inline bool proc_count_cb(const struct proc_ent *e, void *arg)
{
	struct proc_match *m = arg;

	if (proc_match_ent(m, e) && (!m->st || e->st == m->st))
		m->count++;
	return false;
}

/*
 * The state of the socket local -> remote in path: ST_* (ST_NONE when
 * there is no such entry), or -errno when the file cannot be read.  A
 * listener has remote 0.0.0.0:0.
 */
static inline int proc_state(const char *path, const struct sockaddr_in *local,
			     const struct sockaddr_in *remote)
{
	struct proc_match m = {
		.laddr = local->sin_addr.s_addr,
		.lport = ntohs(local->sin_port),
		.raddr = remote ? remote->sin_addr.s_addr : 0,
		.rport = remote ? ntohs(remote->sin_port) : 0,
	};
	int r = proc_walk(path, proc_find_cb, &m);

	return r < 0 ? r : m.found_st;
}

/*
 * Number of entries in path with local port lport (0: any) and remote
 * port rport (0: any) in state st (0: any); -errno when unreadable.
 */
static inline int proc_count(const char *path, int lport, int rport, int st)
{
	struct proc_match m = {
		.lport = lport, .rport = rport,
		.any_laddr = true, .any_raddr = true,
		.any_lport = !lport, .any_rport = !rport,
		.st = st,
	};
	int r = proc_walk(path, proc_count_cb, &m);

	return r < 0 ? r : m.count;
}

#endif /* XTCP_CONN_PROC_H */
