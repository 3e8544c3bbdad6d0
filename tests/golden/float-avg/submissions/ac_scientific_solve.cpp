// Scientific notation with 7 significant digits: 1.234568e+11 is 1.1e4 away from the
// answer of secret/04, but only 8.9e-8 relative to it, inside the relative tolerance.
#include <bits/stdc++.h>
using namespace std;

void solve() {
    int n;
    cin >> n;
    double total = 0;
    for (int i = 0; i < n; i++) {
        double x;
        cin >> x;
        total += x;
    }
    printf("%.6e\n", total / n);
}
