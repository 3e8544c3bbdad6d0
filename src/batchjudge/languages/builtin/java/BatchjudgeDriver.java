/*
 * batchjudge multi-test driver for Java (protocol BJ1, docs/design/driver-protocol.md).
 *
 * Run as `java ... -Djava.security.manager=allow --add-opens java.base/java.io=ALL-UNNAMED
 * -cp out bjdriver.BatchjudgeDriver out program|solve`, compiled into out/ together with the
 * student's source.
 *
 * One JVM runs every test of the batch. Each test gets:
 *   - a fresh class loader over out/ (parent: the platform loader; the driver's own package is
 *     refused), so the student's static state starts anew;
 *   - a fresh thread group and a fresh "main" thread (stack size from -Xss), on which the
 *     student's class is initialised and main(String[]) or solve() is called;
 *   - System.in reading its input, System.out / System.err writing to capped in-memory buffers,
 *     and FileDescriptor.in / FileDescriptor.out pointing at private temporary files (so
 *     `new FileInputStream(FileDescriptor.in)` reads the test's input, never the batch);
 *   - a security manager whose checkExit turns System.exit(n) / Runtime.halt(n) into the end
 *     of this test with exit status n (nothing the test writes afterwards is kept).
 * The driver thread reads fd 0 with raw reads through its own FileDescriptor objects and
 * writes frames to fd 1 the same way; the student's code reaches neither through System.*
 * or FileDescriptor.*. (It could still open /dev/stdin or /proc/self/fd/N by name: one JVM
 * is no security boundary. The sandbox protects the machine; the nonce protects the frames.)
 *
 * A test ends when its main thread and every non-daemon thread it started have ended (as a
 * JVM would), when it calls System.exit, or when it overruns a limit (checked every
 * POLL_MS). Its leftover threads are then ended with Thread.stop (still functional in Java
 * 17); a thread that survives that (it catches ThreadDeath in a loop) is suspended, so it
 * uses no more CPU and cannot write, and the batch goes on. Processes it started are killed.
 * The driver never ends the JVM mid-batch itself: the engine would charge that death to the
 * next test, which has no frame yet.
 *
 * Output written through FileDescriptor.out is appended after the System.out output of the
 * same test. CPU time is the main thread's (from /proc/<pid>/task/<tid>/schedstat, which
 * can lag by one scheduler tick) plus that of other threads the test started (through
 * ThreadMXBean, loaded only then); memory_kb is the largest heap use seen during the test.
 * BJ_MEMORY_EVENTS is honoured (an OOM kill of a process the test started is MLE).
 *
 * Start-up matters (every batch pays it): the driver avoids lambdas, `+` on strings
 * (invokedynamic bootstraps cost tens of milliseconds) and java.lang.management.
 */
package bjdriver;

import java.io.ByteArrayInputStream;
import java.io.File;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.security.Permission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

@SuppressWarnings({"removal", "deprecation"})
public final class BatchjudgeDriver {
    private static final int ERR_KEEP = 4096;        // stderr bytes reported per test
    private static final int EXIT_PROTOCOL = 2;      // our exit status when stdin is not BJ1
    private static final int LINE_MAX = 256;         // longest header line accepted
    private static final long POLL_MS = 10;          // how often limits are checked
    private static final long STOP_GRACE_MS = 300;   // how long Thread.stop may take to work
    private static final int NO_EXIT = Integer.MIN_VALUE;

    /** Thrown into the student's code to end a test (exit, output limit, test over). */
    private static final class Stop extends Error {
        private static final long serialVersionUID = 1L;

        Stop() {
            super("the test has ended", null, false, false);
        }
    }

    private static final Stop STOP = new Stop();

    private static volatile Thread driverThread;
    private static volatile Run current;             // the test running now, or null
    // Never collected: abandoned temporary files (their fd numbers may be reused, so their
    // cleaners must never run) and suspended threads.
    private static final List<Object> KEEP = new ArrayList<>();

    private BatchjudgeDriver() {
    }

    // ------------------------------------------------------------------ captured output

