/* Runs a command and reports its wall time and peak resident memory, for keysync-bench.
 *
 * Why a separate program: Linux keeps a process's peak RSS across execve, and a child spawned
 * straight from keysync-bench (which holds the generated manifest, state and keys in memory)
 * would report the benchmark's own peak. Forked from this small process, the child starts small.
 *
 *   rusage OUTFILE COMMAND [ARG...]    writes "<seconds> <peak bytes>\n" to OUTFILE and exits
 *                                      with the command's status (128+signal when killed).
 * Built by bench/run with: gcc -O2 -o rusage rusage.c */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: rusage OUTFILE COMMAND [ARG...]\n"); return 125; }
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    pid_t pid = fork();
    if (pid < 0) { perror("fork"); return 125; }
    if (pid == 0) {
        execv(argv[2], argv + 2);
        perror(argv[2]);
        _exit(127);
    }
    int status = 0;
    struct rusage usage;
    while (wait4(pid, &status, 0, &usage) < 0) {}
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
    FILE *out = fopen(argv[1], "w");
    if (!out) { perror(argv[1]); return 125; }
    /* Linux reports ru_maxrss in KiB. */
    fprintf(out, "%.9f %ld\n", seconds, (long)usage.ru_maxrss * 1024L);
    fclose(out);
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}
