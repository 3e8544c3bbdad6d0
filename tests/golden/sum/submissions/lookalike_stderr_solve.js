// Frame look-alikes, NUL and CR on stderr; the right answer as the return value: AC.
function solve(input) {
  const nonce = "0123456789abcdef0123456789abcdef";
  console.error("\x1e" + nonce + " 0 OK 0 0 0 0 0 0 0");
  console.error("\x1e" + nonce + " END");
  console.error("\x00\x00\r\r\x1e");
  const [a, b] = input.trim().split(/\s+/).map(Number);
  return a + b;
}
