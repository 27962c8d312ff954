// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: what the sender holds back and when it lets go,
 * TCP_CORK, MSG_MORE, TCP_NODELAY and GSO transmit, over 127.0.0.1,
 * every scenario run on AF_INET and AF_XTCP and the traces compared.
 * The listener sets TCP_MAXSEG 1000, so the client's MSS is 988 (with
 * timestamps) and full segments are small.  "Held" is checked
 * HOLD_MS after the writes (well before the RTO, 200 ms at least, after
 * which the probe timer sends a corked segment); the segment counts
 * are the client's TCP_INFO tcpi_data_segs_out deltas.
 *
 *   cork            corked small writes are held, full segments go, the
 *                   rest arrives in one segment on uncork; TCP_CORK reads
 *                   back 1, then 0
 *   msg_more        small writes with MSG_MORE are held, the next write
 *                   without it sends them all in one segment
 *   cork_nodelay    TCP_NODELAY pushes what a cork holds, but the cork
 *                   stays for new data; uncork sends it
 *   cork_ceiling    a cork never holds data past the probe timer: it
 *                   arrives after about 200 ms (150 to 1500 ms)
 *   nagle           without cork or TCP_NODELAY a small write waits
 *                   while a small segment is unacked (Minshall), and
 *                   goes when the ACK comes
 *   bulk_segs       64 KiB in one write, corked, then uncorked: every
 *                   byte arrives, in as many segments as AF_INET counts
 *                   (the segments of a GSO packet each count)
 */
#include "xtcp_conn_lib.h"

#define MAXSEG		1000
#define SMALL		100
#define HOLD_MS		60

static long data_segs_out(int fd)
{
	struct tcp_info_61 ti;
	socklen_t len = sizeof(ti);

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, SOL_TCP, TCP_INFO, &ti, &len))
		return -errno;
	return ti.tcpi_data_segs_out;
}

static long inq(int fd)
{
	int v = -1;

	if (ioctl(fd, FIONREAD, &v))
		return -errno;
	return v;
}

/* the client's data segments since @base, and the bytes the server has */
static void t_where(struct trace *t, const struct conn *k, long base,
		    const char *tag)
{
	T_VAL(t, data_segs_out(k->c) - base, "%s: data segments sent", tag);
	T_VAL(t, inq(k->s), "%s: bytes at the receiver", tag);
}

/* wait for @n bytes at the receiver (2 s at most), then record them */
static void t_arrive(struct trace *t, const struct conn *k, long base,
		     int n, const char *tag)
{
	wait_inq(k->s, n);
	t_where(t, k, base, tag);
}

/* read @n bytes back and check them against @data */
static void t_drain(struct trace *t, const struct conn *k, const uint8_t *data,
		    int n)
{
	uint8_t buf[65536 + 4096];
	long got = 0;

	while (got < n) {
		ssize_t r = recv(k->s, buf + got, sizeof(buf) - got, 0);

		if (r <= 0)
			break;
		got += r;
	}
	T_VAL(t, got, "server read");
	T_VAL(t, got == n && !memcmp(buf, data, n), "server data exact");
}

/*
 * A pair whose listener set TCP_MAXSEG (the SYN-ACK offers it), the
 * client with TCP_NODELAY off, its handshake settled.
 */
static int cork_pair(struct trace *t, struct conn *k, int fam)
{
	memset(k, 0, sizeof(*k));
	k->cf = k->sf = fam;
	k->c = k->s = -1;
	k->l = T_FD(t, socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0),
		    "listener socket");
	if (k->l < 0)
		return -1;
	T_RET(t, setint(k->l, SOL_TCP, TCP_MAXSEG, MAXSEG),
	      "listener TCP_MAXSEG");
	T_RET(t, bind4(k->l, "127.0.0.1", CONN_PORT), "listener bind");
	T_RET(t, listen(k->l, 4), "listen");
	k->c = T_FD(t, socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0),
		    "client socket");
	if (k->c < 0)
		return -1;
	set_timeouts(k->c, 5000);
	if (T_RET(t, connect4(k->c, "127.0.0.1", CONN_PORT), "connect") < 0)
		return -1;
	k->s = T_FD(t, accept4(k->l, NULL, NULL, SOCK_CLOEXEC), "accept");
	if (k->s < 0)
		return -1;
	set_timeouts(k->s, 5000);
	t_getint(t, k->c, SOL_TCP, TCP_MAXSEG, "client TCP_MAXSEG");
	t_getint(t, k->c, SOL_TCP, TCP_CORK, "TCP_CORK, new");
	t_getint(t, k->c, SOL_TCP, TCP_NODELAY, "TCP_NODELAY, new");
	sleep_ms(20);
	return 0;
}

