import java.util.Scanner;

public class TleSleepSolve {
    static void solve() throws InterruptedException {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong();
        long b = in.nextLong();
        if (a == 13) Thread.sleep(10_000);
        System.out.println(a + b);
    }
}
