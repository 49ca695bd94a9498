import fs from "node:fs";
import { checkDeploymentRecord, type DeploymentRecord } from "./recordFormat";

/** The record of `chainId` in `file`, or undefined when there is no such file. Node only. */
export function readDeploymentFile(file: string, chainId: number | bigint): DeploymentRecord | undefined {
  if (!fs.existsSync(file)) return undefined;
  return checkDeploymentRecord(JSON.parse(fs.readFileSync(file, "utf8")), chainId, file);
}
