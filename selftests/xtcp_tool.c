// SPDX-License-Identifier: GPL-2.0
/*
 * xtcp_tool: drive one socket from shell tests.
 *
 *   xtcp_tool [-f inet|xtcp|N] [-o OPT]... [-b ADDR:PORT] [-l BACKLOG]
 *             [-c ADDR:PORT] [-s TEXT] [-w] [-t SECONDS]
 *
 * The steps run in this order: socket, the -o options (in the order
 * given), bind, listen, connect, send; each prints one line:
 *
 *   socket OK
 *   setsockopt reuseaddr OK
 *   bind 10.0.0.1:5000 OK
 *   sockname 10.0.0.1:5000
 *   listen EADDRINUSE
 *
 * and the tool stops at the first step that fails.  The last line is
 * "result OK" or "result ERRNO_NAME" (of the failed step); the exit
 * status is 0 or 1 (2: bad usage).
 *
 * -f    family: inet (AF_INET), xtcp (the family of the loaded module,
 *       from /sys/module/xtcp/parameters/family, else AF_XTCP; the
 *       XTCP_FAMILY environment variable overrides it), or a number
 * -o    reuseaddr, reuseport, freebind, transparent, bindnoport,
 *       nonblock, dev=IFNAME
 * -w    hold the socket after the steps: print "ready" and wait for
 *       SIGTERM/SIGINT/SIGHUP or the end of stdin (when stdin is a pipe),
 *       at most -t seconds (default 60); then print "result ..." and exit
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "xtcp_family.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
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

static void usage(void)
{
	fprintf(stderr,
		"usage: xtcp_tool [-f inet|xtcp|N] [-o OPT]... [-b ADDR:PORT] [-l BACKLOG]\n"
		"                 [-c ADDR:PORT] [-s TEXT] [-w] [-t SECONDS]\n"
		"  OPT: reuseaddr reuseport freebind transparent bindnoport nonblock dev=IF\n");
	exit(2);
}

static int parse_addr(const char *s, struct sockaddr_in *a)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t n;

	if (!colon)
		return -1;
	n = colon - s;
	if (n >= sizeof(host))
		return -1;
	memcpy(host, s, n);
	host[n] = 0;
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(atoi(colon + 1));
	return inet_pton(AF_INET, host, &a->sin_addr) == 1 ? 0 : -1;
}

static int failed_errno;

/* Print "STEP OK" or "STEP ERRNAME"; remember the first failure. */
static int step(int ret, const char *what)
{
	if (ret < 0) {
		failed_errno = errno;
		printf("%s %s\n", what, ename(errno));
		return -1;
	}
	printf("%s OK\n", what);
	return 0;
}

static void print_name(int fd)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);
	char buf[INET_ADDRSTRLEN];

	if (getsockname(fd, (struct sockaddr *)&a, &l) == 0)
		printf("sockname %s:%d\n",
		       inet_ntop(AF_INET, &a.sin_addr, buf, sizeof(buf)),
		       ntohs(a.sin_port));
}

static int finish(void)
{
	if (failed_errno)
		printf("result %s\n", ename(failed_errno));
	else
		printf("result OK\n");
	fflush(stdout);
	return failed_errno ? 1 : 0;
}

int main(int argc, char **argv)
{
	const char *opts[16], *bind_s = NULL, *conn_s = NULL, *send_s = NULL;
	int nopts = 0, backlog = -100000, hold = 0, max_hold = 60;
	int family = -1, fd, c;
	struct sockaddr_in a;
	char what[128];

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "f:o:b:l:c:s:wt:")) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "inet"))
				family = AF_INET;
			else if (!strcmp(optarg, "xtcp"))
				family = xtcp_family();
			else
				family = atoi(optarg);
			break;
		case 'o':
			if (nopts == (int)(sizeof(opts) / sizeof(opts[0])))
				usage();
			opts[nopts++] = optarg;
			break;
		case 'b':
			bind_s = optarg;
			break;
		case 'l':
			backlog = atoi(optarg);
			break;
		case 'c':
			conn_s = optarg;
			break;
		case 's':
			send_s = optarg;
			break;
		case 'w':
			hold = 1;
			break;
		case 't':
			max_hold = atoi(optarg);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if (family < 0)
		family = xtcp_family();

	signal(SIGPIPE, SIG_IGN);
	fd = socket(family, SOCK_STREAM, 0);
	if (step(fd, "socket"))
		return finish();

	for (int i = 0; i < nopts; i++) {
		const char *o = opts[i];
		int one = 1, r;

		snprintf(what, sizeof(what), "setsockopt %s", o);
		if (!strcmp(o, "reuseaddr"))
			r = setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		else if (!strcmp(o, "reuseport"))
			r = setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one));
		else if (!strcmp(o, "freebind"))
			r = setsockopt(fd, SOL_IP, IP_FREEBIND, &one, sizeof(one));
		else if (!strcmp(o, "transparent"))
			r = setsockopt(fd, SOL_IP, IP_TRANSPARENT, &one, sizeof(one));
		else if (!strcmp(o, "bindnoport"))
			r = setsockopt(fd, SOL_IP, IP_BIND_ADDRESS_NO_PORT, &one,
				       sizeof(one));
		else if (!strcmp(o, "nonblock"))
			r = fcntl(fd, F_SETFL, O_NONBLOCK);
		else if (!strncmp(o, "dev=", 4))
			r = setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o + 4,
				       strlen(o + 4) + 1);
		else
			usage();
		if (step(r, what))
			return finish();
	}

	if (bind_s) {
		if (parse_addr(bind_s, &a))
			usage();
		snprintf(what, sizeof(what), "bind %s", bind_s);
		if (step(bind(fd, (struct sockaddr *)&a, sizeof(a)), what))
			return finish();
		print_name(fd);
	}
	if (backlog != -100000) {
		if (step(listen(fd, backlog), "listen"))
			return finish();
		print_name(fd);
	}
	if (conn_s) {
		struct timeval tv = { 5, 0 };

		if (parse_addr(conn_s, &a))
			usage();
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		snprintf(what, sizeof(what), "connect %s", conn_s);
		if (step(connect(fd, (struct sockaddr *)&a, sizeof(a)), what))
			return finish();
		print_name(fd);
	}
	if (send_s) {
		if (step(send(fd, send_s, strlen(send_s), MSG_NOSIGNAL), "send"))
			return finish();
	}

	if (hold) {
		struct sigaction sa = { .sa_handler = on_signal };
		struct stat st;
		int watch_stdin = fstat(0, &st) == 0 && S_ISFIFO(st.st_mode);
		time_t end = time(NULL) + max_hold;

		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		sigaction(SIGHUP, &sa, NULL);
		printf("ready\n");
		fflush(stdout);
		while (!stop && time(NULL) < end) {
			struct pollfd p = { .fd = 0, .events = POLLIN };

			if (watch_stdin) {
				if (poll(&p, 1, 200) > 0) {
					char b[64];

					if (read(0, b, sizeof(b)) <= 0)
						break;
				}
			} else {
				usleep(200000);
			}
		}
	}
	close(fd);
	return finish();
}
