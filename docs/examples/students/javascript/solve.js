// solve() style: solve(input) gets ONE test's whole input as a string and returns the answer.
function solve(input) {
  const tokens = input.split(/\s+/).filter((t) => t !== "");
  const n = Number(tokens[0]);
  const lines = [];
  for (let i = 0; i < n; i++) {
    lines.push(Number(tokens[1 + 2 * i]) + Number(tokens[2 + 2 * i]));
  }
  return lines.join("\n");
}
