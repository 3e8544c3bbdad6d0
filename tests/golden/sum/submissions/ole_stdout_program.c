/* Floods stdout without end on the trigger test. */
#include <stdio.h>

int main(void) {
    long long a, b;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    if (a == 13) {
        for (;;) fputs("42 42 42 42 42 42 42 42 42 42 42 42 42 42 42 42 42 42 42 42\n", stdout);
    }
    printf("%lld\n", a + b);
    return 0;
}
