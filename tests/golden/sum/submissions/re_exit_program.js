// Prints the right answer, then exits with status 3 on the trigger test.
const [a, b] = require("fs").readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
console.log(a + b);
if (a === 13) process.exit(3);
