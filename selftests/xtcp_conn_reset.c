// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: resets and half-closes over 127.0.0.1, compared with
 * AF_INET, with the poll bits and /proc states at each step.
 *
 *   rst_unread_*     close() with unread data sends RST; the peer then
 *                    sees ECONNRESET once, EPIPE (and SIGPIPE without
 *                    MSG_NOSIGNAL) on writes, EOF on reads; in three
 *                    orders (recv, send or SO_ERROR first)
 *   rst_linger0      SO_LINGER {1, 0}: close() sends RST; a reader
 *                    blocked in recv() wakes with ECONNRESET
 *   linger_*         SO_LINGER with a timeout: a normal close; the timeout
 *                    when the FIN is not acknowledged
 *   shutdown_rd      shutdown(SHUT_RD): EOF at once, data still queued,
 *                    writes still go; data after SHUT_RD|SHUT_WR: RST
 *   shutdown_rdwr    shutdown(SHUT_RDWR): POLLHUP; data from the peer: RST
 *   orphan_data      data to an orphaned FIN_WAIT2 socket: RST
 *   challenge_ratelimit  SYNs (from a raw socket) to a connection get
 *                    challenge ACKs (RFC 5961 4.2), at most one per
 *                    invalid_ratelimit (500 ms) per socket; counted
 *                    TCPChallengeACK and TCPACKSkippedChallenge
 */
#include "xtcp_conn_lib.h"
#include "xtcp_mib.h"

#include <netinet/ip.h>

#define RST_LINGER0	0x1	/* else close() with unread data */
#define ORDER_SEND	0x2	/* send first, else recv first */
#define ORDER_SOERR	0x4	/* SO_ERROR first */
#define BLOCKED_READER	0x8	/* a thread blocked in recv() when the RST comes */

struct reader {
	int fd;
	long ret;
	int err;
};

static void *reader_fn(void *arg)
{
	struct reader *r = arg;
	char buf[16];

	r->ret = recv(r->fd, buf, sizeof(buf), 0);
	r->err = r->ret < 0 ? errno : 0;
	return NULL;
}

