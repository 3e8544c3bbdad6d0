// solve(input) gets the whole test input; its return value is the output.
function solve(input) {
  const [a, b] = input.trim().split(/\s+/).map(Number);
  return a + b;
}
