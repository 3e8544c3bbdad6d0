import java.util.Locale;
import java.util.Scanner;

public class AcSolve {
    static void solve() {
        Scanner in = new Scanner(System.in).useLocale(Locale.ROOT);
        int n = in.nextInt();
        double total = 0;
        for (int i = 0; i < n; i++) total += in.nextDouble();
        System.out.println(String.format(Locale.ROOT, "%.8f", total / n));
    }
}
