/**
 * Whether a chain is a local development node or a live chain, decided by asking the node itself, never by the
 * name a Hardhat config gives the network: a team that adds a network under any name, or points `localhost`
 * at a remote RPC, gets the live-chain rules unless the node demonstrably is a development node.
 *
 * A node is local only when its `web3_clientVersion` names Hardhat Network or anvil AND it answers that
 * client's own development method (`hardhat_metadata`, `anvil_nodeInfo`), which no production client serves.
 * Everything else (geth, Lux's coreth, an unreachable method, an unknown client) is live.
 */

/** A JSON-RPC `send`: Hardhat's `network.provider.request`, an ethers provider's `send`, or a fetch wrapper. */
export type RpcSend = (method: string, params: unknown[]) => Promise<unknown>;

export interface ChainKind {
  /** True only for a demonstrated development node (Hardhat Network, in-process or `hardhat node`, or anvil). */
  local: boolean;
  /** The node's `web3_clientVersion` ("" when it does not answer). */
  client: string;
  /** Why: which answers made the decision. */
  reason: string;
}

const DEV_CLIENTS: { prefix: RegExp; method: string }[] = [
  { prefix: /^HardhatNetwork\//, method: "hardhat_metadata" },
  { prefix: /^anvil\//i, method: "anvil_nodeInfo" },
];

async function answers(send: RpcSend, method: string): Promise<unknown> {
  try {
    return await send(method, []);
  } catch {
    return undefined;
  }
}

/** Asks the node what it is (see the module comment). Never throws: a node that does not answer is live. */
export async function detectChainKind(send: RpcSend): Promise<ChainKind> {
  const version = await answers(send, "web3_clientVersion");
  const client = typeof version === "string" ? version : "";
  const dev = DEV_CLIENTS.find((d) => d.prefix.test(client));
  if (!dev) return { local: false, client, reason: `client "${client || "unknown"}" is not a development node` };
  const info = await answers(send, dev.method);
  if (info === undefined || info === null) {
    return { local: false, client, reason: `client "${client}" claims to be a development node but does not answer ${dev.method}` };
  }
  return { local: true, client, reason: `client "${client}" answers ${dev.method}` };
}

/** `detectChainKind` over plain HTTP JSON-RPC (for a URL outside Hardhat's providers, e.g. a fork's source). */
export async function detectChainKindAt(url: string): Promise<ChainKind> {
  return detectChainKind(async (method, params) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = (await response.json()) as { result?: unknown; error?: { message: string } };
    if (body.error || body.result === undefined) throw new Error(body.error?.message ?? `${method}: no result`);
    return body.result;
  });
}
