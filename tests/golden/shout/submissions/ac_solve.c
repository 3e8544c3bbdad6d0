#include <ctype.h>
#include <stdio.h>

void solve(void) {
    int c;
    while ((c = getchar()) != EOF) putchar(toupper(c));
}
