/**
 * The contract reference: `docs/reference/<Interface>.md` for each interface in contracts/interfaces/ and an index
 * `docs/reference/README.md` with the pins a Solidity user must match, all written from the compiler's own output
 * (the NatSpec in each contract's metadata, its ABI) that Hardhat keeps in artifacts/build-info.
 *
 *   npm run docs     (hardhat run compiles first, then writes docs/reference/)
 *
 * test/NatSpec.test.ts calls the same functions to check that every function of the public API is documented and
 * that docs/reference/ is what this script writes now.
 */
import fs from "node:fs";
import path from "node:path";
import { ErrorFragment, EventFragment, Fragment, FunctionFragment } from "ethers";
import * as prettier from "prettier";
import type { HardhatRuntimeEnvironment, SolcUserConfig } from "hardhat/types";

/** Where the public API lives, relative to the project root. */
export const INTERFACES_DIR = "contracts/interfaces";
/** Where the reference is written, relative to the project root. */
export const REFERENCE_DIR = "docs/reference";
/** The Solidity packages whose versions a user building against these contracts must match. */
export const SOLIDITY_PACKAGES = ["@openzeppelin/contracts", "@chainlink/contracts"];

interface ParamDoc {
  [name: string]: string;
}
interface MethodDevdoc {
  details?: string;
  params?: ParamDoc;
  returns?: ParamDoc;
}
interface Devdoc {
  title?: string;
  details?: string;
  methods?: Record<string, MethodDevdoc>;
  events?: Record<string, MethodDevdoc>;
  errors?: Record<string, MethodDevdoc[]>;
}
interface Userdoc {
  notice?: string;
  methods?: Record<string, { notice?: string }>;
  events?: Record<string, { notice?: string }>;
  errors?: Record<string, { notice?: string }[]>;
}
interface AbiParam {
  name: string;
  type: string;
  internalType?: string;
  indexed?: boolean;
  components?: AbiParam[];
}
interface AbiItem {
  type: string;
  name?: string;
  inputs?: AbiParam[];
  outputs?: AbiParam[];
  stateMutability?: string;
}

/** One interface as the compiler saw it. */
export interface InterfaceDoc {
  name: string;
  source: string;
  /** The source file's `pragma solidity` range. */
  pragma: string;
  abi: AbiItem[];
  devdoc: Devdoc;
  userdoc: Userdoc;
  /** Canonical signatures of the interface's functions, events and errors, in source order. */
  order: string[];
}

/** The settings a Solidity user must match. */
export interface Pins {
  solc: string;
  evmVersion: string;
  optimizer: string;
  viaIR: boolean;
  bytecodeHash: string;
  packages: { name: string; version: string }[];
}

interface AstNode {
  nodeType: string;
  name?: string;
  contractKind?: string;
  nodes?: AstNode[];
  functionSelector?: string;
  eventSelector?: string;
  errorSelector?: string;
}

interface BuildInfo {
  input: { sources: Record<string, { content: string }> };
  output: {
    contracts: Record<string, Record<string, { abi: AbiItem[]; metadata: string }>>;
    sources: Record<string, { ast: AstNode }>;
  };
}

/** Every interface of contracts/interfaces/*.sol from the build info its artifact points at, sorted by name. */
export function loadInterfaces(artifactsDir: string): InterfaceDoc[] {
  const dir = path.join(artifactsDir, INTERFACES_DIR);
  if (!fs.existsSync(dir)) throw new Error(`No compiled interfaces in ${dir}: run \`npx hardhat compile\` first`);
  const buildInfos = new Map<string, BuildInfo>();
  const docs: InterfaceDoc[] = [];
  for (const file of fs.readdirSync(dir).sort()) {
    const source = `${INTERFACES_DIR}/${file}`;
    for (const dbg of fs.readdirSync(path.join(dir, file)).filter((f) => f.endsWith(".dbg.json"))) {
      const name = dbg.slice(0, -".dbg.json".length);
      const dbgPath = path.join(dir, file, dbg);
      const buildInfoPath = path.resolve(path.dirname(dbgPath), JSON.parse(fs.readFileSync(dbgPath, "utf8")).buildInfo);
      let buildInfo = buildInfos.get(buildInfoPath);
      if (!buildInfo) {
        buildInfo = JSON.parse(fs.readFileSync(buildInfoPath, "utf8")) as BuildInfo;
        buildInfos.set(buildInfoPath, buildInfo);
      }
      const contract = buildInfo.output.contracts[source]?.[name];
      if (!contract) throw new Error(`${buildInfoPath} has no ${source}:${name}: run \`npx hardhat compile --force\``);
      const metadata = JSON.parse(contract.metadata) as { output: { devdoc: Devdoc; userdoc: Userdoc } };
      const pragma = /pragma solidity ([^;]+);/.exec(buildInfo.input.sources[source].content);
      docs.push({
        name,
        source,
        pragma: pragma ? pragma[1].trim() : "",
        abi: contract.abi,
        devdoc: metadata.output.devdoc,
        userdoc: metadata.output.userdoc,
        order: sourceOrder(buildInfo.output.sources[source].ast, name, contract.abi),
      });
    }
  }
  return docs.sort((a, b) => a.name.localeCompare(b.name));
}

