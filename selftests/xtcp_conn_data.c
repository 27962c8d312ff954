// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: data over 127.0.0.1 connections, compared with AF_INET.
 *
 *   echo_1m_*     1 MiB echoed back, byte-exact, in the four pairings
 *                 (AF_INET <-> AF_INET is the reference run)
 *   pollout_*     a non-blocking sender that fills its buffer (EAGAIN) is
 *                 woken by poll(POLLOUT) / edge-triggered epoll(EPOLLOUT)
 *                 when the reader drains it, round after round (a wakeup
 *                 that does not come within 2 s is a stall)
 *
 * See xtcp_conn_lib.h for how the runs are compared and when they SKIP.
 */
#include "xtcp_conn_lib.h"

/* ------------------------------------------------------------------ */
/* Echo, byte-exact                                                    */
/* ------------------------------------------------------------------ */

TEST_F_TIMEOUT(conn, echo_1m_xtcp_xtcp, 60)
{
	CONN_RUN(scen_echo, 0, CHECK_ECHO(ECHO_BYTES));
}

TEST_F_TIMEOUT(conn, echo_1m_xtcp_to_inet, 60)
{
	CONN_RUN(scen_echo, SERVER_STOCK, CHECK_ECHO(ECHO_BYTES));
}

TEST_F_TIMEOUT(conn, echo_1m_inet_to_xtcp, 60)
{
	CONN_RUN(scen_echo, CLIENT_STOCK, CHECK_ECHO(ECHO_BYTES));
}


/* ------------------------------------------------------------------ */
/* Write space: POLLOUT after EAGAIN                                   */
/* ------------------------------------------------------------------ */

#define PO_ROUNDS	50
#define PO_WAIT_MS	2000	/* a wakeup later than this is a stall */
#define PO_MAX_STALLS	3
#define PO_EPOLL	0x1	/* edge-triggered epoll, else poll */

struct drain {
	int fd;
	long bytes;
	int err;
};

static void *drain_fn(void *arg)
{
	struct drain *d = arg;
	char buf[16384];

	for (;;) {
		ssize_t r = recv(d->fd, buf, sizeof(buf), 0);

		if (r <= 0) {
			d->err = r < 0 ? errno : 0;
			return NULL;
		}
		d->bytes += r;
	}
}

static void scen_pollout(struct trace *t, int fam, long arg)
{
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLET }, out;
	int stalls = 0, woke = 0, eagain = 0, ep = -1, first_stall = -1;
	struct drain d = { .fd = -1 };
	long sent = 0;
	char buf[65536];
	struct conn k;
	pthread_t th;

	memset(buf, 'w', sizeof(buf));
	if (t_connect_pair(t, &k, role_cf(fam, arg), role_sf(fam, arg), CONN_PORT))
		goto out;
	/* small buffers: many rounds, cheap */
	T_RET(t, setint(k.c, SOL_SOCKET, SO_SNDBUF, 16384), "client SO_SNDBUF");
	T_RET(t, setint(k.s, SOL_SOCKET, SO_RCVBUF, 16384), "server SO_RCVBUF");
	fcntl(k.c, F_SETFL, fcntl(k.c, F_GETFL) | O_NONBLOCK);
	set_timeouts(k.s, 10000);
	if (arg & PO_EPOLL) {
		ep = epoll_create1(EPOLL_CLOEXEC);
		epoll_ctl(ep, EPOLL_CTL_ADD, k.c, &ev);
	}
	d.fd = k.s;
	pthread_create(&th, NULL, drain_fn, &d);
	for (int i = 0; i < PO_ROUNDS; i++) {
		struct pollfd p = { .fd = k.c, .events = POLLOUT };
		ssize_t r;
		int n;

		/* write until EAGAIN */
		while ((r = send(k.c, buf, sizeof(buf), MSG_NOSIGNAL)) > 0)
			sent += r;
		if (r < 0 && errno == EAGAIN)
			eagain++;
		else
			break;
		if (arg & PO_EPOLL)
			n = epoll_wait(ep, &out, 1, PO_WAIT_MS);
		else
			n = poll(&p, 1, PO_WAIT_MS);
		if (n == 1) {
			woke++;
		} else {
			stalls++;
			if (first_stall < 0)
				first_stall = i;
			if (stalls == PO_MAX_STALLS)
				break;
		}
	}
	T_VAL(t, eagain, "rounds that ended in EAGAIN");
	T_VAL(t, woke, "rounds woken by POLLOUT within 2 s");
	T_VAL(t, stalls, "rounds not woken");
	T_VAL(t, first_stall, "  first round not woken (-1: none)");
	fcntl(k.c, F_SETFL, fcntl(k.c, F_GETFL) & ~O_NONBLOCK);
	set_timeouts(k.c, 10000);
	T_RET(t, shutdown(k.c, SHUT_WR), "client shutdown(SHUT_WR)");
	pthread_join(th, NULL);
	T_VAL(t, d.bytes == sent, "reader got every byte sent");
	T_VAL(t, d.err, "reader errno");
	if (ep >= 0)
		close(ep);
out:
	conn_close(&k);
	t_leftover(t, fam);
}

#define CHECK_POLLOUT() ({						\
	EXPECT_STEP_VAL(ti, "rounds that ended in EAGAIN", PO_ROUNDS);	\
	EXPECT_STEP_VAL(ti, "rounds woken by POLLOUT within 2 s", PO_ROUNDS); \
	EXPECT_STEP_VAL(ti, "reader got every byte sent", 1);		\
	EXPECT_STATE(ti, "leftover entries (not TIME_WAIT)", 0);	\
})

TEST_F_TIMEOUT(conn, pollout_poll, 60)
{
	CONN_RUN(scen_pollout, 0, CHECK_POLLOUT());
}

TEST_F_TIMEOUT(conn, pollout_epoll_et, 60)
{
	CONN_RUN(scen_pollout, PO_EPOLL, CHECK_POLLOUT());
}

TEST_F_TIMEOUT(conn, pollout_poll_xtcp_to_inet, 60)
{
	CONN_RUN(scen_pollout, SERVER_STOCK, CHECK_POLLOUT());
}


TEST_HARNESS_MAIN
