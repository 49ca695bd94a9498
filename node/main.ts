import type http from "node:http";
import fs from "node:fs";
import path from "node:path";
import { JsonRpcProvider, keccak256, concat, toUtf8Bytes, type Provider, type Signer } from "ethers";
import { connectSuite } from "../index";
import { readDeploymentFile } from "../deploy/recordFile";
import type { DeploymentRecord } from "../deploy/recordFormat";
import type { MEVMitigation, PerformanceMonitor, SelectionMechanisms, VRFBeacon } from "../generated/contracts";
import { loadOperator, loadSigningKeys, type NodeConfig } from "./config";
import { SlashingProtectionStore } from "./store";
import { CommitmentSigner, type SignedCommitment } from "./signer";
import { signBlockCommitment } from "../sdk/blockCommitment";
import { HttpPeerTransport, type PeerTransport } from "./peers";
import { GossipPeerTransport, commitmentTopic } from "./gossip";
import { Metrics } from "./metrics";
import { jsonLogger, type Logger } from "./log";
import { turnInfo, type NodeContext } from "./context";
import { keepTurn } from "./duties/turnKeeping";
import { SigningKeyRegistrar, signingKeyStatus } from "./duties/signingKey";
import { Watchtower } from "./duties/watchtower";
import { Guardian } from "./duties/guardian";
import { BeaconCommitter } from "./duties/beacon";
import { ComputeDuty } from "./duties/compute";
import { commandExecutor, moduleExecutor } from "./compute/executor";
import { Attester, parseAttestation } from "./duties/attester";
import { ThresholdMember } from "./duties/threshold";
import { createApi, listen } from "./server";
import { TxSender, TxSenderStoppedError } from "./tx";

/** `<dataDir>/node-state.json`: what the duty loop has processed (written atomically after each round). */
export const STATE_FILE = "node-state.json";

/** The gossip transport's libp2p key (the node's peer id), in the data directory. */
export const GOSSIP_IDENTITY_FILE = "p2p-identity.key";

export interface NodeDeps {
  config: NodeConfig;
  provider: Provider;
  /** The operator's signer, connected to `provider`. */
  operator: Signer;
  /** The block-commitment signing key of `signingKeystore` (registered with SigningKeys, then signing from its slot on). */
  signingKey?: Signer;
  /** Signing keys it replaced, held to sign the slots still theirs (`previousSigningKeystores`). */
  previousSigningKeys?: Signer[];
  record: DeploymentRecord;
  log?: Logger;
}

/**
 * One operator's daemon: the slashing-protection store, the signing service, the duties and the local API.
 * `tick()` runs one round of every enabled duty (the loop calls it every `pollIntervalMs`; tests call it directly).
 */
export class OperatorNode {
  readonly metrics: Metrics;
  readonly watchtower?: Watchtower;
  /** Liveness rotation and missed forced inclusions (duty `guardian`). */
  readonly guardian?: Guardian;
  readonly signer?: CommitmentSigner;
  readonly beacon?: BeaconCommitter;
  readonly compute?: ComputeDuty;
  readonly attester?: Attester;
  readonly threshold?: ThresholdMember;
  /** Registers the configured signing key (`signingKeystore`) with the SigningKeys contract. */
  readonly signingKeyRegistrar?: SigningKeyRegistrar;
  /** The addresses of the block-commitment keys this node holds: the operator's, the signing key, previous ones. */
  private readonly heldKeys: Promise<string[]>;
  /** Whether a duty round has checked the signing key yet. */
  private keyChecked = false;
  /** The attester's own slashing protection: one block attestation per (sequencer, slot), in `<dataDir>/attestations`. */
  private readonly attestationStore?: SlashingProtectionStore;
  readonly peers: PeerTransport;
  private server?: http.Server;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private stopped = false;
  private lastRoundOk = true;
  private lastBlock = 0;
  apiAddress?: { host: string; port: number };

