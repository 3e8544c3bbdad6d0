/* Output limit exceeded: "read pairs until the input ends", but scanf returns EOF (-1)
   at the end of the input, and -1 counts as true. The loop never stops and prints the
   last sum again and again until the output limit (8 MiB here) ends the test. */
#include <stdio.h>

int main(void) {
    int n;
    long long a, b;
    if (scanf("%d", &n) != 1) return 1;
    while (scanf("%lld %lld", &a, &b)) {  /* fix: == 2 */
        printf("%lld\n", a + b);
    }
    return 0;
}
