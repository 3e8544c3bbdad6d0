/* Prints the right answer, then floods stderr without end on the trigger test. The driver's
   RLIMIT_FSIZE covers stderr too, so the flood ends with SIGXFSZ: OLE. */
#include <stdio.h>

void solve(void) {
    long long a, b;
    scanf("%lld %lld", &a, &b);
    printf("%lld\n", a + b);
    fflush(stdout);
    if (a == 13) {
        for (;;) fputs("debug: still thinking about this one, please wait...\n", stderr);
    }
}