    /** An in-memory stream keeping the first `keep` bytes; past `limit` bytes it ends the test. */
    private static final class Capture extends OutputStream {
        private final int keep;
        private final long limit;            // Long.MAX_VALUE: never ends the test
        private volatile byte[] buffer = new byte[512];
        private volatile int count;          // bytes kept
        private long total;                  // bytes written
        volatile boolean over;               // more than `limit` bytes were written
        volatile boolean closed;             // the test is over: writes end the writer

        Capture(int keep, long limit) {
            this.keep = keep;
            this.limit = limit;
        }

        @Override
        public synchronized void write(int b) {
            if (closed) throw STOP;
            total++;
            if (count < keep) {
                if (count == buffer.length) {
                    buffer = Arrays.copyOf(buffer, (int) Math.min((long) count * 2, keep));
                }
                buffer[count] = (byte) b;
                count++;
            }
            if (total > limit) {
                over = true;
                throw STOP;
            }
        }

        @Override
        public synchronized void write(byte[] data, int offset, int length) {
            if (closed) throw STOP;
            if (offset < 0 || length < 0 || length > data.length - offset) {
                throw new IndexOutOfBoundsException();
            }
            total += length;
            int room = keep - count;
            int take = length < room ? length : room;
            if (take > 0) {
                byte[] target = buffer;
                if (count + take > target.length) {
                    long wanted = Math.max((long) target.length * 2, (long) count + take);
                    target = Arrays.copyOf(target, (int) Math.min(wanted, keep));
                    buffer = target;
                }
                System.arraycopy(data, offset, target, count, take);
                count += take;
            }
            if (total > limit) {
                over = true;
                throw STOP;
            }
        }

        /** What was kept; safe to call while a (suspended) writer holds the monitor. */
        byte[] snapshot() {
            int n = count;
            return Arrays.copyOf(buffer, n);
        }
    }

    // ------------------------------------------------------------------ one test

    /** One test: its limits, output, and how it ended. Runs as the test's main thread. */
    private static final class Run implements Runnable {
        final long index;
        final long cpuLimitNs;
        final long wallLimitNs;
        final long outputLimit;
        final Capture out;
        final Capture err;
        final PrintStream outStream;
        final PrintStream errStream;
        final String entry;          // the student's class, or null
        final String entryProblem;   // why there is none
        final boolean solve;
        ClassLoader loader;
        volatile int exitCode = NO_EXIT;
        volatile boolean spawned;    // the test started a process (Runtime.exec, ProcessBuilder)
        volatile boolean oom;
        volatile boolean crashed;
        volatile Thread mainThread;
        volatile boolean started;    // statPath is known
        volatile String statPath;    // /proc/self/task/<tid>/schedstat of the main thread
        volatile long mainCpuNs = -1;

        Run(long[] header, String entry, String entryProblem, boolean solve) {
            index = header[0];
            cpuLimitNs = header[1] * 1_000_000L;
            wallLimitNs = header[2] * 1_000_000L;
            outputLimit = header[3];
            int keep = (int) Math.min(outputLimit, Integer.MAX_VALUE - 16);
            out = new Capture(keep, outputLimit);
            err = new Capture(ERR_KEEP, Long.MAX_VALUE);
            outStream = new PrintStream(out, false, StandardCharsets.UTF_8);
            errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
            this.entry = entry;
            this.entryProblem = entryProblem;
            this.solve = solve;
        }

        /** System.exit(status) in this test: the first call counts. */
        /** System.exit(status) in this test: the first call counts, and nothing the test
         *  writes after it is kept (code that catches the exit goes on, unlike in a real JVM). */
        synchronized void exit(int status) {
            if (exitCode == NO_EXIT) exitCode = status & 0xFF;
            out.closed = true;
            err.closed = true;
        }

        boolean exited() {
            return exitCode != NO_EXIT;
        }