  private constructor(
    readonly config: NodeConfig,
    readonly ctx: NodeContext,
    private readonly store: SlashingProtectionStore,
    beacon?: VRFBeacon,
    compute?: ComputeDuty,
    extra: { monitor?: PerformanceMonitor; selection?: SelectionMechanisms; mev?: MEVMitigation } = {},
    keys: { signingKey?: Signer; signingKeyAddress?: string; previousSigningKeys?: Signer[] } = {},
  ) {
    this.compute = compute;
    this.metrics = ctx.metrics;
    if (keys.signingKeyAddress !== undefined) this.signingKeyRegistrar = new SigningKeyRegistrar(ctx, keys.signingKeyAddress);
    const held = [ctx.operator, ...(keys.signingKey ? [keys.signingKey] : []), ...(keys.previousSigningKeys ?? [])];
    this.heldKeys = Promise.all(held.map((k) => k.getAddress()));
    this.heldKeys.catch(() => undefined); // read by status(), which reports a failure there
    if (config.duties.signing) {
      // each slot is signed by the held key that SigningKeys names for it (the operator key until a change takes effect)
      this.signer = new CommitmentSigner(held, store, ctx.chainId, ctx.registryAddress, ctx.sequencerId, (slot) =>
        ctx.signingKeys.signingKeyAt(ctx.sequencerId, slot, ctx.operatorAddress),
      );
    }
    if (config.duties.watchtower) this.watchtower = new Watchtower(ctx);
    if (config.duties.beacon && beacon) this.beacon = new BeaconCommitter(ctx, beacon);
    this.peers =
      config.transport === "gossip"
        ? new GossipPeerTransport(
            {
              listen: config.gossip!.listen,
              peers: config.peers,
              topic: commitmentTopic(ctx.chainId, ctx.registryAddress),
              identityFile: path.join(config.dataDir, GOSSIP_IDENTITY_FILE),
            },
            ctx.log,
            ctx.metrics,
          )
        : new HttpPeerTransport(config.peers, ctx.log, ctx.metrics);
    const peers = this.peers;
    if (config.duties.attester && extra.monitor && extra.selection) {
      this.attestationStore = SlashingProtectionStore.open(path.join(config.dataDir, "attestations"));
      this.attester = new Attester(ctx, extra.monitor, extra.selection, this.attestationStore, (m) =>
        // the configuration refuses the attester with the gossip transport (attestations travel over HTTP only)
        peers instanceof HttpPeerTransport ? peers.publishAttestation(m) : Promise.resolve(),
      );
    }
    if (config.duties.thresholdDecryption && extra.mev) this.threshold = new ThresholdMember(ctx, extra.mev);
    if (config.duties.guardian && extra.monitor) this.guardian = new Guardian(ctx, extra.monitor);
    if (this.watchtower) {
      const watchtower = this.watchtower;
      this.peers.subscribe((message) => watchtower.accept(message));
    }
  }

  /** After POST /sign: the commitment goes to the peers (and, on a misbehaving test node, a conflicting one too). */
  private published(signed: SignedCommitment): void {
    const sends = [this.peers.publish(signed)];
    if (this.config.testing.equivocate) sends.push(this.equivocate(signed));
    Promise.all(sends).catch((e) => this.ctx.log("error", "peer.publish-failed", { error: String(e) }));
  }

  /** Testing only (`testing.equivocate`): signs a second hash for the slot with the slot's key, bypassing the store, and publishes it. */
  private async equivocate(signed: SignedCommitment): Promise<void> {
    const { ctx } = this;
    const blockHash = keccak256(concat([signed.blockHash, toUtf8Bytes("equivocation")]));
    const commitment = { sequencerId: signed.sequencerId, slot: signed.slot, blockHash };
    const key = await this.signer!.keyFor(signed.slot);
    const signature = await signBlockCommitment(key, ctx.registryAddress, ctx.chainId, commitment);
    ctx.log("warn", "testing.equivocated", { slot: signed.slot, signedHash: signed.blockHash, conflictingHash: blockHash });
    await this.peers.publish({ ...commitment, signature });
  }

