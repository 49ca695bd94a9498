#!/usr/bin/env node
// Launcher of lp504-node (node/cli.ts): runs the TypeScript through ts-node, from a checkout of the repository.
const fs = require("node:fs");
const path = require("node:path");
const cli = path.join(__dirname, "..", "node", "cli.ts");
let tsNode;
try {
  tsNode = require("ts-node");
} catch {
  tsNode = undefined;
}
if (!fs.existsSync(cli) || tsNode === undefined) {
  console.error("lp504-node runs from a checkout of the repository with its development dependencies (docs/NODE.md)");
  process.exit(1);
}
tsNode.register({ transpileOnly: true, project: path.join(__dirname, "..", "tsconfig.json") });
require(cli).cliMain(process.argv.slice(2));
