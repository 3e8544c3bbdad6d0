/* Plain halves: equal, hence wrong, when S is even (secret/02). */
#include <stdio.h>

int main(void) {
    long long s;
    if (scanf("%lld", &s) != 1) return 1;
    printf("%lld %lld\n", s / 2, s - s / 2);
    return 0;
}
