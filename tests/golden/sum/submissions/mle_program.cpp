// Grows vectors to 512 MiB on the trigger test, touching every page.
#include <bits/stdc++.h>
using namespace std;

int main() {
    long long a, b;
    cin >> a >> b;
    if (a == 13) {
        vector<vector<char>> chunks;
        for (int i = 0; i < 32; i++) chunks.emplace_back(16 << 20, char(i + 1));
        long long total = 0;
        for (auto &chunk : chunks) total += chunk[12345];
        cerr << total << endl;
    }
    cout << a + b << '\n';
}
