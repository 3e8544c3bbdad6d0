import java.util.Scanner;

// Unbounded recursion on the trigger test only: StackOverflowError is a runtime error,
// in multi mode exactly as in single mode.
class Recursive {
    static long climb(long depth) {
        return climb(depth + 1) + 1;
    }

    static void solve() {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong();
        long b = in.nextLong();
        if (a == 13) {
            System.out.println(climb(0));
        }
        System.out.println(a + b);
    }
}
