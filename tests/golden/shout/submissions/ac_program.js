const text = require("fs").readFileSync(0, "latin1");
process.stdout.write(text.replace(/[a-z]+/g, (word) => word.toUpperCase()));