/** The canonical signatures of `abi`'s members in the order the source declares them (the AST's order). */
function sourceOrder(ast: AstNode, name: string, abi: AbiItem[]): string[] {
  const definition = ast.nodes?.find((n) => n.nodeType === "ContractDefinition" && n.name === name);
  const bySelector = new Map<string, string>();
  for (const item of abi) {
    const fragment = Fragment.from(item);
    if (fragment instanceof FunctionFragment) bySelector.set(fragment.selector.slice(2), signature(item));
    else if (fragment instanceof EventFragment) bySelector.set(fragment.topicHash.slice(2), signature(item));
    else if (fragment instanceof ErrorFragment) bySelector.set(fragment.selector.slice(2), signature(item));
  }
  const order: string[] = [];
  for (const node of definition?.nodes ?? []) {
    const selector = (node.functionSelector ?? node.eventSelector ?? node.errorSelector ?? "").replace(/^0x/, "");
    const sig = bySelector.get(selector);
    if (sig && !order.includes(sig)) order.push(sig);
  }
  // Members the AST does not list (none today) go last, in ABI order.
  for (const sig of bySelector.values()) if (!order.includes(sig)) order.push(sig);
  return order;
}

/** The canonical signature the compiler keys NatSpec by: `name(type,...)` with tuples spelled out. */
export function signature(item: AbiItem): string {
  return Fragment.from(item).format("sighash");
}

/** Solidity's name for a parameter's type (`ISequencerRegistry.SequencerInfo`, not `tuple`). */
function typeName(param: AbiParam): string {
  return (param.internalType ?? param.type).replace(/^(struct|enum|contract) /, "");
}

/** The undocumented parts of every function (and event) of `docs`, one line each; empty when complete. */
export function natspecGaps(docs: InterfaceDoc[]): string[] {
  const gaps: string[] = [];
  for (const doc of docs) {
    for (const item of doc.abi) {
      const sig = signature(item);
      const where = `${doc.name}.${sig}`;
      if (item.type === "function") {
        const dev = doc.devdoc.methods?.[sig] ?? {};
        if (!doc.userdoc.methods?.[sig]?.notice?.trim()) gaps.push(`${where}: no @notice`);
        (item.inputs ?? []).forEach((input, i) => {
          if (!input.name) gaps.push(`${where}: parameter ${i} has no name (and so no @param)`);
          else if (!dev.params?.[input.name]?.trim()) gaps.push(`${where}: no @param ${input.name}`);
        });
        (item.outputs ?? []).forEach((output, i) => {
          const key = output.name || `_${i}`;
          if (!dev.returns?.[key]?.trim()) gaps.push(`${where}: no @return for return value ${i}${output.name ? ` (${output.name})` : ""}`);
        });
      } else if (item.type === "event") {
        if (!doc.userdoc.events?.[sig]?.notice?.trim()) gaps.push(`${where}: event has no @notice`);
      }
    }
  }
  return gaps;
}

/**
 * The pins a Solidity user must match, read from package.json and from hardhat.config.ts as written (Hardhat's user
 * config, not the resolved one, which plugins such as solidity-coverage rewrite while they run).
 */
