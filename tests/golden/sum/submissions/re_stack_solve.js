// Unbounded recursion on the trigger test: RangeError (JavaScript's segfault).
function depth(n) {
  return depth(n + 1) + 1;
}

function solve(input) {
  const [a, b] = input.trim().split(/\s+/).map(Number);
  if (a === 13) console.log(depth(0));
  return a + b;
}
