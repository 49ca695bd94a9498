import fs from "node:fs";
import path from "node:path";

export interface StorageLayout {
  storage: { label: string; slot: string; offset: number; type: string }[];
  types: Record<string, { label: string; members?: { label: string; slot: string; offset: number; type: string }[] }>;
}

/**
 * A contract's storage layout as the compiler reported it for the current artifact: read from the build info
 * the artifact's `.dbg.json` points at (older build infos of earlier compilations may still be on disk).
 */
export function storageLayoutOf(source: string, contract: string): StorageLayout {
  const artifacts = path.join(__dirname, "..", "..", "artifacts");
  const dbg = JSON.parse(fs.readFileSync(path.join(artifacts, source, `${contract}.dbg.json`), "utf8")) as { buildInfo: string };
  const info = JSON.parse(fs.readFileSync(path.resolve(path.join(artifacts, source), dbg.buildInfo), "utf8"));
  const layout = info.output.contracts?.[source]?.[contract]?.storageLayout as StorageLayout | undefined;
  if (!layout) throw new Error(`no storage layout for ${contract} in its build info (hardhat.config.ts outputSelection)`);
  return layout;
}
