import java.io.IOException;

public class AcProgram {
    public static void main(String[] args) throws IOException {
        byte[] text = System.in.readAllBytes();
        for (int i = 0; i < text.length; i++) {
            if (text[i] >= 'a' && text[i] <= 'z') text[i] -= 'a' - 'A';
        }
        System.out.write(text);
        System.out.flush();
    }
}
