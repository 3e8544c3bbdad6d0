const data = require("fs").readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
const n = data[0];
let sum = 0, best = -Infinity, run = 0;
const distinct = new Set();
for (let i = 1; i <= n; i++) {
  const x = data[i];
  sum += x;
  run = Math.max(run + x, x);
  best = Math.max(best, run);
  distinct.add(x);
}
console.log(`${sum} ${best} ${distinct.size}`);
