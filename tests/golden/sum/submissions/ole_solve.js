// Prints 4 MiB (four times the output limit), then the answer, on the trigger test.
function solve(input) {
  const [a, b] = input.trim().split(/\s+/).map(Number);
  if (a === 13) {
    const line = "42 ".repeat(341); // 1023 bytes + newline
    for (let i = 0; i < 4096; i++) console.log(line);
  }
  return a + b;
}
