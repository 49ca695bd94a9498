/**
 * Reverts, read: the revert data inside whatever a provider or ethers threw, decoded against a set of ABIs into the
 * custom error's name and named arguments (or `Error(string)`, or `Panic(uint256)`), instead of ethers' "unknown
 * custom error". The package's root builds one over every exported ABI (`decodeRevert`, `describeRevert`).
 */
import { AbiCoder, ErrorFragment, Interface, type InterfaceAbi, type ParamType, Result } from "ethers";

/** What a revert said. `args` are by name (`arg<i>` for an unnamed one); integers are bigint. */
export type DecodedRevert =
  | { kind: "custom"; name: string; signature: string; selector: string; args: Record<string, unknown> }
  | { kind: "error"; name: "Error"; signature: "Error(string)"; selector: "0x08c379a0"; args: { message: string } }
  | { kind: "panic"; name: "Panic"; signature: "Panic(uint256)"; selector: "0x4e487b71"; args: { code: bigint } }
  | { kind: "unknown"; selector: string; data: string };

const ERROR_SELECTOR = "0x08c379a0";
const PANIC_SELECTOR = "0x4e487b71";

/**
 * The revert data carried somewhere inside an ethers or provider error (`error.data`, `error.info.error.data`,
 * `error.revert`, a message's "data=0x…", …), or `value` itself when it is revert data; undefined if there is none.
 */
export function revertDataOf(value: unknown, depth = 0): string | undefined {
  if (typeof value === "string") return /^0x[0-9a-fA-F]{8}([0-9a-fA-F]{2})*$/.test(value) ? value : undefined;
  if (depth > 6 || value === null || typeof value !== "object") return undefined;
  const e = value as Record<string, unknown>;
  for (const key of ["data", "revertData"]) {
    const v = e[key];
    if (typeof v === "string" && /^0x[0-9a-fA-F]{8}/.test(v)) return v;
    if (v && typeof v === "object") {
      const inner = revertDataOf(v, depth + 1);
      if (inner) return inner;
    }
  }
  for (const key of ["error", "info", "cause", "revert", "receipt"]) {
    const inner = revertDataOf(e[key], depth + 1);
    if (inner) return inner;
  }
  if (typeof e.message === "string") {
    const m = /(?:data|return data)[=:"\s]+(0x[0-9a-fA-F]{8,})/.exec(e.message);
    if (m) return m[1];
  }
  return undefined;
}

/** A decoded value as plain data: `Result`s become arrays, or objects when every field is named (structs). */
export function plainValue(value: unknown, type?: ParamType): unknown {
  if (!(value instanceof Result)) return value;
  if (type?.isTuple()) {
    const out: Record<string, unknown> = {};
    type.components.forEach((component, i) => (out[component.name || `arg${i}`] = plainValue(value[i], component)));
    return out;
  }
  const element = type?.isArray() ? type.arrayChildren : undefined;
  return Array.from(value, (item) => plainValue(item, element));
}

/** Decodes reverts against the custom errors of `abis` (errors declared in several of them count once). */
export class RevertDecoder {
  private readonly errors: Interface;

  constructor(abis: Iterable<InterfaceAbi>) {
    const fragments = new Map<string, ErrorFragment>();
    for (const abi of abis) {
      for (const fragment of new Interface(abi).fragments) {
        if (fragment instanceof ErrorFragment) fragments.set(fragment.format("sighash"), fragment);
      }
    }
    this.errors = new Interface([...fragments.values()]);
  }

  /** What `errorOrData` (a thrown error, or revert data) reverted with; undefined when it carries no revert data. */
  decode(errorOrData: unknown): DecodedRevert | undefined {
    const data = revertDataOf(errorOrData);
    if (!data) return undefined;
    const selector = data.slice(0, 10).toLowerCase();
    const body = "0x" + data.slice(10);
    try {
      if (selector === ERROR_SELECTOR) {
        const [message] = AbiCoder.defaultAbiCoder().decode(["string"], body);
        return { kind: "error", name: "Error", signature: "Error(string)", selector: ERROR_SELECTOR, args: { message: message as string } };
      }
      if (selector === PANIC_SELECTOR) {
        const [code] = AbiCoder.defaultAbiCoder().decode(["uint256"], body);
        return { kind: "panic", name: "Panic", signature: "Panic(uint256)", selector: PANIC_SELECTOR, args: { code: code as bigint } };
      }
      const parsed = this.errors.parseError(data);
      if (parsed) {
        const args: Record<string, unknown> = {};
        parsed.fragment.inputs.forEach((input, i) => (args[input.name || `arg${i}`] = plainValue(parsed.args[i], input)));
        return { kind: "custom", name: parsed.name, signature: parsed.signature, selector: parsed.selector, args };
      }
    } catch {
      // a known selector with arguments that do not decode: reported as unknown below
    }
    return { kind: "unknown", selector, data };
  }

  /**
   * One line: `Name(arg=value, …)`, `Error("…")`, `Panic(0x11)`, or `unknown revert 0x…`; undefined without revert
   * data. `formatLeaf` writes each argument's value (inside arrays and structs too).
   */
  describe(errorOrData: unknown, formatLeaf: (value: unknown) => string = String): string | undefined {
    const revert = this.decode(errorOrData);
    if (!revert) return undefined;
    switch (revert.kind) {
      case "error":
        return `Error(${JSON.stringify(revert.args.message)})`;
      case "panic":
        return `Panic(0x${revert.args.code.toString(16)})`;
      case "unknown":
        return `unknown revert ${revert.selector} (${(revert.data.length - 10) / 2} bytes of arguments)`;
      case "custom":
        return `${revert.name}(${Object.entries(revert.args)
          .map(([name, value]) => `${name}=${formatValue(value, formatLeaf)}`)
          .join(", ")})`;
    }
  }
}

function formatValue(value: unknown, formatLeaf: (value: unknown) => string): string {
  if (Array.isArray(value)) return `[${value.map((v) => formatValue(v, formatLeaf)).join(", ")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.entries(value)
      .map(([k, v]) => `${k}: ${formatValue(v, formatLeaf)}`)
      .join(", ")}}`;
  }
  return formatLeaf(value);
}
