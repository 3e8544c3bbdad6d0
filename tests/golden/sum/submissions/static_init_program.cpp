// Reads the input from a global object's constructor, before main() starts, and counts
// constructions in a static: each test must run static initialisation afresh, with its
// own input already in place.
#include <bits/stdc++.h>
using namespace std;

static int constructions = 0;

struct Input {
    long long a = 0, b = 0;
    bool ok = false;
    Input() {
        constructions++;
        ok = static_cast<bool>(cin >> a >> b);
    }
};

Input input;

int main() {
    if (!input.ok || constructions != 1) {
        cout << "bad start: " << constructions << '\n';
        return 0;
    }
    cout << input.a + input.b << '\n';
}
