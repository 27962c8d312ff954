// SPDX-License-Identifier: GPL-2.0
/*
 * XTCP selftests: flow control down to a zero window, compared with
 * AF_INET.
 *
 * The server's socket has a small receive buffer (SO_RCVBUF 4096, set on
 * the listener) and does not read; the client sends 1 MiB from a thread.
 * The receiver's window closes, the sender's buffer fills and it blocks.
 * For 3 s nothing is read: the sender must keep the connection alive with
 * zero-window probes (the persist timer: at the RTO, then backing off),
 * each answered by an ACK that still offers no window.  Then the server
 * reads everything: the transfer must resume and complete, byte-exact.
 *
 * The segments are watched on lo (MTU 1500, as on a real link, instead of
 * 64 KiB) by an AF_PACKET socket that keeps the outgoing copies only;
 * what is recorded is timing-independent:
 *   - the receiver advertised a zero window;
 *   - the sender sent 2 to 8 segments while the window was zero (6.1
 *     sends 3 or 4 in 3 s: RTO 200 ms, then 400, 800, 1600 ms), and none
 *     of them was new data beyond the window;
 *   - the receiver answered each probe while the window stayed zero;
 *   - the sender was blocked, the receiver held at most its buffer;
 *   - afterwards: bytes, FNV-1a digest, errnos, EOF, and the transfer
 *     finished within 10 s of the first read.
 *
 *   zerowin_*     XTCP <-> XTCP, XTCP client (sender) -> stock server,
 *                 stock client -> XTCP server
 *
 * See xtcp_conn_lib.h for how the runs are compared and when they SKIP.
 */
#include "xtcp_conn_lib.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>

#define ZW_BYTES	(1 << 20)
#define ZW_SEED		0x2e80
#define ZW_RCVBUF	4096
#define ZW_STALL_MS	3000

struct zw_sender {
	int fd;
	const uint8_t *data;
	long sent;
	int err;
	volatile int done;
};

static void *zw_send_fn(void *arg)
{
	struct zw_sender *s = arg;

	while (s->sent < ZW_BYTES) {
		ssize_t r = send(s->fd, s->data + s->sent, ZW_BYTES - s->sent,
				 MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			s->err = r < 0 ? errno : EIO;
			break;
		}
		s->sent += r;
	}
	if (!s->err && shutdown(s->fd, SHUT_WR))
		s->err = errno;
	s->done = 1;
	return NULL;
}

/* What the capture saw of one connection (c: the sender's port). */
struct zw_watch {
	int zero_acks;		/* receiver ACKs with window 0 */
	int probes;		/* sender segments while the window was 0 */
	int probe_new_data;	/* ... of them beyond snd_una + 1 byte */
	int answered;		/* receiver ACKs (window 0) after a probe */
	int segs;		/* sender segments seen in all */
};

/*
 * Read what the AF_PACKET socket p queued: outgoing IPv4 TCP segments
 * between ports cport (sender) and sport (receiver).
 */
static void zw_scan(int p, uint16_t cport, uint16_t sport, struct zw_watch *w)
{
	uint32_t una = 0;	/* the receiver's last ACK */
	bool zero = false, una_known = false, probe_pending = false;
	uint8_t b[2048];

	for (;;) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(p, b, sizeof(b), MSG_DONTWAIT,
				     (struct sockaddr *)&from, &fl);
		const struct iphdr *ip = (const void *)b;
		const uint8_t *t;
		uint16_t sp, dp, win;
		uint32_t seq, ack;
		int ihl, len;

		if (n < 0)
			break;
		if (from.sll_pkttype != PACKET_OUTGOING ||
		    from.sll_protocol != htons(ETH_P_IP) || n < 40 ||
		    ip->version != 4 || ip->protocol != IPPROTO_TCP)
			continue;
		ihl = ip->ihl * 4;
		t = b + ihl;
		sp = t[0] << 8 | t[1];
		dp = t[2] << 8 | t[3];
		seq = (uint32_t)t[4] << 24 | t[5] << 16 | t[6] << 8 | t[7];
		ack = (uint32_t)t[8] << 24 | t[9] << 16 | t[10] << 8 | t[11];
		win = t[14] << 8 | t[15];
		len = ntohs(ip->tot_len) - ihl - (t[12] >> 4) * 4;
		if (sp == sport && dp == cport && (t[13] & 0x10)) {
			una = ack;
			una_known = true;
			if (win == 0) {
				w->zero_acks++;
				if (probe_pending)
					w->answered++;
			}
			probe_pending = false;
			zero = win == 0;
		} else if (sp == cport && dp == sport) {
			w->segs++;
			if (!zero)
				continue;
			w->probes++;
			probe_pending = true;
			/* a probe is an old byte or none, or one new byte */
			if (una_known && len > 0 &&
			    (int32_t)(seq + len - una) > 1)
				w->probe_new_data++;
		}
	}
}

