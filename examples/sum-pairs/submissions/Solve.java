import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.util.StringTokenizer;

// solve() style: a class with static void solve() reading one test from System.in.
public class Solve {
    static void solve() throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        int n = Integer.parseInt(in.readLine().trim());
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < n; i++) {
            StringTokenizer pair = new StringTokenizer(in.readLine());
            long a = Long.parseLong(pair.nextToken());
            long b = Long.parseLong(pair.nextToken());
            out.append(a + b).append('\n');
        }
        System.out.print(out);
    }
}
