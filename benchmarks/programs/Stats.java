import java.io.*;
import java.util.*;

public class Stats {
    public static void main(String[] args) throws IOException {
        StreamTokenizer in = new StreamTokenizer(new BufferedReader(new InputStreamReader(System.in)));
        in.nextToken();
        int n = (int) in.nval;
        long sum = 0, best = Long.MIN_VALUE, run = 0;
        Set<Long> distinct = new HashSet<>();
        for (int i = 0; i < n; i++) {
            in.nextToken();
            long x = (long) in.nval;
            sum += x;
            run = Math.max(run + x, x);
            best = Math.max(best, run);
            distinct.add(x);
        }
        System.out.println(sum + " " + best + " " + distinct.size());
    }
}