  /**
   * POST /attest: the producer proposes this node's block `{slot, blockNumber, blockHash, gasUsed, txCount}` for
   * attestation. The block commitment is signed through the signing service first (refused, 409, for a slot already
   * signed with another hash), so a node proposes only a block it committed to.
   */
  private async proposeAttestation(body: Record<string, unknown>): Promise<unknown> {
    const attestation = parseAttestation({ ...body, sequencerId: this.ctx.sequencerId.toString() }, "");
    const commitment = await this.signer!.sign(attestation.slot, attestation.blockHash);
    return this.attester!.propose(attestation, commitment.signature);
  }

  /** Checks the chain, resolves the sequencer, opens the store and starts the API (not the loop: see `startLoop`). */
  static async create(deps: NodeDeps): Promise<OperatorNode> {
    const { config, provider, operator, record, signingKey } = deps;
    const log = deps.log ?? jsonLogger();
    const { chainId } = await provider.getNetwork();
    if (chainId !== BigInt(config.chainId))
      throw new Error(`chainId: the RPC endpoint is on chain ${chainId}, the config expects ${config.chainId}`);
    const { registry, lens, beacon, monitor, selection, mev, signingKeys } = connectSuite(record, operator);
    if (config.duties.beacon && !beacon)
      throw new Error("duties.beacon: the deployment has no VRFBeacon (its randomness is Chainlink VRF)");
    const registryAddress = await registry.getAddress();
    if ((await provider.getCode(registryAddress)) === "0x")
      throw new Error(`deployment: no registry code at ${registryAddress} on chain ${chainId}`);
    const operatorAddress = await operator.getAddress();
    const sequencerId = config.sequencerId !== undefined ? BigInt(config.sequencerId) : await registry.sequencerIdOf(operatorAddress);
    if (sequencerId === 0n && config.duties.signing)
      throw new Error(`sequencerId: ${operatorAddress} operates no sequencer; register it first or turn the signing duty off`);
    if (sequencerId !== 0n && (await registry.operatorOf(sequencerId)).toLowerCase() !== operatorAddress.toLowerCase())
      throw new Error(`sequencerId: sequencer ${sequencerId} is not operated by ${operatorAddress}`);
    const signingKeyAddress = signingKey === undefined ? undefined : await signingKey.getAddress();
    if (signingKeyAddress !== undefined) {
      if (sequencerId === 0n) throw new Error(`signingKeystore: ${operatorAddress} operates no sequencer to sign for`);
      if (signingKeyAddress.toLowerCase() === operatorAddress.toLowerCase())
        throw new Error("signingKeystore: holds the operator key itself; a signing key must be another key");
    }
    const metrics = new Metrics();
    const store = SlashingProtectionStore.open(config.dataDir); // takes the dataDir's lock before the sender reads its files
    if (store.recovered > 0) log("warn", "store.recovered", { file: store.file, cutBytes: store.recovered });
    const tx = new TxSender({ provider, signer: operator, settings: config.tx, metrics, log, dataDir: config.dataDir });
    const ctx: NodeContext = {
      provider,
      operator,
      operatorAddress,
      registry,
      registryAddress,
      lens,
      signingKeys,
      chainId,
      sequencerId,
      metrics,
      log,
      tx,
    };
    let compute: ComputeDuty | undefined;
    let node: OperatorNode;
    try {
      compute = OperatorNode.computeDuty(config, ctx, record, operator); // may refuse its configuration
      await tx.reconcile(); // transactions left in flight by the previous run: tracked again or forgotten, never sent twice
      node = new OperatorNode(
        config,
        ctx,
        store,
        beacon,
        compute,
        { monitor, selection, mev },
        { signingKey, signingKeyAddress, previousSigningKeys: deps.previousSigningKeys },
      );
      await node.peers.start();
    } catch (e) {
      store.close();
      throw e;
    }
    node.resume();
    if (config.testing.equivocate) log("warn", "testing.equivocate-on", { sequencerId, note: "this node double-signs on purpose" });
    log("info", "node.created", {
      operator: operatorAddress,
      transport: config.transport,
      peers: config.peers.length,
      sequencerId,
      chainId,
      registry: registryAddress,
      duties: config.duties,
      signingKey: signingKeyAddress,
      signedCommitments: store.size,
    });
    return node;
  }

