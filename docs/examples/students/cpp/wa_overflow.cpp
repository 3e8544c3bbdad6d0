// Wrong answer on some tests: int holds at most 2147483647, and a + b reaches 4e9.
// Tests whose sums all fit pass; the ones with a bigger sum print a wrapped-around number.
#include <bits/stdc++.h>
using namespace std;

int main() {
    int n;
    cin >> n;
    for (int i = 0; i < n; i++) {
        int a, b;  // fix: long long a, b;
        cin >> a >> b;
        cout << a + b << '\n';
    }
    return 0;
}
