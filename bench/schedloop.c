/* Scheduler workloads for the process and runqlat panels' cost (bench/panel-cost.mjs).
 *   schedloop pingpong N: two processes pinned to one CPU pass a byte through two pipes N times: each pass wakes the
 *     other and switches to it (2N context switches, each with a wake-up). Prints: switches ns
 *   schedloop forkexec N: fork, exec /bin/true and wait, N times (a new task, its exec and its exit each time).
 *     Prints: execs ns */
#define _GNU_SOURCE
#include <sched.h>
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

int main(int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 10000;
	long long t0;
	if (argc < 2) return 2;
	if (!strcmp(argv[1], "pingpong")) {
		int a[2], b[2];
		char c = 'x';
		cpu_set_t s;
		CPU_ZERO(&s);
		CPU_SET(0, &s);
		if (pipe(a) || pipe(b) || sched_setaffinity(0, sizeof s, &s)) return 1;
		pid_t child = fork();
		if (child == 0) {
			for (long i = 0; i < n; i++)
				if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1) _exit(1);
			_exit(0);
		}
		t0 = now_ns();
		for (long i = 0; i < n; i++)
			if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1) return 1;
		long long ns = now_ns() - t0;
		waitpid(child, NULL, 0);
		printf("%ld %lld\n", 2 * n, ns);
		return 0;
	}
	if (!strcmp(argv[1], "forkexec")) {
		t0 = now_ns();
		for (long i = 0; i < n; i++) {
			pid_t p = fork();
			if (p == 0) {
				execl("/bin/true", "true", (char *)NULL);
				_exit(127);
			}
			if (p < 0 || waitpid(p, NULL, 0) < 0) return 1;
		}
		printf("%ld %lld\n", n, now_ns() - t0);
		return 0;
	}
	return 2;
}
