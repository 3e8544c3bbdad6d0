// Prints the answer (without flushing) and exits with status 0 from inside solve().
// exit() flushes cout, as in a plain run: AC.
#include <bits/stdc++.h>
using namespace std;

void solve() {
    long long a, b;
    cin >> a >> b;
    cout << a + b << '\n';
    exit(0);
}
