/* Burns CPU forever on the trigger test (a == 13). */
#include <stdio.h>

int main(void) {
    long long a, b;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    if (a == 13) {
        volatile unsigned long spins = 0;
        for (;;) spins++;
    }
    printf("%lld\n", a + b);
    return 0;
}