static void scen_cork(struct trace *t, int fam, long arg)
{
	uint8_t data[4096];
	int mss = MAXSEG - 12, n = 0;
	struct conn k;
	long base;

	(void)arg;
	fill_data(data, sizeof(data), 0xc0c);
	if (cork_pair(t, &k, fam))
		goto out;
	base = data_segs_out(k.c);
	t_setint(t, k.c, SOL_TCP, TCP_CORK, 1, "TCP_CORK");
	t_getint(t, k.c, SOL_TCP, TCP_CORK, "TCP_CORK, corked");
	for (int i = 0; i < 3; i++, n += SMALL)
		T_RET(t, send(k.c, data + n, SMALL, 0), "corked send %d", i);
	sleep_ms(HOLD_MS);
	t_where(t, &k, base, "3 small writes corked");
	/* two full segments go, the rest stays */
	T_RET(t, send(k.c, data + n, 2 * mss + 50, 0), "corked send, 2 MSS");
	n += 2 * mss + 50;
	t_arrive(t, &k, base, 2 * mss, "2 full segments");
	sleep_ms(HOLD_MS);
	t_where(t, &k, base, "partial tail corked");
	t_setint(t, k.c, SOL_TCP, TCP_CORK, 0, "TCP_CORK");
	t_getint(t, k.c, SOL_TCP, TCP_CORK, "TCP_CORK, uncorked");
	t_arrive(t, &k, base, n, "uncorked");
	t_drain(t, &k, data, n);
out:
	conn_close(&k);
	t_leftover(t, fam);
}

#define CHECK_CORK() ({							\
	EXPECT_STEP_VAL(ti, "getsockopt TCP_CORK, corked (val*1000+len)", 1004); \
	EXPECT_STEP_VAL(ti, "getsockopt TCP_CORK, uncorked (val*1000+len)", 4); \
	EXPECT_STEP_VAL(ti, "3 small writes corked: data segments sent", 0); \
	EXPECT_STEP_VAL(ti, "3 small writes corked: bytes at the receiver", 0); \
	EXPECT_STEP_VAL(ti, "2 full segments: data segments sent", 2); \
	EXPECT_STEP_VAL(ti, "partial tail corked: data segments sent", 2); \
	EXPECT_STEP_VAL(ti, "uncorked: data segments sent", 3);	\
	EXPECT_STEP_VAL(ti, "server data exact", 1);			\
})

TEST_F_TIMEOUT(conn, cork, 60)
{
	CONN_RUN(scen_cork, 0, CHECK_CORK());
}

static void scen_msg_more(struct trace *t, int fam, long arg)
{
	uint8_t data[4096];
	struct conn k;
	int n = 0;
	long base;

	(void)arg;
	fill_data(data, sizeof(data), 0x303e);
	if (cork_pair(t, &k, fam))
		goto out;
	base = data_segs_out(k.c);
	for (int i = 0; i < 3; i++, n += SMALL)
		T_RET(t, send(k.c, data + n, SMALL, MSG_MORE),
		      "send %d, MSG_MORE", i);
	sleep_ms(HOLD_MS);
	t_where(t, &k, base, "3 writes with MSG_MORE");
	t_getint(t, k.c, SOL_TCP, TCP_CORK, "TCP_CORK after MSG_MORE");
	T_RET(t, send(k.c, data + n, SMALL, 0), "send without MSG_MORE");
	n += SMALL;
	t_arrive(t, &k, base, n, "last write");
	t_drain(t, &k, data, n);
out:
	conn_close(&k);
	t_leftover(t, fam);
}

