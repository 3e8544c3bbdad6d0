// Spins forever on the even test.
const s = Number(require("fs").readFileSync(0, "utf8").trim());
let spins = 0;
while (s % 2 === 0) spins++;
console.log(`1 ${s - 1}`);
