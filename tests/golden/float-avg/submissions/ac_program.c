#include <stdio.h>

int main(void) {
    int n;
    if (scanf("%d", &n) != 1) return 1;
    double total = 0, x;
    for (int i = 0; i < n; i++) {
        scanf("%lf", &x);
        total += x;
    }
    printf("%.9f\n", total / n);
    return 0;
}
