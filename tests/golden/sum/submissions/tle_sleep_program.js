// A blocking sleep (no CPU use) on the trigger test.
const [a, b] = require("fs").readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
if (a === 13) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10000);
console.log(a + b);
