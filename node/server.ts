import http from "node:http";
import type { AddressInfo } from "node:net";
import { ConflictingCommitmentError } from "./store";
import { InvalidSignRequestError, SigningKeyUnavailableError, type CommitmentSigner, type SignedCommitment } from "./signer";
import { InvalidCommitmentError } from "./duties/watchtower";
import type { CommitmentHandler } from "./peers";
import { InvalidFieldError } from "./errors";
import type { Metrics } from "./metrics";
import type { Logger } from "./log";

const MAX_BODY = 64 * 1024;

export interface ApiHandlers {
  signer?: CommitmentSigner;
  /** Called with each commitment signed through POST /sign, after the answer is sent (publication to the peers). */
  onSigned?: (signed: SignedCommitment) => void;
  /** Receives POST /commitments (the peer transport's inbound side, which hands it to the watchtower). */
  commitments?: CommitmentHandler;
  /** Receives POST /attest: the block producer's proposal of its block for attestation (the attester duty). */
  attest?: (body: Record<string, unknown>) => Promise<unknown>;
  /** Receives POST /attestations: peers' block attestation messages (the attester duty). */
  attestations?: (body: Record<string, unknown>) => Promise<unknown>;
  metrics: Metrics;
  log: Logger;
  turn: () => Promise<Record<string, unknown>>;
  status: () => Promise<Record<string, unknown>>;
  healthy: () => boolean;
}

/** Counts, logs and answers a slot whose signing key the node does not hold (503: this node cannot sign it). */
function keyUnavailable(h: ApiHandlers, e: SigningKeyUnavailableError, send: (status: number, body: unknown) => void) {
  h.metrics.inc("lp504_node_sign_refusals_total", { reason: "no-valid-key" });
  h.log("error", "commitment.refused", { slot: e.slot, reason: "no-valid-key", validKey: e.validKey, held: e.held });
  send(503, { error: "SigningKeyUnavailable", message: e.message, slot: e.slot, validKey: e.validKey });
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const toJson = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? x.toString() : x));

function readBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        // answer now and discard the rest; the connection closes after the answer (send sets connection: close)
        req.removeAllListeners("data");
        req.removeAllListeners("end");
        req.resume();
        reject(new HttpError(413, `body over ${MAX_BODY} bytes`));
      } else chunks.push(c);
    });
    req.on("end", () => {
      try {
        const v = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Error();
        resolve(v);
      } catch {
        reject(new HttpError(400, "body must be a JSON object"));
      }
    });
    req.on("error", reject);
  });
}

function parseSlot(v: unknown): bigint {
  if (
    ((typeof v === "string" && /^\d{1,78}$/.test(v)) || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0)) &&
    BigInt(v) < 2n ** 256n
  )
    return BigInt(v);
  throw new InvalidSignRequestError("slot", "must be a uint256 (number or decimal string)");
}

/**
 * The node's local HTTP API: POST /sign and GET /turn for the block producer, POST /commitments for peers' signed
 * commitments (the HTTP peer transport's inbound side, which feeds the watchtower), GET /healthz, /status, /metrics. It has no authentication: bind it to a loopback or private
 * interface only (the default host is 127.0.0.1).
 */
export function createApi(h: ApiHandlers): http.Server {
  return http.createServer(async (req, res) => {
    const send = (status: number, body: unknown, type = "application/json") => {
      res.writeHead(status, status === 413 ? { "content-type": type, connection: "close" } : { "content-type": type });
      res.end(type === "application/json" ? toJson(body) : String(body));
    };
    const route = `${req.method} ${(req.url ?? "/").split("?")[0]}`;
    try {
      switch (route) {
        case "POST /sign": {
          if (!h.signer) throw new HttpError(404, "the signing duty is off");
          const body = await readBody(req);
          try {
            const signed = await h.signer.sign(parseSlot(body.slot), body.blockHash as string);
            h.metrics.inc("lp504_node_signatures_total");
            h.log("info", "commitment.signed", { slot: signed.slot, blockHash: signed.blockHash });
            send(200, signed);
            return h.onSigned?.(signed);
          } catch (e) {
            if (e instanceof ConflictingCommitmentError) {
              h.metrics.inc("lp504_node_sign_refusals_total", { reason: "conflict" });
              h.log("warn", "commitment.refused", { slot: e.key.slot, signedHash: e.signedHash, requestedHash: e.requestedHash });
              return send(409, { error: "ConflictingCommitment", message: e.message, signedHash: e.signedHash });
            }
            if (e instanceof InvalidSignRequestError) {
              h.metrics.inc("lp504_node_sign_refusals_total", { reason: "invalid" });
              return send(400, { error: "InvalidRequest", field: e.field, message: e.message });
            }
            if (e instanceof SigningKeyUnavailableError) return keyUnavailable(h, e, send);
            throw e;
          }
        }
        case "POST /commitments": {
          if (!h.commitments) throw new HttpError(404, "the watchtower duty is off");
          const body = await readBody(req);
          try {
            return send(202, await h.commitments(body));
          } catch (e) {
            if (e instanceof InvalidCommitmentError) {
              h.metrics.inc("lp504_node_commitments_rejected_total");
              return send(400, { error: "InvalidCommitment", field: e.field, message: e.message });
            }
            throw e;
          }
        }
        case "POST /attest":
        case "POST /attestations": {
          const handler = route === "POST /attest" ? h.attest : h.attestations;
          if (!handler) throw new HttpError(404, "the attester duty is off");
          const body = await readBody(req);
          try {
            return send(route === "POST /attest" ? 200 : 202, await handler(body));
          } catch (e) {
            if (e instanceof ConflictingCommitmentError) {
              h.metrics.inc("lp504_node_attestation_refusals_total", { reason: "conflict" });
              h.log("warn", "attestation.refused", { sequencerId: e.key.sequencerId, slot: e.key.slot, signed: e.signedHash });
              return send(409, { error: "ConflictingAttestation", message: e.message, signedDigest: e.signedHash });
            }
            if (e instanceof SigningKeyUnavailableError) return keyUnavailable(h, e, send); // POST /attest signs the commitment first
            if (e instanceof InvalidFieldError) {
              h.metrics.inc("lp504_node_attestation_refusals_total", { reason: "invalid" });
              return send(400, { error: "InvalidAttestation", field: e.field, message: e.message });
            }
            throw e;
          }
        }
        case "GET /turn":
          return send(200, await h.turn());
        case "GET /status":
          return send(200, await h.status());
        case "GET /healthz":
          return h.healthy() ? send(200, { ok: true }) : send(503, { ok: false });
        case "GET /metrics":
          return send(200, h.metrics.render(), "text/plain; version=0.0.4");
        default:
          throw new HttpError(404, `no route ${route}`);
      }
    } catch (e) {
      if (e instanceof HttpError) return send(e.status, { error: e.message });
      h.log("error", "api.error", { route, error: String(e) });
      return send(500, { error: "internal error" });
    }
  });
}

export function listen(server: http.Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server.address() as AddressInfo));
  });
}
