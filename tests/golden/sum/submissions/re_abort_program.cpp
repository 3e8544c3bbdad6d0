// A failed assertion on the trigger test: abort(), SIGABRT.
#include <bits/stdc++.h>
using namespace std;

int main() {
    long long a, b;
    cin >> a >> b;
    cout << a + b << endl;
    if (a == 13) abort();
}
