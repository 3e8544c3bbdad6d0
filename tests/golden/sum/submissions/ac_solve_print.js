// Prints the answer and returns nothing (undefined adds no output).
function solve(input) {
  const [a, b] = input.trim().split(/\s+/).map(BigInt);
  console.log(String(a + b));
}
