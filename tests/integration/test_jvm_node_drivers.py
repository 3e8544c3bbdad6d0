"""The in-process drivers (Java, JavaScript) run bare on this host, without the sandbox.

Each driver is built with its language's own compile command and started with its run
command, fed a hand-built BJ1 batch on stdin and judged by the frames it writes. The Java
scenario class is compiled once per module; its `main` serves program style and its `solve`
serves solve style. The first word of a test's input picks what a scenario does.

After a TLE both drivers keep going and finish the batch with END (the engine would give a
death after the TLE frame to the *next* test), so the tests below expect every frame.
"""

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from batchjudge.languages.commands import render_command
from batchjudge.languages.framing import BatchItem, Frame, encode_batch, parse_frames
from batchjudge.languages.registry import LanguageBundle
from support.drivers import (
    MLE,
    OK,
    OLE,
    RE,
    TLE,
    TRICKY,
    Driver,
    Run,
    language,
    make_case,
    numbered,
    outputs,
    statuses,
)

NONCE = "0123456789abcdef" * 2  # TRICKY's nonce: printing it must not matter either
JAVA = Path("/usr/lib/jvm/java-17-openjdk-amd64/bin/java")
NODE = Path("/usr/bin/node")
HEAP_MB = 64  # $memory_mb for the runs: small, so running out of heap is quick


JAVA_SCENARIOS = """\
import java.io.*;
import java.util.*;

class Helper {
    static long twice(long x) { return 2 * x; }
}

public class Scenarios {
    static int calls;
    static final String TRICKY = "TRICKY_HEX";

    static String firstLine() throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = System.in.read()) != -1 && c != '\\n') line.append((char) c);
        return line.toString();
    }

    static int deeper(int n) { return deeper(n + 1) + 1; }

    static void scenario() throws Exception {
        calls++;
        String[] words = firstLine().trim().split(" ");
        switch (words[0]) {
            case "sum":
                System.out.println(Long.parseLong(words[1]) + Long.parseLong(words[2]));
                break;
            case "scan": {
                Scanner in = new Scanner(System.in);
                long a = in.nextLong(), b = in.nextLong();
                System.out.println(Helper.twice(a) + b);
                break;
            }
            case "count":
                System.out.println(calls);
                break;
            case "eof": {
                byte[] rest = System.in.readAllBytes();
                long sum = 0;
                for (byte x : rest) sum = (sum + (x & 0xff)) % 1000000007L;
                System.out.println(rest.length + " " + sum);
                break;
            }
            case "exit0":
                System.out.print("partial");
                System.exit(0);
                break;
            case "exit3":
                System.out.println("out");
                System.exit(3);
                break;
            case "throw":
                System.out.println("out");
                throw new IllegalStateException("boom");
            case "spin": {
                long x = 0;
                while (true) x++;
            }
            case "stubborn":
                while (true) {
                    try {
                        while (true) { }
                    } catch (Throwable caught) {
                        // ThreadDeath included: keep spinning
                    }
                }
            case "sleep":
                Thread.sleep(30000);
                break;
            case "flood":
                while (true) System.out.println("flood flood flood flood flood flood flood");
            case "bytes": {
                byte[] data = new byte[TRICKY.length() / 2];
                for (int i = 0; i < data.length; i++) {
                    data[i] = (byte) Integer.parseInt(TRICKY.substring(2 * i, 2 * i + 2), 16);
                }
                System.out.write(data);
                System.out.flush();
                break;
            }
            case "noise":
                for (int i = 0; i < 1000; i++) System.err.println("noise " + i);
                System.out.println("quiet");
                break;
            case "oom": {
                List<long[]> keep = new ArrayList<>();
                while (true) keep.add(new long[1 << 20]);
            }
            case "deep":
                System.out.println(deeper(0));
                break;
            case "late": {
                Thread helper = new Thread(() -> {
                    try { Thread.sleep(50); } catch (InterruptedException e) { }
                    System.out.println("late");
                });
                helper.start();
                System.out.println("early");
                break;
            }
            case "exitthread": {
                Thread helper = new Thread(() -> { System.out.println("bye"); System.exit(5); });
                helper.start();
                helper.join();
                Thread.sleep(5000);
                System.out.println("never");
                break;
            }
            case "catchexit":
                try {
                    System.out.println("a");
                    System.exit(0);
                } catch (Throwable caught) {
                    System.out.println("caught");
                }
                break;
            case "fdio": {
                byte[] all = new FileInputStream(FileDescriptor.in).readAllBytes();
                PrintStream direct = new PrintStream(new FileOutputStream(FileDescriptor.out));
                direct.println("direct " + all.length);
                direct.flush();
                break;
            }
            case "spawn":
                new ProcessBuilder("sleep", "30").start();
                System.out.println("spawned");
                break;
            case "children":
                long alive = ProcessHandle.current().descendants().filter(p -> p.isAlive()).count();
                System.out.println(alive);
                break;
            case "bump": {
                try (FileWriter events = new FileWriter(System.getenv("BJ_MEMORY_EVENTS"))) {
                    events.write("low 0\\nhigh 0\\nmax 4\\noom 2\\noom_kill 2\\n");
                }
                System.out.println("bumped");
                break;
            }
            case "hidden":
                try {
                    Class.forName("bjdriver.BatchjudgeDriver");
                    System.out.println("visible");
                } catch (ClassNotFoundException e) {
                    System.out.println("hidden");
                }
                break;
            default:
                System.out.println("unknown " + words[0]);
                System.exit(9);
        }
    }

    public static void main(String[] args) throws Exception { scenario(); }

    static void solve() throws Exception { scenario(); }
}
""".replace("TRICKY_HEX", TRICKY.hex())

