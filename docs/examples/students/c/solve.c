/* solve() style: only the function that handles ONE test; batchjudge supplies the rest. */
#include <stdio.h>

void solve(void) {
    int n;
    if (scanf("%d", &n) != 1) return;
    for (int i = 0; i < n; i++) {
        long long a, b;
        if (scanf("%lld %lld", &a, &b) != 2) return;
        printf("%lld\n", a + b);
    }
}
