// An uncaught exception on the trigger test.
#include <bits/stdc++.h>
using namespace std;

void solve() {
    long long a, b;
    cin >> a >> b;
    if (a == 13) throw runtime_error("unlucky number");
    cout << a + b << '\n';
}