        @Override
        public void run() {
            statPath = Cpu.ownStatPath();
            started = true;
            try {
                if (entry == null) {
                    errStream.println(entryProblem);
                    crashed = true;
                    return;
                }
                Class<?> cls = Class.forName(entry, true, loader);
                Method method = solve ? cls.getDeclaredMethod("solve")
                                      : cls.getDeclaredMethod("main", String[].class);
                method.setAccessible(true);
                if (solve) {
                    method.invoke(null);
                } else {
                    method.invoke(null, (Object) new String[0]);
                }
            } catch (InvocationTargetException e) {
                uncaught(Thread.currentThread(), e.getCause() != null ? e.getCause() : e);
            } catch (Throwable e) {
                uncaught(Thread.currentThread(), e);
            } finally {
                try {
                    outStream.flush();
                    errStream.flush();
                } catch (Throwable ignored) {
                    // the test is over or out of memory: nothing more to keep
                }
                mainCpuNs = Cpu.ownNs(statPath, Thread.currentThread());
            }
        }

        /** An exception escaped a thread of this test; printed like the JVM does. */
        void uncaught(Thread thread, Throwable e) {
            if (e instanceof Stop || e instanceof ThreadDeath) return;
            if (e instanceof OutOfMemoryError && !isNativeThreadError(e)) oom = true;
            if (thread == mainThread) crashed = true;
            try {
                trimDriverFrames(e);
                StringBuilder line = new StringBuilder("Exception in thread \"");
                line.append(thread.getName()).append("\" ");
                errStream.print(line);
                e.printStackTrace(errStream);
                errStream.flush();
            } catch (Throwable ignored) {
                // out of memory while printing, or the test is over
            }
        }
    }

    private static boolean isNativeThreadError(Throwable e) {
        String message = e.getMessage();
        return message != null && message.contains("native thread");
    }

    /** Drop the reflection and driver frames under the student's entry method. */
    private static void trimDriverFrames(Throwable e) {
        StackTraceElement[] trace = e.getStackTrace();
        int end = trace.length;
        while (end > 0) {
            String name = trace[end - 1].getClassName();
            if (name.startsWith("bjdriver.") || name.startsWith("jdk.internal.reflect.")
                    || name.equals("java.lang.reflect.Method") || name.equals("java.lang.Thread")) {
                end--;
            } else {
                break;
            }
        }
        if (end > 0 && end < trace.length) e.setStackTrace(Arrays.copyOf(trace, end));
    }

    /** The thread group of one test: its threads' uncaught exceptions are the test's. */
    private static final class TestGroup extends ThreadGroup {
        private final Run run;

        TestGroup(Run run) {
            super("test");
            this.run = run;
        }

        @Override
        public void uncaughtException(Thread thread, Throwable e) {
            run.uncaught(thread, e);
        }
    }

    /** A fresh loader over out/ per test; the driver's package stays out of reach. */
    private static final class TestLoader extends URLClassLoader {
        static {
            ClassLoader.registerAsParallelCapable();
        }

        TestLoader(URL[] urls) {
            super(urls, ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (name.startsWith("bjdriver.")) throw new ClassNotFoundException(name);
            return super.loadClass(name, resolve);
        }

        @Override
        public URL getResource(String name) {
            return name.startsWith("bjdriver/") ? null : super.getResource(name);
        }
    }

    /** System.exit ends the test, not the JVM; nobody else may replace this manager. */
    private static final class Guard extends SecurityManager {
        @Override
        public void checkPermission(Permission permission) {
            if (permission instanceof RuntimePermission
                    && "setSecurityManager".equals(permission.getName())
                    && Thread.currentThread() != driverThread) {
                throw new SecurityException("the judge's security manager cannot be replaced");
            }
        }

        @Override
        public void checkPermission(Permission permission, Object context) {
            checkPermission(permission);
        }

        @Override
        public void checkExec(String command) {
            Run run = current;
            if (run != null) run.spawned = true;
        }

        @Override
        public void checkExit(int status) {
            if (Thread.currentThread() == driverThread) return;
            Run run = current;
            if (run != null) run.exit(status);
            throw STOP;
        }
    }

    // ------------------------------------------------------------------ CPU time

    private static final class Cpu {
        private static java.lang.management.ThreadMXBean threads; // only if a test needs it

