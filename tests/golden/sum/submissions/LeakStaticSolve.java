import java.util.ArrayList;
import java.util.List;
import java.util.Scanner;

// Static state here and in a helper class. Each test gets fresh classes, so every call is
// the first one: AC.
class Memory {
    static final List<Long> HISTORY = new ArrayList<>();
    static int instances;

    Memory() {
        instances++;
    }
}

public class LeakStaticSolve {
    static int calls = 0;
    static final Scanner IN = new Scanner(System.in);

    static void solve() {
        calls++;
        new Memory();
        long a = IN.nextLong();
        long b = IN.nextLong();
        Memory.HISTORY.add(a + b);
        if (calls != 1 || Memory.instances != 1 || Memory.HISTORY.size() != 1) {
            System.out.println("state leaked: call " + calls);
            return;
        }
        System.out.println(Memory.HISTORY.get(0));
    }
}