static void scen_rst(struct trace *t, int fam, long arg)
{
	struct linger lg = { 1, 0 };
	struct reader rd = { .fd = -1 };
	char buf[16];
	struct conn k;
	pthread_t th;
	int v = -1;

	block_sigpipe();
	if (t_connect_pair(t, &k, role_cf(fam, arg), role_sf(fam, arg), CONN_PORT))
		goto out;
	close(k.l);
	k.l = -1;
	if (arg & RST_LINGER0) {
		T_RET(t, setsockopt(k.c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)),
		      "SO_LINGER {1, 0}");
	} else {
		T_RET(t, send(k.s, "data", 4, MSG_NOSIGNAL), "server sends 4");
		wait_inq(k.c, 4);
		T_RETVAL(t, ioctl(k.c, FIONREAD, &v), v, "client FIONREAD");
	}
	t_poll(t, k.s, 0, 0, "server before the RST");
	if (arg & BLOCKED_READER) {
		rd.fd = k.s;
		pthread_create(&th, NULL, reader_fn, &rd);
		sleep_ms(200);
	}
	T_RET(t, close(k.c), "client close()");
	k.c = -1;
	if (arg & BLOCKED_READER) {
		pthread_join(th, NULL);
		t_add(t, 0, rd.ret, rd.err, 0, "blocked recv() when the RST came");
	}
	t_poll(t, k.s, POLLIN, 2000, "server after the RST");
	T_STATE(t, &k.se, ST_NONE, "server after the RST");
	T_STATE(t, &k.ce, ST_NONE, "client after its RST");

	if (arg & ORDER_SOERR) {
		t_getint(t, k.s, SOL_SOCKET, SO_ERROR, "SO_ERROR first");
		t_getint(t, k.s, SOL_SOCKET, SO_ERROR, "SO_ERROR again");
		T_RET(t, recv(k.s, buf, sizeof(buf), 0), "recv");
		T_RET(t, send(k.s, "x", 1, MSG_NOSIGNAL), "send NOSIGNAL");
		T_VAL(t, sig_pending_and_clear(SIGPIPE), "  SIGPIPE");
	} else if (arg & ORDER_SEND) {
		T_RET(t, send(k.s, "x", 1, MSG_NOSIGNAL), "send NOSIGNAL first");
		T_VAL(t, sig_pending_and_clear(SIGPIPE), "  SIGPIPE");
		T_RET(t, send(k.s, "x", 1, 0), "send");
		T_VAL(t, sig_pending_and_clear(SIGPIPE), "  SIGPIPE");
		T_RET(t, recv(k.s, buf, sizeof(buf), 0), "recv");
	} else {
		T_RET(t, recv(k.s, buf, sizeof(buf), 0), "recv first");
		T_RET(t, recv(k.s, buf, sizeof(buf), 0), "recv again");
		t_poll(t, k.s, 0, 0, "server after ECONNRESET");
		T_RET(t, send(k.s, "x", 1, MSG_NOSIGNAL), "send NOSIGNAL");
		T_VAL(t, sig_pending_and_clear(SIGPIPE), "  SIGPIPE");
		T_RET(t, send(k.s, "x", 1, 0), "send");
		T_VAL(t, sig_pending_and_clear(SIGPIPE), "  SIGPIPE");
		T_RET(t, write(k.s, "x", 1), "write");
		T_VAL(t, sig_pending_and_clear(SIGPIPE), "  SIGPIPE");
	}
	T_RET(t, recv(k.s, buf, sizeof(buf), MSG_DONTWAIT), "recv DONTWAIT at the end");
	t_getint(t, k.s, SOL_SOCKET, SO_ERROR, "SO_ERROR at the end");
	t_peername(t, k.s, "after the RST");
	t_sockname(t, k.s, "after the RST");
	T_RET(t, shutdown(k.s, SHUT_RDWR), "shutdown(SHUT_RDWR) after the RST");
	t_poll(t, k.s, 0, 0, "server at the end");
	T_RET(t, close(k.s), "server close()");
	k.s = -1;
	t_leftover(t, fam);
out:
	conn_close(&k);
}

#define CHECK_RST_COMMON() ({						\
	EXPECT_STEP_OK(ti, "client close()");				\
	EXPECT_STATE(ti, "server after the RST", ST_NONE);		\
	EXPECT_STATE(ti, "client after its RST", ST_NONE);		\
	EXPECT_STEP_RET(ti, "recv DONTWAIT at the end", 0);		\
	EXPECT_STEP_VAL(ti, "getsockopt SO_ERROR at the end (val*1000+len)", 4); \
	EXPECT_TRUE(t_check(_metadata, ti, "getpeername after the RST",	\
			    -1, ENOTCONN, false, 0));			\
	EXPECT_STATE(ti, "leftover entries (not TIME_WAIT)", 0);	\
})

TEST(rst_unread_recv_first)
{
	CONN_RUN(scen_rst, 0, ({
		CHECK_RST_COMMON();
		EXPECT_STEP_VAL(ti, "client FIONREAD", 4);
		EXPECT_STEP_ERR(ti, "recv first", ECONNRESET);
		EXPECT_STEP_RET(ti, "recv again", 0);
		EXPECT_STEP_ERR(ti, "send NOSIGNAL", EPIPE);
		EXPECT_STEP_ERR(ti, "send", EPIPE);
		EXPECT_STEP_ERR(ti, "write", EPIPE);
	}));
}

TEST(rst_unread_send_first)
{
	CONN_RUN(scen_rst, ORDER_SEND, ({
		CHECK_RST_COMMON();
		EXPECT_STEP_ERR(ti, "send NOSIGNAL first", ECONNRESET);
		EXPECT_STEP_ERR(ti, "send", EPIPE);
		EXPECT_STEP_RET(ti, "recv", 0);
	}));
}

