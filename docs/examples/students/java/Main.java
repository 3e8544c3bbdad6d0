// Program style: main() reads ONE test from System.in and prints its answer.
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.util.StringTokenizer;

public class Main {
    public static void main(String[] args) throws IOException {
        // --8<-- [start:fast_io]
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        PrintWriter out = new PrintWriter(System.out);  // buffered: fast, but must be flushed
        // --8<-- [end:fast_io]
        int n = Integer.parseInt(in.readLine().trim());
        for (int i = 0; i < n; i++) {
            StringTokenizer pair = new StringTokenizer(in.readLine());
            long a = Long.parseLong(pair.nextToken());  // the sums reach 4e9: too big for int
            long b = Long.parseLong(pair.nextToken());
            out.println(a + b);
        }
        out.flush();
    }
}