# Shared by both JavaScript styles: `scenario` gets the whole input, prints, may return.
JS_SCENARIOS = """\
let calls = 0;
globalThis.seen = (globalThis.seen || 0) + 1;
const TRICKY = Buffer.from('TRICKY_HEX', 'hex');

function scenario(input) {
  calls += 1;
  const text = typeof input === 'string' ? input : input.toString('latin1');
  const newline = text.indexOf('\\n');
  const first = newline < 0 ? text : text.slice(0, newline);
  const rest = newline < 0 ? '' : text.slice(newline + 1);
  const [word, ...args] = first.trim().split(' ');
  switch (word) {
    case 'sum':
      console.log(String(BigInt(args[0]) + BigInt(args[1])));
      break;
    case 'count':
      console.log(calls, globalThis.seen);
      break;
    case 'eof': {
      let sum = 0;
      for (let i = 0; i < rest.length; i++) sum = (sum + rest.charCodeAt(i)) % 1000000007;
      console.log(rest.length, sum);
      break;
    }
    case 'exit0':
      process.stdout.write('partial');
      process.exit(0);
      break;
    case 'exit3':
      console.log('out');
      process.exit(3);
      break;
    case 'throw':
      console.log('out');
      throw new Error('boom');
    case 'spin':
      for (;;) {}
    case 'flood':
      for (;;) console.log('flood flood flood flood flood flood flood');
    case 'bytes':
      process.stdout.write(TRICKY);
      break;
    case 'noise':
      for (let i = 0; i < 1000; i++) console.error('noise', i);
      console.log('quiet');
      break;
    case 'deep': {
      const deeper = (n) => deeper(n + 1) + 1;
      console.log(deeper(0));
      break;
    }
    case 'answer':
      process.stdout.write('printed');
      return 42;
    case 'async':
      return (async () => {
        await new Promise((resolve) => setTimeout(resolve, 5000));
        return 'awaited';
      })();
    case 'timers': {
      const order = [];
      setTimeout(() => order.push('timeout'), 20);
      setImmediate(() => order.push('immediate'));
      Promise.resolve().then(() => order.push('microtask'));
      process.nextTick(() => order.push('tick'));
      setTimeout(() => console.log(order.join(' ')), 30);
      break;
    }
    case 'interval':
      setInterval(() => {}, 10);
      break;
    case 'microloop': {
      const again = () => {
        Promise.resolve().then(again);
      };
      again();
      break;
    }
    case 'hog': {
      const keep = [];
      for (;;) keep.push(new Array(1 << 16).fill(keep.length));
    }
    case 'reject':
      console.log('out');
      Promise.reject(new Error('nobody listens'));
      break;
    case 'exitcode':
      console.log('out');
      process.exitCode = 4;
      break;
    case 'onexit':
      process.on('exit', (code) => console.log('exit', code));
      console.log('main');
      break;
    default:
      console.log('unknown', word);
      process.exit(9);
  }
  return undefined;
}
""".replace("TRICKY_HEX", TRICKY.hex())
JS_PROGRAM_FOOTER = "scenario(require('fs').readFileSync(0));\n"
JS_SOLVE_FOOTER = "function solve(input) {\n  return scenario(input);\n}\n"

