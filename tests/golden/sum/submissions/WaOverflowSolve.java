import java.util.Scanner;

// int instead of long: 2000000000 + 2000000000 overflows (secret/03 only).
public class WaOverflowSolve {
    static void solve() {
        Scanner in = new Scanner(System.in);
        int a = in.nextInt();
        int b = in.nextInt();
        System.out.println(a + b);
    }
}