TEST(rst_unread_so_error_first)
{
	CONN_RUN(scen_rst, ORDER_SOERR, ({
		CHECK_RST_COMMON();
		EXPECT_STEP_VAL(ti, "getsockopt SO_ERROR first (val*1000+len)",
				ECONNRESET * 1000 + 4);
		EXPECT_STEP_RET(ti, "recv", 0);
		EXPECT_STEP_ERR(ti, "send NOSIGNAL", EPIPE);
	}));
}

TEST(rst_linger0)
{
	CONN_RUN(scen_rst, RST_LINGER0 | BLOCKED_READER, ({
		CHECK_RST_COMMON();
		EXPECT_STEP_OK(ti, "SO_LINGER {1, 0}");
		EXPECT_STEP_ERR(ti, "blocked recv() when the RST came", ECONNRESET);
		EXPECT_STEP_RET(ti, "recv first", 0);
		EXPECT_STEP_ERR(ti, "send NOSIGNAL", EPIPE);
	}));
}

TEST(rst_linger0_xtcp_to_inet)
{
	CONN_RUN(scen_rst, RST_LINGER0 | SERVER_STOCK, CHECK_RST_COMMON());
}

TEST(rst_linger0_inet_to_xtcp)
{
	CONN_RUN(scen_rst, RST_LINGER0 | CLIENT_STOCK, CHECK_RST_COMMON());
}

TEST(rst_unread_xtcp_to_inet)
{
	CONN_RUN(scen_rst, SERVER_STOCK, CHECK_RST_COMMON());
}

TEST(rst_unread_inet_to_xtcp)
{
	CONN_RUN(scen_rst, CLIENT_STOCK, CHECK_RST_COMMON());
}

/* ------------------------------------------------------------------ */
/* SO_LINGER with a timeout                                            */
/* ------------------------------------------------------------------ */

#define LINGER_LOST_ACK	0x1	/* the server's ACKs are dropped */

static void scen_linger(struct trace *t, int fam, long arg)
{
	struct linger lg = { 1, 1 };
	char buf[8], m[64];
	struct conn k;
	long t0, ms;

	if ((arg & LINGER_LOST_ACK) && T_NFT_SETUP(t))
		return;
	if (t_connect_pair(t, &k, role_cf(fam, arg), role_sf(fam, arg), CONN_PORT))
		goto out;
	close(k.l);
	k.l = -1;
	T_RET(t, setsockopt(k.c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)),
	      "SO_LINGER {1, 1}");
	T_RET(t, send(k.c, "bye", 3, MSG_NOSIGNAL), "client sends 3");
	if (arg & LINGER_LOST_ACK) {
		snprintf(m, sizeof(m), "tcp sport %d", CONN_PORT);
		T_NFT_DROP(t, m);
	}
	t0 = now_ms();
	T_RET(t, close(k.c), "client close() with SO_LINGER");
	ms = now_ms() - t0;
	k.c = -1;
	T_VAL(t, ms >= 900 ? 2 : ms >= 400 ? 1 : 0,
	      "close() took: 0 <0.4 s, 1 <0.9 s, 2 longer");
	if (arg & LINGER_LOST_ACK) {
		T_STATE(t, &k.ce, ST_FIN_WAIT1, "client after close(), ACK lost");
		T_NFT_FLUSH(t);
	}
	T_STATE_SLOW(t, &k.ce, ST_FIN_WAIT2, "client after close()");
	T_STATE(t, &k.se, ST_CLOSE_WAIT, "server after the FIN");
	T_RETVAL(t, recv(k.s, buf, sizeof(buf), 0), bytes_val(buf, 3), "server recv");
	T_RET(t, recv(k.s, buf, sizeof(buf), 0), "server recv EOF");
	T_RET(t, close(k.s), "server close()");
	k.s = -1;
	T_STATE(t, &k.ce, ST_TIME_WAIT, "client at the end");
	t_leftover(t, fam);
