/*
 * main.c - varsom-sim entry point: command-line flags, the listening
 * socket on 127.0.0.1, the port file, signal handling and the accept
 * loop that starts one detached thread per connection.
 */
#include "sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static void usage(FILE *out)
{
	fputs("usage: varsom-sim [options]\n"
	      "Imitates NVE's varsom avalanche API on 127.0.0.1 for tests.\n"
	      "\n"
	      "  --port N             port to bind (0 = ephemeral, default)\n"
	      "  --host ADDR          IPv4 address to bind (default "
	      "127.0.0.1;\n"
	      "                       0.0.0.0 inside a container)\n"
	      "  --port-file FILE     write the bound port to FILE "
	      "(atomically)\n"
	      "  --seed N             data seed (default 1)\n"
	      "  --revision N         republish ~10% of warnings as revision "
	      "N\n"
	      "  --fail-first N:KIND  first N attempts of each path fail\n"
	      "  --fault-rate P       each attempt fails with probability P\n"
	      "  --fault-kinds K,..   kinds for --fault-rate\n"
	      "                       (default "
	      "500,503,429,truncate,malformed)\n"
	      "  --fail-region ID:KIND  every request for region ID fails\n"
	      "  --bad-rate P         fraction of invalid warning records\n"
	      "  --slow-ms N          delay of the 'slow' fault (default "
	      "3000)\n"
	      "  --latency-ms N       delay every API answer by N ms "
	      "(connections\n"
	      "                       are served in parallel, so N "
	      "each)\n"
	      "  --drift SPEC         change the API's shape (repeatable): "
	      "rename:OLD=NEW,\n"
	      "                       drop:KEY, retype:KEY (any depth), "
	      "add:KEY (top)\n"
	      "  --drift-rate P       fraction of warnings drifted (default "
	      "1)\n"
	      "  --retry-after S      Retry-After of 503/429 (default 1)\n"
	      "  --retry-after-date   send it as an HTTP-date (now + S)\n"
	      "  --quiet              no per-request log on stderr\n"
	      "  --help               this text\n"
	      "\n"
	      "KIND: 500 503 429 slow truncate malformed reset unknown\n"
	      "      misrouted out_of_range twice null object empty\n"
	      "Control: GET /_sim/stats, /_sim/config?key=value&..., "
	      "/_sim/reset\n",
	      out);
}

static void die_usage(const char *fmt, const char *arg)
{
	fputs("varsom-sim: ", stderr);
	fprintf(stderr, fmt, arg);
	fputs("\n(try --help)\n", stderr);
	exit(2);
}

enum {
	OPT_PORT = 256,
	OPT_HOST,
	OPT_PORT_FILE,
	OPT_SEED,
	OPT_REVISION,
	OPT_FAIL_FIRST,
	OPT_FAULT_RATE,
	OPT_FAULT_KINDS,
	OPT_FAIL_REGION,
	OPT_BAD_RATE,
	OPT_DRIFT,
	OPT_DRIFT_RATE,
	OPT_SLOW_MS,
	OPT_LATENCY_MS,
	OPT_RETRY_AFTER,
	OPT_RETRY_AFTER_DATE,
	OPT_QUIET,
	OPT_HELP,
};

static const struct option options[] = {
	{"port", required_argument, NULL, OPT_PORT},
	{"host", required_argument, NULL, OPT_HOST},
	{"port-file", required_argument, NULL, OPT_PORT_FILE},
	{"seed", required_argument, NULL, OPT_SEED},
	{"revision", required_argument, NULL, OPT_REVISION},
	{"fail-first", required_argument, NULL, OPT_FAIL_FIRST},
	{"fault-rate", required_argument, NULL, OPT_FAULT_RATE},
	{"fault-kinds", required_argument, NULL, OPT_FAULT_KINDS},
	{"fail-region", required_argument, NULL, OPT_FAIL_REGION},
	{"bad-rate", required_argument, NULL, OPT_BAD_RATE},
	{"drift", required_argument, NULL, OPT_DRIFT},
	{"drift-rate", required_argument, NULL, OPT_DRIFT_RATE},
	{"slow-ms", required_argument, NULL, OPT_SLOW_MS},
	{"latency-ms", required_argument, NULL, OPT_LATENCY_MS},
	{"retry-after", required_argument, NULL, OPT_RETRY_AFTER},
	{"retry-after-date", no_argument, NULL, OPT_RETRY_AFTER_DATE},
	{"quiet", no_argument, NULL, OPT_QUIET},
	{"help", no_argument, NULL, OPT_HELP},
	{NULL, 0, NULL, 0},
};

