// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: splice(2) from a socket to a pipe (proto_ops
 * splice_read) and sendfile(2) from a file to a socket, compared with
 * AF_INET over loopback, each in a fresh netns.
 *
 *   splice_transfer   3 MiB of a memfd sent with sendfile() by a thread,
 *                     received with splice() into a pipe and read from
 *                     it: byte-exact, then 0 at EOF (twice)
 *   splice_errors     splice() from a connected socket with nothing to
 *                     read (O_NONBLOCK: EAGAIN), from a listener, with an
 *                     offset, and from a socket never connected
 *   splice_partial    data waiting in the socket, taken in small splices
 *                     and with recv() in between: the stream stays whole
 */
#include "xtcp_common.h"
#include <pthread.h>
#include <sys/sendfile.h>

#define XFER_SIZE	(3 << 20)

/* the bytes of the stream: xorshift, seed 1 */
static void fill(unsigned char *p, size_t n)
{
	unsigned long long x = 1;

	for (size_t i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		p[i] = (unsigned char)(x >> 24);
	}
}

/* a connected pair over loopback: *c the client, *s the accepted one */
static int pair(struct trace *t, int fam, int *l, int *c, int *s)
{
	T_RET(t, lo_up(), "lo up");
	*l = T_FD(t, socket(fam, SOCK_STREAM, 0), "listener socket");
	T_RET(t, bind4(*l, "127.0.0.1", PORT_A), "bind");
	T_RET(t, listen(*l, 4), "listen");
	*c = T_FD(t, socket(fam, SOCK_STREAM, 0), "client socket");
	T_RET(t, connect4(*c, "127.0.0.1", PORT_A), "connect");
	*s = T_FD(t, accept(*l, NULL, NULL), "accept");
	return *l >= 0 && *c >= 0 && *s >= 0 ? 0 : -1;
}

struct sender {
	int sock;
	int file;
	long sent;
	int err;
};

static void *send_file(void *arg)
{
	struct sender *sd = arg;
	off_t off = 0;

	while (off < XFER_SIZE) {
		ssize_t r = sendfile(sd->sock, sd->file, &off, XFER_SIZE - off);

		if (r <= 0) {
			sd->err = r < 0 ? errno : EPIPE;
			break;
		}
	}
	sd->sent = off;
	shutdown(sd->sock, SHUT_WR);
	return NULL;
}

static void scen_transfer(struct trace *t, int fam, long arg)
{
	unsigned char *want = malloc(XFER_SIZE), *got = malloc(XFER_SIZE);
	struct sender sd = { 0 };
	int l, c, s, p[2], mfd;
	long total = 0, calls = 0;
	pthread_t th;
	ssize_t r;

	(void)arg;
	if (!want || !got || pair(t, fam, &l, &c, &s))
		return;
	fill(want, XFER_SIZE);
	mfd = T_FD(t, memfd_create("xtcp_splice", 0), "memfd");
	T_RET(t, write(mfd, want, XFER_SIZE), "write memfd");
	T_RET(t, pipe(p), "pipe");

	sd.sock = c;
	sd.file = mfd;
	if (pthread_create(&th, NULL, send_file, &sd))
		return;
	for (;;) {
		r = splice(s, NULL, p[1], NULL, 65536, SPLICE_F_MOVE);
		if (r <= 0)
			break;
		calls++;
		for (ssize_t left = r; left > 0;) {
			ssize_t n = read(p[0], got + total, left);

			if (n <= 0 || total + n > XFER_SIZE) {
				r = -1;
				break;
			}
			total += n;
			left -= n;
		}
		if (r < 0)
			break;
	}
	pthread_join(th, NULL);
	T_VAL(t, r, "last splice returned 0 (EOF)");
	T_VAL(t, sd.sent, "sendfile sent");
	T_VAL(t, sd.err, "sendfile errno");
	T_VAL(t, total, "spliced bytes");
	T_VAL(t, total == XFER_SIZE && !memcmp(want, got, XFER_SIZE),
	      "spliced data intact");
	T_VAL(t, calls > 1, "took more than one splice");
	T_RET(t, splice(s, NULL, p[1], NULL, 65536, 0), "splice after EOF");
	T_RET(t, splice(s, NULL, p[1], NULL, 65536, 0), "splice after EOF again");
	close(p[0]);
	close(p[1]);
	close(mfd);
	close(s);
	close(c);
	close(l);
	free(want);
	free(got);
}

