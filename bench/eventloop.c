/* Event workloads for the event panels' benchmarks (bench/panel-cost.mjs, bench/event-rate.mjs).
 *   eventloop open N FILE: N open(2)+close(2) of FILE, timed. Prints: opens ns
 *   eventloop paced-open RATE SECONDS FILE: opens of FILE at RATE a second (paced in 1 ms steps; RATE 0: as fast as
 *     it can) for SECONDS. Prints: opens ns
 *   eventloop paced-exec RATE SECONDS: fork, exec /bin/true and wait, at RATE a second (0: as fast as it can).
 *     Prints: execs ns */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int one_open(const char *file)
{
	int fd = open(file, O_RDONLY);
	if (fd < 0)
		return -1;
	close(fd);
	return 0;
}

static int one_exec(void)
{
	pid_t p = fork();
	if (p == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	return p < 0 || waitpid(p, NULL, 0) < 0 ? -1 : 0;
}

/* Events at `rate` a second for `secs` seconds: each millisecond, as many as the rate says are due by then. */
static int paced(double rate, double secs, const char *file)
{
	long long t0 = now_ns(), end = t0 + (long long)(secs * 1e9), done = 0;
	for (;;) {
		long long t = now_ns();
		if (t >= end)
			break;
		long long due = rate > 0 ? (long long)((t - t0) * rate / 1e9) + 1 : done + 64;
		while (done < due) {
			if ((file ? one_open(file) : one_exec()) < 0)
				return 1;
			done++;
		}
		if (rate > 0) {
			struct timespec ms = { 0, 1000000 };
			nanosleep(&ms, NULL);
		}
	}
	printf("%lld %lld\n", done, now_ns() - t0);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "open")) {
		long n = atol(argv[2]);
		long long t0 = now_ns();
		for (long i = 0; i < n; i++)
			if (one_open(argv[3]) < 0) {
				perror(argv[3]);
				return 1;
			}
		printf("%ld %lld\n", n, now_ns() - t0);
		return 0;
	}
	if (argc == 5 && !strcmp(argv[1], "paced-open"))
		return paced(atof(argv[2]), atof(argv[3]), argv[4]);
	if (argc == 4 && !strcmp(argv[1], "paced-exec"))
		return paced(atof(argv[2]), atof(argv[3]), NULL);
	fprintf(stderr, "usage: eventloop open N FILE | paced-open RATE SECONDS FILE | paced-exec RATE SECONDS\n");
	return 2;
}
