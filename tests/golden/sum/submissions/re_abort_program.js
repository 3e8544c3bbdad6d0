// process.abort() on the trigger test, after printing the right answer: the process would
// die by SIGABRT in a plain run.
const [a, b] = require("fs").readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
console.log(a + b);
if (a === 13) process.abort();
