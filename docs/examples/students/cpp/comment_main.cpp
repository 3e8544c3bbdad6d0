// Meant as solve() style, but this comment mentions main(), and detection looks for
// "main(" anywhere in the file, comments included: the file is taken for a program,
// which has no main to link. Fix: reword the comment, or choose the solve() style.
#include <bits/stdc++.h>
using namespace std;

void solve() {
    int n;
    cin >> n;
    for (int i = 0; i < n; i++) {
        long long a, b;
        cin >> a >> b;
        cout << a + b << '\n';
    }
}
