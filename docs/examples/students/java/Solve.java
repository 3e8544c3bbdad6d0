// solve() style: a class with static void solve() that handles ONE test; no main().
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.util.StringTokenizer;

public class Solve {
    static void solve() throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        PrintWriter out = new PrintWriter(System.out);
        int n = Integer.parseInt(in.readLine().trim());
        for (int i = 0; i < n; i++) {
            StringTokenizer pair = new StringTokenizer(in.readLine());
            long a = Long.parseLong(pair.nextToken());
            long b = Long.parseLong(pair.nextToken());
            out.println(a + b);
        }
        out.flush();
    }
}