TEST(splice_transfer)
{
	RUN_BOTH(scen_transfer, 0);
	EXPECT_STEP_VAL(ti, "last splice returned 0 (EOF)", 0);
	EXPECT_STEP_VAL(ti, "sendfile sent", XFER_SIZE);
	EXPECT_STEP_VAL(ti, "spliced bytes", XFER_SIZE);
	EXPECT_STEP_VAL(ti, "spliced data intact", 1);
	EXPECT_STEP_RET(ti, "splice after EOF", 0);
	COMPARE(ti, tx);
}

static void scen_errors(struct trace *t, int fam, long arg)
{
	int l, c, s, p[2], fd, fl;
	loff_t off = 0;

	(void)arg;
	if (pair(t, fam, &l, &c, &s))
		return;
	T_RET(t, pipe(p), "pipe");
	fl = fcntl(s, F_GETFL);
	T_RET(t, fcntl(s, F_SETFL, fl | O_NONBLOCK), "O_NONBLOCK");
	T_RET(t, splice(s, NULL, p[1], NULL, 4096, 0), "splice nothing to read");
	T_RET(t, splice(s, NULL, p[1], NULL, 4096, SPLICE_F_NONBLOCK),
	      "splice nothing to read SPLICE_F_NONBLOCK");
	T_RET(t, fcntl(s, F_SETFL, fl), "blocking again");
	T_RET(t, splice(s, &off, p[1], NULL, 4096, 0), "splice with an offset");
	T_RET(t, splice(l, NULL, p[1], NULL, 4096, 0), "splice from a listener");
	fd = T_FD(t, socket(fam, SOCK_STREAM, 0), "unconnected socket");
	T_RET(t, splice(fd, NULL, p[1], NULL, 4096, 0),
	      "splice from an unconnected socket");
	/* a reset connection: the error once, then nothing */
	T_RET(t, setsockopt(c, SOL_SOCKET, SO_LINGER,
			    &(struct linger){ .l_onoff = 1 },
			    sizeof(struct linger)), "SO_LINGER 0");
	T_RET(t, close(c), "close client (RST)");
	sleep_ms(50);
	T_RET(t, splice(s, NULL, p[1], NULL, 4096, 0), "splice after RST");
	T_RET(t, splice(s, NULL, p[1], NULL, 4096, 0), "splice after RST again");
	close(fd);
	close(p[0]);
	close(p[1]);
	close(s);
	close(l);
}

TEST(splice_errors)
{
	RUN_BOTH(scen_errors, 0);
	EXPECT_STEP_ERR(ti, "splice nothing to read", EAGAIN);
	EXPECT_STEP_ERR(ti, "splice from a listener", ENOTCONN);
	EXPECT_STEP_ERR(ti, "splice after RST", ECONNRESET);
	COMPARE(ti, tx);
}

static void scen_partial(struct trace *t, int fam, long arg)
{
	unsigned char want[20000], got[20000];
	int l, c, s, p[2];
	long total = 0;

	(void)arg;
	if (pair(t, fam, &l, &c, &s))
		return;
	fill(want, sizeof(want));
	T_RET(t, pipe(p), "pipe");
	T_RET(t, send(c, want, sizeof(want), 0), "send");
	sleep_ms(50);
	/* 100 by splice, 1000 by recv, the rest by splice: in order */
	T_RET(t, splice(s, NULL, p[1], NULL, 100, 0), "splice 100");
	T_RET(t, read(p[0], got, 100), "read pipe 100");
	T_RET(t, recv(s, got + 100, 1000, MSG_WAITALL), "recv 1000");
	total = 1100;
	while (total < (long)sizeof(want)) {
		ssize_t r = splice(s, NULL, p[1], NULL, sizeof(want) - total,
				   SPLICE_F_NONBLOCK);
		ssize_t n;

		if (r <= 0)
			break;
		n = read(p[0], got + total, r);
		if (n != r)
			break;
		total += n;
	}
	T_VAL(t, total, "bytes taken");
	T_VAL(t, !memcmp(want, got, sizeof(want)), "stream whole");
	T_RETVAL(t, ioctl(s, FIONREAD, &(int){ 0 }), 0, "FIONREAD");
	close(p[0]);
	close(p[1]);
	close(s);
	close(c);
	close(l);
}

TEST(splice_partial)
{
	RUN_BOTH(scen_partial, 0);
	EXPECT_STEP_RET(ti, "splice 100", 100);
	EXPECT_STEP_VAL(ti, "bytes taken", 20000);
	EXPECT_STEP_VAL(ti, "stream whole", 1);
	COMPARE(ti, tx);
}

TEST_HARNESS_MAIN
