/**
 * lp504-sequencer-registry/node: deployment records read from files, for Node (scripts, operators' tooling, tests
 * against a local node). The package's root entry holds everything else and the live chains' records; it runs in
 * browsers and this one does not.
 *
 *   import { readDeployment } from "lp504-sequencer-registry/node";
 *   const record = readDeployment(chainId, "deployments/local"); // what `lp504 deploy` wrote for a local node
 */
import path from "node:path";
import { getDeployment } from "./index";
import type { DeploymentRecord } from "./deploy/recordFormat";
import { readDeploymentFile } from "./deploy/recordFile";

export { readDeploymentFile };

/** Where `readDeployment` looks: `dir`, else `LP504_DEPLOYMENTS_DIR`; undefined when neither is set. */
export function deploymentsDir(dir?: string): string | undefined {
  return dir ?? process.env.LP504_DEPLOYMENTS_DIR;
}

/** `<dir>/<chainId>.json`, with `dir` as `deploymentsDir` says; undefined when no directory is set. */
export function deploymentPath(chainId: number | bigint, dir?: string): string | undefined {
  const base = deploymentsDir(dir);
  return base === undefined ? undefined : path.join(base, `${chainId}.json`);
}

/**
 * The record of `chainId` in `dir` (default `LP504_DEPLOYMENTS_DIR`), checked for format and chain; with neither,
 * the package's own record (`getDeployment`). Undefined when there is none.
 */
export function readDeployment(chainId: number | bigint, dir?: string): DeploymentRecord | undefined {
  const file = deploymentPath(chainId, dir);
  return file === undefined ? getDeployment(chainId) : readDeploymentFile(file, chainId);
}
