// solve() style: gets the whole test input as a string; the return value is the output.
function solve(input) {
  const tokens = input.split(/\s+/).filter((token) => token.length > 0);
  const n = Number(tokens[0]);
  const lines = [];
  for (let i = 0; i < n; i++) {
    lines.push(String(Number(tokens[1 + 2 * i]) + Number(tokens[2 + 2 * i])));
  }
  return lines.join("\n");
}