static int zw_capture_open(void)
{
	/* ETH_P_ALL: outgoing copies go to ptype_all taps only */
	int p = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
	struct sockaddr_ll a = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_ALL),
		.sll_ifindex = if_nametoindex("lo"),
	};

	if (p < 0)
		return -1;
	setsockopt(p, SOL_SOCKET, SO_RCVBUFFORCE, &(int){ 8 << 20 },
		   sizeof(int));
	if (bind(p, (struct sockaddr *)&a, sizeof(a))) {
		close(p);
		return -1;
	}
	return p;
}

static void scen_zerowin(struct trace *t, int fam, long arg)
{
	int cf = role_cf(fam, arg), sf = role_sf(fam, arg);
	uint8_t *data = malloc(ZW_BYTES), *buf = malloc(65536);
	struct zw_sender snd = { .fd = -1 };
	struct zw_watch w = { 0 };
	uint64_t h = FNV_INIT;
	long got = 0, t0, inq_max = 0;
	int l, c, s = -1, p = -1, inq = 0, eof = 0, rerr = 0;
	pthread_t th;
	bool started = false;

	if (!data || !buf) {
		T_VAL(t, -1, "malloc");
		goto out_free;
	}
	fill_data(data, ZW_BYTES, ZW_SEED);
	/* a real link's MTU, so that the window is many segments */
	T_VAL(t, system("ip link set lo mtu 1500") == 0, "lo mtu 1500");
	l = T_FD(t, socket(sf, SOCK_STREAM | SOCK_CLOEXEC, 0), "listener socket");
	T_RET(t, setint(l, SOL_SOCKET, SO_RCVBUF, ZW_RCVBUF), "listener SO_RCVBUF");
	T_RET(t, bind4(l, "127.0.0.1", CONN_PORT), "listener bind");
	T_RET(t, listen(l, 4), "listen");
	c = T_FD(t, socket(cf, SOCK_STREAM | SOCK_CLOEXEC, 0), "client socket");
	set_timeouts(c, 20000);
	if (T_RET(t, connect4(c, "127.0.0.1", CONN_PORT), "connect") < 0)
		goto out;
	s = T_FD(t, accept4(l, NULL, NULL, SOCK_CLOEXEC), "accept");
	if (s < 0)
		goto out;
	set_timeouts(s, 20000);
	p = zw_capture_open();
	T_VAL(t, p >= 0, "AF_PACKET capture on lo");

	snd.fd = c;
	snd.data = data;
	started = !pthread_create(&th, NULL, zw_send_fn, &snd);
	T_VAL(t, started, "sender thread");
	if (!started)
		goto out;

	/* nobody reads for ZW_STALL_MS */
	t0 = now_ms();
	while (now_ms() - t0 < ZW_STALL_MS) {
		sleep_ms(100);
		if (ioctl(s, FIONREAD, &inq) == 0 && inq > inq_max)
			inq_max = inq;
	}
	if (p >= 0) {
		zw_scan(p, ntohs(name_of(c, false).sin_port), CONN_PORT, &w);
		close(p);
		p = -1;
	}
	T_VAL(t, snd.done, "sender finished while nobody read (0: blocked)");
	T_VAL(t, snd.sent < ZW_BYTES, "sender: not everything taken while nobody read");
	T_VAL(t, inq_max > 0 && inq_max <= 2 * ZW_RCVBUF,
	      "receiver queued some data, at most its buffer (SO_RCVBUF %d doubled)",
	      ZW_RCVBUF);
	T_VAL(t, w.zero_acks > 0, "receiver advertised a zero window");
	T_VAL(t, w.probes >= 2, "sender probed the zero window at least twice in %d ms",
	      ZW_STALL_MS);
	T_VAL(t, w.probes <= 8, "sender probed at most 8 times (backing off)");
	T_VAL(t, w.probe_new_data, "probes carrying more than one new byte");
	T_VAL(t, w.answered >= w.probes - 1,
	      "receiver answered the probes with a zero window");
	t_state_w(t, &(struct ep){ .fam = sf, .l = name_of(s, false),
				   .r = name_of(s, true) },
		  ST_ESTABLISHED, 100, 100, "server end while stalled");

	/* now read everything */
	t0 = now_ms();
	for (;;) {
		ssize_t r = recv(s, buf, 65536, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rerr = errno;
			break;
		}
		if (r == 0) {
			eof = 1;
			break;
		}
		if (got + r <= ZW_BYTES)
			h = fnv1a(h, buf, r);
		got += r;
	}
	pthread_join(th, NULL);
	started = false;
	T_VAL(t, rerr, "receiver errno");
	T_VAL(t, eof, "receiver saw EOF");
	T_VAL(t, got, "receiver: bytes");
	T_VAL(t, h == fnv1a(FNV_INIT, data, ZW_BYTES), "receiver: data exact (FNV-1a)");
	T_VAL(t, snd.err, "sender errno");
	T_VAL(t, snd.sent, "sender: bytes sent");
	T_VAL(t, now_ms() - t0 < 10000, "resumed and finished within 10 s");
	ksft_print_msg("%s -> %s: zero window: %d receiver ACKs, %d probes (%d answered), "
		       "%d sender segments, receive queue up to %ld bytes; then %ld ms "
		       "to finish (informational)\n", cf == AF_INET ? "inet" : "xtcp",
		       sf == AF_INET ? "inet" : "xtcp", w.zero_acks, w.probes,
		       w.answered, w.segs, inq_max, now_ms() - t0);
	fflush(stdout);
out:
	if (started) {
		shutdown(c, SHUT_RDWR);
		pthread_join(th, NULL);
	}
	if (p >= 0)
		close(p);
	if (s >= 0)
		close(s);
	close(c);
	close(l);
	t_leftover(t, fam);
out_free:
	free(data);
	free(buf);
}

