// Wrong answer on every test: PrintWriter keeps the output in a buffer, and without
// out.flush() at the end most or all of it is never written.
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.util.StringTokenizer;

public class NoFlush {
    public static void main(String[] args) throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        PrintWriter out = new PrintWriter(System.out);
        int n = Integer.parseInt(in.readLine().trim());
        for (int i = 0; i < n; i++) {
            StringTokenizer pair = new StringTokenizer(in.readLine());
            long a = Long.parseLong(pair.nextToken());
            long b = Long.parseLong(pair.nextToken());
            out.println(a + b);
        }
        // fix: out.flush();
    }
}
