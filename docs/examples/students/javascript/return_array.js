// Wrong answer on most tests: solve() returns an array, which is printed as String(array),
// "3,7,0": one token instead of three lines. Tests with a single pair still pass.
function solve(input) {
  const tokens = input.split(/\s+/).filter((t) => t !== "");
  const n = Number(tokens[0]);
  const sums = [];
  for (let i = 0; i < n; i++) {
    sums.push(Number(tokens[1 + 2 * i]) + Number(tokens[2 + 2 * i]));
  }
  return sums; // fix: return sums.join("\n");
}
