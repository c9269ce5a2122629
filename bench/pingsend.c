/* One thread, one loopback TCP connection A->B. Each iteration: exactly one send(A, 64B) and one
 * recv(B, 64B, MSG_WAITALL). Prints: iters ns bytes_sent bytes_recvd pid */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#define DIE(m) do { perror(m); exit(1); } while (0)
int main(int argc, char **argv)
{
	long iters = argc > 1 ? atol(argv[1]) : 100000, size = argc > 2 ? atol(argv[2]) : 64;
	int cpu = argc > 3 ? atoi(argv[3]) : -1, one = 1;
	if (cpu >= 0) { cpu_set_t s; CPU_ZERO(&s); CPU_SET(cpu, &s); if (sched_setaffinity(0, sizeof s, &s)) DIE("affinity"); }
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t al = sizeof a;
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), s;
	if (l < 0 || c < 0 || bind(l, (void *)&a, sizeof a) || listen(l, 1) || getsockname(l, (void *)&a, &al)) DIE("listen");
	if (connect(c, (void *)&a, sizeof a) || (s = accept(l, NULL, NULL)) < 0) DIE("connect");
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	char buf[65536] = { 0 };
	long sent = 0, got = 0;
	for (int w = 0; w < 1000; w++) { /* warm-up, not counted in time but counted in bytes */
		ssize_t n = send(c, buf, size, 0), m = recv(s, buf, size, MSG_WAITALL);
		if (n != size || m != size) DIE("warmup");
		sent += n; got += m;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (long i = 0; i < iters; i++) {
		ssize_t n = send(c, buf, size, 0), m = recv(s, buf, size, MSG_WAITALL);
		if (n != size || m != size) DIE("io");
		sent += n; got += m;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long ns = (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec);
	printf("%ld %ld %ld %ld %d\n", iters, ns, sent, got, getpid());
	return 0;
}
