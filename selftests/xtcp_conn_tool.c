// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_conn_tool: one TCP connection's worth of data, for shell tests.
 *
 *   xtcp_conn_tool [OPTIONS] MODE ADDR:PORT [FILE | --bytes N]
 *
 * Modes:
 *   serve-echo ADDR:PORT     accept one connection, send back everything
 *                            it receives until EOF, then close
 *   serve-sink ADDR:PORT     accept one connection, read until EOF, print
 *                            "recv N SHA256"
 *   serve-send ADDR:PORT SRC accept one connection, send SRC, close;
 *                            print "sent N SHA256"
 *   send ADDR:PORT SRC       connect, send SRC, shutdown(SHUT_WR), read
 *                            until EOF; print "sent N SHA256" and
 *                            "recv N SHA256" (what came back: with a
 *                            serve-echo peer, the same as what was sent)
 *   recv ADDR:PORT           connect, read until EOF, print "recv N SHA256"
 *   connect ADDR:PORT        connect and close; print "connect OK" or
 *                            "connect ERRNAME" (exit 0 either way)
 *   gen SRC                  write SRC to stdout (what --bytes N sends)
 *
 * SRC is a file name, "-" (stdin), or "--bytes N": N bytes of a fixed
 * pseudo-random stream (xorshift64*, seed 1), the same in every mode, so
 * that `xtcp_conn_tool gen --bytes N | sha256sum` gives the digest a
 * receiver must print.  N takes K, M, G suffixes (powers of 1024).
 *
 * Options:
 *   --family inet|xtcp|N  AF_INET, XTCP (the loaded module's family, from
 *                         /sys/module/xtcp/parameters/family, else
 *                         AF_XTCP; XTCP_FAMILY overrides it), or a number
 *   --timeout SEC         give up after SEC seconds (default 60): print
 *                         "error timeout" and exit 3
 *   --out FILE            serve-sink, recv: also write the data to FILE
 *   --count K             serve modes: serve K connections, one by one
 *   --duration SEC        send, serve-send: stop sending after SEC seconds
 *                         (decimals allowed) or at the end of SRC, whichever
 *                         comes first; "sent" counts what was sent
 *   --fin-delay SEC       send, serve-send: wait SEC seconds (decimals
 *                         allowed) after the last byte is written, before
 *                         shutdown(SHUT_WR): the data's tail goes alone
 *   --cc NAME             set TCP_CONGESTION to NAME on the socket (the
 *                         listener for serve modes); prints "cc NAME OK" or
 *                         "cc NAME ERRNAME" on stderr and goes on either way
 *   --rcvbuf N            set SO_RCVBUF to N on the socket (the listener
 *                         for serve modes) before it connects or listens
 *   --delay SEC           serve-sink, recv: wait SEC seconds (decimals
 *                         allowed) once connected before reading
 *   --bufinfo             serve-sink, recv: after EOF, also print
 *                         "rcvbuf START END" (SO_RCVBUF once connected and
 *                         at EOF) and "rcvspace SPACE RTT" (TCP_INFO's
 *                         tcpi_rcv_space and tcpi_rcv_rtt at EOF)
 *
 * Serve modes print "listening ADDR:PORT" once they listen.  Errors print
 * "error STEP ERRNAME" and exit 1; bad usage exits 2.  SHA256 is the
 * lowercase hex digest, as sha256sum prints it (own implementation, FIPS
 * 180-4; no library needed).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "xtcp_family.h"

#define BUFSZ	(256 * 1024)

/* ------------------------------------------------------------------ */
/* SHA-256                                                             */
/* ------------------------------------------------------------------ */

struct sha256 {
	uint32_t h[8];
	uint64_t len;
	uint8_t buf[64];
	unsigned int n;
};

static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1,
	0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
	0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
	0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147,
	0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
	0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
	0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
	0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, int n)
{
	return (x >> n) | (x << (32 - n));
}

static void sha256_init(struct sha256 *s)
{
	static const uint32_t iv[8] = {
		0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
		0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
	};

	memcpy(s->h, iv, sizeof(iv));
	s->len = 0;
	s->n = 0;
}

