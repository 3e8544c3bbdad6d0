import java.util.Scanner;

// Writes 4 MiB (four times the output limit), then the answer, on the trigger test.
public class OleProgram {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong();
        long b = in.nextLong();
        if (a == 13) {
            String line = "42 ".repeat(341) + "\n"; // 1024 bytes
            for (int i = 0; i < 4096; i++) System.out.print(line);
        }
        System.out.println(a + b);
    }
}
