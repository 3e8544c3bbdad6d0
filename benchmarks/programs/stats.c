#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b) {
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(void) {
    int n;
    if (scanf("%d", &n) != 1) return 1;
    long *v = malloc(sizeof(long) * (size_t)n);
    long sum = 0, best = -1000000000L, run = 0;
    for (int i = 0; i < n; i++) {
        scanf("%ld", &v[i]);
        sum += v[i];
        run = run > 0 ? run + v[i] : v[i];
        if (run > best) best = run;
    }
    qsort(v, (size_t)n, sizeof(long), cmp);
    int distinct = n > 0;
    for (int i = 1; i < n; i++) distinct += v[i] != v[i - 1];
    printf("%ld %ld %d\n", sum, best, distinct);
    free(v);
    return 0;
}