out:
	conn_close(&k);
}

TEST(linger_graceful)
{
	CONN_RUN(scen_linger, 0, ({
		EXPECT_STEP_OK(ti, "client close() with SO_LINGER");
		EXPECT_STEP_VAL(ti, "close() took: 0 <0.4 s, 1 <0.9 s, 2 longer", 0);
		EXPECT_STATE(ti, "client after close()", ST_FIN_WAIT2);
		EXPECT_STATE(ti, "server after the FIN", ST_CLOSE_WAIT);
		EXPECT_STEP_RET(ti, "server recv EOF", 0);
		EXPECT_STATE(ti, "client at the end", ST_TIME_WAIT);
	}));
}

TEST_F_TIMEOUT(conn, linger_timeout, 60)
{
	if (!nft_available())
		SKIP(return, "nft (nftables) not installed");
	CONN_RUN(scen_linger, LINGER_LOST_ACK, ({
		EXPECT_STEP_OK(ti, "client close() with SO_LINGER");
		EXPECT_STEP_VAL(ti, "close() took: 0 <0.4 s, 1 <0.9 s, 2 longer", 2);
		EXPECT_STATE(ti, "client after close(), ACK lost", ST_FIN_WAIT1);
		EXPECT_STATE(ti, "client after close()", ST_FIN_WAIT2);
		EXPECT_STATE(ti, "client at the end", ST_TIME_WAIT);
	}));
}

/* ------------------------------------------------------------------ */
/* shutdown(SHUT_RD), shutdown(SHUT_RDWR)                              */
/* ------------------------------------------------------------------ */

#define SHUT_BOTH	0x1	/* shutdown(SHUT_RDWR), else SHUT_RD then SHUT_WR */

static void scen_shut_rd(struct trace *t, int fam, long arg)
{
	char buf[16];
	struct conn k;
	int v = -1;

	block_sigpipe();
	if (t_connect_pair(t, &k, role_cf(fam, arg), role_sf(fam, arg), CONN_PORT))
		goto out;
	close(k.l);
	k.l = -1;
	if (arg & SHUT_BOTH) {
		T_RET(t, shutdown(k.c, SHUT_RDWR), "client shutdown(SHUT_RDWR)");
		T_STATE(t, &k.ce, ST_FIN_WAIT2, "client after SHUT_RDWR");
		T_STATE(t, &k.se, ST_CLOSE_WAIT, "server after SHUT_RDWR");
		t_poll(t, k.c, 0, 0, "client after SHUT_RDWR");
		T_RET(t, recv(k.c, buf, sizeof(buf), 0), "client recv");
		T_RET(t, send(k.c, "x", 1, MSG_NOSIGNAL), "client send");
		t_poll(t, k.s, POLLIN, 2000, "server after the FIN");
		T_RET(t, recv(k.s, buf, sizeof(buf), 0), "server recv EOF");
	} else {
		T_RET(t, shutdown(k.c, SHUT_RD), "client shutdown(SHUT_RD)");
		T_STATE(t, &k.ce, ST_ESTABLISHED, "client after SHUT_RD");
		T_STATE(t, &k.se, ST_ESTABLISHED, "server after SHUT_RD");
		t_poll(t, k.c, 0, 0, "client after SHUT_RD");
		t_poll(t, k.s, 0, 0, "server after SHUT_RD");
		T_RET(t, recv(k.c, buf, sizeof(buf), 0), "client recv after SHUT_RD");
		T_RET(t, recv(k.c, buf, sizeof(buf), MSG_DONTWAIT), "client recv DONTWAIT");
		T_RET(t, send(k.s, "abc", 3, MSG_NOSIGNAL), "server sends 3");
		sleep_ms(100);
		T_RETVAL(t, ioctl(k.c, FIONREAD, &v), v, "client FIONREAD");
		t_poll(t, k.c, 0, 0, "client with data after SHUT_RD");
		T_RETVAL(t, recv(k.c, buf, sizeof(buf), 0), bytes_val(buf, 3),
			 "client recv data after SHUT_RD");
		T_RET(t, send(k.c, "q", 1, MSG_NOSIGNAL), "client send after SHUT_RD");
		t_poll(t, k.s, POLLIN, 2000, "server with data");
		T_RETVAL(t, recv(k.s, buf, sizeof(buf), 0), buf[0], "server recv");
		T_RET(t, shutdown(k.c, SHUT_RD), "client shutdown(SHUT_RD) again");
		T_RET(t, shutdown(k.c, SHUT_WR), "client shutdown(SHUT_WR)");
		T_STATE(t, &k.ce, ST_FIN_WAIT2, "client after SHUT_RD+SHUT_WR");
		t_poll(t, k.c, 0, 0, "client after SHUT_RD+SHUT_WR");
		t_poll(t, k.s, POLLIN, 2000, "server after the FIN");
		T_RET(t, recv(k.s, buf, sizeof(buf), 0), "server recv EOF");
	}
	/* data to a socket that shut down both ways: RST (RFC 1122) */
	T_RET(t, send(k.s, "late", 4, MSG_NOSIGNAL), "server sends 4 to it");
	t_poll(t, k.s, POLLERR, 2000, "server after the RST");
	T_STATE(t, &k.ce, ST_NONE, "client after the data");
	T_STATE(t, &k.se, ST_NONE, "server after the RST");
	t_poll(t, k.c, 0, 0, "client after the data");
	T_RET(t, recv(k.c, buf, sizeof(buf), 0), "client recv after the RST");
	t_getint(t, k.c, SOL_SOCKET, SO_ERROR, "SO_ERROR client");
	T_RET(t, recv(k.s, buf, sizeof(buf), 0), "server recv after the RST");
	T_RET(t, send(k.s, "x", 1, MSG_NOSIGNAL), "server send after the RST");
	conn_close(&k);
	t_leftover(t, fam);
out:
	conn_close(&k);
}

