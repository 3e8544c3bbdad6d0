import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

// Reads System.in to end of input: each test must see only its own two numbers.
public class EofSolve {
    static void solve() throws IOException {
        InputStream in = System.in;
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        int n;
        while ((n = in.read(buffer)) != -1) all.write(buffer, 0, n);
        String[] tokens = all.toString("US-ASCII").trim().split("\\s+");
        if (tokens.length != 2 || in.read() != -1) {
            System.out.println("read " + tokens.length + " tokens");
            return;
        }
        System.out.println(Long.parseLong(tokens[0]) + Long.parseLong(tokens[1]));
    }
}