        static String ownStatPath() {
            try {
                String path = new File("/proc/thread-self").getCanonicalPath();
                return path.startsWith("/proc/") ? path + "/schedstat" : null;
            } catch (IOException | SecurityException e) {
                return null;
            }
        }

        /** CPU nanoseconds from a schedstat file, or -1. */
        static long fromStat(String path) {
            if (path == null) return -1;
            byte[] data = new byte[64];
            int n = 0;
            try (FileInputStream in = new FileInputStream(path)) {
                int got;
                while (n < data.length && (got = in.read(data, n, data.length - n)) > 0) n += got;
            } catch (IOException e) {
                return -1;
            }
            long value = 0;
            int i = 0;
            while (i < n && data[i] >= '0' && data[i] <= '9') value = value * 10 + (data[i++] - '0');
            return i > 0 ? value : -1;
        }

        static long viaBean(Thread thread) {
            try {
                if (threads == null) threads = java.lang.management.ManagementFactory.getThreadMXBean();
                return threads.getThreadCpuTime(thread.getId());
            } catch (Throwable e) {
                return -1;
            }
        }

        static long ownNs(String statPath, Thread self) {
            long value = fromStat(statPath);
            return value >= 0 ? value : viaBean(self);
        }
    }

    // ------------------------------------------------------------------ standard fds

    /**
     * FileDescriptor.in and FileDescriptor.out point at private temporary files during a test
     * (their `fd` field is set through --add-opens java.base/java.io). Without that access they
     * are left alone.
     */
    private static final class Redirect {
        final Field fd;
        final Field closed;
        final Field parent;
        final Field otherParents;
        RandomAccessFile input;
        RandomAccessFile output;
        int inputFd = -1;
        int outputFd = -1;

        private Redirect(Field fd, Field closed, Field parent, Field otherParents) {
            this.fd = fd;
            this.closed = closed;
            this.parent = parent;
            this.otherParents = otherParents;
        }

        static Redirect create() {
            try {
                Field fd = field("fd");
                Field closed = field("closed");
                Field parent = field("parent");
                Field otherParents = field("otherParents");
                return new Redirect(fd, closed, parent, otherParents);
            } catch (Throwable e) {
                return null;
            }
        }

        private static Field field(String name) throws NoSuchFieldException {
            Field field = FileDescriptor.class.getDeclaredField(name);
            field.setAccessible(true);
            return field;
        }

        /** A FileDescriptor of our own for fd `number`, which no student stream shares. */
        FileDescriptor own(int number) throws IllegalAccessException {
            FileDescriptor descriptor = new FileDescriptor();
            fd.setInt(descriptor, number);
            return descriptor;
        }

        private RandomAccessFile temporary(String tag) throws IOException {
            String dir = System.getProperty("java.io.tmpdir", "/tmp");
            StringBuilder name = new StringBuilder("bj-").append(tag).append('-')
                    .append(ProcessHandle.current().pid()).append('-').append(System.nanoTime());
            File file = new File(dir, name.toString());
            RandomAccessFile opened = new RandomAccessFile(file, "rw");
            file.delete();
            return opened;
        }

        /**
         * Point `standard` at `file` (reopened if the last test closed it), forgetting the
         * streams the last test attached to it.
         */
        private RandomAccessFile attach(FileDescriptor standard, RandomAccessFile file, int[] number,
                                        String tag) throws IOException, IllegalAccessException {
            boolean wasClosed = closed.getBoolean(standard) || fd.getInt(standard) != number[0];
            if (file == null || wasClosed) {
                if (file != null) KEEP.add(file); // its fd number may be reused: never clean it
                file = temporary(tag);
                number[0] = fd.getInt(file.getFD());
            }
            parent.set(standard, null);
            otherParents.set(standard, null);
            closed.setBoolean(standard, false);
            fd.setInt(standard, number[0]);
            return file;
        }

        void prepare(byte[] data) {
            try {
                int[] number = {inputFd};
                input = attach(FileDescriptor.in, input, number, "stdin");
                inputFd = number[0];
                input.setLength(0);
                input.write(data);
                input.seek(0);
                number[0] = outputFd;
                output = attach(FileDescriptor.out, output, number, "stdout");
                outputFd = number[0];
                output.setLength(0);
                output.seek(0);
            } catch (Throwable e) {
                disable();
            }
        }

