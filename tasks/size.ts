import { lp504 } from "./lp504";

/** EIP-170: the deployed code of a contract may not exceed 24,576 bytes on Lux C-Chain (or any EVM chain). */
export const MAX_DEPLOYED_SIZE = 24_576;

lp504
  .task("size", "Prints deployed bytecode sizes of the project's contracts; fails above 24 KiB")
  .setAction(async (_args, hre) => {
    await hre.run("compile", { quiet: true });
    const names = await hre.artifacts.getAllFullyQualifiedNames();
    let failed = false;
    const rows: { contract: string; bytes: number; headroom: number }[] = [];
    for (const fqn of names) {
      if (!fqn.startsWith("contracts/") || fqn.startsWith("contracts/interfaces/")) continue;
      const artifact = await hre.artifacts.readArtifact(fqn);
      const bytes = (artifact.deployedBytecode.length - 2) / 2;
      if (bytes === 0) continue;
      rows.push({ contract: fqn.split(":")[1], bytes, headroom: MAX_DEPLOYED_SIZE - bytes });
      if (bytes > MAX_DEPLOYED_SIZE) failed = true;
    }
    console.table(rows);
    if (failed) throw new Error(`a contract exceeds ${MAX_DEPLOYED_SIZE} bytes`);
  });