# Program-style sources that read stdin in other ways; each prints what it read.
JS_READERS = {
    "lines.js": """\
const rl = require('readline').createInterface({ input: process.stdin });
const lines = [];
rl.on('line', (line) => lines.push(line));
rl.on('close', () => console.log(lines.length, JSON.stringify(lines)));
""",
    "iterate.js": """\
const readline = require('node:readline');
(async () => {
  let total = 0;
  for await (const line of readline.createInterface({ input: process.stdin })) total += line.length;
  console.log('chars', total);
})();
""",
    "chunks.js": """\
const chunks = [];
process.stdin.on('data', (chunk) => chunks.push(chunk));
process.stdin.on('end', () => {
  const data = Buffer.concat(chunks);
  console.log(Buffer.isBuffer(chunks[0]), data.length, data.toString().trim());
});
""",
    "readsync.js": """\
const fs = require('fs');
const buffer = Buffer.alloc(7);
let total = 0;
let got;
while ((got = fs.readSync(0, buffer, 0, buffer.length, null)) > 0) total += got;
console.log('read', total);
""",
    "broken.js": "function (\n",
}

VARIANTS = ["java-program", "java-solve", "js-program", "js-solve"]
JAVA_VARIANTS = VARIANTS[:2]
JS_VARIANTS = VARIANTS[2:]


def case(
    text: bytes | str, cpu: float = 1.0, wall: float = 2.0, output: int = 1 << 16
) -> BatchItem:
    """One test with this module's default limits (the JVM needs more room)."""
    return make_case(text, cpu, wall, output)


def _prepare(bundle: LanguageBundle, box: Path, source_name: str, source: str) -> None:
    box.mkdir(parents=True)
    for name, data in bundle.driver_sources().items():
        (box / name).write_bytes(data)
    (box / source_name).write_text(source)


def _command(bundle: LanguageBundle, style: str) -> list[str]:
    variables = {"source": "-", "style": style, "prep": "", "memory_mb": str(HEAP_MB)}
    variables["stack_mb"] = str(bundle.spec.run.stack_mb)
    return render_command(bundle.spec.run.command, variables)


