#include <bits/stdc++.h>
using namespace std;

void solve() {
    string line;
    while (getline(cin, line)) {
        for (char &c : line) c = toupper((unsigned char)c);
        cout << line << '\n';
    }
}
