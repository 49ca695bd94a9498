import type { Provider, Signer } from "ethers";
import type { SequencerRegistry, RegistryLens, SigningKeys } from "../generated/contracts";
import type { Metrics } from "./metrics";
import type { Logger } from "./log";
import type { TxSender } from "./tx";

/** What every duty works with: the registry and its lens attached to the operator's signer, the transaction sender and the node's telemetry. */
export interface NodeContext {
  provider: Provider;
  operator: Signer;
  operatorAddress: string;
  registry: SequencerRegistry;
  registryAddress: string;
  lens: RegistryLens;
  /** The sequencers' block-commitment signing keys (`signingKeyAt`: the key valid for a slot), attached to the operator. */
  signingKeys: SigningKeys;
  chainId: bigint;
  sequencerId: bigint;
  metrics: Metrics;
  log: Logger;
  /** The operator key's one transaction sender: every duty sends through it (see node/tx.ts). */
  tx: TxSender;
}

/** Whether this node's sequencer holds the turn, the registry's slot and the next hand-over time. */
export async function turnInfo(ctx: NodeContext) {
  const [active, slot, nextRotationTime, block] = await Promise.all([
    ctx.registry.getActiveSequencer(),
    ctx.registry.currentSlot(),
    ctx.registry.nextRotationTime(),
    ctx.provider.getBlock("latest"),
  ]);
  const holdsTurn = active.toLowerCase() === ctx.operatorAddress.toLowerCase();
  ctx.metrics.set("lp504_node_holds_turn", holdsTurn ? 1 : 0);
  return { holdsTurn, activeSequencer: active, sequencerId: ctx.sequencerId, slot, nextRotationTime, blockTime: BigInt(block!.timestamp) };
}
