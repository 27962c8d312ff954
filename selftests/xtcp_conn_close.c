// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: every orderly close order over 127.0.0.1, with the
 * intermediate states /proc shows, compared with AF_INET.
 *
 * The peer's acknowledgments are dropped on lo (nftables, ingress) to
 * hold each side in FIN_WAIT1 / LAST_ACK / CLOSING long enough to read
 * the state; removing the rule lets a retransmission finish the close.
 *
 *   close_client_first, close_server_first     close(): the first closer
 *       goes FIN_WAIT1 -> FIN_WAIT2 -> TIME_WAIT, the other CLOSE_WAIT ->
 *       LAST_ACK -> gone
 *   *_shutdown      the same with shutdown(SHUT_WR) and open descriptors:
 *       poll bits at each step, EOF, data after the half close, EPIPE and
 *       SIGPIPE after SHUT_WR
 *   close_simultaneous[_shutdown]   both FINs cross: CLOSING, TIME_WAIT
 *   close_*_xtcp_to_inet, close_*_inet_to_xtcp   the client-first close
 *       between XTCP and stock TCP
 */
#include "xtcp_conn_lib.h"

#define FIRST_SERVER	0x1	/* the server closes first */
#define USE_SHUTDOWN	0x2	/* shutdown(SHUT_WR), descriptors stay open */

static void scen_close_order(struct trace *t, int fam, long arg)
{
	bool srv_first = arg & FIRST_SERVER, shut = arg & USE_SHUTDOWN;
	char from_a[64], from_b[64], m[96], buf[16];
	struct ep ea, eb;
	struct conn k;
	int a, b;

	block_sigpipe();
	if (T_NFT_SETUP(t))
		return;
	if (t_connect_pair(t, &k, role_cf(fam, arg), role_sf(fam, arg), CONN_PORT))
		goto out;
	close(k.l);
	k.l = -1;
	a = srv_first ? k.s : k.c;
	b = srv_first ? k.c : k.s;
	ea = srv_first ? k.se : k.ce;
	eb = srv_first ? k.ce : k.se;
	/* the server's segments have source port CONN_PORT */
	snprintf(from_a, sizeof(from_a), "tcp %s %d", srv_first ? "sport" : "dport",
		 CONN_PORT);
	snprintf(from_b, sizeof(from_b), "tcp %s %d", srv_first ? "dport" : "sport",
		 CONN_PORT);

	T_STATE(t, &ea, ST_ESTABLISHED, "first closer before");
	T_STATE(t, &eb, ST_ESTABLISHED, "second closer before");
	t_poll(t, a, 0, 0, "first closer established");

	/* a's FIN arrives, b's ACK of it is dropped */
	T_NFT_DROP(t, from_b);
	if (shut)
		T_RET(t, shutdown(a, SHUT_WR), "first closer shutdown(SHUT_WR)");
	else
		T_RET(t, close(a), "first closer close()");
	T_STATE(t, &ea, ST_FIN_WAIT1, "first closer, ACK dropped");
	T_STATE(t, &eb, ST_CLOSE_WAIT, "second closer after the FIN");
	t_poll(t, b, POLLIN, 2000, "second closer after the FIN");
	T_RET(t, recv(b, buf, sizeof(buf), 0), "second closer recv EOF");
	T_RET(t, recv(b, buf, sizeof(buf), MSG_DONTWAIT), "second closer recv EOF again");
	if (shut) {
		t_poll(t, a, 0, 0, "first closer in FIN_WAIT1");
		T_RET(t, send(a, "x", 1, MSG_NOSIGNAL), "first closer send after SHUT_WR");
		T_VAL(t, sig_pending_and_clear(SIGPIPE), "  SIGPIPE");
		T_RET(t, send(a, "x", 1, 0), "first closer send after SHUT_WR, signal");
		T_VAL(t, sig_pending_and_clear(SIGPIPE), "  SIGPIPE");
		T_RET(t, shutdown(a, SHUT_WR), "first closer shutdown(SHUT_WR) again");
	}

	/* a retransmits its FIN, b's ACK goes through */
	T_NFT_FLUSH(t);
	T_STATE_SLOW(t, &ea, ST_FIN_WAIT2, "first closer after the ACK");
	T_STATE(t, &eb, ST_CLOSE_WAIT, "second closer still");
	if (shut) {
		t_poll(t, a, 0, 0, "first closer in FIN_WAIT2");
		T_RET(t, send(b, "late", 4, MSG_NOSIGNAL), "second closer sends 4 (half close)");
		t_poll(t, a, POLLIN, 2000, "first closer with data");
		T_RETVAL(t, recv(a, buf, sizeof(buf), 0), bytes_val(buf, 4),
			 "first closer recv after its SHUT_WR");
		T_STATE(t, &ea, ST_FIN_WAIT2, "first closer after the data");
	}
	t_poll(t, b, 0, 0, "second closer in CLOSE_WAIT");

	/* b's FIN arrives, a's ACK of it is dropped */
	snprintf(m, sizeof(m), "%s tcp flags == ack", from_a);
	T_NFT_DROP(t, m);
	if (shut)
		T_RET(t, shutdown(b, SHUT_WR), "second closer shutdown(SHUT_WR)");
	else
		T_RET(t, close(b), "second closer close()");
	T_STATE(t, &eb, ST_LAST_ACK, "second closer, ACK dropped");
	T_STATE(t, &ea, ST_TIME_WAIT, "first closer after the FIN");
	if (shut) {
		t_poll(t, a, 0, 0, "first closer in TIME_WAIT");
		T_RET(t, recv(a, buf, sizeof(buf), 0), "first closer recv EOF");
		t_poll(t, b, 0, 0, "second closer in LAST_ACK");
		T_RET(t, send(b, "x", 1, MSG_NOSIGNAL), "second closer send in LAST_ACK");
		t_getint(t, b, SOL_SOCKET, SO_ERROR, "SO_ERROR in LAST_ACK");
	}

	/* b retransmits its FIN, a (TIME_WAIT) acknowledges it again */
	T_NFT_FLUSH(t);
	T_STATE_SLOW(t, &eb, ST_NONE, "second closer after the ACK");
	T_STATE(t, &ea, ST_TIME_WAIT, "first closer at the end");
	if (shut) {
		t_poll(t, a, 0, 0, "first closer at the end");
		t_poll(t, b, 0, 0, "second closer at the end");
		T_RET(t, recv(b, buf, sizeof(buf), 0), "second closer recv at the end");
		t_peername(t, b, "second closer at the end");
		t_getint(t, a, SOL_SOCKET, SO_ERROR, "SO_ERROR first closer at the end");
		T_RET(t, close(a), "first closer close()");
		T_RET(t, close(b), "second closer close()");
		T_STATE(t, &ea, ST_TIME_WAIT, "first closer after close()");
	}
	k.c = k.s = -1;
	t_leftover(t, fam);
out:
	conn_close(&k);
}

