// Program style: main() reads ONE test from standard input and prints its answer.
#include <bits/stdc++.h>
using namespace std;

int main() {
    // --8<-- [start:fast_io]
    ios::sync_with_stdio(false);  // fast I/O: cin/cout no longer wait for C's stdio
    cin.tie(nullptr);
    // --8<-- [end:fast_io]
    int n;
    cin >> n;
    for (int i = 0; i < n; i++) {
        long long a, b;  // the sums reach 4e9: too big for int
        cin >> a >> b;
        cout << a + b << '\n';  // '\n', not endl: endl flushes on every line
    }
    return 0;
}
