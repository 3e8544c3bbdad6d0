// Global state: a counter, a cache object and a property on globalThis. Each test runs in
// a fresh context, so every call is the first: AC.
var calls = 0;
const cache = {};
globalThis.answers = globalThis.answers || [];

function solve(input) {
  calls++;
  const [a, b] = input.trim().split(/\s+/).map(Number);
  globalThis.answers.push(a + b);
  cache[a] = (cache[a] || 0) + 1;
  if (calls !== 1 || globalThis.answers.length !== 1 || Object.keys(cache).length !== 1) {
    return "state leaked: call " + calls;
  }
  return globalThis.answers[0];
}