        /** Without usable files (say /tmp is full), FileDescriptor.in and FileDescriptor.out
         *  point nowhere for this test: reads and writes through them fail. */
        private void disable() {
            try {
                fd.setInt(FileDescriptor.in, -1);
                fd.setInt(FileDescriptor.out, -1);
            } catch (Throwable ignored) {
                // nothing else to try
            }
            // Not closed: the test may have closed their fds already, and the numbers may be
            // in use again. Kept, so that no cleaner closes them either.
            if (input != null) KEEP.add(input);
            if (output != null) KEEP.add(output);
            input = null;
            output = null;
            inputFd = -1;
            outputFd = -1;
        }

        long writtenBytes() {
            try {
                return output == null || fd.getInt(FileDescriptor.out) != outputFd ? 0 : output.length();
            } catch (Throwable e) {
                return 0;
            }
        }

        byte[] written(int most) {
            try {
                long length = writtenBytes();
                if (length <= 0 || most <= 0) return new byte[0];
                byte[] data = new byte[(int) Math.min(length, most)];
                output.seek(0);
                output.readFully(data);
                return data;
            } catch (Throwable e) {
                return new byte[0];
            }
        }
    }

    // ------------------------------------------------------------------ protocol I/O

    private static void die(String message) {
        byte[] text = new StringBuilder("bj_driver: ").append(message).append('\n').toString()
                .getBytes(StandardCharsets.UTF_8);
        try {
            new FileOutputStream(FileDescriptor.err).write(text);
        } catch (IOException ignored) {
            // nothing else to report to
        }
        Runtime.getRuntime().halt(EXIT_PROTOCOL);
    }

    /** One header line, byte by byte: nothing past it is consumed. */
    private static String readLine(InputStream in) throws IOException {
        byte[] line = new byte[LINE_MAX];
        int used = 0;
        while (true) {
            int c = in.read();
            if (c < 0) die("input ended inside a header");
            if (c == '\n') break;
            if (used == line.length) die("header line too long");
            line[used++] = (byte) c;
        }
        return new String(line, 0, used, StandardCharsets.ISO_8859_1);
    }

    /** The decimal numbers of `text` separated by single spaces, or null. */
    private static long[] numbers(String text, int count) {
        long[] values = new long[count];
        int at = 0;
        for (int k = 0; k < count; k++) {
            int start = at;
            long value = 0;
            while (at < text.length() && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
                value = value * 10 + (text.charAt(at) - '0');
                if (value > Long.MAX_VALUE / 20) return null;
                at++;
            }
            if (at == start) return null;
            values[k] = value;
            if (k + 1 < count) {
                if (at >= text.length() || text.charAt(at) != ' ') return null;
                at++;
            }
        }
        return at == text.length() ? values : null;
    }

    private static byte[] readExactly(InputStream in, long length) throws IOException {
        if (length > Integer.MAX_VALUE - 16) die("test input too large");
        byte[] data = new byte[(int) length];
        int at = 0;
        while (at < data.length) {
            int got = in.read(data, at, data.length - at);
            if (got <= 0) die("input ended inside a test");
            at += got;
        }
        return data;
    }

    // ------------------------------------------------------------------ the student's class

    /** [class name, problem]: the class declaring the entry method, or why there is none. */
    private static String[] findEntry(File outDir, boolean solve) {
        List<String> names = new ArrayList<>();
        collect(outDir, "", names);
        String wanted = solve ? "static void solve()" : "static void main(String[])";
        String best = null;
        int bestRank = Integer.MAX_VALUE;
        URL[] urls = urls(outDir);
        try (TestLoader probe = new TestLoader(urls)) {
            for (String name : names) {
                try {
                    Class<?> cls = Class.forName(name, false, probe);
                    Method method = solve ? cls.getDeclaredMethod("solve")
                                          : cls.getDeclaredMethod("main", String[].class);
                    if (!Modifier.isStatic(method.getModifiers())) continue;
                    int rank = (Modifier.isPublic(cls.getModifiers()) ? 0 : 2)
                            + (name.indexOf('$') < 0 ? 0 : 4)
                            + (method.getReturnType() == void.class ? 0 : 8);
                    if (rank < bestRank || (rank == bestRank && name.compareTo(best) < 0)) {
                        best = name;
                        bestRank = rank;
                    }
                } catch (Throwable e) {
                    // not loadable or no such method: not the entry class
                }
            }
        } catch (IOException ignored) {
            // closing the probe loader failed: nothing to undo
        }
        if (best != null) return new String[] {best, null};
        String problem = new StringBuilder("Error: no class declares ").append(wanted)
                .append(" (compiled classes: ").append(names).append(')').toString();
        return new String[] {null, problem};
    }