@pytest.fixture(scope="module")
def java_box(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Scenarios.java and the driver, compiled once by the language's compile command."""
    if not JAVA.exists():
        pytest.fail(f"needs {JAVA}: run `make install` (it installs openjdk-17-jdk-headless)")
    bundle = language("java")
    box = tmp_path_factory.mktemp("java") / "box"
    _prepare(bundle, box, "Scenarios.java", JAVA_SCENARIOS)
    assert bundle.spec.compile is not None
    variables = {"source": "Scenarios.java", "style": "program", "prep": "", "memory_mb": "512"}
    command = render_command(bundle.spec.compile.command, variables)
    built = subprocess.run(command, cwd=box, capture_output=True, check=False, timeout=120)
    assert built.returncode == 0, built.stderr.decode(errors="replace")
    (box / "javac.log").write_bytes(built.stdout + built.stderr)
    return box


@pytest.fixture(scope="module")
def js_boxes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One box per JavaScript style, plus the stdin readers in the program box."""
    if not NODE.exists():
        pytest.fail(f"needs {NODE}: run `make install` (it installs nodejs)")
    bundle = language("javascript")
    root = tmp_path_factory.mktemp("js")
    boxes = {}
    for style, footer in (("program", JS_PROGRAM_FOOTER), ("solve", JS_SOLVE_FOOTER)):
        box = root / style
        _prepare(bundle, box, bundle.spec.source_name, JS_SCENARIOS + footer)
        boxes[style] = box
    for name, source in JS_READERS.items():
        (boxes["program"] / name).write_text(source)
    return boxes


@pytest.fixture
def build(request: pytest.FixtureRequest) -> Callable[..., Driver]:
    """`build("js-program", "lines.js")`: the driver for a variant (and JavaScript source).

    Each language's box is made on first use, so a run of one language's tests never
    needs the other's runtime.
    """

    def make(variant: str, source: str | None = None) -> Driver:
        language_name, style = variant.split("-")
        if language_name == "java":
            return Driver(request.getfixturevalue("java_box"), _command(language("java"), style))
        bundle = language("javascript")
        argv = _command(bundle, style)
        if source is not None:
            argv = [source if part == bundle.spec.source_name else part for part in argv]
        boxes: dict[str, Path] = request.getfixturevalue("js_boxes")
        return Driver(boxes[style], argv)

    return make


def run_driver(
    driver: Driver, data: bytes, timeout: float = 60
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        driver.argv, cwd=driver.box, input=data, capture_output=True, timeout=timeout, check=False
    )


def frames_of(driver: Driver, items: list[BatchItem]) -> list[Frame]:
    completed = run_driver(driver, encode_batch(NONCE, items))
    parsed = parse_frames(completed.stdout, NONCE)
    assert completed.returncode == 0, completed.stderr.decode(errors="replace")
    assert parsed.finished, "no END marker"
    assert [frame.index for frame in parsed.frames] == [item.index for item in items]
    return parsed.frames


@pytest.fixture
def run(build: Callable[..., Driver], request: pytest.FixtureRequest) -> Run:
    """Run a batch through the variant the test is parametrized with; its frames."""
    variant: str = request.node.callspec.params["variant"]

    def run_batch(items: list[BatchItem], source: str | None = None) -> list[Frame]:
        return frames_of(build(variant, source), items)

    return run_batch


# ------------------------------------------------------------------ every variant


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_test_gets_its_own_answer_and_frame(variant: str, run: Run) -> None:
    frames = run(numbered([case(f"sum {k} {10 * k}\n") for k in range(6)]))
    assert statuses(frames) == [OK] * 6
    assert outputs(frames) == [f"{11 * k}\n".encode() for k in range(6)]
    for frame in frames:
        assert (frame.exit_code, frame.signal, frame.stderr) == (0, 0, b"")
        assert 0 <= frame.cpu_time_s < 1.0
        assert 0 < frame.wall_time_s < 2.0
        assert frame.memory_kb > 0


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_state_leaks_between_tests(variant: str, run: Run) -> None:
    frames = run([case("count\n")] * 3)
    expected = b"1\n" if variant.startswith("java") else b"1 1\n"
    assert outputs(frames) == [expected] * 3


@pytest.mark.parametrize("variant", VARIANTS)
def test_each_test_reads_only_its_own_input_then_eof(variant: str, run: Run) -> None:
    payloads = [b"", b"x", b"last\n" * 7, b"0123456789" * 30_000, b"tail without newline"]
    frames = run([case(b"eof\n" + payload) for payload in payloads])
    assert statuses(frames) == [OK] * len(payloads)
    expected = [f"{len(p)} {sum(p) % 1_000_000_007}\n".encode() for p in payloads]
    assert outputs(frames) == expected


@pytest.mark.parametrize("variant", VARIANTS)
def test_exit_zero_after_answering_is_ok(variant: str, run: Run) -> None:
    frames = run([case("exit0\n"), case("sum 1 2\n")])
    assert statuses(frames) == [OK, OK]
    assert outputs(frames) == [b"partial", b"3\n"]
    assert frames[0].exit_code == 0


@pytest.mark.parametrize("variant", VARIANTS)
def test_exit_three_is_re_with_its_exit_code(variant: str, run: Run) -> None:
    frames = run([case("exit3\n"), case("sum 2 3\n")])
    assert statuses(frames) == [RE, OK]
    assert (frames[0].exit_code, frames[0].signal, frames[0].stdout) == (3, 0, b"out\n")
    assert frames[1].stdout == b"5\n"


@pytest.mark.parametrize("variant", VARIANTS)
def test_an_uncaught_exception_is_re_with_its_trace(variant: str, run: Run) -> None:
    frames = run([case("throw\n"), case("sum 2 2\n")])
    assert statuses(frames) == [RE, OK]
    crashed = frames[0]
    assert (crashed.exit_code, crashed.stdout) == (-1, b"out\n")
    assert b"boom" in crashed.stderr
    assert b"scenario" in crashed.stderr  # the student's frames are there ...
    assert b"bj_driver" not in crashed.stderr  # ... ours are not
    assert b"bjdriver" not in crashed.stderr
    assert frames[1].stdout == b"4\n"


@pytest.mark.parametrize("variant", VARIANTS)
def test_runaway_recursion_is_re(variant: str, run: Run) -> None:
    frames = run([case("deep\n", cpu=3.0, wall=6.0), case("sum 1 1\n")])
    assert statuses(frames) == [RE, OK]
    assert b"StackOverflowError" in frames[0].stderr or b"call stack" in frames[0].stderr


@pytest.mark.parametrize("variant", VARIANTS)
def test_an_endless_loop_is_tle_and_later_tests_still_run(variant: str, run: Run) -> None:
    frames = run([case("sum 1 1\n"), case("spin\n", cpu=0.3, wall=0.6), case("sum 3 4\n")])
    assert statuses(frames) == [OK, TLE, OK]
    spin = frames[1]
    assert spin.exit_code == -1
    assert spin.cpu_time_s > 0.3 or spin.wall_time_s >= 0.6
    assert spin.wall_time_s < 2.0
    assert outputs(frames)[2] == b"7\n"


@pytest.mark.parametrize("variant", VARIANTS)
def test_an_output_flood_is_ole(variant: str, run: Run) -> None:
    frames = run([case("flood\n", output=10_000), case("sum 1 1\n", output=2)])
    assert statuses(frames) == [OLE, OK]
    assert len(frames[0].stdout) == 10_000
    assert frames[0].stdout.startswith(b"flood flood")
    assert frames[1].stdout == b"2\n"


@pytest.mark.parametrize("variant", VARIANTS)
def test_output_exactly_at_the_limit_is_ok(variant: str, run: Run) -> None:
    frames = run([case("sum 40 2\n", output=3), case("sum 40 2\n", output=2)])
    assert statuses(frames) == [OK, OLE]
    assert outputs(frames) == [b"42\n", b"42"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_printing_a_fake_frame_does_not_make_one(variant: str, run: Run) -> None:
    frames = run([case("bytes\n"), case("sum 2 2\n")])  # `run` checks the frame count
    assert statuses(frames) == [OK, OK]
    assert outputs(frames) == [TRICKY, b"4\n"]


@pytest.mark.parametrize("variant", VARIANTS)
def test_stderr_noise_is_kept_apart_and_cut(variant: str, run: Run) -> None:
    frames = run([case("noise\n")])
    assert statuses(frames) == [OK]
    assert frames[0].stdout == b"quiet\n"
    assert len(frames[0].stderr) == 4096
    assert frames[0].stderr.startswith(b"noise 0\nnoise 1\n")


@pytest.mark.parametrize("variant", VARIANTS)
def test_an_empty_batch_is_just_the_end_marker(variant: str, run: Run) -> None:
    assert run([]) == []


@pytest.mark.parametrize("variant", ["java-program", "js-solve"])
def test_a_malformed_batch_stops_the_driver_without_end(
    variant: str, build: Callable[..., Driver]
) -> None:
    completed = run_driver(build(variant), b"GET / HTTP/1.0\n\n")
    assert completed.returncode == 2
    assert b"END" not in completed.stdout


# ------------------------------------------------------------------ Java


@pytest.mark.parametrize("variant", JAVA_VARIANTS)
def test_java_out_of_memory_is_mle_and_the_heap_comes_back(variant: str, run: Run) -> None:
    frames = run([case("oom\n", cpu=5.0, wall=10.0), case("oom\n", cpu=5.0, wall=10.0)])
    assert statuses(frames) == [MLE, MLE]
    assert all(b"java.lang.OutOfMemoryError" in frame.stderr for frame in frames)
    assert frames[0].memory_kb > HEAP_MB * 1024 // 2


@pytest.mark.parametrize("variant", JAVA_VARIANTS)
def test_java_threads_that_ignore_stop_or_sleep_are_tle(variant: str, run: Run) -> None:
    items = [case("stubborn\n", 0.3, 0.6), case("sum 1 2\n"), case("sleep\n", 0.3, 0.6)]
    frames = run([*items, case("count\n")])
    assert statuses(frames) == [TLE, OK, TLE, OK]
    assert outputs(frames)[1::2] == [b"3\n", b"1\n"]
    assert frames[2].cpu_time_s < 0.3 <= frames[2].wall_time_s


@pytest.mark.parametrize("variant", JAVA_VARIANTS)
def test_java_threads_and_exit(variant: str, run: Run) -> None:
    frames = run([case("late\n"), case("exitthread\n"), case("catchexit\n"), case("hidden\n")])
    assert statuses(frames) == [OK, RE, OK, OK]
    assert outputs(frames) == [b"early\nlate\n", b"bye\n", b"a\n", b"hidden\n"]
    assert frames[1].exit_code == 5
    assert frames[1].wall_time_s < 2


@pytest.mark.parametrize("variant", ["java-program"])
def test_java_standard_file_descriptors_are_the_test_s(variant: str, run: Run) -> None:
    frames = run([case("fdio\nabc"), case("scan\n20 2\n"), case("fdio\n")])
    assert statuses(frames) == [OK] * 3
    assert outputs(frames) == [b"direct 8\n", b"42\n", b"direct 5\n"]


@pytest.mark.parametrize("variant", ["java-solve"])
def test_java_processes_die_with_their_test(variant: str, run: Run) -> None:
    frames = run([case("spawn\n"), case("children\n")])
    assert outputs(frames) == [b"spawned\n", b"0\n"]


def test_java_an_oom_kill_in_the_memory_cgroup_is_mle(
    build: Callable[..., Driver], tmp_path: Path
) -> None:
    # The test itself bumps the counter here; in the sandbox the kernel does.
    events = tmp_path / "memory.events"
    events.write_text("low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n")
    driver = build("java-program")
    items = [case("sum 1 1\n"), case("bump\n"), case("sum 1 2\n")]
    completed = subprocess.run(
        driver.argv,
        cwd=driver.box,
        input=encode_batch(NONCE, items),
        capture_output=True,
        timeout=60,
        check=False,
        env={"BJ_MEMORY_EVENTS": str(events), "PATH": "/usr/bin:/bin"},
    )
    parsed = parse_frames(completed.stdout, NONCE)
    assert parsed.finished
    assert statuses(parsed.frames) == [OK, MLE, OK]


# ------------------------------------------------------------------ JavaScript


@pytest.mark.parametrize("variant", ["js-program"])
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("lines.js", b'3 ["one","two","three"]\n'),
        ("iterate.js", b"chars 11\n"),
        ("chunks.js", b"true 14 one\ntwo\r\nthree\n"),
        ("readsync.js", b"read 14\n"),
    ],
)
def test_js_programs_read_stdin_every_usual_way(
    variant: str, source: str, expected: bytes, run: Run
) -> None:
    frames = run([case("one\ntwo\r\nthree"), case("")], source)
    assert statuses(frames) == [OK, OK]
    assert frames[0].stdout == expected


@pytest.mark.parametrize("variant", JS_VARIANTS)
def test_js_event_loop_runs_inside_the_test(variant: str, run: Run) -> None:
    frames = run([case("timers\n"), case("onexit\n"), case("exitcode\n"), case("reject\n")])
    assert statuses(frames) == [OK, OK, RE, RE]
    assert outputs(frames) == [
        b"tick microtask immediate timeout\n",
        b"main\nexit 0\n",
        b"out\n",
        b"out\n",
    ]
    assert frames[2].exit_code == 4
    assert b"nobody listens" in frames[3].stderr
    assert frames[0].wall_time_s < 0.5  # timers do not really wait


@pytest.mark.parametrize("variant", JS_VARIANTS)
def test_js_endless_callbacks_are_tle(variant: str, run: Run) -> None:
    frames = run([case("interval\n", 0.3, 0.6), case("microloop\n", 0.3, 0.6), case("count\n")])
    assert statuses(frames) == [TLE, TLE, OK]
    assert frames[2].stdout == b"1 1\n"


@pytest.mark.parametrize("variant", JS_VARIANTS)
def test_js_heap_exhaustion_ends_the_execution_as_the_engine_expects(
    variant: str, build: Callable[..., Driver]
) -> None:
    # V8 aborts the process: the tests before keep their frames, the hog gets none, and the
    # engine judges it MLE by the language's OOM patterns on the execution's stderr.
    items = numbered([case("sum 1 1\n"), case("hog\n", cpu=10.0, wall=20.0), case("sum 1 2\n")])
    completed = run_driver(build(variant), encode_batch(NONCE, items))
    parsed = parse_frames(completed.stdout, NONCE)
    assert not parsed.finished
    assert [(frame.index, frame.status) for frame in parsed.frames] == [(1, OK)]
    patterns = language("javascript").spec.oom_stderr_patterns
    assert any(pattern.encode() in completed.stderr for pattern in patterns)


def test_js_solve_result_is_printed_after_the_output(build: Callable[..., Driver]) -> None:
    frames = frames_of(build("js-solve"), [case("answer\n"), case("async\n"), case("sum 1 1\n")])
    assert statuses(frames) == [OK, OK, OK]
    # What solve() printed, a newline because it did not end with one, then its result.
    assert outputs(frames) == [b"printed\n42\n", b"awaited\n", b"2\n"]


def test_js_syntax_errors_fail_every_test(build: Callable[..., Driver]) -> None:
    frames = frames_of(build("js-program", "broken.js"), [case("x\n"), case("y\n")])
    assert statuses(frames) == [RE, RE]
    for frame in frames:
        assert frame.stderr.startswith(b"/")
        assert b"broken.js:1" in frame.stderr
        assert b"SyntaxError" in frame.stderr


def test_the_drivers_compile_cleanly(java_box: Path, js_boxes: dict[str, Path]) -> None:
    # javac printed nothing about the driver (deprecation notes included) ...
    assert b"BatchjudgeDriver" not in (java_box / "javac.log").read_bytes()
    compiled = sorted(path.name for path in (java_box / "out" / "bjdriver").iterdir())
    assert "BatchjudgeDriver.class" in compiled
    # ... and `node --check` (the JavaScript compile command) accepts the driver and the sources.
    for box in js_boxes.values():
        for name in ("bj_driver.js", "main.js"):
            checked = subprocess.run(
                [str(NODE), "--check", name], cwd=box, capture_output=True, check=False
            )
            assert checked.returncode == 0, checked.stderr.decode(errors="replace")
