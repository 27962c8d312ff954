// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_load: a small load tool for scripts/bench, the same steps over
 * AF_INET and over XTCP.
 *
 *   xtcp_load [--family inet|xtcp|N] MODE ADDR:PORT [OPTIONS]
 *
 * Modes:
 *   server ADDR:PORT         accept connections (epoll, one thread) and
 *                            answer each byte received with one byte;
 *                            runs until killed.  Prints "listening".
 *   crr ADDR:PORT            connections per second: --conc C workers
 *                            (default 1), each in turn connects, sends 1
 *                            byte, reads 1 byte, closes, for --time S
 *                            seconds (default 5).  Prints
 *                            "crr N conns SEC s RATE /s"
 *   rr ADDR:PORT             latency: one connection, 1-byte request and
 *                            response, for --time S seconds.  Prints
 *                            "rr N p50 US p99 US" (microseconds)
 *   idle ADDR:PORT           open --count N connections (default 10000)
 *                            and keep them, print "idle N", then wait for
 *                            a line (or EOF) on stdin and close them all
 *
 * Errors print "error STEP ERRNO-TEXT" and exit 1.  Connections are
 * closed by the client first: the TIME_WAIT entries stay on its side.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "xtcp_family.h"

static int family = AF_INET;
static struct sockaddr_in addr;
static double duration = 5;
static int conc = 1;
static long count = 10000;

static void die(const char *what)
{
	printf("error %s %s\n", what, strerror(errno));
	fflush(stdout);
	exit(1);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void parse_addr(const char *s)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t n;

	if (!colon || (n = colon - s) >= sizeof(host)) {
		fprintf(stderr, "xtcp_load: bad ADDR:PORT %s\n", s);
		exit(2);
	}
	memcpy(host, s, n);
	host[n] = 0;
	addr.sin_family = AF_INET;
	addr.sin_port = htons(atoi(colon + 1));
	if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
		fprintf(stderr, "xtcp_load: bad address %s\n", host);
		exit(2);
	}
}

static int conn_open(void)
{
	int one = 1, fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* One request and its response; 0 on success. */
static int exchange(int fd)
{
	char b = 'x';

	if (send(fd, &b, 1, 0) != 1 || recv(fd, &b, 1, MSG_WAITALL) != 1)
		return -1;
	return 0;
}

static void run_server(void)
{
	int one = 1, l, ep, n;
	struct epoll_event ev, evs[256];

	l = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (l < 0)
		die("socket");
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&addr, sizeof(addr)))
		die("bind");
	if (listen(l, 4096))
		die("listen");
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0)
		die("epoll");
	ev.events = EPOLLIN;
	ev.data.fd = l;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, l, &ev))
		die("epoll_ctl");
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		n = epoll_wait(ep, evs, 256, -1);
		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			int fd = evs[i].data.fd, s;
			char buf[256];
			ssize_t r;

			if (fd == l) {
				while ((s = accept4(l, NULL, NULL,
						    SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
					setsockopt(s, SOL_TCP, TCP_NODELAY,
						   &one, sizeof(one));
					ev.events = EPOLLIN;
					ev.data.fd = s;
					if (epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev))
						close(s);
				}
				continue;
			}
			r = recv(fd, buf, sizeof(buf), 0);
			if (r > 0) {
				if (send(fd, buf, r, MSG_NOSIGNAL) < 0)
					close(fd);
			} else if (r == 0 || errno != EAGAIN) {
				close(fd);	/* also leaves the epoll set */
			}
		}
	}
}

struct worker {
	pthread_t th;
	double end;
	long done;
	int err;
};

static void *crr_worker(void *arg)
{
	struct worker *w = arg;
	int fd;

	while (now() < w->end) {
		fd = conn_open();
		if (fd < 0 || exchange(fd)) {
			w->err = errno;
			if (fd >= 0)
				close(fd);
			return NULL;
		}
		close(fd);
		w->done++;
	}
	return NULL;
}

static void run_crr(void)
{
	struct worker *w = calloc(conc, sizeof(*w));
	double t0 = now(), t;
	long total = 0;

	if (!w)
		die("calloc");
	for (int i = 0; i < conc; i++) {
		w[i].end = t0 + duration;
		if (pthread_create(&w[i].th, NULL, crr_worker, &w[i]))
			die("pthread_create");
	}
	for (int i = 0; i < conc; i++) {
		pthread_join(w[i].th, NULL);
		if (w[i].err) {
			errno = w[i].err;
			die("crr");
		}
		total += w[i].done;
	}
	t = now() - t0;
	printf("crr %ld conns %.2f s %.1f /s\n", total, t, total / t);
	free(w);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void run_rr(void)
{
	size_t n = 0, cap = 1 << 16;
	double *lat = malloc(cap * sizeof(*lat)), end, t;
	int fd = conn_open();

	if (!lat)
		die("malloc");
	if (fd < 0)
		die("connect");
	end = now() + duration;
	while ((t = now()) < end) {
		if (exchange(fd))
			die("exchange");
		if (n == cap) {
			double *l2 = realloc(lat, 2 * cap * sizeof(*lat));

			if (!l2)
				die("realloc");
			lat = l2;
			cap *= 2;
		}
		lat[n++] = (now() - t) * 1e6;
	}
	close(fd);
	if (!n) {
		errno = ETIMEDOUT;
		die("rr");
	}
	qsort(lat, n, sizeof(*lat), cmp_double);
	printf("rr %zu p50 %.1f us p99 %.1f us\n", n, lat[n / 2],
	       lat[n * 99 / 100]);
	free(lat);
}

static void run_idle(void)
{
	struct rlimit rl = { count + 64, count + 64 };
	int *fds = calloc(count, sizeof(*fds));
	char line[16];

	if (!fds)
		die("calloc");
	if (setrlimit(RLIMIT_NOFILE, &rl))
		die("setrlimit");
	for (long i = 0; i < count; i++) {
		fds[i] = conn_open();
		if (fds[i] < 0 || exchange(fds[i]))
			die("idle connect");
	}
	printf("idle %ld\n", count);
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		line[0] = 0;
	for (long i = 0; i < count; i++)
		close(fds[i]);
	free(fds);
}

static void usage(void)
{
	fprintf(stderr,
		"usage: xtcp_load [--family inet|xtcp|N] server|crr|rr|idle ADDR:PORT\n"
		"                 [--time SEC] [--conc C] [--count N]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *mode = NULL, *where = NULL;

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--family") && i + 1 < argc) {
			const char *f = argv[++i];

			family = !strcmp(f, "inet") ? AF_INET :
				 !strcmp(f, "xtcp") ? xtcp_family() : atoi(f);
		} else if (!strcmp(o, "--time") && i + 1 < argc) {
			duration = atof(argv[++i]);
		} else if (!strcmp(o, "--conc") && i + 1 < argc) {
			conc = atoi(argv[++i]);
		} else if (!strcmp(o, "--count") && i + 1 < argc) {
			count = atol(argv[++i]);
		} else if (!mode) {
			mode = o;
		} else if (!where) {
			where = o;
		} else {
			usage();
		}
	}
	if (!mode || !where || conc < 1 || count < 1 || duration <= 0)
		usage();
	parse_addr(where);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(mode, "server"))
		run_server();
	else if (!strcmp(mode, "crr"))
		run_crr();
	else if (!strcmp(mode, "rr"))
		run_rr();
	else if (!strcmp(mode, "idle"))
		run_idle();
	else
		usage();
	return 0;
}