    private static void collect(File dir, String prefix, List<String> names) {
        String[] entries = dir.list();
        if (entries == null) return;
        Arrays.sort(entries);
        for (String entry : entries) {
            File file = new File(dir, entry);
            if (file.isDirectory()) {
                if (prefix.isEmpty() && entry.equals("bjdriver")) continue;
                collect(file, new StringBuilder(prefix).append(entry).append('.').toString(), names);
            } else if (entry.endsWith(".class") && !entry.equals("module-info.class")) {
                names.add(new StringBuilder(prefix)
                        .append(entry, 0, entry.length() - ".class".length()).toString());
            }
        }
    }

    private static URL[] urls(File outDir) {
        try {
            return new URL[] {outDir.getAbsoluteFile().toURI().toURL()};
        } catch (IOException e) {
            die("bad class directory");
            return null;
        }
    }

    // ------------------------------------------------------------------ running one test

    private static Thread[] threadsOf(ThreadGroup group) {
        Thread[] threads = new Thread[group.activeCount() + 8];
        int n = group.enumerate(threads, true);
        return Arrays.copyOf(threads, n);
    }

    /** CPU time of the test so far: its main thread, plus threads it started (best effort). */
    private static long cpuNs(Run run, Thread main, ThreadGroup group, Map<Thread, Long> others) {
        long total = run.mainCpuNs;
        if (total < 0 && run.started) {
            total = run.statPath != null ? Cpu.fromStat(run.statPath) : Cpu.viaBean(main);
        }
        total = Math.max(0, total);
        for (Thread thread : threadsOf(group)) {
            if (thread == main) continue;
            long value = Cpu.viaBean(thread);
            if (value >= 0) others.put(thread, value);
        }
        for (long value : others.values()) total += value;
        return total;
    }

    /** End every thread of the test; those Thread.stop cannot end are suspended. */
    private static void endThreads(ThreadGroup group) {
        long deadline = System.nanoTime() + STOP_GRACE_MS * 1_000_000L;
        Thread[] threads = threadsOf(group);
        while (threads.length > 0 && System.nanoTime() < deadline) {
            for (Thread thread : threads) thread.stop();
            for (Thread thread : threads) {
                try {
                    thread.join(5);
                } catch (InterruptedException ignored) {
                    // keep going
                }
            }
            threads = threadsOf(group);
        }
        for (Thread thread : threads) {
            thread.suspend();
            thread.setPriority(Thread.MIN_PRIORITY);
            KEEP.add(thread);
        }
    }

    /** Processes a test started die with it (the JVM is their parent: they are our children). */
    private static void killChildren() {
        try {
            ProcessHandle.current().descendants().forEach(ProcessHandle::destroyForcibly);
        } catch (Throwable ignored) {
            // best effort
        }
    }

    /** The `oom_kill` counter of the memory.events file at `path`, or -1 when unknown. */
    private static long oomKills(String path) {
        if (path == null) return -1;
        byte[] data = new byte[4096];
        int n = 0;
        try (FileInputStream in = new FileInputStream(path)) {
            int got;
            while (n < data.length && (got = in.read(data, n, data.length - n)) > 0) n += got;
        } catch (IOException | SecurityException e) {
            return -1;
        }
        String text = new String(data, 0, n, StandardCharsets.ISO_8859_1);
        int at = text.startsWith("oom_kill ") ? 0 : text.indexOf("\noom_kill ");
        if (at < 0) return -1;
        at = text.indexOf(' ', at) + 1;
        long value = 0;
        while (at < n && text.charAt(at) >= '0' && text.charAt(at) <= '9') {
            value = value * 10 + (text.charAt(at++) - '0');
        }
        return value;
    }

