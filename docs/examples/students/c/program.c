/* Program style: main() reads ONE test from standard input and prints its answer. */
#include <stdio.h>

int main(void) {
    int n;
    if (scanf("%d", &n) != 1) return 1;
    for (int i = 0; i < n; i++) {
        long long a, b; /* the sums reach 4e9: too big for int */
        if (scanf("%lld %lld", &a, &b) != 2) return 1;
        printf("%lld\n", a + b);
    }
    return 0;
}
