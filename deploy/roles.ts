import { getAddress, type BaseContract, type Log } from "ethers";

/** One (role, account) pair an AccessControl contract grants. */
export interface RoleHolder {
  /** The role's bytes32 id. */
  role: string;
  /** Checksummed. */
  account: string;
}

/** Blocks per `eth_getLogs` query: public RPCs limit the range of one query. */
export const LOG_RANGE = 10_000;

/**
 * The current holders of every role of an AccessControl contract, rebuilt from its `RoleGranted` and
 * `RoleRevoked` logs from `fromBlock` (its deployment block, where the constructor's grants are) to `toBlock`,
 * folded in chain order and each confirmed with `hasRole`. Logs are read `range` blocks at a time. Throws when
 * the logs and `hasRole` disagree (an RPC that dropped logs must not pass for an empty role).
 */
export async function roleHolders(contract: BaseContract, fromBlock: number, toBlock: number, range = LOG_RANGE): Promise<RoleHolder[]> {
  const provider = contract.runner?.provider;
  if (!provider) throw new Error("roleHolders: the contract is attached to no provider");
  if (range < 1) throw new Error("roleHolders: the block range must be at least 1");
  const granted = contract.interface.getEvent("RoleGranted");
  const revoked = contract.interface.getEvent("RoleRevoked");
  if (!granted || !revoked) throw new Error("roleHolders: the contract has no AccessControl events");
  const address = await contract.getAddress();
  const logs: Log[] = [];
  for (let from = fromBlock; from <= toBlock; from += range) {
    const to = Math.min(from + range - 1, toBlock);
    logs.push(...(await provider.getLogs({ address, fromBlock: from, toBlock: to, topics: [[granted.topicHash, revoked.topicHash]] })));
  }
  logs.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  const holders = new Map<string, RoleHolder>();
  for (const log of logs) {
    const event = contract.interface.parseLog(log)!;
    const holder = { role: event.args.role as string, account: getAddress(event.args.account as string) };
    const key = `${holder.role}:${holder.account}`;
    if (event.name === "RoleGranted") holders.set(key, holder);
    else holders.delete(key);
  }
  const hasRole = contract.getFunction("hasRole");
  const result = [...holders.values()];
  for (const { role, account } of result) {
    if (!(await hasRole(role, account, { blockTag: toBlock }))) {
      throw new Error(`the logs of ${address} up to block ${toBlock} say ${account} holds ${role}, hasRole says not`);
    }
  }
  return result;
}
