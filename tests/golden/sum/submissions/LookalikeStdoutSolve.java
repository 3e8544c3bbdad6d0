import java.util.Scanner;

// On the trigger test, prints a frame look-alike, an END look-alike and control bytes to
// stdout before the answer: extra tokens, WA there only.
public class LookalikeStdoutSolve {
    static void solve() {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong();
        long b = in.nextLong();
        if (a == 13) {
            String nonce = "0123456789abcdef0123456789abcdef";
            System.out.print("\u001e" + nonce + " 3 OK 0 0 0 0 0 3 0\n42\n");
            System.out.print("\u001e" + nonce + " END\n");
            System.out.print("\u0000\r\u001b[2J\r\n");
        }
        System.out.println(a + b);
    }
}
