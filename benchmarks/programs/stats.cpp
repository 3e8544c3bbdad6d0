#include <bits/stdc++.h>
using namespace std;

int main() {
    int n;
    if (!(cin >> n)) return 1;
    vector<long long> v(n);
    long long sum = 0, best = LLONG_MIN, run = 0;
    for (auto &x : v) {
        cin >> x;
        sum += x;
        run = max(run + x, x);
        best = max(best, run);
    }
    set<long long> distinct(v.begin(), v.end());
    cout << sum << ' ' << best << ' ' << distinct.size() << '\n';
}