static void check_close_order(struct __test_metadata *_metadata,
			      const struct trace *ti, bool shut)
{
	EXPECT_STATE(ti, "first closer, ACK dropped", ST_FIN_WAIT1);
	EXPECT_STATE(ti, "second closer after the FIN", ST_CLOSE_WAIT);
	EXPECT_STEP_RET(ti, "second closer recv EOF", 0);
	EXPECT_STATE(ti, "first closer after the ACK", ST_FIN_WAIT2);
	EXPECT_STATE(ti, "second closer, ACK dropped", ST_LAST_ACK);
	EXPECT_STATE(ti, "first closer after the FIN", ST_TIME_WAIT);
	EXPECT_STATE(ti, "second closer after the ACK", ST_NONE);
	EXPECT_STATE(ti, "first closer at the end", ST_TIME_WAIT);
	EXPECT_STATE(ti, "leftover entries (not TIME_WAIT)", 0);
	EXPECT_TRUE(t_check(_metadata, ti, "poll revents second closer after the FIN",
			    1, 0, true, POLLIN | POLLOUT | POLLRDHUP));
	if (!shut)
		return;
	EXPECT_STEP_ERR(ti, "first closer send after SHUT_WR", EPIPE);
	EXPECT_STEP_ERR(ti, "first closer send after SHUT_WR, signal", EPIPE);
	EXPECT_STEP_RET(ti, "second closer sends 4 (half close)", 4);
	EXPECT_TRUE(t_check(_metadata, ti, "first closer recv after its SHUT_WR",
			    4, 0, true, bytes_val("late", 4)));
	EXPECT_STEP_RET(ti, "first closer recv EOF", 0);
	EXPECT_STATE(ti, "first closer after close()", ST_TIME_WAIT);
}

#define CLOSE_TEST(name, arg)						\
	TEST_F_TIMEOUT(conn, name, 90)					\
	{								\
		if (!nft_available())					\
			SKIP(return, "nft (nftables) not installed");	\
		CONN_RUN(scen_close_order, arg,				\
			 check_close_order(_metadata, ti,		\
					   (arg) & USE_SHUTDOWN));	\
	}

CLOSE_TEST(close_client_first, 0)
CLOSE_TEST(close_server_first, FIRST_SERVER)
CLOSE_TEST(close_client_first_shutdown, USE_SHUTDOWN)
CLOSE_TEST(close_server_first_shutdown, FIRST_SERVER | USE_SHUTDOWN)
CLOSE_TEST(close_client_first_xtcp_to_inet, SERVER_STOCK)
CLOSE_TEST(close_client_first_inet_to_xtcp, CLIENT_STOCK)
CLOSE_TEST(close_server_first_xtcp_to_inet, FIRST_SERVER | SERVER_STOCK)
CLOSE_TEST(close_server_first_inet_to_xtcp, FIRST_SERVER | CLIENT_STOCK)

