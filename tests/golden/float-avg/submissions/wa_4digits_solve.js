// Four significant digits: wrong for 4/3 (secret/01) and, relatively, for the huge average
// of secret/04 (1.235e+11 is 3.5e-4 off).
function solve(input) {
  const tokens = input.trim().split(/\s+/).map(Number);
  const n = tokens[0];
  const total = tokens.slice(1, n + 1).reduce((sum, x) => sum + x, 0);
  return (total / n).toPrecision(4);
}
