import java.util.ArrayList;
import java.util.List;
import java.util.Scanner;

// Keeps 16 MiB arrays until it holds 512 MiB, on the trigger test: OutOfMemoryError.
public class MleSolve {
    static void solve() {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong();
        long b = in.nextLong();
        if (a == 13) {
            List<byte[]> chunks = new ArrayList<>();
            for (int i = 0; i < 32; i++) {
                byte[] chunk = new byte[16 << 20];
                java.util.Arrays.fill(chunk, (byte) (i + 1));
                chunks.add(chunk);
            }
            System.err.println(chunks.size());
        }
        System.out.println(a + b);
    }
}