/* --host: loopback unless told otherwise (a container's compose network). */
static struct in_addr bind_addr = {.s_addr = 0};
static const char *bind_name = "127.0.0.1";

static void parse_flags(int argc, char **argv, struct sim_config *c, int *port,
			const char **port_file)
{
	int opt;
	long n;
	enum fault_kind k;
	char err[160];
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", options, NULL)) != -1) {
		const char *a = optarg;
		switch (opt) {
		case OPT_PORT:
			if (!config_parse_int(a, 0, 65535, &n))
				die_usage("--port: not a port: '%s'", a);
			*port = (int)n;
			break;
		case OPT_HOST:
			if (inet_pton(AF_INET, a, &bind_addr) != 1)
				die_usage("--host: not an IPv4 address: '%s'",
					  a);
			bind_name = a;
			break;
		case OPT_PORT_FILE:
			if (!*a)
				die_usage("--port-file: empty name%s", "");
			*port_file = a;
			break;
		case OPT_SEED:
			if (!config_parse_int(a, 0, LONG_MAX, &n))
				die_usage("--seed: not a non-negative integer: "
					  "'%s'",
					  a);
			c->seed = (uint64_t)n;
			break;
		case OPT_REVISION:
			if (!config_parse_int(a, 0, 1000000, &n))
				die_usage("--revision: not an integer "
					  "0..1000000: '%s'",
					  a);
			c->revision = (int)n;
			break;
		case OPT_FAIL_FIRST:
			if (!config_parse_n_kind(a, 0, 1000000, &n, &k))
				die_usage("--fail-first: expected N:KIND, got "
					  "'%s'",
					  a);
			c->fail_first_n = (int)n;
			c->fail_first_kind = k;
			break;
		case OPT_FAULT_RATE:
			if (!config_parse_rate(a, &c->fault_rate))
				die_usage("--fault-rate: not a number 0..1: "
					  "'%s'",
					  a);
			break;
		case OPT_FAULT_KINDS:
			if (!config_parse_kinds(a, c, err, sizeof(err)))
				die_usage("--fault-kinds: %s", err);
			break;
		case OPT_FAIL_REGION:
			if (!config_parse_n_kind(a, 3001, 3000 + SIM_NREGIONS,
						 &n, &k))
				die_usage("--fail-region: expected ID:KIND "
					  "with ID "
					  "3001..3046, got '%s'",
					  a);
			c->fail_region = (int)n;
			c->fail_region_kind = k;
			break;
		case OPT_BAD_RATE:
			if (!config_parse_rate(a, &c->bad_rate))
				die_usage("--bad-rate: not a number 0..1: '%s'",
					  a);
			break;
		case OPT_DRIFT:
			if (c->ndrift == SIM_DRIFT_MAX ||
			    !drift_parse(a, &c->drift[c->ndrift]))
				die_usage("--drift: expected rename:OLD=NEW, "
					  "drop:KEY, retype:KEY or add:KEY "
					  "(at most 8), got '%s'",
					  a);
			c->ndrift++;
			break;
		case OPT_DRIFT_RATE:
			if (!config_parse_rate(a, &c->drift_rate))
				die_usage("--drift-rate: not a number 0..1: "
					  "'%s'",
					  a);
			break;
		case OPT_SLOW_MS:
			if (!config_parse_int(a, 0, 600000, &n))
				die_usage("--slow-ms: not an integer "
					  "0..600000: '%s'",
					  a);
			c->slow_ms = (int)n;
			break;
		case OPT_LATENCY_MS:
			if (!config_parse_int(a, 0, 600000, &n))
				die_usage("--latency-ms: not an integer "
					  "0..600000: '%s'",
					  a);
			c->latency_ms = (int)n;
			break;
		case OPT_RETRY_AFTER:
			if (!config_parse_int(a, 0, 86400, &n))
				die_usage("--retry-after: not an integer "
					  "0..86400: "
					  "'%s'",
					  a);
			c->retry_after = (int)n;
			break;
		case OPT_RETRY_AFTER_DATE:
			c->retry_after_date = true;
			break;
		case OPT_QUIET:
			c->quiet = true;
			break;
		case 'h':
		case OPT_HELP:
			usage(stdout);
			exit(0);
		case ':':
			die_usage("option %s needs a value", argv[optind - 1]);
			break;
		default:
			die_usage("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		die_usage("unexpected argument '%s'", argv[optind]);
}

static int listen_on(int port, int *bound)
{
	struct sockaddr_in sa;
	socklen_t len = sizeof(sa);
	int one = 1;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr = bind_addr;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 512) < 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	*bound = ntohs(sa.sin_port);
	return fd;
}

/* Temp file + rename, so a reader never sees a partial file. */
static int write_port_file(const char *path, int port)
{
	size_t n = strlen(path) + 32;
	char *tmp = malloc(n);
	if (!tmp)
		return -1;
	snprintf(tmp, n, "%s.tmp.%ld", path, (long)getpid());
	FILE *f = fopen(tmp, "w");
	int rc = -1;
	if (f) {
		bool ok = fprintf(f, "%d\n", port) > 0;
		ok &= fclose(f) == 0;
		if (ok && rename(tmp, path) == 0)
			rc = 0;
		else
			unlink(tmp);
	}
	free(tmp);
	return rc;
}

static void start_connection(int fd, const struct sockaddr_in *peer,
			     pthread_attr_t *attr)
{
	int one = 1;
	pthread_t tid;
	struct conn *c = calloc(1, sizeof(*c));
	if (!c) {
		close(fd);
		http_conn_release();
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->fd = fd;
	char ip[INET_ADDRSTRLEN] = "?";
	inet_ntop(AF_INET, &peer->sin_addr, ip, sizeof(ip));
	snprintf(c->peer, sizeof(c->peer), "%s:%d", ip, ntohs(peer->sin_port));
	if (pthread_create(&tid, attr, http_conn_main, c) != 0) {
		close(fd);
		free(c);
		http_conn_release();
	}
}

int main(int argc, char **argv)
{
	struct sim_config cfg;
	int port = 0, bound = 0;
	const char *port_file = NULL;
	config_defaults(&cfg);
	bind_addr.s_addr = htonl(INADDR_LOOPBACK);
	parse_flags(argc, argv, &cfg, &port, &port_file);
	config_set(&cfg);
	regions_init();

	/* SIGTERM/SIGINT stay blocked everywhere except inside ppoll below,
	 * so only the accept loop sees them; threads inherit the mask. */
	sigset_t block, waitmask;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int lfd = listen_on(port, &bound);
	if (lfd < 0) {
		fprintf(stderr, "varsom-sim: cannot listen on %s:%d: %s\n",
			bind_name, port, strerror(errno));
		return 1;
	}
	if (port_file && write_port_file(port_file, bound) < 0) {
		fprintf(stderr, "varsom-sim: cannot write port file %s: %s\n",
			port_file, strerror(errno));
		return 1;
	}
	printf("listening on %s:%d\n", bind_name, bound);
	fflush(stdout);

	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 1u << 20);

	while (!stop_requested) {
		if (!http_conn_acquire()) {
			/* all slots busy: wait for one to free up */
			struct timespec ts = {0, 10 * 1000000L};
			ppoll(NULL, 0, &ts, &waitmask);
			continue;
		}
		struct pollfd pfd = {lfd, POLLIN, 0};
		int rc = ppoll(&pfd, 1, NULL, &waitmask);
		if (rc <= 0) {
			http_conn_release();
			continue; /* EINTR: the loop condition decides */
		}
		struct sockaddr_in peer;
		socklen_t plen = sizeof(peer);
		int fd = accept4(lfd, (struct sockaddr *)&peer, &plen,
				 SOCK_CLOEXEC);
		if (fd < 0) {
			http_conn_release();
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOMEM) {
				struct timespec ts = {0, 50 * 1000000L};
				ppoll(NULL, 0, &ts, &waitmask);
			}
			continue;
		}
		start_connection(fd, &peer, &attr);
	}
	close(lfd);
	pthread_attr_destroy(&attr);
	fflush(stdout);
	exit(0);
}
