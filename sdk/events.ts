/**
 * Typed events: logs decoded against an ABI `as const` into `{ name, args }` objects whose argument types follow the
 * ABI (every uint/int is a bigint, an address or bytes a hex string, a bool a boolean, an array an array), checked by
 * the compiler and true at run time. The package's root applies it to its exported ABIs (`parseEvents`).
 */
import { EventFragment, Indexed, Interface, type InterfaceAbi, type ParamType } from "ethers";
import { plainValue } from "./errors";

/** An ABI parameter, as the compiler's JSON ABI writes it. */
export interface AbiParameter {
  readonly name: string;
  readonly type: string;
  readonly indexed?: boolean;
  readonly components?: readonly AbiParameter[];
}

/** The TypeScript type of a decoded Solidity value of parameter `P`. */
export type SolidityValue<P extends AbiParameter> = P["type"] extends `${infer Element}[]`
  ? SolidityValue<Omit<P, "type"> & { type: Element }>[]
  : P["type"] extends `${infer Element}[${number}]`
    ? SolidityValue<Omit<P, "type"> & { type: Element }>[]
    : P["type"] extends `uint${string}` | `int${string}`
      ? bigint
      : P["type"] extends "bool"
        ? boolean
        : P["type"] extends "tuple"
          ? P extends { components: infer C extends readonly AbiParameter[] }
            ? ParametersObject<C>
            : Record<string, unknown>
          : P["indexed"] extends true
            ? string // an indexed string, bytes or tuple is the hash of its value
            : string; // address, bytesN, bytes, string

/** Parameters as an object keyed by name. */
export type ParametersObject<Params extends readonly AbiParameter[]> = {
  [P in Params[number] as P["name"]]: SolidityValue<P>;
};

type AbiEvent = { readonly type: "event"; readonly name: string; readonly inputs: readonly AbiParameter[] };
type EventsOf<Abi extends readonly unknown[]> = Extract<Abi[number], AbiEvent>;

/** The names of the events in `Abi`. */
export type EventName<Abi extends readonly unknown[]> = EventsOf<Abi>["name"];

/** A decoded log of `Abi`: a union over its events, narrowed by `name`. */
export type DecodedEvent<Abi extends readonly unknown[], Name extends EventName<Abi> = EventName<Abi>> = {
  [N in Name]: {
    name: N;
    /** `Name(type,…)`, as in the ABI. */
    signature: string;
    args: ParametersObject<Extract<EventsOf<Abi>, { name: N }>["inputs"]>;
    address: string;
    blockNumber?: number;
    transactionHash?: string;
    /** The log's index in its block (`index` in ethers, `logIndex` in JSON-RPC and viem). */
    logIndex?: number;
  };
}[Name];

/** What a log needs for decoding: ethers' `Log`, a JSON-RPC log and viem's `Log` all are. */
export interface LogLike {
  readonly topics: readonly string[];
  readonly data: string;
  readonly address: string;
  readonly blockNumber?: number | bigint | string | null;
  readonly transactionHash?: string | null;
  readonly index?: number;
  readonly logIndex?: number | bigint | string | null;
}

const toNumber = (v: number | bigint | string | null | undefined) => (v === null || v === undefined ? undefined : Number(v));

/** Decodes logs against one ABI; logs of events it does not declare are skipped. */
export class EventDecoder<Abi extends readonly unknown[]> {
  private readonly iface: Interface;

  constructor(abi: Abi) {
    this.iface = new Interface(abi as unknown as InterfaceAbi);
  }

  /** `log` decoded, or undefined when it is not one of the ABI's events. */
  parse(log: LogLike): DecodedEvent<Abi> | undefined {
    let parsed;
    try {
      parsed = this.iface.parseLog({ topics: [...log.topics], data: log.data });
    } catch {
      return undefined; // a known topic whose data does not decode is not this ABI's event
    }
    if (!parsed) return undefined;
    return {
      name: parsed.name,
      signature: parsed.signature,
      args: parametersObject(parsed.fragment, parsed.args),
      address: log.address,
      blockNumber: toNumber(log.blockNumber),
      transactionHash: log.transactionHash ?? undefined,
      logIndex: toNumber(log.logIndex ?? log.index),
    } as DecodedEvent<Abi>;
  }

  /** Every log of `logs` that is one of the ABI's events (from `address` only, when given), in order. */
  parseAll(logs: readonly LogLike[], options: { address?: string } = {}): DecodedEvent<Abi>[] {
    const address = options.address?.toLowerCase();
    const out: DecodedEvent<Abi>[] = [];
    for (const log of logs) {
      if (address !== undefined && log.address.toLowerCase() !== address) continue;
      const event = this.parse(log);
      if (event) out.push(event);
    }
    return out;
  }
}

function parametersObject(fragment: EventFragment, values: readonly unknown[]): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  fragment.inputs.forEach((input: ParamType, i) => {
    const value = values[i];
    // an indexed string, bytes or tuple comes back as its hash
    args[input.name || `arg${i}`] = Indexed.isIndexed(value) ? value.hash : plainValue(value, input);
  });
  return args;
}