TEST(shutdown_rd)
{
	CONN_RUN(scen_shut_rd, 0, ({
		EXPECT_STEP_OK(ti, "client shutdown(SHUT_RD)");
		EXPECT_STATE(ti, "client after SHUT_RD", ST_ESTABLISHED);
		EXPECT_STEP_RET(ti, "client recv after SHUT_RD", 0);
		EXPECT_STEP_RET(ti, "client send after SHUT_RD", 1);
		EXPECT_STATE(ti, "client after SHUT_RD+SHUT_WR", ST_FIN_WAIT2);
		EXPECT_STEP_RET(ti, "server recv EOF", 0);
		EXPECT_STATE(ti, "client after the data", ST_NONE);
		EXPECT_STEP_ERR(ti, "client recv after the RST", ECONNRESET);
		/* a RST in CLOSE_WAIT: EPIPE, and EOF was seen already */
		EXPECT_STEP_RET(ti, "server recv after the RST", 0);
		EXPECT_STEP_ERR(ti, "server send after the RST", EPIPE);
		EXPECT_STATE(ti, "leftover entries (not TIME_WAIT)", 0);
	}));
}

TEST(shutdown_rdwr)
{
	CONN_RUN(scen_shut_rd, SHUT_BOTH, ({
		EXPECT_STEP_OK(ti, "client shutdown(SHUT_RDWR)");
		EXPECT_STATE(ti, "client after SHUT_RDWR", ST_FIN_WAIT2);
		EXPECT_STATE(ti, "server after SHUT_RDWR", ST_CLOSE_WAIT);
		EXPECT_TRUE(t_check(_metadata, ti, "poll revents client after SHUT_RDWR",
				    1, 0, true,
				    POLLIN | POLLOUT | POLLRDHUP | POLLHUP));
		EXPECT_STEP_RET(ti, "client recv", 0);
		EXPECT_STEP_ERR(ti, "client send", EPIPE);
		EXPECT_STEP_RET(ti, "server recv EOF", 0);
		EXPECT_STATE(ti, "client after the data", ST_NONE);
		EXPECT_STEP_ERR(ti, "client recv after the RST", ECONNRESET);
		EXPECT_STEP_RET(ti, "server recv after the RST", 0);
		EXPECT_STEP_ERR(ti, "server send after the RST", EPIPE);
		EXPECT_STATE(ti, "leftover entries (not TIME_WAIT)", 0);
	}));
}

