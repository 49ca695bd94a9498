import fs from "node:fs";
import path from "node:path";
import { lp504 } from "./lp504";
import { CONTRACT_NAMES, packageDeploymentsDir, readDeploymentFile, type DeploymentRecord } from "../deploy/record";

/** EIP-170: the deployed code of a contract may not exceed 24,576 bytes on Lux C-Chain (or any EVM chain). */
export const MAX_DEPLOYED_SIZE = 24_576;
/** Room every deployed contract of the suite keeps for the next feature: 1.5 KiB. */
export const MIN_HEADROOM = 1_536;

/**
 * Errors and events declared in `contracts/` (mocks aside) that no `revert` or `emit` there uses: a declared
 * error is part of the ABI a client decodes, so an unused one promises a failure that cannot happen.
 */
export function unusedDeclarations(root: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== "mocks") walk(full);
      } else if (entry.name.endsWith(".sol")) files.push(full);
    }
  };
  walk(path.join(root, "contracts"));
  const sources = files.map((f) =>
    fs
      .readFileSync(f, "utf8")
      .replace(/\/\/.*$/gm, "")
      .replace(/\/\*[\s\S]*?\*\//g, ""),
  );
  const all = sources.join("\n");
  const unused: string[] = [];
  for (const [kind, verb] of [
    ["error", "revert"],
    ["event", "emit"],
  ] as const) {
    for (const m of all.matchAll(new RegExp(`\\b${kind}\\s+([A-Za-z0-9_]+)\\s*\\(`, "g"))) {
      const used = new RegExp(`\\b${verb}\\s+(?:[A-Za-z0-9_]+\\.)?${m[1]}\\s*\\(`).test(all);
      if (!used) unused.push(`${kind} ${m[1]}`);
    }
  }
  return [...new Set(unused)];
}

lp504
  .task(
    "size",
    "Prints deployed bytecode sizes; fails above 24 KiB, with under 1.5 KiB of headroom in a deployed contract, on a declared but unused error or event, or on any compiler warning",
  )
  .setAction(async (_args, hre) => {
    await hre.run("compile", { quiet: true });
    const names = await hre.artifacts.getAllFullyQualifiedNames();
    let failed = false;
    const suite = new Set<string>(CONTRACT_NAMES);
    const tight: string[] = [];
    const rows: { contract: string; bytes: number; headroom: number }[] = [];
    for (const fqn of names) {
      if (!fqn.startsWith("contracts/") || fqn.startsWith("contracts/interfaces/")) continue;
      const artifact = await hre.artifacts.readArtifact(fqn);
      const bytes = (artifact.deployedBytecode.length - 2) / 2;
      if (bytes === 0) continue;
      rows.push({ contract: fqn.split(":")[1], bytes, headroom: MAX_DEPLOYED_SIZE - bytes });
      if (bytes > MAX_DEPLOYED_SIZE) failed = true;
      const name = fqn.split(":")[1];
      if (suite.has(name) && MAX_DEPLOYED_SIZE - bytes < MIN_HEADROOM) tight.push(`${name} (${MAX_DEPLOYED_SIZE - bytes} bytes)`);
    }
    console.table(rows);
    if (failed) throw new Error(`a contract exceeds ${MAX_DEPLOYED_SIZE} bytes`);
    if (tight.length) throw new Error(`less than ${MIN_HEADROOM} bytes of headroom under 24 KiB: ${tight.join(", ")}`);
    const unused = unusedDeclarations(hre.config.paths.root);
    if (unused.length) throw new Error(`declared but never raised or emitted: ${unused.join(", ")}`);

    // Compiler warnings fail the build too: every build-info kept for the current artifacts holds its solc
    // output, warnings included (also when this run compiled nothing).
    const warnings: string[] = [];
    const dir = path.join(hre.config.paths.artifacts, "build-info");
    for (const file of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
      const info = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) as {
        output: { errors?: { severity: string; formattedMessage: string; sourceLocation?: { file: string } }[] };
      };
      for (const e of info.output.errors ?? []) {
        if (e.severity === "warning" && (e.sourceLocation?.file ?? "contracts/").startsWith("contracts/"))
          warnings.push(e.formattedMessage);
      }
    }
    if (warnings.length) throw new Error(`${warnings.length} compiler warning(s):\n${warnings.join("\n")}`);
    console.log("No compiler warnings.");
  });

