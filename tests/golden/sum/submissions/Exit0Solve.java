import java.util.Scanner;

// Answers, then System.exit(0) from inside solve(): the test ends normally, AC.
public class Exit0Solve {
    static void solve() {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong();
        long b = in.nextLong();
        System.out.println(a + b);
        System.exit(0);
    }
}