    private static long usedHeap(Runtime runtime) {
        return runtime.totalMemory() - runtime.freeMemory();
    }

    private static void runTest(long[] header, byte[] input, String[] entry, boolean solve,
                                URL[] urls, Redirect redirect, OutputStream frames, String nonce,
                                String memoryEvents) throws IOException {
        Run run = new Run(header, entry[0], entry[1], solve);
        long oomBefore = oomKills(memoryEvents);
        Runtime runtime = Runtime.getRuntime();
        long heapPeak = usedHeap(runtime);
        if (redirect != null) redirect.prepare(input);
        run.loader = new TestLoader(urls);
        TestGroup group = new TestGroup(run);
        group.setDaemon(true);
        Thread main = new Thread(group, run, "main", 0L);
        run.mainThread = main;
        main.setContextClassLoader(run.loader);
        Map<Thread, Long> others = new HashMap<>();

        System.setIn(new ByteArrayInputStream(input));
        System.setOut(run.outStream);
        System.setErr(run.errStream);
        current = run;
        long start = System.nanoTime();
        main.start();

        boolean timedOut = false;
        boolean flooded = false;
        long cpu = 0;
        while (true) {
            if (run.exited() || run.out.over) break;
            if (redirect != null && run.out.count + redirect.writtenBytes() > run.outputLimit) {
                flooded = true;
                break;
            }
            Thread waitOn = main.isAlive() ? main : null;
            if (waitOn == null) {
                for (Thread thread : threadsOf(group)) {
                    if (!thread.isDaemon()) {
                        waitOn = thread;
                        break;
                    }
                }
            }
            if (waitOn == null) break;
            long left = start + run.wallLimitNs - System.nanoTime();
            cpu = cpuNs(run, main, group, others);
            if (left <= 0 || cpu > run.cpuLimitNs) {
                timedOut = true;
                break;
            }
            heapPeak = Math.max(heapPeak, usedHeap(runtime));
            try {
                waitOn.join(Math.max(1, Math.min(POLL_MS, (left + 999_999) / 1_000_000)));
            } catch (InterruptedException ignored) {
                // keep waiting
            }
        }
        long wallNs = System.nanoTime() - start;
        heapPeak = Math.max(heapPeak, usedHeap(runtime));
        cpu = cpuNs(run, main, group, others);
        run.out.closed = true;
        run.err.closed = true;
        endThreads(group);
        if (run.spawned) killChildren();
        cpu = Math.max(cpu, cpuNs(run, main, group, others));
        if (oomBefore >= 0 && oomKills(memoryEvents) > oomBefore) run.oom = true;
        try {
            if (group.activeCount() == 0) group.destroy();
        } catch (IllegalThreadStateException ignored) {
            // already gone (a daemon group goes with its last thread)
        }
        current = null;
        System.setIn(new ByteArrayInputStream(new byte[0]));

        byte[] out = run.out.snapshot();
        if (redirect != null) {
            long direct = redirect.writtenBytes();
            if (run.out.count + direct > run.outputLimit) flooded = true;
            byte[] extra = redirect.written((int) Math.min(run.outputLimit - out.length, Integer.MAX_VALUE - 16));
            if (extra.length > 0) {
                byte[] joined = Arrays.copyOf(out, out.length + extra.length);
                System.arraycopy(extra, 0, joined, out.length, extra.length);
                out = joined;
            }
        }
        byte[] err = run.err.snapshot();
        if (run.out.over) flooded = true;

        int exitCode = run.exited() ? run.exitCode : 0;
        if (!run.exited() && (run.crashed || run.oom || timedOut || flooded)) exitCode = -1;
        String status = "OK";
        if (run.oom) {
            status = "MLE";
        } else if (timedOut || cpu > run.cpuLimitNs || wallNs > run.wallLimitNs) {
            status = "TLE";
        } else if (flooded) {
            status = "OLE";
        } else if (exitCode != 0) {
            status = "RE";
        }

        StringBuilder head = new StringBuilder(128).append('\u001e').append(nonce).append(' ')
                .append(run.index).append(' ').append(status).append(' ')
                .append(cpu / 1000).append(' ').append(wallNs / 1000).append(' ')
                .append(heapPeak / 1024).append(' ').append(exitCode).append(" 0 ")
                .append(out.length).append(' ').append(err.length).append('\n');
        frames.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
        frames.write(out);
        frames.write(err);
        frames.flush();

        boolean collect = run.oom;
        run.loader = null;
        if (collect) System.gc();
    }