/**
 * The records the package compiles in: every `<chainId>.json` of `dir`, checked for format and chain, except
 * development nodes' records.
 */
export function packageRecords(dir: string): Record<string, DeploymentRecord> {
  const records: Record<string, DeploymentRecord> = {};
  for (const file of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
    const chainId = /^(\d+)\.json$/.exec(file)?.[1];
    if (!chainId) continue;
    const record = readDeploymentFile(path.join(dir, file), BigInt(chainId))!;
    if (!record.development) records[chainId] = record;
  }
  return records;
}

/** The contracts whose ABIs the package exports: the suite (with its linked libraries) and its interfaces. */
const EXPORTED = [
  ...CONTRACT_NAMES,
  "ISequencerRegistry",
  "ISequencerSelection",
  "IMEVMitigation",
  "IPerformanceMonitor",
  "IAIWorkloadScheduler",
  "ITrainingCoordination",
  "IRandomnessSource",
  "ISelectionModule",
];

lp504
  .task(
    "abis",
    "Writes the package's generated modules: generated/abis.ts (every exported contract's ABI `as const`), generated/contracts.ts " +
      "(the TypeChain types and factories of contracts/, mocks excluded) and generated/deployments.ts (deployments/*.json)",
  )
  .setAction(async (_args, hre) => {
    await hre.run("compile", { quiet: true });
    const dir = path.join(hre.config.paths.root, "generated");
    fs.mkdirSync(dir, { recursive: true });

    const abis = ["// Generated by `npx hardhat lp504 abis` from the compiled artifacts. Do not edit.", "export const abis = {"];
    for (const name of EXPORTED) {
      const { abi } = await hre.artifacts.readArtifact(name);
      abis.push(`  ${name}: ${JSON.stringify(abi)},`);
    }
    abis.push("} as const;", "");
    fs.writeFileSync(path.join(dir, "abis.ts"), abis.join("\n"));

    // TypeChain's own index also exports the mocks, the test harnesses and every dependency's contracts: keep contracts/ only.
    const typechainIndex = fs.readFileSync(path.join(hre.config.paths.root, hre.config.typechain.outDir, "index.ts"), "utf8");
    const contracts = typechainIndex
      .split("\n")
      .filter((line) => /^export (type )?\{ \w+ \} from "\.\/(factories\/)?contracts\//.test(line) && !line.includes("/mocks/"))
      .map((line) => line.replace(' from "./', ` from "../${hre.config.typechain.outDir}/`));
    if (!contracts.some((line) => line.includes("SequencerRegistry__factory")))
      throw new Error("TypeChain's index has no SequencerRegistry__factory");
    fs.writeFileSync(
      path.join(dir, "contracts.ts"),
      [
        "// Generated by `npx hardhat lp504 abis` from TypeChain's index: contracts/ without contracts/mocks/. Do not edit.",
        ...contracts,
        "",
      ].join("\n"),
    );

    // The live chains' records, compiled into the package so that a browser needs no file access to find the suite.
    const records = packageRecords(packageDeploymentsDir());
    fs.writeFileSync(
      path.join(dir, "deployments.ts"),
      [
        "// Generated by `npx hardhat lp504 abis` from deployments/<chainId>.json (development nodes' records excluded). Do not edit.",
        'import type { DeploymentRecord } from "../deploy/recordFormat";',
        "",
        `export const deploymentRecords: Readonly<Record<string, DeploymentRecord>> = ${JSON.stringify(records, null, 2)};`,
        "",
      ].join("\n"),
    );
  });
