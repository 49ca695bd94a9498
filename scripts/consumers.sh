#!/usr/bin/env bash
# The package as its users get it: `npm pack` (which builds dist/cjs and dist/esm), then the tarball installed into
# three throwaway projects and used there:
#   consumers/cjs      CommonJS, `require`
#   consumers/esm-ts   ES modules in TypeScript (module nodenext), type-checked with tsc, then run
#   consumers/browser  bundled by esbuild for the browser (no Node built-ins) and run with browser globals only
# Offline: npm installs the tarball itself; the package's dependencies and peer dependencies (and each project's
# tools) are links to this repository's node_modules, so nothing is fetched. CONSUMERS_TARBALL=<file.tgz> skips the pack.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
MODULES="$(cd node_modules && pwd -P)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
START=$SECONDS

step() { echo; echo "consumers: [$((SECONDS - START)) s] $*"; }

if [ -n "${CONSUMERS_TARBALL:-}" ]; then
  TARBALL="$(cd "$(dirname "$CONSUMERS_TARBALL")" && pwd)/$(basename "$CONSUMERS_TARBALL")" # a tarball packed before
else
  step "npm pack (builds the package)"
  npm pack --silent --pack-destination "$WORK" > "$WORK/pack.log"
  TARBALL="$WORK/$(tail -n 1 "$WORK/pack.log")"
fi
[ -f "$TARBALL" ] || { cat "$WORK/pack.log" 2>/dev/null; echo "consumers: no tarball"; exit 1; }
CONTENTS="$(tar -tzf "$TARBALL")"
for file in package/dist/cjs/index.js package/dist/cjs/node.js package/dist/cjs/package.json package/dist/esm/index.js \
  package/dist/esm/node.d.ts package/dist/esm/package.json; do
  grep -qx "$file" <<< "$CONTENTS" || { echo "consumers: $file is not in the tarball"; exit 1; }
done
if grep -iE "mock|harness|attacker" <<< "$CONTENTS"; then echo "consumers: the tarball ships test contracts (above)"; exit 1; fi
echo "$(basename "$TARBALL"): $(wc -l <<< "$CONTENTS") files, $(du -k "$TARBALL" | cut -f1) KiB"

# Where package $1 is, as `require` looks for it from this repository (NODE_PATH too, for a tool installed elsewhere).
module_dir() {
  (cd "$ROOT" && node -e '
    const fs = require("fs"), path = require("path");
    const dir = require.resolve.paths(process.argv[1]).map((p) => path.join(p, process.argv[1])).find((d) => fs.existsSync(path.join(d, "package.json")));
    if (!dir) { console.error(`consumers: ${process.argv[1]} is not installed (npm ci)`); process.exit(1); }
    console.log(fs.realpathSync(dir));' "$1")
}

link() { # link <project dir> <package>: the package from this repository's node_modules
  local target
  target="$(module_dir "$2")"
  mkdir -p "$1/node_modules/$(dirname "$2")"
  ln -s "$target" "$1/node_modules/$2"
}

# install <consumer> <tool>...: a copy of the consumer project with the tarball installed, and the tools it runs.
install() {
  local name="$1" dir="$WORK/$1" dep tool
  shift
  cp -R "consumers/$name" "$dir"
  # The package's dependencies and peer dependencies are there before npm runs, so it fetches nothing.
  for dep in $(tar -xzOf "$TARBALL" package/package.json | node -e '
    const p = JSON.parse(require("fs").readFileSync(0, "utf8"));
    console.log(Object.keys({ ...p.dependencies, ...p.peerDependencies }).join(" "));'); do
    link "$dir" "$dep"
  done
  (cd "$dir" && npm install "$TARBALL" --offline --no-save --no-package-lock --ignore-scripts --no-audit --no-fund --loglevel=error > /dev/null)
  [ -f "$dir/node_modules/lp504-sequencer-registry/package.json" ] || { echo "consumers: $name: the tarball did not install"; exit 1; }
  for tool in "$@"; do link "$dir" "$tool"; done # after npm, which prunes what no package.json names
}

step "CommonJS (require)"
install cjs
(cd "$WORK/cjs" && node index.js)

step "ES modules in TypeScript (module nodenext): tsc, then node"
install esm-ts @types/node
(cd "$WORK/esm-ts" && node "$MODULES/typescript/bin/tsc" -p . && node build/index.js)

step "browser bundle (esbuild, platform browser)"
install browser esbuild
(cd "$WORK/browser" && node bundle.cjs)

echo
echo "consumers: all three used the tarball in $((SECONDS - START)) s"
echo "consumers: 3 passed, 0 failed"
