#!/usr/bin/env node
/**
 * `npm run build` (after `lp504 abis`): the package's two builds from the same sources, one per module system.
 *
 *   dist/cjs/  CommonJS (`require`), with its own package.json {"type": "commonjs"}
 *   dist/esm/  ES modules (`import`), with {"type": "module"}; its relative specifiers are made full paths
 *              ("./sdk" → "./sdk/index.js"), as Node's ES module loader requires, in the .js and the .d.ts files
 *
 * Each build carries its own declarations, so `exports` gives `types` per condition (package.json).
 */
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const dist = path.join(root, "dist");
const tsc = path.join(root, "node_modules", "typescript", "bin", "tsc");
const SPECIFIER = /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(["'])(\.\.?\/[^"']*|\.\.?)\2/g;

/** `tsc -p config`, resolving when it succeeds. */
function compile(config) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, "-p", path.join(root, config)], { stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`tsc -p ${config} exited with ${code}`))));
  });
}

/** `specifier` (relative to `dir`) as the file ES modules load: `./x` → `./x.js`, `./dir` → `./dir/index.js`. */
function fullySpecified(dir, specifier, where) {
  if (/\.(c|m)?js$|\.json$/.test(specifier)) return specifier;
  if (fs.existsSync(path.join(dir, `${specifier}.js`))) return `${specifier}.js`;
  if (fs.existsSync(path.join(dir, specifier, "index.js"))) return `${specifier.replace(/\/$/, "")}/index.js`;
  throw new Error(`${where}: cannot resolve "${specifier}" to a file of the ES module build`);
}

/** Rewrites every relative specifier of the .js and .d.ts files under `dir`; returns how many files changed. */
function fullySpecifyAll(dir) {
  let rewritten = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) rewritten += fullySpecifyAll(file);
    else if (/\.(js|d\.ts)$/.test(entry.name)) {
      const source = fs.readFileSync(file, "utf8");
      const out = source.replace(SPECIFIER, (_m, lead, quote, spec) => `${lead}${quote}${fullySpecified(dir, spec, file)}${quote}`);
      if (out !== source) {
        fs.writeFileSync(file, out);
        rewritten += 1;
      }
    }
  }
  return rewritten;
}

async function main() {
  fs.rmSync(dist, { recursive: true, force: true });
  await Promise.all([compile("tsconfig.build.json"), compile("tsconfig.build.esm.json")]); // one per core
  fs.writeFileSync(path.join(dist, "cjs", "package.json"), JSON.stringify({ type: "commonjs" }, null, 2) + "\n");
  fs.writeFileSync(path.join(dist, "esm", "package.json"), JSON.stringify({ type: "module" }, null, 2) + "\n");
  const rewritten = fullySpecifyAll(path.join(dist, "esm"));
  console.log(`Built dist/cjs and dist/esm (${rewritten} ES module files with full relative specifiers).`);
}

main().catch((error) => {
  console.error(error.message);
  process.exit(1);
});
