/**
 * A dApp's view of LP-504, using only the package's exported surface: find the suite's deployment for the
 * connected chain, read the active sequencer and the set, and follow rotations as they happen.
 *
 *   npm run build                                   (once: builds the package's dist/)
 *   npx tsc -p examples/dapp && node examples/dapp/build/watch-sequencer.js [--rpc URL] [--events N] [--timeout S]
 *
 * With --events N it exits 0 after N rotations (1 with no flag is a smoke test), or 1 after --timeout seconds.
 */
import { JsonRpcProvider } from "ethers";
import { connectSuite, SequencerStatus } from "lp504-sequencer-registry";
import { readDeployment } from "lp504-sequencer-registry/node";

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

async function main() {
  const rpc = flag("rpc", process.env.RPC_URL ?? "http://127.0.0.1:8545");
  const wanted = Number(flag("events", "1"));
  const timeout = Number(flag("timeout", "120"));
  const provider = new JsonRpcProvider(rpc, undefined, { polling: true, pollingInterval: 250 });
  const { chainId } = await provider.getNetwork();
  const record = readDeployment(chainId);
  if (!record) throw new Error(`no LP-504 deployment recorded for chain ${chainId}`);
  const { registry } = connectSuite(record, provider);

  const active = await registry.getActiveSequencer();
  const id = await registry.sequencerIdOf(active);
  const set = await registry.getSequencerSet();
  console.log(`chain ${chainId}: registry ${record.contracts.SequencerRegistry!.address}`);
  console.log(
    `active sequencer ${active}${id ? ` (#${id}, ${SequencerStatus[Number((await registry.getSequencer(id)).status)]})` : " (the L1 fallback)"}`,
  );
  console.log(`active set: ${set.length} sequencers`);

  let seen = 0;
  const done = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${wanted} rotation(s) within ${timeout} s`)), timeout * 1000);
    void registry.on(registry.filters.SequencerRotated, (from: string, to: string) => {
      seen += 1;
      console.log(`rotation ${seen}: ${from} → ${to}`);
      if (seen >= wanted) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  console.log(`listening for ${wanted} rotation(s)…`);
  await done;
  await registry.removeAllListeners();
  provider.destroy();
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