static void sha256_block(struct sha256 *s, const uint8_t *p)
{
	uint32_t w[64], a, b, c, d, e, f, g, h;
	int i;

	for (i = 0; i < 16; i++)
		w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
		       (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
	for (i = 16; i < 64; i++) {
		uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^
			      (w[i - 15] >> 3);
		uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^
			      (w[i - 2] >> 10);

		w[i] = w[i - 16] + s0 + w[i - 7] + s1;
	}
	a = s->h[0]; b = s->h[1]; c = s->h[2]; d = s->h[3];
	e = s->h[4]; f = s->h[5]; g = s->h[6]; h = s->h[7];
	for (i = 0; i < 64; i++) {
		uint32_t t1 = h + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) +
			      ((e & f) ^ (~e & g)) + sha_k[i] + w[i];
		uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) +
			      ((a & b) ^ (a & c) ^ (b & c));

		h = g; g = f; f = e; e = d + t1;
		d = c; c = b; b = a; a = t1 + t2;
	}
	s->h[0] += a; s->h[1] += b; s->h[2] += c; s->h[3] += d;
	s->h[4] += e; s->h[5] += f; s->h[6] += g; s->h[7] += h;
}

static void sha256_update(struct sha256 *s, const void *data, size_t len)
{
	const uint8_t *p = data;

	s->len += len;
	if (s->n) {
		size_t k = 64 - s->n < len ? 64 - s->n : len;

		memcpy(s->buf + s->n, p, k);
		s->n += k;
		p += k;
		len -= k;
		if (s->n < 64)
			return;
		sha256_block(s, s->buf);
		s->n = 0;
	}
	for (; len >= 64; p += 64, len -= 64)
		sha256_block(s, p);
	memcpy(s->buf, p, len);
	s->n = len;
}

static void sha256_hex(struct sha256 *s, char out[65])
{
	uint64_t bits = s->len * 8;
	uint8_t pad[72] = { 0x80 };
	size_t padlen = (s->n < 56 ? 56 : 120) - s->n;
	int i;

	for (i = 0; i < 8; i++)
		pad[padlen + i] = bits >> (56 - 8 * i);
	sha256_update(s, pad, padlen + 8);
	for (i = 0; i < 8; i++)
		sprintf(out + 8 * i, "%08x", s->h[i]);
}

/* ------------------------------------------------------------------ */
/* Sources                                                             */
/* ------------------------------------------------------------------ */

struct source {
	int fd;			/* file, or -1 for the generator */
	uint64_t left;		/* generator: bytes left */
	uint64_t state;		/* generator state */
};

static size_t gen_fill(struct source *src, uint8_t *buf, size_t len)
{
	size_t n = 0;

	if (len > src->left)
		len = src->left;
	while (n < len) {
		uint64_t x = src->state;

		x ^= x >> 12;
		x ^= x << 25;
		x ^= x >> 27;
		src->state = x;
		x *= 0x2545f4914f6cdd1dULL;
		for (int i = 0; i < 8 && n < len; i++, x >>= 8)
			buf[n++] = x;
	}
	src->left -= n;
	return n;
}

/* Read up to len bytes of the source: count, 0 at the end, -1 on error. */
static ssize_t src_read(struct source *src, uint8_t *buf, size_t len)
{
	ssize_t r;

	if (src->fd < 0)
		return gen_fill(src, buf, len);
	do
		r = read(src->fd, buf, len);
	while (r < 0 && errno == EINTR);
	return r;
}

static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 0);

	switch (*end) {
	case 'G': case 'g': v <<= 10; /* fall through */
	case 'M': case 'm': v <<= 10; /* fall through */
	case 'K': case 'k': v <<= 10; end++; break;
	}
	if (*end || end == s) {
		fprintf(stderr, "bad size '%s'\n", s);
		exit(2);
	}
	return v;
}

/* ------------------------------------------------------------------ */

