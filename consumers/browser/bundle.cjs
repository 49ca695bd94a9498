// Bundles app.js for the browser with esbuild and runs the bundle in a context holding only browser globals; then
// checks that the Node-only subpath does not bundle for the browser (so the first check would have caught a Node
// import in the root entry).
const assert = require("node:assert/strict");
const path = require("node:path");
const vm = require("node:vm");
const esbuild = require("esbuild");

const options = { bundle: true, platform: "browser", format: "iife", write: false, metafile: true, logLevel: "silent" };

async function main() {
  const result = await esbuild.build({ ...options, entryPoints: [path.join(__dirname, "app.js")] });
  const inputs = Object.keys(result.metafile.inputs);
  assert.deepEqual(
    inputs.filter((input) => /^node:|(^|\/)node_modules\/@types\/node\//.test(input)),
    [],
  );
  assert.ok(
    inputs.some((input) => input.includes("lp504-sequencer-registry/dist/esm/index.js")),
    "the bundle uses the ES module build",
  );
  const code = result.outputFiles[0].text;

  // A fresh realm with the browser globals the bundle may use, and neither `require`, `process`, nor `Buffer`.
  // TextEncoder and TextDecoder are the host's, wrapped so that they take and return this realm's Uint8Arrays.
  const host = { encoder: new TextEncoder(), decoder: new TextDecoder(), crypto: globalThis.crypto };
  const context = vm.createContext({ console, host, URL, setTimeout, clearTimeout });
  vm.runInContext(
    `((host) => {
     globalThis.window = globalThis;
     globalThis.TextEncoder = class TextEncoder { encode(s = "") { return new Uint8Array(host.encoder.encode(s)); } };
     globalThis.TextDecoder = class TextDecoder { decode(b) { return b === undefined ? "" : host.decoder.decode(Uint8Array.from(b)); } };
     globalThis.crypto = { getRandomValues: (a) => { a.set(host.crypto.getRandomValues(new Uint8Array(a.length))); return a; } };
     })(globalThis.host);
     delete globalThis.host;`,
    context,
  );
  vm.runInContext(code, context, { filename: "bundle.js" });
  assert.equal(context.consumerResult, "browser consumer: ok");

  const nodeOnly = await esbuild
    .build({ ...options, stdin: { contents: 'import "lp504-sequencer-registry/node";', resolveDir: __dirname } })
    .then(
      () => undefined,
      (error) => error,
    );
  assert.ok(nodeOnly, "the Node-only subpath must not bundle for the browser");
  assert.match(nodeOnly.errors.map((e) => e.text).join("\n"), /node:(fs|path)/);

  console.log(`${context.consumerResult} (bundle ${(code.length / 1024).toFixed(0)} KiB, ${inputs.length} modules, no Node built-ins)`);
}

main().catch((error) => {
  // esbuild's errors name the import that does not bundle, e.g. `Could not resolve "node:fs"` and the file importing it
  const messages = (error.errors ?? []).map((e) => `${e.location ? `${e.location.file}:${e.location.line}: ` : ""}${e.text}`);
  console.error(messages.length ? `browser consumer: the bundle failed:\n${messages.join("\n")}` : error);
  process.exit(1);
});
