/* Wrong: adds in 32-bit ints, so any sum beyond 2^31 - 1 wraps around (WA on the tests
   with big numbers; right on the others). */
#include <stdio.h>

int main(void) {
    int n;
    if (scanf("%d", &n) != 1) return 1;
    for (int i = 0; i < n; i++) {
        int a, b;
        scanf("%d %d", &a, &b);
        printf("%d\n", (int)((unsigned)a + (unsigned)b)); /* the wrap of a plain a + b */
    }
    return 0;
}
