/**
 * A deterministic chain clock for the benchmark. Hardhat stamps an automined block with the wall clock, so a
 * figure whose cost reads the time or a block hash (the beacon's seed, the time-lock's VDF input, a decayed score)
 * would move between runs, and with how long the bench took to grow its set. Once installed, every block the bench
 * produces is stamped `previous + 1`, plus whatever `evm_increaseTime` asked for since the previous block: the
 * same transactions give the same blocks, hashes and gas on every run. Snapshots restore the clock with the chain.
 *
 * It wraps the provider's `send` and `request` (the ones hardhat-ethers and the bench call), and sets the next
 * block's timestamp eagerly, so calls and gas estimates against the pending block see the same time as the
 * transaction that follows them.
 */
import { ethers, network } from "hardhat";

type Request = { method: string; params?: unknown[] | object };
type State = { last: number; pending: number; automine: boolean };

export async function installDeterministicClock(): Promise<void> {
  const provider = network.provider as unknown as {
    request(args: Request): Promise<unknown>;
    send(method: string, params?: unknown[]): Promise<unknown>;
  };
  const inner = provider.request.bind(provider);
  const latest = (await inner({ method: "eth_getBlockByNumber", params: ["latest", false] })) as { timestamp: string };
  const state: State = { last: Number(latest.timestamp), pending: 0, automine: true };
  const saved = new Map<string, State>();

  // The next block's timestamp, and its PREVRANDAO (Hardhat draws one per block from a generator that snapshots do
  // not rewind): a function of the timestamp, so a block's hash depends on the chain's history alone.
  const scheduleNext = async () => {
    const next = state.last + 1 + state.pending;
    await inner({ method: "evm_setNextBlockTimestamp", params: [next] });
    await inner({ method: "hardhat_setPrevRandao", params: [ethers.zeroPadValue(ethers.toBeHex(next), 32)] });
  };
  const produced = async (blocks: number) => {
    state.last += 1 + state.pending + (blocks - 1);
    state.pending = 0;
    await scheduleNext();
  };

  async function handle(args: Request): Promise<unknown> {
    const params = (Array.isArray(args.params) ? args.params : []) as unknown[];
    switch (args.method) {
      case "evm_increaseTime":
        state.pending += Number(params[0]);
        await scheduleNext();
        return state.pending;
      case "evm_setNextBlockTimestamp":
        throw new Error("the bench's clock is deterministic: advance it with evm_increaseTime");
      case "evm_setAutomine":
        state.automine = Boolean(params[0]);
        return inner(args);
      case "evm_mine": {
        const result = await inner(args);
        await produced(1);
        return result;
      }
      case "hardhat_mine": {
        const result = await inner(args);
        await produced(params.length > 0 ? Number(BigInt(params[0] as string)) : 1);
        return result;
      }
      case "eth_sendTransaction":
      case "eth_sendRawTransaction": {
        const result = await inner(args);
        if (state.automine) await produced(1);
        return result;
      }
      case "evm_snapshot": {
        const id = (await inner(args)) as string;
        saved.set(id, { ...state });
        return id;
      }
      case "evm_revert": {
        const result = await inner(args);
        const restored = saved.get(String(params[0]));
        if (restored) Object.assign(state, restored);
        await scheduleNext();
        return result;
      }
      default:
        return inner(args);
    }
  }

  provider.request = handle;
  provider.send = (method: string, params?: unknown[]) => handle({ method, params: params ?? [] });
  await scheduleNext();
}

/**
 * Seeds every random source the SDK draws from (ethers' `randomBytes`, and the Web Crypto `getRandomValues` that the
 * noble curves use for ephemeral keys) with a keccak stream, so sealed transactions, time-lock puzzles and salts,
 * and so the calldata and the gas of the bench's MEV operations, are the same on every run. Benchmark only: nothing
 * it seals is secret.
 */
export function seedRandomness(seed: string): void {
  let counter = 0n;
  const stream = (length: number): Uint8Array => {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i += 32) {
      const block = ethers.getBytes(ethers.solidityPackedKeccak256(["string", "uint256"], [seed, counter++]));
      out.set(block.subarray(0, Math.min(32, length - i)), i);
    }
    return out;
  };
  ethers.randomBytes.register(stream);
  const webCrypto = globalThis.crypto as { getRandomValues: <T extends ArrayBufferView | null>(array: T) => T };
  webCrypto.getRandomValues = <T extends ArrayBufferView | null>(array: T): T => {
    if (array) new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(stream(array.byteLength));
    return array;
  };
}
