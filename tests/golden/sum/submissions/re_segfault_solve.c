/* Writes through a null pointer on the trigger test: SIGSEGV. The pointer variable is
   volatile so the compiler cannot see it is null and turn the store into a trap. */
#include <stdio.h>

static int *volatile target;

void solve(void) {
    long long a, b;
    scanf("%lld %lld", &a, &b);
    if (a == 13) *target = 42;
    printf("%lld\n", a + b);
}
