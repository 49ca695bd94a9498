// Builds the dashboard into dashboard/dist/: the TypeScript bundled for browsers by esbuild, with the page and its style.
// Run with `npm run dashboard:build` (which first writes the package's generated modules).
const fs = require("node:fs");
const path = require("node:path");
const esbuild = require("esbuild");

const here = __dirname;
const out = path.join(here, "dist");
fs.rmSync(out, { recursive: true, force: true });
fs.mkdirSync(out, { recursive: true });
esbuild.buildSync({
  entryPoints: [path.join(here, "src", "main.ts")],
  outfile: path.join(out, "dashboard.js"),
  bundle: true,
  platform: "browser",
  format: "iife",
  target: "es2022",
  minify: true,
  sourcemap: true,
  legalComments: "none",
  logLevel: "warning",
});
for (const file of ["index.html", "style.css"]) fs.copyFileSync(path.join(here, file), path.join(out, file));
const size = fs.statSync(path.join(out, "dashboard.js")).size;
console.log(`dashboard: built ${path.relative(process.cwd(), out)} (dashboard.js ${(size / 1024).toFixed(0)} KiB)`);