/* ------------------------------------------------------------------ */
/* Data to an orphan in FIN_WAIT2                                      */
/* ------------------------------------------------------------------ */

static void scen_orphan_data(struct trace *t, int fam, long arg)
{
	char buf[8];
	struct conn k;

	block_sigpipe();
	if (t_connect_pair(t, &k, role_cf(fam, arg), role_sf(fam, arg), CONN_PORT))
		goto out;
	close(k.l);
	k.l = -1;
	T_RET(t, close(k.c), "client close()");
	k.c = -1;
	T_STATE(t, &k.ce, ST_FIN_WAIT2, "orphaned client");
	T_STATE(t, &k.se, ST_CLOSE_WAIT, "server");
	T_RET(t, recv(k.s, buf, sizeof(buf), 0), "server recv EOF");
	T_RET(t, send(k.s, "late", 4, MSG_NOSIGNAL), "server sends 4");
	t_poll(t, k.s, POLLERR, 2000, "server after the RST");
	T_STATE(t, &k.ce, ST_NONE, "orphaned client after the data");
	T_STATE(t, &k.se, ST_NONE, "server after the RST");
	t_getint(t, k.s, SOL_SOCKET, SO_ERROR, "SO_ERROR server after the RST");
	T_RET(t, send(k.s, "x", 1, MSG_NOSIGNAL), "server send after the RST");
	T_RET(t, send(k.s, "x", 1, MSG_NOSIGNAL), "server send again");
	T_RET(t, recv(k.s, buf, sizeof(buf), 0), "server recv");
	conn_close(&k);
	t_leftover(t, fam);
out:
	conn_close(&k);
}

TEST(orphan_data)
{
	CONN_RUN(scen_orphan_data, 0, ({
		EXPECT_STATE(ti, "orphaned client", ST_FIN_WAIT2);
		EXPECT_STEP_RET(ti, "server sends 4", 4);
		EXPECT_STATE(ti, "orphaned client after the data", ST_NONE);
		EXPECT_STATE(ti, "server after the RST", ST_NONE);
		/* the RST came in CLOSE_WAIT: sk_err is EPIPE */
		EXPECT_STEP_VAL(ti, "getsockopt SO_ERROR server after the RST (val*1000+len)",
				EPIPE * 1000 + 4);
		EXPECT_STEP_ERR(ti, "server send after the RST", EPIPE);
		EXPECT_STEP_ERR(ti, "server send again", EPIPE);
		EXPECT_STEP_RET(ti, "server recv", 0);
		EXPECT_STATE(ti, "leftover entries (not TIME_WAIT)", 0);
	}));
}

TEST(orphan_data_xtcp_to_inet)
{
	CONN_RUN(scen_orphan_data, SERVER_STOCK,
		 EXPECT_STATE(ti, "orphaned client after the data", ST_NONE));
}

TEST(orphan_data_inet_to_xtcp)
{
	CONN_RUN(scen_orphan_data, CLIENT_STOCK,
		 EXPECT_STATE(ti, "orphaned client after the data", ST_NONE));
}

/* ------------------------------------------------------------------ */
/* RFC 5961 challenge ACKs, rate limited per socket                    */
/* ------------------------------------------------------------------ */

