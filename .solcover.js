// Coverage of contracts/ (npm run coverage): test-only mocks and the interface files are not measured.
// CI enforces the thresholds from coverage/coverage-summary.json (scripts/coverage-gate.js).
module.exports = {
  skipFiles: ["mocks/", "interfaces/"],
  istanbulReporter: ["text-summary", "json-summary", "html", "lcov"],
  mocha: { timeout: 300000 },
};
