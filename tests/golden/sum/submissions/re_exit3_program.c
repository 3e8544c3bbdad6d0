/* Prints the right answer but ends with status 3 on the trigger test. */
#include <stdio.h>

int main(void) {
    long long a, b;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    printf("%lld\n", a + b);
    if (a == 13) return 3;
    return 0;
}
