import java.util.Scanner;

public class ReExceptionSolve {
    static void solve() {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong();
        long b = in.nextLong();
        if (a == 13) throw new IllegalStateException("unlucky number");
        System.out.println(a + b);
    }
}
