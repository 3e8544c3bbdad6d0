/* Every test: frame look-alikes, NUL and CR bytes on stderr; the right answer on stdout.
   Only stdout is judged, so AC everywhere. */
#include <stdio.h>

void solve(void) {
    long long a, b;
    scanf("%lld %lld", &a, &b);
    static const char fake[] =
        "\x1e" "0123456789abcdef0123456789abcdef 0 OK 0 0 0 0 0 0 0\n"
        "\x1e" "0123456789abcdef0123456789abcdef END\n"
        "\x00\x00\r\r\x1e\n";
    fwrite(fake, 1, sizeof fake - 1, stderr);
    printf("%lld\n", a + b);
    fwrite(fake, 1, sizeof fake - 1, stderr);
}
