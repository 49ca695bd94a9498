import fs from "node:fs";
import path from "node:path";
import type { DeploymentRecord } from "./recordFormat";
import { readDeploymentFile } from "./recordFile";

export * from "./recordFormat";
export { readDeploymentFile } from "./recordFile";

/**
 * Where the records of live chains live: `LP504_DEPLOYMENTS_DIR` if set (tests against throwaway nodes use it),
 * else the package's own `deployments/` (the files dApps read and `npm pack` ships).
 */
export function deploymentsDir(dir?: string): string {
  return dir ?? process.env.LP504_DEPLOYMENTS_DIR ?? packageDeploymentsDir();
}

/** The package's `deployments/`: live chains' records only. */
export function packageDeploymentsDir(): string {
  return path.join(packageRoot(), "deployments");
}

/**
 * Where the records of development nodes live: `LP504_DEPLOYMENTS_DIR` if set, else `deployments/local/`
 * (git-ignored, not packed). A development node may run under a live chain's id (`anvil --chain-id 96369`):
 * its record must never take the place of that chain's `deployments/<chainId>.json`.
 */
export function localDeploymentsDir(): string {
  const dir = process.env.LP504_DEPLOYMENTS_DIR ?? path.join(packageDeploymentsDir(), "local");
  if (path.resolve(dir) === path.resolve(packageDeploymentsDir())) {
    throw new Error(
      `LP504_DEPLOYMENTS_DIR is the package's deployments/ (${dir}), where live chains' records are: a development node's ` +
        "record must go elsewhere (unset it to use deployments/local/)",
    );
  }
  return dir;
}

/** The records directory for a chain: live chains' or development nodes'. */
export function recordsDir(development: boolean): string {
  return development ? localDeploymentsDir() : deploymentsDir();
}

/** The package's root (where package.json is), from the sources or from the built `dist/`. */
function packageRoot(): string {
  let dir = path.join(__dirname, "..");
  while (!fs.existsSync(path.join(dir, "package.json")) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
}

export function deploymentPath(chainId: number | bigint, dir?: string): string {
  return path.join(deploymentsDir(dir), `${chainId}.json`);
}

/** The record for `chainId`, or undefined when the chain has none. */
export function readDeployment(chainId: number | bigint, dir?: string): DeploymentRecord | undefined {
  return readDeploymentFile(deploymentPath(chainId, dir), chainId);
}

export function writeDeployment(record: DeploymentRecord, dir?: string): string {
  const file = deploymentPath(record.chainId, dir);
  if (record.development && path.resolve(path.dirname(file)) === path.resolve(packageDeploymentsDir())) {
    throw new Error(`refusing to write a development node's record to ${file}: that is where live chain ${record.chainId}'s record goes`);
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ ...record, updatedAt: new Date().toISOString() }, null, 2) + "\n");
  fs.renameSync(tmp, file); // atomic: a crash mid-write never leaves half a record
  return file;
}
