// Reads numbers until end of input, as if the test were the whole input. Each test must
// see only its own two numbers, then EOF: AC.
#include <bits/stdc++.h>
using namespace std;

void solve() {
    long long x, total = 0;
    int count = 0;
    while (cin >> x) {
        total += x;
        count++;
    }
    if (count != 2) {
        cout << "read " << count << " numbers\n";
        return;
    }
    cout << total << '\n';
}
