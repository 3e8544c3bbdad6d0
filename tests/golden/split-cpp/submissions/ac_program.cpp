#include <bits/stdc++.h>
using namespace std;

int main() {
    long long s;
    cin >> s;
    cout << 1 << ' ' << s - 1 << '\n';
}
