import type { OperatorNode } from "../../node/main";

/** One call to a node's local API (started on first use): the status, the body, and the body parsed as JSON. */
export async function nodeApi(node: OperatorNode, method: string, route: string, body?: unknown) {
  const { host, port } = node.apiAddress ?? (await node.startApi());
  const res = await fetch(`http://${host}:${port}${route}`, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
  const text = await res.text();
  return { status: res.status, text, json: () => JSON.parse(text) };
}
