// Fails unless coverage of contracts/ (mocks and interfaces excluded by .solcover.js) reaches the thresholds.
// Reads coverage/coverage-summary.json, written by `hardhat coverage` (istanbul json-summary reporter).
const fs = require("node:fs");
const path = require("node:path");

const LINES = Number(process.env.COVERAGE_MIN_LINES ?? 95);
const BRANCHES = Number(process.env.COVERAGE_MIN_BRANCHES ?? 90);
const file = path.join(__dirname, "..", "coverage", "coverage-summary.json");
if (!fs.existsSync(file)) {
  console.error(`${file} is missing: run \`npx hardhat coverage\` first`);
  process.exit(1);
}
const summary = JSON.parse(fs.readFileSync(file, "utf8"));
const { lines, branches, functions, statements } = summary.total;
console.log(
  `coverage of contracts/: lines ${lines.pct}% (min ${LINES}), branches ${branches.pct}% (min ${BRANCHES}), functions ${functions.pct}%, statements ${statements.pct}%`,
);
const weakest = Object.entries(summary)
  .filter(([k]) => k !== "total")
  .map(([k, v]) => [path.relative(process.cwd(), k), v.lines.pct, v.branches.pct])
  .sort((a, b) => a[2] - b[2])
  .slice(0, 5);
for (const [f, l, b] of weakest) console.log(`  ${f}: lines ${l}%, branches ${b}%`);
if (lines.pct < LINES || branches.pct < BRANCHES) {
  console.error("coverage below the thresholds");
  process.exit(1);
}