static int family = -1;
static unsigned int timeout_s = 60;
static const char *out_path;
static double duration_s;		/* --duration: 0 = until the end */
static double fin_delay_s;		/* --fin-delay */
static const char *cc_name;		/* --cc */
static int rcvbuf_set;			/* --rcvbuf: 0 = leave it */
static bool bufinfo;			/* --bufinfo */
static double delay_s;			/* --delay */

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_alarm(int sig)
{
	static const char msg[] = "error timeout\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(4);
	_exit(3);
}

static const char *ename(int e)
{
	const char *n = strerrorname_np(e);
	static char buf[16];

	if (n)
		return n;
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

static void die(const char *what)
{
	printf("error %s %s\n", what, ename(errno));
	fflush(stdout);
	exit(1);
}

static void parse_addr(const char *s, struct sockaddr_in *a)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t n;

	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	n = colon ? (size_t)(colon - s) : 0;
	if (!colon || n >= sizeof(host))
		goto bad;
	memcpy(host, s, n);
	host[n] = 0;
	a->sin_port = htons(atoi(colon + 1));
	if (inet_pton(AF_INET, host, &a->sin_addr) == 1)
		return;
bad:
	fprintf(stderr, "bad address '%s' (want A.B.C.D:PORT)\n", s);
	exit(2);
}

/* --cc: TCP_CONGESTION, reported on stderr, never fatal */
static void set_cc(int fd)
{
	if (!cc_name)
		return;
	if (setsockopt(fd, IPPROTO_TCP, TCP_CONGESTION, cc_name,
		       strlen(cc_name)))
		fprintf(stderr, "cc %s %s\n", cc_name, ename(errno));
	else
		fprintf(stderr, "cc %s OK\n", cc_name);
}

/* --rcvbuf */
static void set_rcvbuf(int fd)
{
	if (rcvbuf_set && setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf_set,
				     sizeof(rcvbuf_set)))
		die("SO_RCVBUF");
}

/* --delay: let the data pile up before the first read */
static void read_delay(void)
{
	struct timespec ts = {
		.tv_sec = (time_t)delay_s,
		.tv_nsec = (long)((delay_s - (time_t)delay_s) * 1e9),
	};

	if (delay_s > 0)
		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
}

static int get_rcvbuf(int fd)
{
	socklen_t len = sizeof(int);
	int v = -1;

	if (getsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, &len))
		die("getsockopt SO_RCVBUF");
	return v;
}

/* --bufinfo: what the receive buffer became over the transfer */
static void print_bufinfo(int fd, int rcvbuf0)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	if (!bufinfo)
		return;
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len))
		die("getsockopt TCP_INFO");
	printf("rcvbuf %d %d\n", rcvbuf0, get_rcvbuf(fd));
	printf("rcvspace %u %u\n", ti.tcpi_rcv_space, ti.tcpi_rcv_rtt);
	fflush(stdout);
}

static int do_listen(const struct sockaddr_in *a, const char *txt)
{
	int one = 1, fd;

	fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	set_cc(fd);
	set_rcvbuf(fd);
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (const struct sockaddr *)a, sizeof(*a)))
		die("bind");
	if (listen(fd, 16))
		die("listen");
	printf("listening %s\n", txt);
	fflush(stdout);
	return fd;
}

static int do_accept(int l)
{
	int fd;

	do
		fd = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		die("accept");
	return fd;
}

static int do_connect(const struct sockaddr_in *a)
{
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		die("socket");
	set_cc(fd);
	set_rcvbuf(fd);
	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)))
		die("connect");
	return fd;
}

static void send_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t r = send(fd, p, len, MSG_NOSIGNAL);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			die("send");
		p += r;
		len -= r;
	}
}

