// Program style: the file runs once per test; fd 0 is that test's input.
// --8<-- [start:fast_io]
const tokens = require("fs").readFileSync(0, "utf8").split(/\s+/).filter((t) => t !== "");
// --8<-- [end:fast_io]
const n = Number(tokens[0]);
const lines = [];
for (let i = 0; i < n; i++) {
  // Numbers are exact up to 2^53; these sums stay below 4e9.
  lines.push(Number(tokens[1 + 2 * i]) + Number(tokens[2 + 2 * i]));
}
console.log(lines.join("\n"));