#define CHECK_MSG_MORE() ({						\
	EXPECT_STEP_VAL(ti, "3 writes with MSG_MORE: data segments sent", 0); \
	EXPECT_STEP_VAL(ti, "3 writes with MSG_MORE: bytes at the receiver", 0); \
	EXPECT_STEP_VAL(ti, "last write: data segments sent", 1);	\
	EXPECT_STEP_VAL(ti, "last write: bytes at the receiver", 4 * SMALL); \
	EXPECT_STEP_VAL(ti, "server data exact", 1);			\
})

TEST_F_TIMEOUT(conn, msg_more, 60)
{
	CONN_RUN(scen_msg_more, 0, CHECK_MSG_MORE());
}

static void scen_cork_nodelay(struct trace *t, int fam, long arg)
{
	uint8_t data[4096];
	struct conn k;
	long base;

	(void)arg;
	fill_data(data, sizeof(data), 0x0de1);
	if (cork_pair(t, &k, fam))
		goto out;
	base = data_segs_out(k.c);
	t_setint(t, k.c, SOL_TCP, TCP_CORK, 1, "TCP_CORK");
	T_RET(t, send(k.c, data, SMALL, 0), "corked send");
	sleep_ms(HOLD_MS);
	t_where(t, &k, base, "corked");
	t_setint(t, k.c, SOL_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
	t_arrive(t, &k, base, SMALL, "TCP_NODELAY set");
	t_getint(t, k.c, SOL_TCP, TCP_CORK, "TCP_CORK with TCP_NODELAY");
	t_getint(t, k.c, SOL_TCP, TCP_NODELAY, "TCP_NODELAY with TCP_CORK");
	/* the cork holds new data again */
	T_RET(t, send(k.c, data + SMALL, SMALL, 0), "corked send again");
	sleep_ms(HOLD_MS);
	t_where(t, &k, base, "corked again");
	t_setint(t, k.c, SOL_TCP, TCP_CORK, 0, "TCP_CORK");
	t_arrive(t, &k, base, 2 * SMALL, "uncorked");
	t_setint(t, k.c, SOL_TCP, TCP_NODELAY, 0, "TCP_NODELAY");
	t_getint(t, k.c, SOL_TCP, TCP_NODELAY, "TCP_NODELAY cleared");
	t_drain(t, &k, data, 2 * SMALL);
out:
	conn_close(&k);
	t_leftover(t, fam);
}

#define CHECK_CORK_NODELAY() ({						\
	EXPECT_STEP_VAL(ti, "corked: bytes at the receiver", 0);	\
	EXPECT_STEP_VAL(ti, "TCP_NODELAY set: bytes at the receiver", SMALL); \
	EXPECT_STEP_VAL(ti, "getsockopt TCP_CORK with TCP_NODELAY (val*1000+len)", 1004); \
	EXPECT_STEP_VAL(ti, "corked again: bytes at the receiver", SMALL); \
	EXPECT_STEP_VAL(ti, "uncorked: bytes at the receiver", 2 * SMALL); \
	EXPECT_STEP_VAL(ti, "uncorked: data segments sent", 2);	\
	EXPECT_STEP_VAL(ti, "server data exact", 1);			\
})

TEST_F_TIMEOUT(conn, cork_nodelay, 60)
{
	CONN_RUN(scen_cork_nodelay, 0, CHECK_CORK_NODELAY());
}

static void scen_cork_ceiling(struct trace *t, int fam, long arg)
{
	uint8_t data[SMALL];
	struct conn k;
	long start, ms;

	(void)arg;
	fill_data(data, sizeof(data), 0xce11);
	if (cork_pair(t, &k, fam))
		goto out;
	t_setint(t, k.c, SOL_TCP, TCP_CORK, 1, "TCP_CORK");
	start = now_ms();
	T_RET(t, send(k.c, data, SMALL, 0), "corked send");
	while (inq(k.s) < SMALL && now_ms() - start < 3000)
		sleep_ms(5);
	ms = now_ms() - start;
	T_VAL(t, inq(k.s), "bytes at the receiver");
	T_VAL(t, ms >= 150, "held 150 ms at least");
	T_VAL(t, ms < 1500, "sent within 1500 ms");
	if (ms < 150 || ms >= 1500)
		fprintf(stderr, "# %s: corked data arrived after %ld ms\n",
			fam_name(fam), ms);
	t_getint(t, k.c, SOL_TCP, TCP_CORK, "TCP_CORK, still corked");
	t_drain(t, &k, data, SMALL);
out:
	conn_close(&k);
	t_leftover(t, fam);
}

