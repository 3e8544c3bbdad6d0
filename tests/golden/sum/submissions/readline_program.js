const readline = require('readline');
const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const [a, b] = line.split(' ').map(BigInt);
  console.log((a + b).toString());
});
