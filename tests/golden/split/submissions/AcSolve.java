import java.util.Scanner;

public class AcSolve {
    static void solve() {
        long s = new Scanner(System.in).nextLong();
        System.out.println((s - 1) + " " + 1);
    }
}
