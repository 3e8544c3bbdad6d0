// Prints the right answer, then exit(5) from inside solve() on the trigger test.
#include <bits/stdc++.h>
using namespace std;

void solve() {
    long long a, b;
    cin >> a >> b;
    cout << a + b << '\n';
    if (a == 13) exit(5);
}
