function solve(input) {
  const [a, b] = input.trim().split(/\s+/).map(Number;
  return a + b;
}