/* A bare SYN from the client's end to the server's, on a raw socket. */
static int send_raw_syn(int raw, const struct sockaddr_in *from,
			const struct sockaddr_in *to, uint32_t seq)
{
	struct {
		struct iphdr ip;
		struct tcphdr tcp;
	} __attribute__((packed)) p = {};
	struct {
		uint32_t saddr, daddr;
		uint8_t zero, proto;
		uint16_t len;
		struct tcphdr tcp;
	} __attribute__((packed)) ph = {};
	const uint8_t *b = (const uint8_t *)&ph;
	uint32_t sum = 0;

	p.ip.version = 4;
	p.ip.ihl = 5;
	p.ip.ttl = 64;
	p.ip.protocol = IPPROTO_TCP;
	p.ip.tot_len = htons(sizeof(p));
	p.ip.saddr = from->sin_addr.s_addr;
	p.ip.daddr = to->sin_addr.s_addr;
	p.tcp.source = from->sin_port;
	p.tcp.dest = to->sin_port;
	p.tcp.seq = htonl(seq);
	p.tcp.doff = 5;
	p.tcp.syn = 1;
	p.tcp.window = htons(1024);
	ph.saddr = p.ip.saddr;
	ph.daddr = p.ip.daddr;
	ph.proto = IPPROTO_TCP;
	ph.len = htons(sizeof(p.tcp));
	ph.tcp = p.tcp;
	for (unsigned int i = 0; i < sizeof(ph); i += 2)
		sum += b[i] << 8 | b[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	p.tcp.check = htons(~sum & 0xffff);
	return sendto(raw, &p, sizeof(p), 0, (const struct sockaddr *)to,
		      sizeof(*to)) == sizeof(p) ? 0 : -1;
}

#define RL_SYNS		5

static void scen_challenge_ratelimit(struct trace *t, int fam, long arg)
{
	long ch0, sk0, ch, sk;
	struct sockaddr_in c, s;
	struct conn k;
	int raw;
	char b;

	if (t_connect_pair(t, &k, role_cf(fam, arg), role_sf(fam, arg),
			   CONN_PORT))
		return;
	c = name_of(k.c, false);
	s = name_of(k.s, false);
	raw = T_FD(t, socket(AF_INET, SOCK_RAW, IPPROTO_RAW), "raw socket");
	sleep_ms(600);	/* no ACK of the handshake counts against the limit */
	ch0 = tcp_mib(k.sf, "TCPChallengeACK");
	sk0 = tcp_mib(k.sf, "TCPACKSkippedChallenge");
	for (int i = 0; i < RL_SYNS; i++)
		T_RET(t, send_raw_syn(raw, &c, &s, 0x1000 + 77777 * i),
		      "raw SYN %d", i);
	sleep_ms(100);
	ch = tcp_mib(k.sf, "TCPChallengeACK");
	sk = tcp_mib(k.sf, "TCPACKSkippedChallenge");
	T_VAL(t, ch - ch0, "challenge ACKs sent for %d SYNs", RL_SYNS);
	T_VAL(t, sk - sk0, "challenge ACKs skipped");
	sleep_ms(600);
	T_RET(t, send_raw_syn(raw, &c, &s, 0x4242), "raw SYN after 600 ms");
	sleep_ms(100);
	T_VAL(t, tcp_mib(k.sf, "TCPChallengeACK") - ch,
	      "challenge ACKs sent after 600 ms");
	T_STATE(t, &k.se, ST_ESTABLISHED, "server after the SYNs");
	T_RET(t, send(k.c, "x", 1, 0), "client send");
	T_RET(t, recv(k.s, &b, 1, 0), "server recv");
	close(raw);
	conn_close(&k);
	t_leftover(t, fam);
}

TEST(challenge_ratelimit)
{
	CONN_RUN(scen_challenge_ratelimit, 0, ({
		EXPECT_STEP_VAL(ti, "challenge ACKs sent for 5 SYNs", 1);
		EXPECT_STEP_VAL(ti, "challenge ACKs skipped", RL_SYNS - 1);
		EXPECT_STEP_VAL(ti, "challenge ACKs sent after 600 ms", 1);
	}));
}

TEST_HARNESS_MAIN
