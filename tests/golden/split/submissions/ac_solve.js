// The return value is the output: "S-1 1".
function solve(input) {
  const s = Number(input.trim());
  return `${s - 1} 1`;
}
