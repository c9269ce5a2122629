/* The per-call workload of bench/panel-cost.mjs: N pread(2)s of SIZE bytes at offset 0 of FILE (page-cached after the
 * first), timed with CLOCK_MONOTONIC. Prints: calls ns bytes. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	static char buf[1 << 16];
	struct timespec a, b;
	long n, size, total = 0;
	int fd;

	if (argc != 4 || (n = atol(argv[2])) <= 0 || (size = atol(argv[3])) <= 0 || size > (long)sizeof(buf)) {
		fprintf(stderr, "usage: readloop FILE CALLS SIZE\n");
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++) {
		ssize_t r = pread(fd, buf, size, 0);

		if (r != size) {
			fprintf(stderr, "short read\n");
			return 1;
		}
		total += r;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%ld %lld %ld\n", n, (long long)(b.tv_sec - a.tv_sec) * 1000000000LL + (b.tv_nsec - a.tv_nsec), total);
	return 0;
}
