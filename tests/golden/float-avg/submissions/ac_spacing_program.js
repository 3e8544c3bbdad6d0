// Blank lines and spaces around the number, and an upper-case exponent: AC, since the
// default validator ignores whitespace amounts and reads 1.5000000000E+0 as a number.
const tokens = require("fs").readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
const n = tokens[0];
const total = tokens.slice(1, n + 1).reduce((sum, x) => sum + x, 0);
process.stdout.write("\n\n   " + (total / n).toExponential(10).toUpperCase() + "   \n\n");
