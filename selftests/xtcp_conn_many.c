// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: many connections, and the listen backlog, over
 * 127.0.0.1, compared with AF_INET.
 *
 *   sequential_2000   2000 connections one after the other: connect,
 *                     1-byte request, 1-byte response, close
 *   concurrent_256    256 connections in flight at once (non-blocking
 *                     connects and epoll on both sides), same exchange
 *   backlog_N         net.ipv4.tcp_syncookies=0, listen(N), nobody
 *                     accepts: N+1 connects complete their handshake (the
 *                     accept queue is full when it holds more than N), the
 *                     next ones stay in SYN_SENT, their SYNs dropped;
 *                     after accept() their retransmitted SYNs get in
 *   ephemeral_shared  ip_local_port_range of two ports: connect() shares
 *                     an ephemeral port between different destinations
 *                     (other port, other address), and runs out
 *                     (EADDRNOTAVAIL) per destination
 *   overflow_*        a handshake whose final ACK arrives when the accept
 *                     queue is full: dropped, the request stays and the
 *                     connection gets in once accept() made room; or,
 *                     with abort_on_overflow (net.ipv4.tcp_ / net.xtcp.),
 *                     answered with a reset
 *
 * The connection rates go to the TAP output as "# " lines, for
 * information only: they are never compared or asserted.
 */
#include "xtcp_conn_lib.h"

static double elapsed_s(const struct trace *t)
{
	const struct step *s = t_find(t, "elapsed us");

	return s ? s->val / 1e6 : 0;
}

static void t_elapsed(struct trace *t, long t0_us)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t_add(t, STEP_NOCMP_VAL, 0, 0,
	      ts.tv_sec * 1000000L + ts.tv_nsec / 1000 - t0_us, "elapsed us");
}

static long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000L + ts.tv_nsec / 1000;
}

static void report_rate(const struct trace *t, int n, const char *what)
{
	double s = elapsed_s(t);

	ksft_print_msg("%s: %d %s connections in %.2f s: %.0f connections/s (informational)\n",
		       fam_name(t->fam), n, what, s, s > 0 ? n / s : 0.0);
	fflush(stdout);	/* the harness's test child ends with _exit() */
}

/* ------------------------------------------------------------------ */
/* Sequential                                                          */
/* ------------------------------------------------------------------ */

#define SEQ_N	2000

struct seq_server {
	int l, n;
	int served, err, step;
};

static void *seq_server_fn(void *arg)
{
	struct seq_server *ss = arg;
	char b;

	for (int i = 0; i < ss->n; i++) {
		int s = accept4(ss->l, NULL, NULL, SOCK_CLOEXEC);

		if (s < 0) {
			ss->err = errno;
			ss->step = 1;
			return NULL;
		}
		set_timeouts(s, 10000);
		if (recv(s, &b, 1, 0) != 1) {
			ss->err = errno;
			ss->step = 2;
		} else if (send(s, &b, 1, MSG_NOSIGNAL) != 1) {
			ss->err = errno;
			ss->step = 3;
		} else if (recv(s, &b, 1, 0) != 0) {
			ss->err = errno;
			ss->step = 4;
		}
		close(s);
		if (ss->step)
			return NULL;
		ss->served++;
	}
	return NULL;
}

