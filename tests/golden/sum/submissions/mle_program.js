// Keeps 8 MiB arrays of doubles until it holds 512 MiB, on the trigger test: the V8 heap
// limit (or the memory cgroup) stops it.
const [a, b] = require("fs").readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
if (a === 13) {
  const chunks = [];
  for (let i = 0; i < 64; i++) chunks.push(new Array(1 << 20).fill(i + 0.5));
  console.error(chunks.length);
}
console.log(a + b);
