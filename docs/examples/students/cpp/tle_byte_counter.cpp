// Time limit exceeded on the largest tests only. The loop counter is an unsigned char,
// which counts 0..255 and then wraps round to 0: with N = 1000 pairs, i < n never
// becomes false. Tests with N <= 255 finish normally.
#include <bits/stdc++.h>
using namespace std;

int main() {
    int n;
    cin >> n;
    vector<long long> sums(n);
    for (unsigned char i = 0; i < n; i++) {  // fix: int i
        long long a, b;
        cin >> a >> b;
        sums[i] = a + b;
    }
    for (long long s : sums) cout << s << '\n';
    return 0;
}