static void scen_sequential(struct trace *t, int fam, long arg)
{
	struct seq_server ss = { .n = SEQ_N };
	int cf = role_cf(fam, arg), ok = 0, err = 0, where = 0;
	pthread_t th;
	long t0;

	/*
	 * No reuse of TIME_WAIT ports by connect() (6.1's default, 2, allows
	 * it on loopback for ports whose TIME_WAIT is older than 1 s, which
	 * makes the TIME_WAIT count depend on timing).
	 */
	T_RET(t, sysctl_write("net/ipv4/tcp_tw_reuse", "0"), "tcp_tw_reuse=0");
	ss.l = T_FD(t, socket(role_sf(fam, arg), SOCK_STREAM | SOCK_CLOEXEC, 0),
		    "listener socket");
	T_RET(t, bind4(ss.l, "127.0.0.1", CONN_PORT), "listener bind");
	T_RET(t, listen(ss.l, 128), "listen");
	set_timeouts(ss.l, 10000);
	pthread_create(&th, NULL, seq_server_fn, &ss);
	t0 = now_us();
	for (int i = 0; i < SEQ_N; i++) {
		int c = socket(cf, SOCK_STREAM | SOCK_CLOEXEC, 0);
		char b = (char)i;

		if (c < 0) {
			err = errno;
			where = 1;
			break;
		}
		set_timeouts(c, 10000);
		if (connect4(c, "127.0.0.1", CONN_PORT)) {
			err = errno;
			where = 2;
		} else if (send(c, &b, 1, MSG_NOSIGNAL) != 1) {
			err = errno;
			where = 3;
		} else if (recv(c, &b, 1, 0) != 1 || b != (char)i) {
			err = errno;
			where = 4;
		}
		close(c);
		if (where) {
			T_VAL(t, i, "first failed connection");
			break;
		}
		ok++;
	}
	t_elapsed(t, t0);
	T_VAL(t, ok, "connections that completed");
	T_VAL(t, where, "failed at: 1 socket 2 connect 3 send 4 recv");
	T_VAL(t, err, "  errno");
	if (where)	/* the server waits for connections that will not come */
		shutdown(ss.l, SHUT_RDWR);
	pthread_join(th, NULL);
	T_VAL(t, ss.served, "server: connections served");
	T_VAL(t, ss.step, "server: failed at: 1 accept 2 recv 3 send 4 EOF");
	T_VAL(t, ss.err, "  server errno");
	close(ss.l);
	t_count(t, cf, 0, CONN_PORT, ST_TIME_WAIT, "client TIME_WAIT");
	t_leftover(t, fam);
}

TEST_F_TIMEOUT(conn, sequential_2000, 110)
{
	struct trace *ti = run_scenario(scen_sequential, AF_INET, 0, 0);
	struct trace *tx;

	EXPECT_TRUE(status_ok(ti->status));
	EXPECT_STEP_VAL(ti, "connections that completed", SEQ_N);
	EXPECT_STEP_VAL(ti, "server: connections served", SEQ_N);
	EXPECT_STATE(ti, "count client TIME_WAIT", SEQ_N);
	EXPECT_STATE(ti, "leftover entries (not TIME_WAIT)", 0);
	report_rate(ti, SEQ_N, "sequential");
	if (!_metadata->passed)
		dump_trace(_metadata, ti, 0, ti->n);
	CONN_REQUIRE_XTCP();
	tx = run_scenario(scen_sequential, xtcp_family(), 0, 0);
	if (status_ok(tx->status))
		report_rate(tx, SEQ_N, "sequential");
	CONN_COMPARE(ti, tx);
}

/* ------------------------------------------------------------------ */
/* Concurrent                                                          */
/* ------------------------------------------------------------------ */

#define CONC_N	256

struct conc_server {
	int l, n;
	int served, accepted, err;
};

static void *conc_server_fn(void *arg)
{
	struct conc_server *cs = arg;
	struct epoll_event ev = { .events = EPOLLIN }, evs[64];
	long end = now_ms() + 60000;
	int ep = epoll_create1(EPOLL_CLOEXEC);

	ev.data.fd = cs->l;
	epoll_ctl(ep, EPOLL_CTL_ADD, cs->l, &ev);
	while (cs->served < cs->n && now_ms() < end) {
		int n = epoll_wait(ep, evs, 64, 1000);

		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd;
			char b;

			if (fd == cs->l) {
				int s;

				while ((s = accept4(cs->l, NULL, NULL,
						    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					cs->accepted++;
					ev.events = EPOLLIN;
					ev.data.fd = s;
					epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev);
				}
				continue;
			}
			switch (recv(fd, &b, 1, 0)) {
			case 1:
				if (send(fd, &b, 1, MSG_NOSIGNAL) != 1 && !cs->err)
					cs->err = errno;
				break;
			case 0:
				cs->served++;
				close(fd);
				break;
			default:
				if (errno == EAGAIN)
					break;
				if (!cs->err)
					cs->err = errno;
				close(fd);
				cs->served++;
			}
		}
	}
	close(ep);
	return NULL;
}

