// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: connections over 127.0.0.1, compared with AF_INET.
 *
 *   handshake_*   the three-way handshake paused at each step (segments
 *                 dropped on lo by nftables), with the states /proc shows:
 *                 LISTEN, SYN_SENT, SYN_RECV (request sock), ESTABLISHED;
 *                 XTCP <-> XTCP, XTCP client -> stock server, stock
 *                 client -> XTCP server
 *   connect_refused       blocking and non-blocking connect to a closed port
 *   connect_nonblocking   EINPROGRESS, POLLOUT, SO_ERROR, names, connect
 *                         after bind
 *   recv_flags    MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT, MSG_WAITALL, FIONREAD
 *
 * Data transfer tests are in xtcp_conn_data.c.
 *
 * See xtcp_conn_lib.h for how the runs are compared and when they SKIP.
 */
#include "xtcp_conn_lib.h"

/* "same" when getpeername(a) is getsockname(b) */
static void t_names_match(struct trace *t, int a, int b, const char *label)
{
	struct sockaddr_in pa = name_of(a, true), nb = name_of(b, false);

	T_VAL(t, pa.sin_addr.s_addr == nb.sin_addr.s_addr &&
	      pa.sin_port == nb.sin_port && pa.sin_port != 0,
	      "peer name is the other's name: %s", label);
}

/* ------------------------------------------------------------------ */
/* The handshake, step by step                                         */
/* ------------------------------------------------------------------ */

