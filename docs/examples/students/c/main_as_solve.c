/* A whole program (it has main), submitted with the Style set to solve(). In solve() style
   batchjudge adds its own main(), so the program has two and does not link:
   multiple definition of `main'. Fix: choose Program (main), or Detect it. */
#include <stdio.h>

int main(void) {
    int n;
    long long a, b;
    if (scanf("%d", &n) != 1) return 1;
    for (int i = 0; i < n; i++) {
        if (scanf("%lld %lld", &a, &b) != 2) return 1;
        printf("%lld\n", a + b);
    }
    return 0;
}
