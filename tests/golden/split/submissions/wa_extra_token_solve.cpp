// A right answer followed by a friendly word: the validator's exact_tokens flag (passed on
// from problem.yaml) makes every test fail.
#include <bits/stdc++.h>
using namespace std;

void solve() {
    long long s;
    cin >> s;
    cout << 1 << ' ' << s - 1 << "\ndone\n";
}