export function readPins(hre: HardhatRuntimeEnvironment): Pins {
  const solidity = hre.userConfig.solidity;
  const compilers: SolcUserConfig[] =
    solidity === undefined
      ? []
      : typeof solidity === "string"
        ? [{ version: solidity }]
        : "compilers" in solidity
          ? solidity.compilers
          : [solidity];
  const overrides = solidity !== undefined && typeof solidity === "object" && "overrides" in solidity ? (solidity.overrides ?? {}) : {};
  if (compilers.length !== 1 || Object.keys(overrides).length > 0) {
    throw new Error("The reference's pins assume one compiler configuration for every contract (hardhat.config.ts has none or several)");
  }
  const { version } = compilers[0];
  const settings = (compilers[0].settings ?? {}) as {
    evmVersion?: string;
    optimizer?: { enabled?: boolean; runs?: number };
    viaIR?: boolean;
    metadata?: { bytecodeHash?: string };
  };
  const optimizer = settings.optimizer ?? {};
  const packageJson = JSON.parse(fs.readFileSync(path.join(hre.config.paths.root, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const packages = SOLIDITY_PACKAGES.map((name) => {
    const declared = packageJson.dependencies?.[name] ?? packageJson.devDependencies?.[name];
    if (!declared) throw new Error(`package.json does not list ${name}`);
    return { name, version: declared };
  });
  return {
    solc: version,
    evmVersion: settings.evmVersion ?? "the compiler's default",
    optimizer: optimizer.enabled ? `enabled, ${optimizer.runs ?? 200} runs` : "disabled",
    viaIR: Boolean(settings.viaIR),
    bytecodeHash: settings.metadata?.bytecodeHash ?? "ipfs",
    packages,
  };
}

/** NatSpec's cross-references (`{registerSequencer}`, `{ISealedAuction-commitBid}`) as code spans. */
function prose(text: string | undefined): string {
  return (text ?? "").replace(/\{([A-Za-z_][\w.-]*)\}/g, "`$1`");
}

/** Makes NatSpec text safe for one Markdown table cell. */
function cell(text: string | undefined): string {
  return prose(text).replace(/\s+/g, " ").replace(/\|/g, "\\|").trim();
}

function paramsTable(header: string, params: AbiParam[], docs: ParamDoc | undefined, keyOf: (p: AbiParam, i: number) => string): string[] {
  if (params.length === 0) return [];
  const lines = [`| ${header} | Type | Description |`, "| --- | --- | --- |"];
  params.forEach((param, i) => {
    lines.push(`| ${param.name ? `\`${param.name}\`` : `(${i})`} | \`${typeName(param)}\` | ${cell(docs?.[keyOf(param, i)])} |`);
  });
  return [...lines, ""];
}

function declaration(keyword: string, item: AbiItem): string {
  const params = (list: AbiParam[] | undefined) =>
    (list ?? []).map((p) => [typeName(p), p.indexed ? "indexed" : "", p.name].filter(Boolean).join(" ")).join(", ");
  let text = `${keyword} ${item.name}(${params(item.inputs)})`;
  if (item.type === "function") {
    text += " external";
    if (item.stateMutability && item.stateMutability !== "nonpayable") text += ` ${item.stateMutability}`;
    if (item.outputs && item.outputs.length > 0) text += ` returns (${params(item.outputs)})`;
  }
  return `${text};`;
}

/** The Markdown page of one interface. */
export function renderInterface(doc: InterfaceDoc): string {
  const bySignature = new Map(doc.abi.filter((i) => i.type !== "constructor").map((item) => [signature(item), item]));
  const members = doc.order.map((sig) => ({ sig, item: bySignature.get(sig)! }));
  const lines = [
    `# ${doc.name}`,
    "",
    `Source: \`${doc.source}\` (\`pragma solidity ${doc.pragma};\`). Generated by \`npm run docs\` from the compiler's NatSpec; do not edit.`,
    "",
  ];
  if (doc.userdoc.notice) lines.push(prose(doc.userdoc.notice), "");
  if (doc.devdoc.details) lines.push(prose(doc.devdoc.details), "");

  const functions = members.filter((m) => m.item.type === "function");
  if (functions.length > 0) {
    lines.push("## Functions", "");
    for (const { sig, item } of functions) {
      const dev = doc.devdoc.methods?.[sig] ?? {};
      lines.push(`### ${item.name}`, "", "```solidity", declaration("function", item), "```", "");
      lines.push(`Selector \`${FunctionFragment.from(item).selector}\`.`, "");
      if (doc.userdoc.methods?.[sig]?.notice) lines.push(prose(doc.userdoc.methods[sig].notice), "");
      if (dev.details) lines.push(prose(dev.details), "");
      lines.push(...paramsTable("Parameter", item.inputs ?? [], dev.params, (p) => p.name));
      lines.push(...paramsTable("Returns", item.outputs ?? [], dev.returns, (p, i) => p.name || `_${i}`));
    }
  }

  const events = members.filter((m) => m.item.type === "event");
  if (events.length > 0) {
    lines.push("## Events", "");
    for (const { sig, item } of events) {
      const dev = doc.devdoc.events?.[sig] ?? {};
      lines.push(`### ${item.name}`, "", "```solidity", declaration("event", item), "```", "");
      lines.push(`Topic \`${EventFragment.from(item).topicHash}\`.`, "");
      if (doc.userdoc.events?.[sig]?.notice) lines.push(prose(doc.userdoc.events[sig].notice), "");
      if (dev.details) lines.push(prose(dev.details), "");
      lines.push(...paramsTable("Parameter", item.inputs ?? [], dev.params, (p) => p.name));
    }
  }

  const errors = members.filter((m) => m.item.type === "error");
  if (errors.length > 0) {
    lines.push("## Errors", "", "| Error | Selector | Description |", "| --- | --- | --- |");
    for (const { sig, item } of errors) {
      const notices = [
        ...(doc.userdoc.errors?.[sig] ?? []).map((e) => e.notice),
        ...(doc.devdoc.errors?.[sig] ?? []).map((e) => e.details),
      ];
      const text = notices.filter(Boolean).join(" ");
      lines.push(
        `| \`${declaration("error", item).slice("error ".length, -1)}\` | \`${ErrorFragment.from(item).selector}\` | ${cell(text)} |`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}

/** The index page: every interface with its one-line summary, and the pins. */
export function renderIndex(docs: InterfaceDoc[], pins: Pins): string {
  const lines = [
    "# Contract reference",
    "",
    "The public API of the LP-504 contracts: the interfaces in `contracts/interfaces/`, one page each, generated by",
    "`npm run docs` (scripts/docgen.ts) from the NatSpec and ABI in the compiler's output; do not edit these pages.",
    "`test/NatSpec.test.ts` fails when a function lacks its documentation or when these pages are out of date.",
    "Declarations are shown as the ABI gives them (struct and enum names, no data locations), with each function's",
    "selector, each event's topic 0 and each error's selector, as indexers and revert decoders match them.",
    "",
    "| Interface | Source | Functions | Events | Errors | Summary |",
    "| --- | --- | --- | --- | --- | --- |",
  ];
  for (const doc of docs) {
    const count = (type: string) => doc.abi.filter((i) => i.type === type).length;
    const summary = cell((doc.userdoc.notice ?? "").split(/(?<=\.)\s/)[0]);
    lines.push(
      `| [${doc.name}](${doc.name}.md) | \`${doc.source}\` | ${count("function")} | ${count("event")} | ${count("error")} | ${summary} |`,
    );
  }
  lines.push(
    "",
    "## Pins for Solidity users",
    "",
    "The deployed bytecode and the ABIs above come from these settings (read from `hardhat.config.ts` and",
    "`package.json`): reproducing or verifying a deployment takes exactly these, and a project that compiles these",
    "contracts alongside its own must resolve the same OpenZeppelin and Chainlink versions. A contract that only",
    "imports an interface needs a compiler its pragma accepts (below).",
    "",
    "| Setting | Value |",
    "| --- | --- |",
    `| solc | \`${pins.solc}\` |`,
    `| EVM version | \`${pins.evmVersion}\` |`,
    `| Optimizer | ${pins.optimizer} |`,
    `| via IR | ${pins.viaIR ? "yes" : "no"} |`,
    `| Metadata hash | \`${pins.bytecodeHash}\` |`,
    ...pins.packages.map((p) => `| \`${p.name}\` | \`${p.version}\` |`),
    "",
    "Interface pragmas: " + docs.map((d) => `${d.name} \`${d.pragma}\``).join(", ") + ".",
    "",
  );
  return lines.join("\n");
}

/**
 * Every file of docs/reference/ (name → content) as the compiler output in `hre`'s artifacts gives it now, formatted
 * by Prettier with the project's configuration (so `prettier --check .` passes on the committed pages).
 */
export async function generateReference(hre: HardhatRuntimeEnvironment): Promise<Map<string, string>> {
  const docs = loadInterfaces(hre.config.paths.artifacts);
  const dir = path.join(hre.config.paths.root, REFERENCE_DIR);
  const pages: [string, string][] = docs.map((doc) => [`${doc.name}.md`, renderInterface(doc)]);
  pages.push(["README.md", renderIndex(docs, readPins(hre))]);
  const files = new Map<string, string>();
  for (const [name, markdown] of pages) {
    const filepath = path.join(dir, name);
    const options = (await prettier.resolveConfig(filepath)) ?? {};
    files.set(name, await prettier.format(markdown, { ...options, filepath }));
  }
  return files;
}

async function main(): Promise<void> {
  const hre = (await import("hardhat")).default;
  const files = await generateReference(hre);
  const dir = path.join(hre.config.paths.root, REFERENCE_DIR);
  fs.mkdirSync(dir, { recursive: true });
  for (const stale of fs.readdirSync(dir)) if (!files.has(stale)) fs.rmSync(path.join(dir, stale));
  for (const [name, content] of files) fs.writeFileSync(path.join(dir, name), content);
  console.log(`Wrote ${files.size} files to ${REFERENCE_DIR}/`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  });
}
