// A hand-written fast reader that forgets minus signs: wrong on secret/01 (100 -200) only.
#include <bits/stdc++.h>
using namespace std;

static long long read_number() {
    int c = getchar();
    while (c != EOF && !isdigit(c)) c = getchar();
    long long value = 0;
    while (c != EOF && isdigit(c)) {
        value = value * 10 + (c - '0');
        c = getchar();
    }
    return value;
}

int main() {
    long long a = read_number();
    long long b = read_number();
    printf("%lld\n", a + b);
    return 0;
}