static void scen_concurrent(struct trace *t, int fam, long arg)
{
	struct conc_server cs = { .n = CONC_N };
	struct epoll_event ev, evs[64];
	int cf = role_cf(fam, arg), fds[CONC_N], ep, done = 0, ok = 0;
	int conn_err = 0, first_err = 0, inprogress = 0;
	long t0, end;
	pthread_t th;

	cs.l = T_FD(t, socket(role_sf(fam, arg),
			      SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
		    "listener socket");
	T_RET(t, bind4(cs.l, "127.0.0.1", CONN_PORT), "listener bind");
	T_RET(t, listen(cs.l, 2 * CONC_N), "listen");
	pthread_create(&th, NULL, conc_server_fn, &cs);
	ep = epoll_create1(EPOLL_CLOEXEC);
	t0 = now_us();
	for (int i = 0; i < CONC_N; i++) {
		int r = -1;

		fds[i] = socket(cf, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fds[i] >= 0)
			r = connect4(fds[i], "127.0.0.1", CONN_PORT);
		if (fds[i] < 0 || (r && errno != EINPROGRESS)) {
			if (!first_err)
				first_err = errno;
			conn_err++;
			done++;
			if (fds[i] >= 0)
				close(fds[i]);
			fds[i] = -1;
			continue;
		}
		if (r)
			inprogress++;
		ev.events = EPOLLOUT;
		ev.data.u32 = i;
		epoll_ctl(ep, EPOLL_CTL_ADD, fds[i], &ev);
	}
	end = now_ms() + 60000;
	while (done < CONC_N && now_ms() < end) {
		int n = epoll_wait(ep, evs, 64, 1000);

		for (int j = 0; j < n; j++) {
			int i = evs[j].data.u32, fd = fds[i];
			char b = (char)i;

			if (evs[j].events & EPOLLOUT) {
				int e = getint(fd, SOL_SOCKET, SO_ERROR);

				if (e == 0 && send(fd, &b, 1, MSG_NOSIGNAL) == 1) {
					ev.events = EPOLLIN;
					ev.data.u32 = i;
					epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
					continue;
				}
				if (!first_err)
					first_err = e ? e : errno;
				conn_err++;
			} else if (recv(fd, &b, 1, 0) == 1 && b == (char)i) {
				ok++;
			} else if (errno == EAGAIN) {
				continue;
			} else if (!first_err) {
				first_err = errno ? errno : EBADMSG;
			}
			close(fd);
			fds[i] = -1;
			done++;
		}
	}
	t_elapsed(t, t0);
	for (int i = 0; i < CONC_N; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close(ep);
	T_VAL(t, inprogress, "connects that returned EINPROGRESS");
	T_VAL(t, ok, "exchanges that completed");
	T_VAL(t, conn_err, "connects that failed");
	T_VAL(t, first_err, "  first errno");
	pthread_join(th, NULL);
	T_VAL(t, cs.accepted, "server: accepted");
	T_VAL(t, cs.served, "server: served to EOF");
	T_VAL(t, cs.err, "server: first errno");
	close(cs.l);
	t_leftover(t, fam);
}

TEST_F_TIMEOUT(conn, concurrent_256, 110)
{
	struct trace *ti = run_scenario(scen_concurrent, AF_INET, 0, 0);
	struct trace *tx;

	EXPECT_TRUE(status_ok(ti->status));
	EXPECT_STEP_VAL(ti, "connects that returned EINPROGRESS", CONC_N);
	EXPECT_STEP_VAL(ti, "exchanges that completed", CONC_N);
	EXPECT_STEP_VAL(ti, "server: accepted", CONC_N);
	EXPECT_STEP_VAL(ti, "server: served to EOF", CONC_N);
	EXPECT_STATE(ti, "leftover entries (not TIME_WAIT)", 0);
	report_rate(ti, CONC_N, "concurrent");
	if (!_metadata->passed)
		dump_trace(_metadata, ti, 0, ti->n);
	CONN_REQUIRE_XTCP();
	tx = run_scenario(scen_concurrent, xtcp_family(), 0, 0);
	if (status_ok(tx->status))
		report_rate(tx, CONC_N, "concurrent");
	CONN_COMPARE(ti, tx);
}

/* ------------------------------------------------------------------ */
/* Backlog                                                             */
/* ------------------------------------------------------------------ */

#define BL_EXTRA	2	/* connects beyond what the queue takes */
#define BL_MAX		16

/* wait up to ms for want of fds[0..n) to connect; returns how many did */
static int wait_connected(const int *fds, int n, int want, int ms, int *st)
{
	long end = now_ms() + ms;
	int k = 0;

	for (;;) {
		k = 0;
		for (int i = 0; i < n; i++) {
			struct pollfd p = { .fd = fds[i], .events = POLLOUT };

			st[i] = poll(&p, 1, 0) == 1 && (p.revents & POLLOUT) &&
				getint(fds[i], SOL_SOCKET, SO_ERROR) == 0 &&
				name_of(fds[i], true).sin_port != 0;
			k += st[i];
		}
		if (k >= want || now_ms() >= end)
			return k;
		sleep_ms(20);
	}
}

static int accept_all(int l, int *fds, int max)
{
	int n = 0, s;

	while (n < max && (s = accept4(l, NULL, NULL, SOCK_CLOEXEC)) >= 0)
		fds[n++] = s;
	return n;
}

static void scen_backlog(struct trace *t, int fam, long arg)
{
	int backlog = arg & 0xff, cf = role_cf(fam, arg), sf = role_sf(fam, arg);
	int nc = backlog + 1 + BL_EXTRA, l, st[BL_MAX];
	int c[BL_MAX], s[BL_MAX], ns = 0, pend[BL_MAX], np = 0, k;
	struct ep ce;
	char buf[64];

	T_RET(t, sysctl_write("net/ipv4/tcp_syncookies", "0"), "tcp_syncookies=0");
	/* XTCP's own copy, if it has one; not recorded (AF_INET has none) */
	snprintf(buf, sizeof(buf), "net/xtcp/tcp_syncookies");
	sysctl_write(buf, "0");
	l = T_FD(t, socket(sf, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
		 "listener socket");
	T_RET(t, bind4(l, "127.0.0.1", CONN_PORT), "listener bind");
	T_RET(t, listen(l, backlog), "listen(%d)", backlog);

	/* one at a time, each given 500 ms */
	for (int i = 0; i < nc; i++) {
		c[i] = T_FD(t, socket(cf, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
			    "client socket %d", i);
		T_RET(t, connect4(c[i], "127.0.0.1", CONN_PORT), "connect %d", i);
		k = wait_connected(&c[i], 1, 1, 500, st);
		T_VAL(t, k, "client %d connected within 500 ms", i);
		if (!k)
			pend[np++] = c[i];
	}
	for (int i = 0; i < np; i++) {
		ce.fam = cf;
		ce.l = name_of(pend[i], false);
		ce.r = sa4("127.0.0.1", CONN_PORT);
		T_STATE(t, &ce, ST_SYN_SENT, "pending client %d", i);
	}
	t_count(t, sf, CONN_PORT, 0, ST_ESTABLISHED, "server ESTABLISHED (accept queue)");
	t_count(t, sf, CONN_PORT, 0, ST_SYN_RECV, "server SYN_RECV");
	t_count(t, cf, 0, CONN_PORT, ST_ESTABLISHED, "client ESTABLISHED");
	t_count(t, cf, 0, CONN_PORT, ST_SYN_SENT, "client SYN_SENT");
	t_poll(t, l, 0, 0, "listener, queue full");

	/* empty the queue: the pending clients' next SYNs get in, as many
	 * as the queue takes */
	k = accept_all(l, s, BL_MAX);
	ns += k;
	T_VAL(t, k, "accepted");
	k = wait_connected(pend, np, np < backlog + 1 ? np : backlog + 1, 8000, st);
	T_VAL(t, k, "pending clients connected after accept()");
	k = accept_all(l, s + ns, BL_MAX - ns);
	ns += k;
	T_VAL(t, k, "accepted then");
	T_RET(t, accept(l, NULL, NULL), "accept, queue empty");
	for (int i = 0; i < nc; i++)
		close(c[i]);
	for (int i = 0; i < ns; i++)
		close(s[i]);
	close(l);
	t_leftover(t, fam);
}

#define BACKLOG_TEST(name, n, stock)					\
	TEST_F_TIMEOUT(conn, name, 60)					\
	{								\
		CONN_RUN(scen_backlog, (n) | (stock), ({		\
			int __q = (n) + 1;				\
			EXPECT_STEP_OK(ti, "tcp_syncookies=0");		\
			EXPECT_STATE(ti, "count server ESTABLISHED (accept queue)", __q); \
			EXPECT_STATE(ti, "count client SYN_SENT", BL_EXTRA); \
			EXPECT_STATE(ti, "count server SYN_RECV", 0);	\
			EXPECT_STEP_VAL(ti, "accepted", __q);		\
			EXPECT_STEP_VAL(ti, "pending clients connected after accept()", \
					__q < BL_EXTRA ? __q : BL_EXTRA); \
			EXPECT_STATE(ti, "leftover entries (not TIME_WAIT)", 0); \
		}));							\
	}

BACKLOG_TEST(backlog_0, 0, 0)
BACKLOG_TEST(backlog_1, 1, 0)
BACKLOG_TEST(backlog_4, 4, 0)
BACKLOG_TEST(backlog_4_inet_clients, 4, CLIENT_STOCK)

/* ------------------------------------------------------------------ */
/* Ephemeral ports shared between destinations                         */
/* ------------------------------------------------------------------ */

#define EP_LOW		40000
#define EP_PER_DEST	3	/* connects per destination: one too many */

static void scen_ephemeral(struct trace *t, int fam, long arg)
{
	static const struct { const char *ip; int port; } dest[] = {
		{ "127.0.0.1", CONN_PORT }, { "127.0.0.1", CONN_PORT2 },
		{ "127.0.0.2", CONN_PORT },
	};
	int cf = role_cf(fam, arg), sf = role_sf(fam, arg), l[2], st[1];
	int c[ARRAY_LEN(dest)][EP_PER_DEST], mask;

	T_RET(t, set_port_range(EP_LOW, EP_LOW + 1), "port range of 2");
	for (int i = 0; i < 2; i++) {
		l[i] = T_FD(t, socket(sf, SOCK_STREAM | SOCK_CLOEXEC, 0),
			    "listener %d", i);
		T_RET(t, bind4(l[i], "0.0.0.0", i ? CONN_PORT2 : CONN_PORT),
		      "listener %d bind", i);
		T_RET(t, listen(l[i], 16), "listener %d listen", i);
	}
	for (unsigned int d = 0; d < ARRAY_LEN(dest); d++) {
		mask = 0;
		for (int i = 0; i < EP_PER_DEST; i++) {
			c[d][i] = T_FD(t, socket(cf, SOCK_STREAM | SOCK_CLOEXEC, 0),
				       "client %u.%d socket", d, i);
			if (T_RET(t, connect4(c[d][i], dest[d].ip, dest[d].port),
				  "connect %u.%d to %s:%d", d, i, dest[d].ip,
				  dest[d].port) == 0) {
				int p = sock_port(c[d][i]);

				if (p >= EP_LOW && p <= EP_LOW + 1)
					mask |= 1 << (p - EP_LOW);
				T_VAL(t, wait_connected(&c[d][i], 1, 1, 2000, st),
				      "client %u.%d connected", d, i);
			}
		}
		T_VAL(t, mask, "destination %u: ports taken (bit mask)", d);
	}
	for (unsigned int d = 0; d < ARRAY_LEN(dest); d++)
		close_all(c[d], EP_PER_DEST);
	close_all(l, 2);
	t_leftover(t, fam);
}

TEST_F_TIMEOUT(conn, ephemeral_shared, 60)
{
	CONN_RUN(scen_ephemeral, 0, ({
		EXPECT_STEP_VAL(ti, "destination 0: ports taken (bit mask)", 3);
		EXPECT_STEP_VAL(ti, "destination 1: ports taken (bit mask)", 3);
		EXPECT_STEP_VAL(ti, "destination 2: ports taken (bit mask)", 3);
	}));
}

/* ------------------------------------------------------------------ */
/* Accept-queue overflow of the final ACK                              */
/* ------------------------------------------------------------------ */

#define OV_ABORT	0x1000	/* abort_on_overflow=1 */
#define OV_BACKLOG	2
#define OV_LATE_PORT	40001	/* the client whose final ACK is held */

static void scen_overflow(struct trace *t, int fam, long arg)
{
	int cf = role_cf(fam, arg), sf = role_sf(fam, arg);
	int abort_ov = !!(arg & OV_ABORT), l, late, st[1], k;
	int c[OV_BACKLOG + 1], s[OV_BACKLOG + 2], ns = 0;
	char drop[128], val[2] = { '0' + abort_ov, 0 }, b = 'x';
	struct ep le;

	T_RET(t, sysctl_write("net/ipv4/tcp_syncookies", "0"), "tcp_syncookies=0");
	T_RET(t, sysctl_write(sf == AF_INET ? "net/ipv4/tcp_abort_on_overflow" :
			      "net/xtcp/abort_on_overflow", val),
	      "abort_on_overflow=%d", abort_ov);
	T_NFT_SETUP(t);
	l = T_FD(t, socket(sf, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
		 "listener socket");
	T_RET(t, bind4(l, "127.0.0.1", CONN_PORT), "listener bind");
	T_RET(t, listen(l, OV_BACKLOG), "listen(%d)", OV_BACKLOG);

	/* the late client: its SYN gets in, its final ACK does not yet */
	snprintf(drop, sizeof(drop),
		 "tcp sport %d tcp flags & (syn|ack) == ack", OV_LATE_PORT);
	T_NFT_DROP(t, drop);
	late = T_FD(t, socket(cf, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
		    "late client socket");
	T_RET(t, bind4(late, "127.0.0.1", OV_LATE_PORT), "late client bind");
	T_RET(t, connect4(late, "127.0.0.1", CONN_PORT), "late client connect");
	T_VAL(t, wait_connected(&late, 1, 1, 2000, st), "late client connected");
	t_count(t, sf, CONN_PORT, 0, ST_SYN_RECV, "server SYN_RECV (late)");

	/* fill the accept queue: it is full when it holds backlog + 1 */
	for (int i = 0; i <= OV_BACKLOG; i++) {
		c[i] = T_FD(t, socket(cf, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
			    "client socket %d", i);
		T_RET(t, connect4(c[i], "127.0.0.1", CONN_PORT), "connect %d", i);
		T_VAL(t, wait_connected(&c[i], 1, 1, 2000, st),
		      "client %d connected", i);
	}
	t_count(t, sf, CONN_PORT, 0, ST_ESTABLISHED, "server ESTABLISHED (queue full)");

	/* the late client's data (with its ACK) now reaches a full queue */
	T_NFT_FLUSH(t);
	T_RET(t, send(late, &b, 1, MSG_NOSIGNAL), "late client send");
	sleep_ms(700);
	T_VAL(t, getint(late, SOL_SOCKET, SO_ERROR), "late client SO_ERROR");
	le.fam = cf;
	le.l = sa4("127.0.0.1", OV_LATE_PORT);
	le.r = sa4("127.0.0.1", CONN_PORT);
	T_STATE(t, &le, abort_ov ? ST_NONE : ST_ESTABLISHED, "late client");

	/* room again: without abort, the late connection gets in with its
	 * byte on its retransmission
	 */
	k = accept_all(l, s, OV_BACKLOG + 2);
	ns += k;
	T_VAL(t, k, "accepted");
	if (!abort_ov) {
		long end = now_ms() + 8000;

		while ((k = accept_all(l, s + ns, OV_BACKLOG + 2 - ns)) == 0 &&
		       now_ms() < end)
			sleep_ms(50);
		ns += k;
		T_VAL(t, k, "late connection accepted");
		if (k) {
			set_timeouts(s[ns - 1], 5000);
			fcntl(s[ns - 1], F_SETFL, 0);
			b = 0;
			T_RET(t, recv(s[ns - 1], &b, 1, 0), "late byte received");
			T_VAL(t, b, "late byte");
		}
	}
	t_count(t, sf, CONN_PORT, 0, ST_SYN_RECV, "server SYN_RECV (end)");
	close(late);
	for (int i = 0; i <= OV_BACKLOG; i++)
		close(c[i]);
	for (int i = 0; i < ns; i++)
		close(s[i]);
	close(l);
	nft_flush();
	t_leftover(t, fam);
}

#define OVERFLOW_TEST(name, arg)					\
	TEST_F_TIMEOUT(conn, name, 60)					\
	{								\
		if (!nft_available())					\
			SKIP(return, "nft is not installed");		\
		CONN_RUN(scen_overflow, arg, ({				\
			int __ab = !!((arg) & OV_ABORT);		\
			EXPECT_STATE(ti, "count server SYN_RECV (late)", 1); \
			EXPECT_STATE(ti, "count server ESTABLISHED (queue full)", \
				     OV_BACKLOG + 1);			\
			EXPECT_STEP_VAL(ti, "late client SO_ERROR",	\
					__ab ? ECONNRESET : 0);		\
			EXPECT_STEP_VAL(ti, "accepted", OV_BACKLOG + 1); \
			if (!__ab)					\
				EXPECT_STEP_VAL(ti, "late byte", 'x');	\
			EXPECT_STATE(ti, "count server SYN_RECV (end)", 0); \
			EXPECT_STATE(ti, "leftover entries (not TIME_WAIT)", 0); \
		}));							\
	}

OVERFLOW_TEST(overflow_drop, 0)
OVERFLOW_TEST(overflow_abort, OV_ABORT)
OVERFLOW_TEST(overflow_abort_inet_clients, OV_ABORT | CLIENT_STOCK)

TEST_HARNESS_MAIN
