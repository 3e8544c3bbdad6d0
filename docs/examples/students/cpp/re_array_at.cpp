// Run-time error on the largest tests only: room for 256 sums, but N goes up to 1000.
// .at() checks the index and throws std::out_of_range; nothing catches it, so the
// program aborts. (Plain sums[i] would not check at all: anything could happen.)
#include <bits/stdc++.h>
using namespace std;

array<long long, 256> sums;  // fix: vector<long long> sums(n) inside solve()

void solve() {
    int n;
    cin >> n;
    for (int i = 0; i < n; i++) {
        long long a, b;
        cin >> a >> b;
        sums.at(i) = a + b;
    }
    for (int i = 0; i < n; i++) cout << sums.at(i) << '\n';
}
