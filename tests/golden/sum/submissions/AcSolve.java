import java.util.Scanner;

// Not public, and the file name does not matter: the class with static solve() is run.
class Solution {
    static void solve() {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong();
        long b = in.nextLong();
        System.out.println(a + b);
    }
}
