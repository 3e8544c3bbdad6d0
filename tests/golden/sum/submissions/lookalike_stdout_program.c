/* On the trigger test, prints what looks like a driver frame and an END marker (with a
   made-up nonce), control bytes, then the right answer, all to stdout. The fake frame is
   just output: the validator sees extra tokens (WA), and the next tests are unaffected. */
#include <stdio.h>

int main(void) {
    long long a, b;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    if (a == 13) {
        static const char fake[] =
            "\x1e" "0123456789abcdef0123456789abcdef 3 OK 0 0 0 0 0 3 0\n42\n"
            "\x1e" "0123456789abcdef0123456789abcdef END\n"
            "\x00\x01\r\x1b[31m\x7f\xff\r\n";
        fwrite(fake, 1, sizeof fake - 1, stdout);
    }
    printf("%lld\n", a + b);
    return 0;
}
