import java.util.Map;
import java.util.Scanner;
import java.util.TreeMap;

// A lookup that misses on the trigger test: unboxing null throws NullPointerException,
// Java's segfault.
public class ReNullPointerSolve {
    static final Map<Long, Long> KNOWN = new TreeMap<>();

    static void solve() {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong();
        long b = in.nextLong();
        if (a != 13) KNOWN.put(a, b);
        long stored = KNOWN.get(a);
        System.out.println(a + stored);
    }
}
