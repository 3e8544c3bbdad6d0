import java.util.Scanner;

// Prints the right answer, then exits with status 3 on the trigger test.
public class ReExitProgram {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong();
        long b = in.nextLong();
        System.out.println(a + b);
        if (a == 13) System.exit(3);
    }
}
