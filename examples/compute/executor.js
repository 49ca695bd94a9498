#!/usr/bin/env node
// An example executor for lp504-node's compute duty (docs/NODE.md, "Compute and training"). It does no real
// work: a job's result is the SHA-256 of its jobSpec, and a gradient's hash is the SHA-256 of what identifies the
// member's round. Replace the two functions below with your model code; keep the input and output formats.
//
// As a command:  {"executor": {"command": ["node", "examples/compute/executor.js"]}}
//   reads one task as JSON on stdin, writes one JSON object on stdout, exits 0 (75: run me again later).
// As a module:   {"executor": {"module": "examples/compute/executor.js"}}
//   the node calls execute(task) and uses the object it returns.
//
// For the node's tests, a job's free-form spec text selects a misbehaviour: "fail" (exit 3 / throw), "sleep"
// (never answers), "garbage" (stdout not JSON / a malformed answer), "retry" (exit 75).
"use strict";
const { createHash } = require("node:crypto");

const sha256 = (...parts) => "0x" + createHash("sha256").update(parts.join("|")).digest("hex");
const specText = (hex) => Buffer.from((hex || "0x").slice(2), "hex").toString("utf8");

function runJob(task) {
  return { result: sha256(task.jobSpec), computeUsed: task.requiredFlops };
}

function runGradient(task) {
  const gradientHash = sha256(task.clusterId, task.generation, task.epoch, task.sequencerId, task.weightsHash);
  const samples = task.shards.reduce((n, s) => n + Number(s.numSamples), 0);
  // a loss that falls with the epochs, scaled to an integer (the coordinator takes integers)
  const loss = Math.floor(1_000_000 / Number(task.epoch)) + samples;
  return { gradientHash, loss: String(loss) };
}

/** The module interface: the node awaits this. */
async function execute(task) {
  const mode = task.kind === "job" ? specText(task.jobSpec) : "";
  if (mode.includes("fail")) throw new Error("the job failed");
  if (mode.includes("sleep")) return new Promise(() => setTimeout(() => undefined, 3_600_000).unref());
  if (mode.includes("garbage")) return { result: "not hex" };
  return task.kind === "job" ? runJob(task) : runGradient(task);
}

module.exports = { execute };

if (require.main === module) {
  let input = "";
  process.stdin.setEncoding("utf8");
  process.stdin.on("data", (chunk) => (input += chunk));
  process.stdin.on("end", () => {
    const task = JSON.parse(input);
    const mode = task.kind === "job" ? specText(task.jobSpec) : "";
    if (mode.includes("retry")) process.exit(75);
    if (mode.includes("fail")) {
      process.stderr.write("the job failed\n");
      process.exit(3);
    }
    if (mode.includes("sleep")) return setTimeout(() => undefined, 3_600_000);
    if (mode.includes("garbage")) return process.stdout.write("this is not JSON\n");
    process.stdout.write(JSON.stringify(task.kind === "job" ? runJob(task) : runGradient(task)) + "\n");
  });
}
