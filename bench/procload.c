/* procload: N processes of T tasks each (the main thread + T-1 threads), all blocked, for procs-scale.mjs.
 * Usage: procload [processes=5000] [threads_per_process=4]
 * Makes its own process group (the bench kills the group). Prints "ready <processes> <tasks>" once every child has
 * started its threads, then waits for stdin to close (the bench ended) and kills the group; each child also dies with
 * its parent (PR_SET_PDEATHSIG), so nothing is left behind if the parent is killed. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

static void *blocked(void *arg) {
  (void)arg;
  for (;;) pause();
  return NULL;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 5000;
  int per = argc > 2 ? atoi(argv[2]) : 4;
  int ready[2];
  if (getpgrp() != getpid() && setpgid(0, 0) != 0) perror("setpgid"); /* spawned detached: a group (session) already */
  if (pipe(ready) != 0) { perror("pipe"); return 1; }
  pid_t parent = getpid();
  int started = 0;
  for (int i = 0; i < n; i++) {
    pid_t p = fork();
    if (p < 0) { fprintf(stderr, "procload: fork %d: %s\n", i, strerror(errno)); kill(0, SIGKILL); return 1; }
    if (p == 0) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(0);
      close(ready[0]);
      pthread_attr_t a;
      pthread_attr_init(&a);
      pthread_attr_setstacksize(&a, 64 * 1024);
      char ok = 1;
      for (int t = 1; t < per; t++) {
        pthread_t th;
        int e = pthread_create(&th, &a, blocked, NULL);
        if (e) { fprintf(stderr, "procload: thread: %s\n", strerror(e)); ok = 0; break; }
      }
      if (write(ready[1], &ok, 1) != 1) _exit(1);
      close(ready[1]);
      for (;;) pause();
    }
    started++;
  }
  close(ready[1]);
  int good = 0, got = 0;
  char c;
  while (got < started && read(ready[0], &c, 1) == 1) { got++; good += c; }
  printf("ready %d %d\n", got, got * per);
  if (good != got) fprintf(stderr, "procload: %d processes could not start all their threads\n", got - good);
  fflush(stdout);
  /* Wait for the bench: stdin closes when it ends (or it writes a line). */
  char buf[64];
  while (read(0, buf, sizeof buf) < 0 && errno == EINTR) {}
  signal(SIGTERM, SIG_IGN);
  kill(0, SIGKILL);
  return 0;
}