#define CHECK_ZEROWIN() ({						\
	EXPECT_STEP_VAL(ti, "lo mtu 1500", 1);				\
	EXPECT_STEP_OK(ti, "connect");					\
	EXPECT_STEP_VAL(ti, "AF_PACKET capture on lo", 1);		\
	EXPECT_STEP_VAL(ti, "sender finished while nobody read (0: blocked)", 0); \
	EXPECT_STEP_VAL(ti, "receiver advertised a zero window", 1);	\
	EXPECT_STEP_VAL(ti, "sender probed the zero window at least twice in 3000 ms", 1); \
	EXPECT_STEP_VAL(ti, "sender probed at most 8 times (backing off)", 1); \
	EXPECT_STEP_VAL(ti, "probes carrying more than one new byte", 0); \
	EXPECT_STEP_VAL(ti, "receiver answered the probes with a zero window", 1); \
	EXPECT_STATE(ti, "server end while stalled", ST_ESTABLISHED);	\
	EXPECT_STEP_VAL(ti, "receiver: bytes", ZW_BYTES);		\
	EXPECT_STEP_VAL(ti, "receiver: data exact (FNV-1a)", 1);	\
	EXPECT_STEP_VAL(ti, "resumed and finished within 10 s", 1);	\
	EXPECT_STATE(ti, "leftover entries (not TIME_WAIT)", 0);	\
})

TEST_F_TIMEOUT(conn, zerowin_xtcp_xtcp, 60)
{
	CONN_RUN(scen_zerowin, 0, CHECK_ZEROWIN());
}

TEST_F_TIMEOUT(conn, zerowin_xtcp_to_inet, 60)
{
	CONN_RUN(scen_zerowin, SERVER_STOCK, CHECK_ZEROWIN());
}

TEST_F_TIMEOUT(conn, zerowin_inet_to_xtcp, 60)
{
	CONN_RUN(scen_zerowin, CLIENT_STOCK, CHECK_ZEROWIN());
}

TEST_HARNESS_MAIN
