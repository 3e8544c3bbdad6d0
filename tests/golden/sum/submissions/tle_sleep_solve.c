/* Sleeps (no CPU use) on the trigger test: only the real-time limit can catch it. */
#include <stdio.h>
#include <unistd.h>

void solve(void) {
    long long a, b;
    scanf("%lld %lld", &a, &b);
    if (a == 13) sleep(10);
    printf("%lld\n", a + b);
}
