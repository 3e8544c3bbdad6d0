/* Three decimals are not enough for 4/3 (secret/01); the tiny average of secret/03 passes
   on the absolute tolerance. */
#include <stdio.h>

void solve(void) {
    int n;
    scanf("%d", &n);
    double total = 0, x;
    for (int i = 0; i < n; i++) {
        scanf("%lf", &x);
        total += x;
    }
    printf("%.3f\n", total / n);
}