static void scen_handshake(struct trace *t, int fam, long arg)
{
	int cf = role_cf(fam, arg), sf = role_sf(fam, arg);
	struct sockaddr_in sa = sa4("127.0.0.1", CONN_PORT);
	struct ep lep = { .fam = sf, .l = sa }, ce, se;
	char synack[96], ack[96], buf[8];
	int l, c, s;

	snprintf(synack, sizeof(synack),
		 "tcp sport %d tcp flags & (syn|ack) == syn|ack", CONN_PORT);
	snprintf(ack, sizeof(ack), "tcp dport %d tcp flags == ack", CONN_PORT);
	if (T_NFT_SETUP(t))
		return;

	l = T_FD(t, socket(sf, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
		 "listener socket");
	T_RET(t, bind4(l, "127.0.0.1", CONN_PORT), "listener bind");
	T_RET(t, listen(l, 8), "listen");
	T_STATE(t, &lep, ST_LISTEN, "listener");

	/* SYN: the SYN-ACKs are dropped, the client stays in SYN_SENT */
	T_NFT_DROP(t, synack);
	c = T_FD(t, socket(cf, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
		 "client socket");
	if (T_RET(t, connect4(c, "127.0.0.1", CONN_PORT), "connect") < 0 &&
	    errno != EINPROGRESS)
		goto out;
	ce.fam = cf;
	ce.l = name_of(c, false);
	ce.r = sa;
	se = ep_rev(&ce, sf);
	t_sockname(t, c, "client in SYN_SENT");
	t_peername(t, c, "client in SYN_SENT");
	T_STATE(t, &ce, ST_SYN_SENT, "client after its SYN");
	T_STATE(t, &se, ST_SYN_RECV, "server request sock");
	T_STATE(t, &lep, ST_LISTEN, "listener with a request");
	t_poll(t, c, 0, 0, "client in SYN_SENT");
	t_poll(t, l, 0, 0, "listener with a request");
	T_RET(t, accept(l, NULL, NULL), "accept during the handshake");
	t_getint(t, c, SOL_SOCKET, SO_ERROR, "SO_ERROR in SYN_SENT");
	T_RET(t, connect4(c, "127.0.0.1", CONN_PORT), "connect again in SYN_SENT");

	/* SYN-ACK through (a retransmission), the final ACK dropped */
	T_NFT_REPLACE(t, ack);
	t_poll(t, c, POLLOUT, 8000, "client after the SYN-ACK");
	t_getint(t, c, SOL_SOCKET, SO_ERROR, "SO_ERROR after the SYN-ACK");
	T_STATE_SLOW(t, &ce, ST_ESTABLISHED, "client after the SYN-ACK");
	sleep_ms(100);
	T_STATE(t, &se, ST_SYN_RECV, "server, final ACK dropped");
	t_peername(t, c, "client established");
	t_poll(t, l, 0, 0, "listener, final ACK dropped");
	T_RET(t, accept(l, NULL, NULL), "accept before the final ACK");
	T_RET(t, connect4(c, "127.0.0.1", CONN_PORT), "connect again when established");
	T_RET(t, connect4(c, "127.0.0.1", CONN_PORT), "connect a third time");

	/* data from the client completes the handshake on the server */
	T_NFT_FLUSH(t);
	T_RET(t, send(c, "x", 1, MSG_NOSIGNAL), "client sends 1 byte");
	t_poll(t, l, POLLIN, 8000, "listener after the ACK");
	s = T_FD(t, accept4(l, NULL, NULL, SOCK_CLOEXEC), "accept");
	if (s < 0)
		goto out_c;
	set_timeouts(s, 5000);
	T_STATE(t, &se, ST_ESTABLISHED, "server after the ACK");
	T_STATE(t, &ce, ST_ESTABLISHED, "client after the ACK");
	T_STATE(t, &lep, ST_LISTEN, "listener after accept");
	t_names_match(t, s, c, "accepted vs client");
	t_names_match(t, c, s, "client vs accepted");
	t_sockname(t, s, "accepted");
	T_RETVAL(t, recv(s, buf, sizeof(buf), 0), buf[0], "server recv");
	T_RET(t, send(s, "y", 1, MSG_NOSIGNAL), "server sends 1 byte");
	t_poll(t, c, POLLIN, 2000, "client with data");
	T_RETVAL(t, recv(c, buf, sizeof(buf), 0), buf[0], "client recv");
	close(c);
	T_RET(t, recv(s, buf, sizeof(buf), 0), "server recv EOF");
	close(s);
	T_STATE(t, &ce, ST_TIME_WAIT, "client after both closed");
	T_STATE(t, &se, ST_NONE, "server after both closed");
	close(l);
	T_STATE(t, &lep, ST_NONE, "listener after close");
	t_leftover(t, fam);
	return;
out_c:
	close(c);
out:
	close(l);
}

static void check_handshake(struct __test_metadata *_metadata,
			    const struct trace *ti)
{
	EXPECT_STEP_ERR(ti, "connect", EINPROGRESS);
	EXPECT_TRUE(t_check(_metadata, ti, "getpeername client in SYN_SENT",
			    -1, ENOTCONN, false, 0));
	EXPECT_STATE(ti, "listener", ST_LISTEN);
	EXPECT_STATE(ti, "client after its SYN", ST_SYN_SENT);
	EXPECT_STATE(ti, "server request sock", ST_SYN_RECV);
	EXPECT_STEP_ERR(ti, "accept during the handshake", EAGAIN);
	EXPECT_STEP_ERR(ti, "connect again in SYN_SENT", EALREADY);
	EXPECT_STATE(ti, "client after the SYN-ACK", ST_ESTABLISHED);
	EXPECT_STATE(ti, "server, final ACK dropped", ST_SYN_RECV);
	EXPECT_STEP_ERR(ti, "accept before the final ACK", EAGAIN);
	/* the first connect() after a non-blocking one completed: 0 */
	EXPECT_STEP_OK(ti, "connect again when established");
	EXPECT_STEP_ERR(ti, "connect a third time", EISCONN);
	EXPECT_STEP_OK(ti, "accept");
	EXPECT_STATE(ti, "server after the ACK", ST_ESTABLISHED);
	EXPECT_STATE(ti, "client after both closed", ST_TIME_WAIT);
	EXPECT_STATE(ti, "server after both closed", ST_NONE);
	EXPECT_STATE(ti, "leftover entries (not TIME_WAIT)", 0);
	EXPECT_TRUE(t_check(_metadata, ti, "poll revents client after the SYN-ACK",
			    1, 0, true, POLLOUT));
	EXPECT_TRUE(t_check(_metadata, ti, "poll revents client in SYN_SENT",
			    0, 0, true, 0));
}

#define HANDSHAKE_TEST(name, arg)					\
	TEST_F_TIMEOUT(conn, name, 90)					\
	{								\
		if (!nft_available())					\
			SKIP(return, "nft (nftables) not installed");	\
		CONN_RUN(scen_handshake, arg,				\
			 check_handshake(_metadata, ti));		\
	}

HANDSHAKE_TEST(handshake_xtcp_xtcp, 0)
HANDSHAKE_TEST(handshake_xtcp_to_inet, SERVER_STOCK)
HANDSHAKE_TEST(handshake_inet_to_xtcp, CLIENT_STOCK)

/* ------------------------------------------------------------------ */
/* connect() to a closed port                                          */
/* ------------------------------------------------------------------ */

static void scen_refused(struct trace *t, int fam, long arg)
{
	int c, b, n;

	(void)arg;
	c = T_FD(t, socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket");
	set_timeouts(c, 5000);
	T_RET(t, connect4(c, "127.0.0.1", CONN_PORT), "connect");
	t_getint(t, c, SOL_SOCKET, SO_ERROR, "SO_ERROR after refused");
	t_peername(t, c, "after refused");
	t_poll(t, c, 0, 0, "after refused");
	T_RET(t, connect4(c, "127.0.0.1", CONN_PORT), "connect again");
	T_RET(t, send(c, "x", 1, MSG_NOSIGNAL), "send after refused");
	close(c);

	/* a port bound (same family) but not listening */
	b = T_FD(t, socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket bound");
	T_RET(t, bind4(b, "127.0.0.1", CONN_PORT2), "bind");
	c = T_FD(t, socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket 2");
	set_timeouts(c, 5000);
	T_RET(t, connect4(c, "127.0.0.1", CONN_PORT2), "connect to a bound port");
	close(c);
	close(b);

	n = T_FD(t, socket(fam, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
		 "socket non-blocking");
	T_RET(t, connect4(n, "127.0.0.1", CONN_PORT), "connect non-blocking");
	t_poll(t, n, POLLOUT, 5000, "non-blocking refused");
	t_getint(t, n, SOL_SOCKET, SO_ERROR, "SO_ERROR non-blocking");
	t_getint(t, n, SOL_SOCKET, SO_ERROR, "SO_ERROR read again");
	t_poll(t, n, 0, 0, "after SO_ERROR");
	T_RET(t, connect4(n, "127.0.0.1", CONN_PORT), "connect non-blocking again");
	t_poll(t, n, POLLOUT, 5000, "non-blocking refused again");
	t_getint(t, n, SOL_SOCKET, SO_ERROR, "SO_ERROR again");
	close(n);
	t_leftover(t, fam);
}

TEST(connect_refused)
{
	CONN_RUN(scen_refused, 0, ({
		EXPECT_STEP_ERR(ti, "connect", ECONNREFUSED);
		EXPECT_STEP_VAL(ti, "getsockopt SO_ERROR after refused (val*1000+len)", 4);
		EXPECT_STEP_ERR(ti, "connect again", ECONNREFUSED);
		EXPECT_STEP_ERR(ti, "connect to a bound port", ECONNREFUSED);
		EXPECT_STEP_ERR(ti, "connect non-blocking", EINPROGRESS);
		EXPECT_STEP_VAL(ti, "getsockopt SO_ERROR non-blocking (val*1000+len)",
				ECONNREFUSED * 1000 + 4);
		EXPECT_STEP_VAL(ti, "getsockopt SO_ERROR read again (val*1000+len)", 4);
	}));
}

/* ------------------------------------------------------------------ */
/* Non-blocking connect, names, connect after bind                     */
/* ------------------------------------------------------------------ */

static int t_accept(struct trace *t, int l, const char *label)
{
	struct pollfd p = { .fd = l, .events = POLLIN };
	int s;

	poll(&p, 1, 5000);
	s = T_FD(t, accept4(l, NULL, NULL, SOCK_CLOEXEC), "accept %s", label);
	if (s >= 0)
		set_timeouts(s, 5000);
	return s;
}

static void scen_nonblock(struct trace *t, int fam, long arg)
{
	int cf = role_cf(fam, arg), sf = role_sf(fam, arg);
	int l, c[6], s[6], one = 1;
	struct ep ce;

	for (int i = 0; i < 6; i++)
		c[i] = s[i] = -1;
	l = T_FD(t, socket(sf, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
		 "listener socket");
	T_RET(t, bind4(l, "127.0.0.1", CONN_PORT), "listener bind");
	T_RET(t, listen(l, 16), "listen");

	c[0] = T_FD(t, socket(cf, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
		    "client socket");
	T_RET(t, connect4(c[0], "127.0.0.1", CONN_PORT), "connect non-blocking");
	t_poll(t, c[0], POLLOUT, 5000, "after connect");
	t_getint(t, c[0], SOL_SOCKET, SO_ERROR, "SO_ERROR after connect");
	T_RET(t, connect4(c[0], "127.0.0.1", CONN_PORT), "connect again");
	T_RET(t, connect4(c[0], "127.0.0.1", CONN_PORT), "connect a third time");
	t_sockname(t, c[0], "client");
	t_peername(t, c[0], "client");
	ce = ep_of(c[0], cf);
	T_STATE(t, &ce, ST_ESTABLISHED, "client");
	s[0] = t_accept(t, l, "1");
	t_names_match(t, s[0], c[0], "accepted vs client");
	t_names_match(t, c[0], s[0], "client vs accepted");
	t_sockname(t, s[0], "accepted");
	T_VAL(t, getint(s[0], SOL_SOCKET, SO_DOMAIN), "accepted SO_DOMAIN");

	/* bound to an address and port first */
	c[1] = T_FD(t, socket(cf, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket 2");
	set_timeouts(c[1], 5000);
	T_RET(t, bind4(c[1], "127.0.0.1", CONN_PORT3), "bind 127.0.0.1:5003");
	T_RET(t, connect4(c[1], "127.0.0.1", CONN_PORT), "connect after bind");
	t_sockname(t, c[1], "after bind+connect");
	t_peername(t, c[1], "after bind+connect");
	s[1] = t_accept(t, l, "2");
	t_peername(t, s[1], "accepted 2");
	t_sockname(t, s[1], "accepted 2");

	/* bound to the wildcard address with a port */
	c[2] = T_FD(t, socket(cf, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket 3");
	set_timeouts(c[2], 5000);
	T_RET(t, bind4(c[2], "0.0.0.0", CONN_PORT2), "bind 0.0.0.0:5002");
	T_RET(t, connect4(c[2], "127.0.0.1", CONN_PORT), "connect from 0.0.0.0:5002");
	t_sockname(t, c[2], "from 0.0.0.0:5002");
	s[2] = t_accept(t, l, "3");
	t_peername(t, s[2], "accepted 3");

	/* bound to another local address, no port */
	c[3] = T_FD(t, socket(cf, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket 4");
	set_timeouts(c[3], 5000);
	T_RET(t, bind4(c[3], "127.0.0.2", 0), "bind 127.0.0.2:0");
	T_RET(t, connect4(c[3], "127.0.0.1", CONN_PORT), "connect from 127.0.0.2");
	t_sockname(t, c[3], "from 127.0.0.2");
	s[3] = t_accept(t, l, "4");
	t_names_match(t, s[3], c[3], "accepted 4 vs client");

	/* IP_BIND_ADDRESS_NO_PORT: the port comes with connect() */
	c[4] = T_FD(t, socket(cf, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket 5");
	set_timeouts(c[4], 5000);
	setsockopt(c[4], SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
	T_RET(t, bind4(c[4], "127.0.0.1", 0), "bind no port");
	t_sockname(t, c[4], "bound, no port");
	T_RET(t, connect4(c[4], "127.0.0.1", CONN_PORT), "connect with no port");
	t_sockname(t, c[4], "connected, port chosen");
	s[4] = t_accept(t, l, "5");

	/* to 0.0.0.0: the loopback address */
	c[5] = T_FD(t, socket(cf, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket 6");
	set_timeouts(c[5], 5000);
	T_RET(t, connect4(c[5], "0.0.0.0", CONN_PORT), "connect to 0.0.0.0");
	t_peername(t, c[5], "connected to 0.0.0.0");
	t_sockname(t, c[5], "connected to 0.0.0.0");
	s[5] = t_accept(t, l, "6");
	t_names_match(t, s[5], c[5], "accepted 6 vs client");

	T_RET(t, accept(l, NULL, NULL), "accept with an empty queue");
	for (int i = 0; i < 6; i++) {
		if (c[i] >= 0)
			close(c[i]);
		if (s[i] >= 0)
			close(s[i]);
	}
	close(l);
	t_leftover(t, fam);
}

TEST(connect_nonblocking)
{
	CONN_RUN(scen_nonblock, 0, ({
		EXPECT_STEP_ERR(ti, "connect non-blocking", EINPROGRESS);
		EXPECT_TRUE(t_check(_metadata, ti, "poll revents after connect",
				    1, 0, true, POLLOUT));
		EXPECT_STEP_VAL(ti, "getsockopt SO_ERROR after connect (val*1000+len)", 4);
		EXPECT_STEP_OK(ti, "connect again");
		EXPECT_STEP_ERR(ti, "connect a third time", EISCONN);
		EXPECT_STEP_VAL(ti, "getsockname after bind+connect",
				0x7f000001L << 16 | CONN_PORT3);
		EXPECT_STEP_VAL(ti, "getpeername accepted 2",
				0x7f000001L << 16 | CONN_PORT3);
		EXPECT_STEP_VAL(ti, "getsockname from 0.0.0.0:5002",
				0x7f000001L << 16 | CONN_PORT2);
		EXPECT_STEP_VAL(ti, "getsockname from 127.0.0.2", 0x7f000002L << 16 | 1);
		EXPECT_STEP_VAL(ti, "getsockname bound, no port", 0x7f000001L << 16);
		EXPECT_STEP_VAL(ti, "getsockname connected, port chosen",
				0x7f000001L << 16 | 1);
		EXPECT_STEP_VAL(ti, "getpeername connected to 0.0.0.0",
				0x7f000001L << 16 | CONN_PORT);
		EXPECT_STEP_VAL(ti, "peer name is the other's name: accepted vs client", 1);
		EXPECT_STEP_ERR(ti, "accept with an empty queue", EAGAIN);
		EXPECT_STATE(ti, "leftover entries (not TIME_WAIT)", 0);
	}));
}

/* ------------------------------------------------------------------ */
/* recv() flags                                                        */
/* ------------------------------------------------------------------ */

struct later_send {
	int fd;
	const char *parts[3];
};

static void *later_send_fn(void *arg)
{
	struct later_send *ls = arg;

	for (int i = 0; i < 3 && ls->parts[i]; i++) {
		sleep_ms(150);
		if (send(ls->fd, ls->parts[i], strlen(ls->parts[i]), MSG_NOSIGNAL) < 0)
			break;
	}
	return NULL;
}

static void scen_recv_flags(struct trace *t, int fam, long arg)
{
	struct later_send ls = { .parts = { "abcdef", "ghij" } };
	char buf[4096], *big;
	struct conn k;
	long total = 0;
	pthread_t th;
	int v = -1, e = 0;
	ssize_t r = 0;

	block_sigpipe();
	if (t_connect_pair(t, &k, role_cf(fam, arg), role_sf(fam, arg), CONN_PORT))
		goto out;

	T_RET(t, send(k.s, "0123456789", 10, MSG_NOSIGNAL), "send 10");
	wait_inq(k.c, 10);
	t_poll(t, k.c, 0, 0, "with 10 bytes");
	T_RETVAL(t, ioctl(k.c, FIONREAD, &v), v, "FIONREAD");
	T_RETVAL(t, recv(k.c, buf, 4, MSG_PEEK), bytes_val(buf, 4), "recv 4 PEEK");
	T_RETVAL(t, recv(k.c, buf, 100, MSG_PEEK), bytes_val(buf, 8), "recv 100 PEEK");
	T_RET(t, recv(k.c, NULL, 3, MSG_TRUNC), "recv 3 TRUNC (discard)");
	T_RETVAL(t, ioctl(k.c, FIONREAD, &v), v, "FIONREAD after TRUNC");
	T_RETVAL(t, recv(k.c, buf, 100, MSG_PEEK | MSG_TRUNC), bytes_val(buf, 7),
		 "recv 100 PEEK|TRUNC");
	T_RETVAL(t, recv(k.c, buf, 2, 0), bytes_val(buf, 2), "recv 2");
	T_RET(t, recv(k.c, buf, 0, 0), "recv 0");
	T_RETVAL(t, recv(k.c, buf, 100, MSG_DONTWAIT), bytes_val(buf, 5),
		 "recv 100 DONTWAIT");
	T_RET(t, recv(k.c, buf, 100, MSG_DONTWAIT), "recv DONTWAIT, empty");
	T_RET(t, recv(k.c, buf, 100, MSG_DONTWAIT | MSG_PEEK), "recv DONTWAIT|PEEK, empty");
	T_RET(t, recv(k.c, NULL, 100, MSG_DONTWAIT | MSG_TRUNC), "recv DONTWAIT|TRUNC, empty");
	t_poll(t, k.c, 0, 0, "empty");

	/* MSG_WAITALL: two sends 150 ms apart make one recv */
	ls.fd = k.s;
	pthread_create(&th, NULL, later_send_fn, &ls);
	T_RETVAL(t, recv(k.c, buf, 10, MSG_WAITALL), bytes_val(buf + 2, 8),
		 "recv 10 WAITALL, sent 6+4");
	pthread_join(th, NULL);

	/* MSG_WAITALL that times out (SO_RCVTIMEO 300 ms): what there is */
	set_timeouts(k.c, 300);
	T_RET(t, send(k.s, "klmn", 4, MSG_NOSIGNAL), "send 4");
	T_RETVAL(t, recv(k.c, buf, 10, MSG_WAITALL), bytes_val(buf, 4),
		 "recv 10 WAITALL, 4 there, timeout");
	T_RET(t, recv(k.c, buf, 10, 0), "recv, timeout");
	set_timeouts(k.c, 5000);

	/* MSG_TRUNC of more than one segment */
	big = calloc(1, 3000);
	T_RET(t, send(k.s, big, 3000, MSG_NOSIGNAL), "send 3000");
	free(big);
	wait_inq(k.c, 3000);
	T_RET(t, recv(k.c, NULL, 10000, MSG_TRUNC | MSG_DONTWAIT), "recv 10000 TRUNC|DONTWAIT");
	T_RETVAL(t, ioctl(k.c, FIONREAD, &v), v, "FIONREAD after big TRUNC");

	/* MSG_DONTWAIT send until the buffers are full (s does not read) */
	memset(buf, 'z', sizeof(buf));
	for (int i = 0; i < 16384; i++) {
		r = send(k.c, buf, sizeof(buf), MSG_DONTWAIT | MSG_NOSIGNAL);
		if (r < 0) {
			e = errno;
			break;
		}
		total += r;
	}
	t_add(t, 0, r, e, 0, "send DONTWAIT until the buffers are full");
	T_VAL(t, total > 65536, "  more than 64 KiB went first");
	T_RET(t, send(k.c, buf, 1, MSG_DONTWAIT | MSG_NOSIGNAL), "send DONTWAIT, full");
	t_poll(t, k.c, 0, 0, "client, buffers full");

	/* MSG_WAITALL and EOF */
	T_RET(t, send(k.s, "xyz", 3, MSG_NOSIGNAL), "send 3");
	T_RET(t, shutdown(k.s, SHUT_WR), "peer shutdown(SHUT_WR)");
	T_RETVAL(t, recv(k.c, buf, 10, MSG_WAITALL), bytes_val(buf, 3),
		 "recv 10 WAITALL, 3 then EOF");
	T_RET(t, recv(k.c, buf, 10, 0), "recv at EOF");
	T_RET(t, recv(k.c, buf, 10, MSG_PEEK), "recv PEEK at EOF");
	T_RET(t, recv(k.c, buf, 10, MSG_DONTWAIT), "recv DONTWAIT at EOF");
	T_RET(t, recv(k.c, buf, 10, MSG_WAITALL), "recv WAITALL at EOF");
	t_poll(t, k.c, 0, 0, "at EOF");
out:
	conn_close(&k);
	t_leftover(t, fam);
}

TEST(recv_flags)
{
	CONN_RUN(scen_recv_flags, 0, ({
		EXPECT_STEP_VAL(ti, "FIONREAD", 10);
		EXPECT_TRUE(t_check(_metadata, ti, "recv 4 PEEK", 4, 0, true,
				    bytes_val("0123", 4)));
		EXPECT_STEP_RET(ti, "recv 100 PEEK", 10);
		EXPECT_STEP_RET(ti, "recv 3 TRUNC (discard)", 3);
		EXPECT_STEP_VAL(ti, "FIONREAD after TRUNC", 7);
		EXPECT_TRUE(t_check(_metadata, ti, "recv 2", 2, 0, true,
				    bytes_val("34", 2)));
		EXPECT_TRUE(t_check(_metadata, ti, "recv 100 DONTWAIT", 5, 0, true,
				    bytes_val("56789", 5)));
		EXPECT_STEP_ERR(ti, "recv DONTWAIT, empty", EAGAIN);
		EXPECT_STEP_ERR(ti, "recv DONTWAIT|PEEK, empty", EAGAIN);
		EXPECT_STEP_RET(ti, "recv 10 WAITALL, sent 6+4", 10);
		EXPECT_STEP_RET(ti, "recv 10 WAITALL, 4 there, timeout", 4);
		EXPECT_STEP_ERR(ti, "recv, timeout", EAGAIN);
		EXPECT_STEP_RET(ti, "recv 10000 TRUNC|DONTWAIT", 3000);
		EXPECT_STEP_ERR(ti, "send DONTWAIT until the buffers are full", EAGAIN);
		EXPECT_STEP_ERR(ti, "send DONTWAIT, full", EAGAIN);
		EXPECT_STEP_RET(ti, "recv 10 WAITALL, 3 then EOF", 3);
		EXPECT_STEP_RET(ti, "recv at EOF", 0);
		EXPECT_STATE(ti, "leftover entries (not TIME_WAIT)", 0);
	}));
}

/* ------------------------------------------------------------------ */
/* TCP_INFO                                                            */
/* ------------------------------------------------------------------ */

static void t_info(struct trace *t, int fd, const char *tag)
{
	struct tcp_info_61 ti;
	socklen_t len = sizeof(ti);
	int r;

	memset(&ti, 0, sizeof(ti));
	r = getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len);
	T_RETVAL(t, r, (long)len, "TCP_INFO %s: length", tag);
	T_VAL(t, ti.tcpi_state, "TCP_INFO %s: state", tag);
	T_VAL(t, ti.tcpi_options, "TCP_INFO %s: options", tag);
	T_VAL(t, ti.tcpi_snd_wscale, "TCP_INFO %s: snd_wscale", tag);
	T_VAL(t, ti.tcpi_rcv_wscale, "TCP_INFO %s: rcv_wscale", tag);
	T_VAL(t, ti.tcpi_unacked, "TCP_INFO %s: unacked", tag);
	T_VAL(t, ti.tcpi_sacked, "TCP_INFO %s: sacked", tag);
	T_VAL(t, ti.tcpi_total_retrans, "TCP_INFO %s: total_retrans", tag);
	T_VAL(t, ti.tcpi_bytes_acked, "TCP_INFO %s: bytes_acked", tag);
	T_VAL(t, ti.tcpi_bytes_received, "TCP_INFO %s: bytes_received", tag);
	T_VAL(t, ti.tcpi_snd_cwnd > 0, "TCP_INFO %s: cwnd > 0", tag);
	T_VAL(t, ti.tcpi_rto >= 200000, "TCP_INFO %s: rto >= 200 ms", tag);
	T_VAL(t, ti.tcpi_data_segs_out > 0, "TCP_INFO %s: data segments out", tag);
	T_VAL(t, ti.tcpi_notsent_bytes, "TCP_INFO %s: notsent_bytes", tag);
}

static void scen_tcp_info(struct trace *t, int fam, long arg)
{
	struct tcp_info_61 ti;
	socklen_t len = 4;
	struct conn k;
	char buf[4096];
	int fd;

	/* a new socket, a short length, a listener */
	fd = T_FD(t, socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0), "socket");
	T_RETVAL(t, getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len), (long)len,
		 "TCP_INFO, 4 bytes");
	t_info(t, fd, "new");
	close(fd);
	if (t_connect_pair(t, &k, role_cf(fam, arg), role_sf(fam, arg),
			   CONN_PORT))
		return;
	T_RET(t, listen(k.l, 7), "listen(7) again");
	t_info(t, k.l, "listener");
	memset(buf, 'x', sizeof(buf));
	T_RET(t, send(k.c, buf, 3000, 0), "client send 3000");
	T_RET(t, recv(k.s, buf, sizeof(buf), MSG_WAITALL), "server recv 3000");
	T_RET(t, send(k.s, buf, 1000, 0), "server send 1000");
	T_RET(t, recv(k.c, buf, 1000, MSG_WAITALL), "client recv 1000");
	sleep_ms(300);	/* the last ACKs */
	t_info(t, k.c, "client");
	t_info(t, k.s, "server");
	conn_close(&k);
	t_leftover(t, fam);
}

TEST(tcp_info)
{
	CONN_RUN(scen_tcp_info, 0, ({
		/* the SYN counts */
		EXPECT_STEP_VAL(ti, "TCP_INFO client: bytes_acked", 3001);
		EXPECT_STEP_VAL(ti, "TCP_INFO client: bytes_received", 1000);
		EXPECT_STEP_VAL(ti, "TCP_INFO listener: sacked", 7);
	}));
}

TEST_HARNESS_MAIN
