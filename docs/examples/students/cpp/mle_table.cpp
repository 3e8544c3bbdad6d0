// Memory limit exceeded: a table with one slot per possible sum (8e9 + 1 of them, 4 bytes
// each) instead of memory in proportion to N. The limit is 256 MiB.
#include <bits/stdc++.h>
using namespace std;

const long long LIMIT = 2000000000;

void solve() {
    vector<int> seen(4 * LIMIT + 1);  // how often each sum appears: 32 GB
    int n;
    cin >> n;
    for (int i = 0; i < n; i++) {
        long long a, b;
        cin >> a >> b;
        seen[a + b + 2 * LIMIT]++;
        cout << a + b << '\n';
    }
}