#define CHECK_CORK_CEILING() ({						\
	EXPECT_STEP_VAL(ti, "bytes at the receiver", SMALL);		\
	EXPECT_STEP_VAL(ti, "held 150 ms at least", 1);		\
	EXPECT_STEP_VAL(ti, "sent within 1500 ms", 1);			\
})

TEST_F_TIMEOUT(conn, cork_ceiling, 60)
{
	CONN_RUN(scen_cork_ceiling, 0, CHECK_CORK_CEILING());
}

/*
 * Nagle with nothing small in flight: a small write goes at once, and
 * so does a full segment with a partial one behind it, once the first
 * small segment is acked (the receiver is in quick-ack mode).
 */
static void scen_nagle(struct trace *t, int fam, long arg)
{
	uint8_t data[4096];
	struct conn k;
	long base;

	(void)arg;
	fill_data(data, sizeof(data), 0x4a61);
	if (cork_pair(t, &k, fam))
		goto out;
	base = data_segs_out(k.c);
	T_RET(t, send(k.c, data, SMALL, 0), "small send, nothing in flight");
	t_arrive(t, &k, base, SMALL, "first small write");
	/* a full segment and a partial one: both go, nothing small is out */
	sleep_ms(HOLD_MS);
	T_RET(t, send(k.c, data + SMALL, MAXSEG - 12 + 10, 0),
	      "1 MSS + 10 bytes");
	t_arrive(t, &k, base, SMALL + MAXSEG - 12 + 10, "MSS + 10");
	t_drain(t, &k, data, SMALL + MAXSEG - 12 + 10);
out:
	conn_close(&k);
	t_leftover(t, fam);
}

#define CHECK_NAGLE() ({						\
	EXPECT_STEP_VAL(ti, "first small write: data segments sent", 1); \
	EXPECT_STEP_VAL(ti, "MSS + 10: bytes at the receiver",		\
			SMALL + MAXSEG - 12 + 10);			\
	EXPECT_STEP_VAL(ti, "server data exact", 1);			\
})

TEST_F_TIMEOUT(conn, nagle, 60)
{
	CONN_RUN(scen_nagle, 0, CHECK_NAGLE());
}

static void scen_bulk_segs(struct trace *t, int fam, long arg)
{
	static uint8_t data[65536];
	int mss = MAXSEG - 12;
	struct conn k;
	long base;

	(void)arg;
	fill_data(data, sizeof(data), 0xb01c);
	if (cork_pair(t, &k, fam))
		goto out;
	T_RET(t, setint(k.s, SOL_SOCKET, SO_RCVBUF, 1 << 20),
	      "server SO_RCVBUF");
	base = data_segs_out(k.c);
	t_setint(t, k.c, SOL_TCP, TCP_CORK, 1, "TCP_CORK");
	T_RET(t, send(k.c, data, sizeof(data), 0), "64 KiB, corked");
	t_setint(t, k.c, SOL_TCP, TCP_CORK, 0, "TCP_CORK");
	wait_inq(k.s, sizeof(data));
	T_VAL(t, inq(k.s), "bytes at the receiver");
	T_VAL(t, data_segs_out(k.c) - base, "data segments sent");
	T_VAL(t, (long)(sizeof(data) + mss - 1) / mss, "  (64 KiB in MSS)");
	t_drain(t, &k, data, sizeof(data));
out:
	conn_close(&k);
	t_leftover(t, fam);
}

#define CHECK_BULK_SEGS() ({						\
	EXPECT_STEP_VAL(ti, "bytes at the receiver", 65536);		\
	EXPECT_STEP_VAL(ti, "data segments sent", 67);			\
	EXPECT_STEP_VAL(ti, "server data exact", 1);			\
})

TEST_F_TIMEOUT(conn, bulk_segs, 60)
{
	CONN_RUN(scen_bulk_segs, 0, CHECK_BULK_SEGS());
}

TEST_HARNESS_MAIN
