// Keeps state in globals and function statics. If one test's state leaked into the next,
// the answers would be wrong; every test must start from scratch, so AC everywhere.
#include <bits/stdc++.h>
using namespace std;

static int calls = 0;
vector<long long> history;
map<string, long long> memo;

void solve() {
    static long long running_total = 0;
    long long a, b;
    cin >> a >> b;
    calls++;
    history.push_back(a + b);
    running_total += a + b;
    memo["last"] = a + b;
    if (calls != 1 || history.size() != 1 || memo.size() != 1 || running_total != a + b) {
        cout << "state leaked: call " << calls << '\n';
        return;
    }
    cout << history.back() << '\n';
}
