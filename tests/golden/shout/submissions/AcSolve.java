import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;

class Shout {
    static void solve() throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        StringBuilder out = new StringBuilder();
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            out.append(line.toUpperCase(java.util.Locale.ROOT)).append('\n');
        }
        System.out.print(out);
    }
}
