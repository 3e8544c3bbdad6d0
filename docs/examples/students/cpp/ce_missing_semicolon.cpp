// Compile error: a missing semicolon. No test runs; the compiler's message is shown.
#include <bits/stdc++.h>
using namespace std;

void solve() {
    int n;
    cin >> n
    for (int i = 0; i < n; i++) {
        long long a, b;
        cin >> a >> b;
        cout << a + b << '\n';
    }
}