  /** Reads the last processed block of the previous run (its duties read the chain's state, so nothing is replayed). */
  private resume(): void {
    const file = path.join(this.config.dataDir, STATE_FILE);
    if (!fs.existsSync(file)) return;
    const { lastProcessedBlock } = JSON.parse(fs.readFileSync(file, "utf8")) as { lastProcessedBlock: number };
    this.lastBlock = lastProcessedBlock;
    this.metrics.set("lp504_node_last_processed_block", lastProcessedBlock);
    this.ctx.log("info", "node.resumed", { lastProcessedBlock, pendingTransactions: this.ctx.tx.pending });
  }

  private saveState(): void {
    const file = path.join(this.config.dataDir, STATE_FILE);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify({ lastProcessedBlock: this.lastBlock }) + "\n");
    fs.renameSync(`${file}.tmp`, file);
  }

  /** The compute duty, when `duties.compute` is on: its executor and the scheduler, its lens and the coordinator. */
  private static computeDuty(config: NodeConfig, ctx: NodeContext, record: DeploymentRecord, operator: Signer): ComputeDuty | undefined {
    if (!config.duties.compute) return undefined;
    const c = config.compute;
    if (!c) throw new Error("compute.executor: required when duties.compute is on");
    const executor =
      "command" in c.executor ? commandExecutor(c.executor.command, c.timeoutMs) : moduleExecutor(c.executor.module, c.timeoutMs);
    const { scheduler, schedulerLens, training } = connectSuite(record, operator);
    const fromBlock = c.fromBlock ?? record.contracts.TrainingCoordinator?.blockNumber ?? 0;
    return new ComputeDuty(ctx, scheduler, schedulerLens, training, c, executor, fromBlock);
  }

  /** Builds the node from its configuration: RPC provider, keystore, deployment record. */
  static async fromConfig(config: NodeConfig, log: Logger = jsonLogger()): Promise<OperatorNode> {
    const provider = new JsonRpcProvider(config.rpcUrl, undefined, { staticNetwork: false });
    const wallet = await loadOperator(config);
    const { signingKey, previousSigningKeys } = await loadSigningKeys(config);
    const record = readDeploymentFile(config.deployment, config.chainId);
    if (!record) throw new Error(`deployment: no file ${config.deployment}`);
    return OperatorNode.create({ config, provider, operator: wallet.connect(provider), signingKey, previousSigningKeys, record, log });
  }

  /** Starts the local API on the configured host and port (port 0: any free port, see `apiAddress`). */
  async startApi(): Promise<{ host: string; port: number }> {
    this.server = createApi({
      signer: this.signer,
      onSigned: (signed) => this.published(signed),
      commitments: this.watchtower ? (message) => this.watchtower!.accept(message) : undefined,
      attest: this.attester && this.signer ? (body) => this.proposeAttestation(body) : undefined,
      attestations: this.attester ? (body) => this.attester!.accept(body) : undefined,
      metrics: this.metrics,
      log: this.ctx.log,
      turn: () => turnInfo(this.ctx),
      status: () => this.status(),
      healthy: () => this.lastRoundOk && !this.stopped,
    });
    const a = await listen(this.server, this.config.api.host, this.config.api.port);
    this.apiAddress = { host: a.address, port: a.port };
    this.ctx.log("info", "api.listening", this.apiAddress);
    return this.apiAddress;
  }

  /** One round of every enabled duty; a failing duty is logged and counted, the others still run. */
  async tick(): Promise<void> {
    const { ctx, metrics } = this;
    let ok = true;
    const block = await ctx.provider.getBlockNumber().catch((e) => {
      ctx.log("error", "rpc.error", { error: String(e) });
      return undefined;
    });
    if (block === undefined) {
      this.lastRoundOk = false;
      return;
    }
    const run = async (duty: string, body: () => Promise<unknown>) => {
      try {
        const outcome = await body();
        metrics.inc("lp504_node_duty_runs_total", { duty });
        ctx.log("debug", "duty.ran", { duty, outcome });
      } catch (e) {
        if (e instanceof TxSenderStoppedError) {
          ctx.log("info", "duty.interrupted", { duty, reason: "the node is stopping; its transaction is resumed on the next start" });
          return;
        }
        ok = false;
        metrics.inc("lp504_node_duty_errors_total", { duty });
        ctx.log("error", "duty.failed", { duty, error: String(e) });
      }
    };
    if (this.signingKeyRegistrar || this.signer) await run("signingKey", () => this.signingKeyRound());
    if (this.config.duties.turnKeeping) await run("turnKeeping", () => keepTurn(ctx));
    if (this.watchtower) await run("watchtower", () => this.watchtower!.tick());
    if (this.beacon) await run("beacon", () => this.beacon!.tick());
    if (this.compute) await run("compute", () => this.compute!.tick());
    if (this.attester) await run("attester", () => this.attester!.tick());
    if (this.threshold) await run("thresholdDecryption", () => this.threshold!.tick());
    if (this.guardian) await run("guardian", () => this.guardian!.tick());
    if (block < this.lastBlock) ctx.log("warn", "chain.behind", { block, lastProcessedBlock: this.lastBlock });
    this.lastBlock = block;
    metrics.set("lp504_node_last_processed_block", block);
    this.saveState();
    this.lastRoundOk = ok;
  }

  /**
   * The `signingKey` duty: registers the configured signing key (if any), then, with the signing duty on, checks that
   * the node holds the key valid for the current slot (gauge `lp504_node_signing_key_held`; `signing-key.not-held`
   * when that changes to no).
   */
  private async signingKeyRound(): Promise<unknown> {
    const registration = await this.signingKeyRegistrar?.tick();
    if (!this.signer) return registration;
    const s = await signingKeyStatus(this.ctx, await this.heldKeys, this.signingKeyRegistrar?.key);
    const wasHeld = this.ctx.metrics.get("lp504_node_signing_key_held") === 1;
    this.ctx.metrics.set("lp504_node_signing_key_held", s.held ? 1 : 0);
    if (!s.held && (wasHeld || !this.keyChecked)) this.ctx.log("error", "signing-key.not-held", { slot: s.slot, inUse: s.inUse });
    this.keyChecked = true;
    return { registration, inUse: s.inUse, held: s.held };
  }

  /** Runs `tick` every `pollIntervalMs` until `stop`. */
  startLoop(): void {
    const round = async () => {
      if (this.stopped) return;
      this.running = this.tick().catch((e) => {
        this.lastRoundOk = false;
        this.ctx.log("error", "round.failed", { error: String(e) });
      });
      await this.running;
      this.running = undefined;
      if (!this.stopped) this.timer = setTimeout(round, this.config.pollIntervalMs);
    };
    this.timer = setTimeout(round, 0);
  }

  async status(): Promise<Record<string, unknown>> {
    return {
      operator: this.ctx.operatorAddress,
      chainId: this.ctx.chainId,
      registry: this.ctx.registryAddress,
      duties: this.config.duties,
      signedCommitments: this.store.size,
      pendingReports: this.watchtower?.pendingReports ?? 0,
      pendingTransactions: this.ctx.tx.pending,
      ...(this.attester ? { pendingAttestations: this.attester.pendingAttestations } : {}),
      ...(this.threshold ? { followedEncryptedTransactions: this.threshold.following } : {}),
      ...(this.ctx.sequencerId !== 0n
        ? {
            signingKey: await signingKeyStatus(this.ctx, await this.heldKeys, this.signingKeyRegistrar?.key),
          }
        : {}),
      lastProcessedBlock: this.lastBlock,
      healthy: this.lastRoundOk && !this.stopped,
      ...(await turnInfo(this.ctx)),
    };
  }

  /** Graceful stop: no new round, waits for the current one, closes the API, flushes and closes the store. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.timer);
    this.ctx.tx.stop(); // a round waiting for a transaction ends now; the transaction stays on disk
    await this.running?.catch(() => undefined);
    this.compute?.abort();
    if (this.server) {
      const server = this.server;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    }
    await this.peers.stop().catch((e) => this.ctx.log("error", "peer.stop-failed", { error: String(e) }));
    this.store.close();
    this.attestationStore?.close();
    this.ctx.log("info", "node.stopped", {});
  }
}
