/* Reads fd 0 with read(2) until it returns 0, bypassing stdio: fd 0 itself must hold only
   this test's input, followed by end-of-file. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

void solve(void) {
    char buffer[256];
    size_t used = 0;
    for (;;) {
        ssize_t n = read(0, buffer + used, sizeof buffer - 1 - used);
        if (n < 0) exit(2);
        if (n == 0) break;
        used += (size_t)n;
        if (used == sizeof buffer - 1) break; /* more input than any test has */
    }
    buffer[used] = '\0';
    long long a, b;
    char extra;
    if (sscanf(buffer, "%lld %lld %c", &a, &b, &extra) != 2) {
        printf("unexpected input: %zu bytes\n", used);
        return;
    }
    printf("%lld\n", a + b);
}
