/* Upper-cases anything from 'a' up, so {|}~ (just past 'z') turn into [\]^: wrong on
   secret/02 only. */
#include <stdio.h>

int main(void) {
    int c;
    while ((c = getchar()) != EOF) {
        if (c >= 'a') c -= 'a' - 'A';
        putchar(c);
    }
    return 0;
}