    // ------------------------------------------------------------------ main

    /** Install the Guard. Java 17 prints a deprecation warning for this call on the JVM's
     *  initial System.err; while it does, FileDescriptor.err points at /dev/null. */
    private static void installGuard(Redirect redirect) {
        RandomAccessFile sink = null;
        try {
            if (redirect != null) {
                sink = new RandomAccessFile("/dev/null", "rw");
                redirect.fd.setInt(FileDescriptor.err, redirect.fd.getInt(sink.getFD()));
            }
        } catch (Throwable ignored) {
            // the warning is printed then
        }
        try {
            System.setSecurityManager(new Guard());
        } catch (Throwable e) {
            // -Djava.security.manager=allow is missing: System.exit ends the whole batch
        } finally {
            if (sink != null) {
                try {
                    System.err.flush();
                    redirect.fd.setInt(FileDescriptor.err, 2);
                    sink.close();
                } catch (Throwable ignored) {
                    // cannot happen: the field was writable a moment ago
                }
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !(args[1].equals("program") || args[1].equals("solve"))) {
            die("usage: bjdriver.BatchjudgeDriver <class dir> program|solve");
        }
        driverThread = Thread.currentThread();
        boolean solve = args[1].equals("solve");
        File outDir = new File(args[0]);
        Redirect redirect = Redirect.create();
        InputStream batch;
        OutputStream frames;
        if (redirect != null) {
            batch = new FileInputStream(redirect.own(0));
            frames = new FileOutputStream(redirect.own(1));
        } else {
            batch = new FileInputStream(FileDescriptor.in);
            frames = new FileOutputStream(FileDescriptor.out);
        }

        String line = readLine(batch);
        if (!line.startsWith("BJ1 ")) die("stdin is not a BJ1 batch");
        int space = line.indexOf(' ', 4);
        if (space < 0) die("bad BJ1 header");
        String nonce = line.substring(4, space);
        long[] count = numbers(line.substring(space + 1), 1);
        if (nonce.isEmpty() || count == null) die("bad BJ1 header");

        URL[] urls = urls(outDir);
        String memoryEvents = System.getenv("BJ_MEMORY_EVENTS");
        if (memoryEvents != null && memoryEvents.isEmpty()) memoryEvents = null;
        String[] entry = count[0] > 0 ? findEntry(outDir, solve) : new String[] {null, ""};
        installGuard(redirect);
        for (long k = 0; k < count[0]; k++) {
            line = readLine(batch);
            long[] header = line.startsWith("T ") ? numbers(line.substring(2), 5) : null;
            if (header == null) die("bad test header");
            byte[] input = readExactly(batch, header[4]);
            try {
                runTest(header, input, entry, solve, urls, redirect, frames, nonce, memoryEvents);
            } catch (OutOfMemoryError e) {
                // The driver itself ran out of memory the test left it: that test's MLE.
                input = null;
                System.gc();
                StringBuilder head = new StringBuilder(128).append('\u001e').append(nonce)
                        .append(' ').append(header[0]).append(" MLE 0 0 0 -1 0 0 0\n");
                frames.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                frames.flush();
            }
        }
        StringBuilder end = new StringBuilder().append('\u001e').append(nonce).append(" END\n");
        frames.write(end.toString().getBytes(StandardCharsets.ISO_8859_1));
        frames.flush();
        Runtime.getRuntime().halt(0);
    }
}
