import java.util.Scanner;

public class TleSpinProgram {
    static volatile long spins;

    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong();
        long b = in.nextLong();
        while (a == 13) spins++;
        System.out.println(a + b);
    }
}