/* ------------------------------------------------------------------ */
/* Simultaneous close                                                  */
/* ------------------------------------------------------------------ */

static void scen_simultaneous(struct trace *t, int fam, long arg)
{
	bool shut = arg & USE_SHUTDOWN;
	char to_srv[64], to_cli[64], buf[8];
	struct conn k;

	block_sigpipe();
	if (T_NFT_SETUP(t))
		return;
	if (t_connect_pair(t, &k, role_cf(fam, arg), role_sf(fam, arg), CONN_PORT))
		goto out;
	close(k.l);
	k.l = -1;
	snprintf(to_srv, sizeof(to_srv), "tcp dport %d", CONN_PORT);
	snprintf(to_cli, sizeof(to_cli), "tcp sport %d", CONN_PORT);

	/* nothing passes: both send their FIN into the void */
	T_NFT_DROP(t, to_srv);
	T_NFT_DROP(t, to_cli);
	if (shut) {
		T_RET(t, shutdown(k.c, SHUT_WR), "client shutdown(SHUT_WR)");
		T_RET(t, shutdown(k.s, SHUT_WR), "server shutdown(SHUT_WR)");
	} else {
		T_RET(t, close(k.c), "client close()");
		T_RET(t, close(k.s), "server close()");
	}
	T_STATE(t, &k.ce, ST_FIN_WAIT1, "client, both FINs lost");
	T_STATE(t, &k.se, ST_FIN_WAIT1, "server, both FINs lost");
	if (shut) {
		t_poll(t, k.c, 0, 0, "client, both FINs lost");
		T_RET(t, recv(k.c, buf, sizeof(buf), MSG_DONTWAIT), "client recv, no FIN yet");
	}

	/* the server's FIN (retransmitted) reaches the client: CLOSING */
	T_NFT_REPLACE(t, to_srv);
	T_STATE_SLOW(t, &k.ce, ST_CLOSING, "client after the server's FIN");
	T_STATE(t, &k.se, ST_FIN_WAIT1, "server, client's segments lost");
	if (shut) {
		t_poll(t, k.c, 0, 0, "client in CLOSING");
		T_RET(t, recv(k.c, buf, sizeof(buf), 0), "client recv EOF in CLOSING");
		t_poll(t, k.s, 0, 0, "server in FIN_WAIT1");
	}

	/* everything passes: both end in TIME_WAIT */
	T_NFT_FLUSH(t);
	T_STATE_SLOW(t, &k.se, ST_TIME_WAIT, "server at the end");
	T_STATE_SLOW(t, &k.ce, ST_TIME_WAIT, "client at the end");
	if (shut) {
		t_poll(t, k.c, 0, 0, "client at the end");
		t_poll(t, k.s, 0, 0, "server at the end");
		T_RET(t, recv(k.s, buf, sizeof(buf), 0), "server recv EOF");
		T_RET(t, close(k.c), "client close()");
		T_RET(t, close(k.s), "server close()");
	}
	k.c = k.s = -1;
	t_leftover(t, fam);
out:
	conn_close(&k);
}

static void check_simultaneous(struct __test_metadata *_metadata,
			       const struct trace *ti)
{
	EXPECT_STATE(ti, "client, both FINs lost", ST_FIN_WAIT1);
	EXPECT_STATE(ti, "server, both FINs lost", ST_FIN_WAIT1);
	EXPECT_STATE(ti, "client after the server's FIN", ST_CLOSING);
	EXPECT_STATE(ti, "server, client's segments lost", ST_FIN_WAIT1);
	EXPECT_STATE(ti, "server at the end", ST_TIME_WAIT);
	EXPECT_STATE(ti, "client at the end", ST_TIME_WAIT);
	EXPECT_STATE(ti, "leftover entries (not TIME_WAIT)", 0);
}

TEST_F_TIMEOUT(conn, close_simultaneous, 90)
{
	if (!nft_available())
		SKIP(return, "nft (nftables) not installed");
	CONN_RUN(scen_simultaneous, 0, check_simultaneous(_metadata, ti));
}

TEST_F_TIMEOUT(conn, close_simultaneous_shutdown, 90)
{
	if (!nft_available())
		SKIP(return, "nft (nftables) not installed");
	CONN_RUN(scen_simultaneous, USE_SHUTDOWN, ({
		check_simultaneous(_metadata, ti);
		EXPECT_STEP_RET(ti, "client recv EOF in CLOSING", 0);
		EXPECT_STEP_ERR(ti, "client recv, no FIN yet", EAGAIN);
	}));
}

TEST_HARNESS_MAIN
