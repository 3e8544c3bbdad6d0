/* A fork bomb on the trigger test. The pids cgroup caps the execution at a few dozen
   processes, so fork() soon fails with EAGAIN and every process spins on it until the
   real-time limit kills the group: TLE. */
#include <stdio.h>
#include <unistd.h>

int main(void) {
    long long a, b;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    if (a == 13) {
        while (1) fork();
    }
    printf("%lld\n", a + b);
    return 0;
}
