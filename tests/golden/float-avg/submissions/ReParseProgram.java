import java.io.BufferedReader;
import java.io.InputStreamReader;

// Assumes the numbers are integers: Integer.parseInt throws NumberFormatException on the
// first decimal point (secret/02 onwards), so three failures in a row.
public class ReParseProgram {
    public static void main(String[] args) throws Exception {
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        int n = Integer.parseInt(in.readLine().trim());
        long total = 0;
        for (String token : in.readLine().trim().split("\\s+")) total += Integer.parseInt(token);
        System.out.println((double) total / n);
    }
}
