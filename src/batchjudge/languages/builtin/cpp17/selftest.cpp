#include <bits/stdc++.h>

int main() {
    long long a, b;
    if (!(std::cin >> a >> b)) return 1;
    std::vector<long long> both{a, b};
    std::cout << std::accumulate(both.begin(), both.end(), 0LL) << '\n';
}
