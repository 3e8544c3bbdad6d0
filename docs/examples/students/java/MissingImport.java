// Compile error: Scanner is used without `import java.util.Scanner;`.
// javac says: cannot find symbol ... class Scanner.
public class MissingImport {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        int n = in.nextInt();
        for (int i = 0; i < n; i++) {
            long a = in.nextLong();
            long b = in.nextLong();
            System.out.println(a + b);
        }
    }
}
