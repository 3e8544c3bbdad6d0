/* solve() style: only the function that handles one test. */
#include <stdio.h>

void solve(void) {
    long long a, b;
    scanf("%lld %lld", &a, &b);
    printf("%lld\n", a + b);
}
