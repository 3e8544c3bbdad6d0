/* Allocates and touches 512 MiB, in 16 MiB chunks, on the trigger test. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK (16u << 20)

void solve(void) {
    long long a, b;
    scanf("%lld %lld", &a, &b);
    if (a == 13) {
        char *chunks[32];
        for (int i = 0; i < 32; i++) {
            chunks[i] = malloc(CHUNK);
            memset(chunks[i], i + 1, CHUNK);
        }
        long long total = 0;
        for (int i = 0; i < 32; i++) total += chunks[i][i * 4096];
        fprintf(stderr, "%lld\n", total); /* keeps the memory live */
    }
    printf("%lld\n", a + b);
}