/* Read fd until EOF, hashing (and optionally echoing or saving) the data. */
static uint64_t drain(int fd, struct sha256 *h, int echo_fd, int save_fd,
		      uint8_t *buf)
{
	uint64_t total = 0;

	for (;;) {
		ssize_t r = recv(fd, buf, BUFSZ, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("recv");
		if (r == 0)
			return total;
		total += r;
		sha256_update(h, buf, r);
		if (echo_fd >= 0)
			send_all(echo_fd, buf, r);
		if (save_fd >= 0 && write(save_fd, buf, r) != r)
			die("write");
	}
}

static void print_sum(const char *what, uint64_t n, struct sha256 *h)
{
	char hex[65];

	sha256_hex(h, hex);
	printf("%s %llu %s\n", what, (unsigned long long)n, hex);
	fflush(stdout);
}

/*
 * Send src on fd while reading what comes back (so that an echoing peer
 * never blocks on us), then shutdown(SHUT_WR) and read until EOF.
 */
static void pump(int fd, struct source *src, uint8_t *obuf, uint8_t *ibuf,
		 bool half_close)
{
	struct sha256 hs, hr;
	uint64_t sent = 0, recvd = 0;
	size_t olen = 0, ooff = 0;
	bool src_done = false, eof = false;
	double end = duration_s > 0 ? mono_s() + duration_s : 0;

	sha256_init(&hs);
	sha256_init(&hr);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (!eof) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (!src_done && olen == ooff) {
			if (end && mono_s() >= end)
				r = 0;
			else
				r = src_read(src, obuf, BUFSZ);
			if (r < 0)
				die("read");
			if (r == 0) {
				src_done = true;
				if (fin_delay_s > 0) {
					struct timespec ts = {
						.tv_sec = (time_t)fin_delay_s,
						.tv_nsec = (long)((fin_delay_s -
							(time_t)fin_delay_s) * 1e9),
					};

					nanosleep(&ts, NULL);
				}
				if (shutdown(fd, SHUT_WR))
					die("shutdown");
				if (!half_close)
					break;
			}
			sha256_update(&hs, obuf, r);
			olen = r;
			ooff = 0;
		}
		if (olen > ooff)
			p.events |= POLLOUT;
		/* with --duration, wake up for the deadline too */
		if (poll(&p, 1, end && !src_done ? 100 : -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll");
		}
		if (p.revents & POLLOUT) {
			r = send(fd, obuf + ooff, olen - ooff, MSG_NOSIGNAL);
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				die("send");
			if (r > 0) {
				ooff += r;
				sent += r;
			}
		}
		if (p.revents & (POLLIN | POLLERR | POLLHUP)) {
			r = recv(fd, ibuf, BUFSZ, 0);
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				die("recv");
			if (r == 0)
				eof = true;
			if (r > 0) {
				recvd += r;
				sha256_update(&hr, ibuf, r);
			}
		}
	}
	if (eof && !src_done)
		fprintf(stderr, "peer closed before the end of the data\n");
	print_sum("sent", sent, &hs);
	if (half_close)
		print_sum("recv", recvd, &hr);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xtcp_conn_tool [--family inet|xtcp|N] [--timeout SEC] [--out FILE]\n"
		"                      [--count K] [--duration SEC] [--fin-delay SEC]\n"
		"                      [--cc NAME] [--rcvbuf N] [--delay SEC] [--bufinfo]\n"
		"                      MODE ADDR:PORT [FILE|-|--bytes N]\n"
		"  MODE: serve-echo serve-sink serve-send send recv connect; gen SRC\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct source src = { .fd = -1, .state = 1 };
	struct sockaddr_in a;
	const char *mode, *addr = NULL;
	uint8_t *buf, *buf2;
	int count = 1, i = 1, save_fd = -1;
	bool have_src = false;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	for (; i < argc && !strncmp(argv[i], "--", 2); i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--bufinfo")) {
			bufinfo = true;
			continue;
		}
		if (i + 1 >= argc)
			usage();
		if (!strcmp(o, "--family")) {
			const char *f = argv[++i];

			if (!strcmp(f, "inet"))
				family = AF_INET;
			else if (!strcmp(f, "xtcp"))
				family = xtcp_family();
			else if (atoi(f) > 0)
				family = atoi(f);
			else
				usage();
		} else if (!strcmp(o, "--timeout")) {
			timeout_s = atoi(argv[++i]);
		} else if (!strcmp(o, "--out")) {
			out_path = argv[++i];
		} else if (!strcmp(o, "--count")) {
			count = atoi(argv[++i]);
		} else if (!strcmp(o, "--duration")) {
			duration_s = atof(argv[++i]);
		} else if (!strcmp(o, "--fin-delay")) {
			fin_delay_s = atof(argv[++i]);
		} else if (!strcmp(o, "--cc")) {
			cc_name = argv[++i];
		} else if (!strcmp(o, "--rcvbuf")) {
			rcvbuf_set = atoi(argv[++i]);
		} else if (!strcmp(o, "--delay")) {
			delay_s = atof(argv[++i]);
		} else {
			usage();
		}
	}
	if (i >= argc)
		usage();
	mode = argv[i++];
	if (family < 0)
		family = xtcp_family();
	if (strcmp(mode, "gen")) {
		if (i >= argc)
			usage();
		addr = argv[i++];
		parse_addr(addr, &a);
	}
	if (i < argc) {
		if (!strcmp(argv[i], "--bytes") && i + 1 < argc) {
			src.left = parse_size(argv[i + 1]);
			i += 2;
		} else if (!strcmp(argv[i], "-")) {
			src.fd = 0;
			i++;
		} else {
			src.fd = open(argv[i], O_RDONLY | O_CLOEXEC);
			if (src.fd < 0)
				die("open");
			i++;
		}
		have_src = true;
	}
	if (i < argc)
		usage();

	buf = malloc(BUFSZ);
	buf2 = malloc(BUFSZ);
	if (!buf || !buf2)
		die("malloc");
	if (out_path) {
		save_fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			       0644);
		if (save_fd < 0)
			die("open --out");
	}
	signal(SIGALRM, on_alarm);
	alarm(timeout_s);

	if (!strcmp(mode, "gen")) {
		ssize_t r;

		if (!have_src)
			usage();
		while ((r = src_read(&src, buf, BUFSZ)) > 0)
			if (write(1, buf, r) != r)
				die("write");
		return r < 0;
	}
	if (!strcmp(mode, "connect")) {
		int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (fd < 0)
			die("socket");
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)))
			printf("connect %s\n", ename(errno));
		else
			printf("connect OK\n");
		close(fd);
		return 0;
	}
	if (!strcmp(mode, "send") || !strcmp(mode, "recv")) {
		int fd;

		if (have_src != !strcmp(mode, "send"))
			usage();
		fd = do_connect(&a);
		if (have_src) {
			pump(fd, &src, buf, buf2, true);
		} else {
			struct sha256 h;
			int rcvbuf0 = get_rcvbuf(fd);
			uint64_t n;

			sha256_init(&h);
			read_delay();
			n = drain(fd, &h, -1, save_fd, buf);
			print_sum("recv", n, &h);
			print_bufinfo(fd, rcvbuf0);
		}
		close(fd);
		return 0;
	}
	if (!strncmp(mode, "serve-", 6)) {
		bool echo = !strcmp(mode + 6, "echo"),
		     sink = !strcmp(mode + 6, "sink"),
		     snd = !strcmp(mode + 6, "send");
		int l;

		if ((!echo && !sink && !snd) || have_src != snd ||
		    (snd && count != 1 && src.fd >= 0))
			usage();
		l = do_listen(&a, addr);
		for (int k = 0; k < count; k++) {
			int fd = do_accept(l);
			struct sha256 h;
			uint64_t n;

			sha256_init(&h);
			if (snd) {
				struct source s2 = src;

				pump(fd, &s2, buf, buf2, false);
			} else {
				int rcvbuf0 = get_rcvbuf(fd);

				if (sink)
					read_delay();
				n = drain(fd, &h, echo ? fd : -1, save_fd, buf);
				if (sink) {
					print_sum("recv", n, &h);
					print_bufinfo(fd, rcvbuf0);
				} else {
					print_sum("echoed", n, &h);
				}
			}
			close(fd);
		}
		close(l);
		return 0;
	}
	usage();
	return 2;
}
