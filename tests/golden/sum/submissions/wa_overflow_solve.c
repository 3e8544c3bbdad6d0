/* The classic bug: 32-bit ints. 2000000000 + 2000000000 wraps (secret/03 only). */
#include <stdio.h>

void solve(void) {
    int a, b;
    scanf("%d %d", &a, &b);
    int sum = (int)((unsigned)a + (unsigned)b); /* wraps like the buggy int addition would */
    printf("%d\n", sum);
}
