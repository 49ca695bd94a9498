/**
 * The LP-504 dashboard: a static page that reads a deployment live over JSON-RPC and shows the sequencer set, the
 * turn and the next handover, the rotations, the penalties, the auction, the encrypted mempool and the jobs.
 *
 *   index.html?rpc=http://127.0.0.1:8545&record=deployments/96369.json
 *   index.html?rpc=https://api.lux.network/ext/bc/C/rpc&registry=0x…
 *
 * `&refresh=<seconds>` sets how often it reads the chain again (10 s by default), `&pageSize=<n>` the ids per page of
 * the set (50 by default).
 */
import { JsonRpcProvider } from "ethers";
import { SelectionMode, SequencerStatus, describeRevert } from "../../index";
import { queryOf, resolveAddresses, targetFromQuery, type Target } from "./deployment";
import { DashboardReader, MAX_PAGE_SIZE, PAGE_SIZE, type Snapshot } from "./state";
import { bps, cell, coin, h, relative, section, short, stat, table, when } from "./view";

/** Labels of `JobStatus` (contracts/interfaces/IAIWorkloadScheduler.sol), in its order. */
const JOB_STATUS = [
  "None",
  "Queued",
  "Scheduled",
  "Running",
  "ResultSubmitted",
  "Completed",
  "Cancelled",
  "Expired",
  "Failed",
  "Offered",
  "Disputed",
];
/** Labels of `PolicyType` (contracts/interfaces/IAIWorkloadScheduler.sol), in its order. */
const POLICY = ["FIFO", "Priority", "SJF", "RoundRobin", "Fair"];
/** Labels of `MEVMitigation.TxStatus`, in its order. */
const TX_STATUS = ["None", "Pending", "Revealed", "Decrypted", "Expired"];
const SETTINGS = new URLSearchParams(location.search);
/** How often the page reads the chain again: `?refresh=<seconds>` (at least 1), 10 s by default. */
const REFRESH_MS = Math.max(1, Number(SETTINGS.get("refresh")) || 10) * 1000;
/** Ids per page of the set: `?pageSize=<n>` (1 to MAX_PAGE_SIZE), PAGE_SIZE by default. */
const ROWS = Math.min(MAX_PAGE_SIZE, Math.max(1, Math.floor(Number(SETTINGS.get("pageSize")) || PAGE_SIZE)));

const $ = (id: string) => document.getElementById(id) as HTMLElement;
const label = (names: readonly string[], i: number) => names[i] ?? `#${i}`;
const statusName = (s: number) => SequencerStatus[s] ?? `#${s}`;

let reader: DashboardReader | undefined;
let firstId = 1n;
let timer: ReturnType<typeof setTimeout> | undefined;
let generation = 0;

/** A user-facing message for an error: a decoded custom error when there is one, else the message. */
function explain(error: unknown): string {
  const decoded = describeRevert(error);
  if (decoded) return `the contract reverted with ${decoded}`;
  const e = error as { shortMessage?: string; message?: string };
  return e?.shortMessage ?? e?.message ?? String(error);
}

function showStatus(text: string, kind: "info" | "error" | "ok"): void {
  const el = $("status");
  el.textContent = text;
  el.className = `status ${kind}`;
}

async function connect(target: Target): Promise<void> {
  const mine = ++generation;
  if (timer) clearTimeout(timer);
  reader?.close();
  reader = undefined;
  $("content").replaceChildren();
  showStatus(`Connecting to ${target.rpc}…`, "info");
  let provider: JsonRpcProvider | undefined;
  try {
    provider = new JsonRpcProvider(target.rpc, undefined, { staticNetwork: true });
    let chainId: bigint;
    try {
      chainId = BigInt((await provider.send("eth_chainId", [])) as string);
    } catch (error) {
      throw new Error(`no JSON-RPC node answers at ${target.rpc} (${explain(error)})`);
    }
    const addresses = await resolveAddresses(target, provider, chainId);
    if (mine !== generation) return provider.destroy();
    reader = new DashboardReader(provider, chainId, addresses);
  } catch (error) {
    provider?.destroy();
    if (mine === generation) showStatus(`Cannot show the deployment: ${explain(error)}`, "error");
    return;
  }
  firstId = 1n;
  await refresh(mine);
}

let reads = 0;

/** Reads and renders the chain, then schedules the next read; a read overtaken by a newer one (a page turn) is dropped. */
async function refresh(mine = generation): Promise<void> {
  if (!reader || mine !== generation) return;
  if (timer) clearTimeout(timer);
  const read = ++reads;
  try {
    const snapshot = await reader.read(firstId, ROWS);
    if (mine !== generation || read !== reads) return;
    render(snapshot);
    showStatus(
      `Chain ${snapshot.overview.chainId}, block ${snapshot.overview.blockNumber}; updated ${new Date().toLocaleTimeString()}`,
      "ok",
    );
  } catch (error) {
    if (mine !== generation || read !== reads) return;
    showStatus(`Reading the chain failed (retrying): ${explain(error)}`, "error");
  }
  if (timer) clearTimeout(timer);
  timer = setTimeout(() => void refresh(mine), REFRESH_MS);
}

/** `#id` of an operator, when the snapshot knows it. */
function operatorLabel(s: Snapshot, operator: string): HTMLElement {
  const id = s.operatorIds.get(operator.toLowerCase());
  return h("span", {}, id ? h("strong", {}, `#${id} `) : undefined, short(operator));
}

function render(s: Snapshot): void {
  $("content").replaceChildren(
    renderOverview(s),
    renderSet(s),
    h("div", { class: "columns" }, renderRotations(s), renderPenalties(s)),
    renderAuction(s),
    h("div", { class: "columns" }, renderMempool(s), renderJobs(s)),
    renderContracts(s),
  );
}

function renderOverview(s: Snapshot): HTMLElement {
  const o = s.overview;
  const now = o.blockTime;
  const active = o.fallbackMode
    ? h("span", {}, "L1 fallback ", short(o.activeSequencer))
    : h("span", {}, h("strong", {}, `#${o.currentSequencerId} `), short(o.activeSequencer));
  const nextNote =
    o.config.selectionMode === SelectionMode.RoundRobin && o.nextInOrder !== 0n
      ? `round-robin hands over to #${o.nextInOrder}`
      : `selected by ${SelectionMode[o.config.selectionMode] ?? "mode " + o.config.selectionMode} at the rotation`;
  return section(
    "Overview",
    "overview",
    h(
      "div",
      { class: "stats" },
      stat("Sequencers registered", o.totalSequencers, "set-size"),
      stat("Active", o.activeCount, "active-count", `of at most ${o.config.maxSequencers}`),
      stat("Active sequencer", active, "active-sequencer", o.fallbackMode ? "fallback mode" : undefined),
      stat("Current id", o.currentSequencerId, "active-id"),
      stat("Next handover", relative(o.nextRotationTime, now), "next-rotation", h("span", {}, when(o.nextRotationTime), h("br"), nextNote)),
      stat("Last rotation", when(o.lastRotationTime), "last-rotation"),
      stat("Selection mode", SelectionMode[o.config.selectionMode] ?? `#${o.config.selectionMode}`, "selection-mode"),
      stat("Rotation period", `${o.config.rotationPeriod} s`, "rotation-period"),
      stat("Minimum stake", coin(o.config.minStake), "min-stake"),
      stat("Slash on equivocation", bps(o.config.slashingBps), "slashing"),
      stat("Insurance fund", coin(o.insuranceFund), "insurance"),
      stat("Block", o.blockNumber, "block", when(o.blockTime)),
    ),
  );
}

function renderSet(s: Snapshot): HTMLElement {
  const { from, to, rows } = s.page;
  const total = s.overview.totalSequencers;
  const lens = s.addresses.lens !== undefined;
  const pager = h(
    "div",
    { class: "pager" },
    h("span", { "data-testid": "page-range" }, total === 0n ? "no sequencers" : `ids ${from}–${to} of ${total}`),
  );
  if (from > 1n) pager.append(button("← previous", () => turnPage(-1)));
  if (to < total) pager.append(button("next →", () => turnPage(1)));
  const headers = [
    "Id",
    "Operator",
    "Status",
    "Own stake",
    "Delegated",
    "Pool (bonded)",
    "Commission",
    "Performance",
    "Stake weight",
    "Endpoint",
  ];
  const body = table(
    headers,
    rows.map((r) => ({
      attrs: {
        "data-sequencer-id": String(r.id),
        class: r.id === s.overview.currentSequencerId && !s.overview.fallbackMode ? "current" : "",
      },
      cells: [
        cell("id", `#${r.id}`),
        cell("operator", short(r.operator)),
        cell("status", h("span", { class: `badge ${statusName(r.status).toLowerCase()}` }, statusName(r.status))),
        cell("stake", coin(r.stake)),
        cell("delegated", coin(r.delegatedStake)),
        cell("pool", r.pool ? coin(r.pool.bondedStake) : lens ? "—" : "no lens"),
        cell("commission", r.pool ? bps(r.pool.commissionBps) : "—"),
        cell("performance", bps(r.performance)),
        cell("share", r.weight === undefined || !s.page.totalWeight ? "—" : bps((r.weight * 10_000n) / s.page.totalWeight)),
        cell("endpoint", h("span", { class: "mono small" }, r.endpoint || "—")),
      ],
    })),
    "No sequencer is registered.",
  );
  return section(`Sequencer set`, "set", pager, body);
}

function turnPage(direction: number): void {
  const next = firstId + BigInt(direction * ROWS);
  firstId = next < 1n ? 1n : next;
  void refresh();
}

function button(text: string, onClick: () => void): HTMLElement {
  const b = h("button", { type: "button" }, text);
  b.addEventListener("click", onClick);
  return b;
}

function renderRotations(s: Snapshot): HTMLElement {
  const items = s.rotations.flatMap((e) =>
    e.name === "SequencerRotated"
      ? [
          h(
            "li",
            { "data-event": "rotation" },
            h("div", { class: "when" }, when(e.time), ` · block ${e.blockNumber}`),
            h("div", {}, operatorLabel(s, e.args.oldSequencer), " → ", operatorLabel(s, e.args.newSequencer)),
          ),
        ]
      : [],
  );
  return section(
    "Rotation timeline",
    "rotations",
    items.length ? h("ol", { class: "timeline", "data-testid": "timeline" }, ...items) : h("p", { class: "empty" }, "No rotation yet."),
    scannedNote(s),
  );
}

function renderPenalties(s: Snapshot): HTMLElement {
  const rows = s.penalties.map((e) => {
    const at = h("span", { class: "small" }, when(e.time));
    if (e.name === "SequencerSlashed")
      return { attrs: { "data-event": "slash" }, cells: [at, "Slash", `#${e.args.sequencerId}`, coin(e.args.amount)] };
    if (e.name === "EquivocationProven")
      return {
        attrs: { "data-event": "equivocation" },
        cells: [
          at,
          "Equivocation proven",
          `#${e.args.sequencerId}`,
          h("span", {}, `slot ${e.args.slot}, slashed ${coin(e.args.slashed)} by `, short(e.args.reporter)),
        ],
      };
    if (e.name === "MisbehaviorReported")
      return {
        attrs: { "data-event": "report" },
        cells: [
          at,
          "Misbehavior reported",
          `#${e.args.sequencerId}`,
          h("span", {}, "by ", short(e.args.reporter), " evidence ", short(e.args.evidenceHash)),
        ],
      };
    return { cells: [at, e.name, "", ""] };
  });
  return section(
    "Slashes and reports",
    "penalties",
    table(["Time", "Event", "Sequencer", "Details"], rows, "No slash or report."),
    scannedNote(s),
  );
}

function renderAuction(s: Snapshot): HTMLElement {
  const a = s.auction;
  if (!a) return section("Auction", "auction", h("p", { class: "empty" }, "No selection module is known for this registry."));
  const now = s.overview.blockTime;
  const parts: HTMLElement[] = [
    h(
      "div",
      { class: "stats" },
      stat("Auctions held", a.count, "auction-count"),
      stat("Reserve (minimum bid)", coin(a.minBid)),
      stat("Winners / turns", `${a.winners} / ${a.turnsPerAuction}`),
      stat(
        "Escrow",
        coin(a.escrow.deposits + a.escrow.bonds + a.escrow.owed),
        undefined,
        `deposits ${coin(a.escrow.deposits)}, bonds ${coin(a.escrow.bonds)}`,
      ),
      stat("Pending rotation draw", a.rotationDraw.forId === 0n ? "none" : `#${a.rotationDraw.drawnId} after #${a.rotationDraw.forId}`),
    ),
  ];
  const l = a.latest;
  if (l) {
    const revealEnd = l.endTime + l.revealPeriod;
    const phase =
      l.finalizedAt !== 0n
        ? "finalized"
        : BigInt(now) < l.endTime
          ? `bidding (closes ${relative(l.endTime, now)})`
          : BigInt(now) < revealEnd
            ? `reveal (closes ${relative(revealEnd, now)})`
            : "awaiting finalization";
    parts.push(
      h("h3", {}, `Auction #${l.id}: `, h("span", { "data-testid": "auction-phase" }, phase)),
      h(
        "p",
        { class: "small" },
        `opened ${when(l.startTime)}, bidding closes ${when(l.endTime)}; ${l.seats} seat(s), reserve ${coin(l.reserve)}, bond ${coin(l.bond)}; ` +
          `${l.bidCount} ranked bid(s), ${l.unrevealed} unrevealed` +
          (l.finalizedAt !== 0n ? `; clearing price ${coin(l.clearingPrice)}` : ""),
      ),
      table(
        ["Rank", "Bidder"],
        l.top.map((bidder, i) => ({ cells: [i < Number(l.seats) ? `${i + 1} (seat)` : `${i + 1}`, operatorLabel(s, bidder)] })),
        "No revealed bid yet.",
      ),
    );
    if (l.schedule) {
      parts.push(
        h(
          "p",
          { class: "small" },
          "Turns: ",
          ...l.schedule.turns.map((t, i) =>
            h(
              "span",
              { class: i < Number(l.schedule!.cursor) ? "turn done" : "turn" },
              t === "0x0000000000000000000000000000000000000000" ? "random" : operatorLabel(s, t),
            ),
          ),
        ),
      );
    }
  }
  const events = s.auctionEvents.map((e) => ({
    attrs: { "data-event": e.name },
    cells: [h("span", { class: "small" }, when(e.time)), e.name, auctionEventDetails(s, e)],
  }));
  parts.push(h("h3", {}, "Recent auction events"), table(["Time", "Event", "Details"], events, "No auction event."));
  return section("Auction (selection module)", "auction", ...parts);
}

function auctionEventDetails(s: Snapshot, e: Snapshot["auctionEvents"][number]): HTMLElement | string {
  switch (e.name) {
    case "AuctionStarted":
      return `#${e.args.auctionId}, bidding until ${when(e.args.endTime)}`;
    case "BidPlaced":
    case "BidRevealed":
      return h("span", {}, `#${e.args.auctionId}: `, operatorLabel(s, e.args.bidder), ` ${coin(e.args.amount)}`);
    case "BidCommitted":
      return h("span", {}, `#${e.args.auctionId}: `, operatorLabel(s, e.args.bidder), ` deposit ${coin(e.args.deposit)}`);
    case "AuctionFinalized":
      return h("span", {}, `#${e.args.auctionId}: won by `, operatorLabel(s, e.args.winner), ` at ${coin(e.args.amount)}`);
    case "BondSlashed":
      return h("span", {}, `#${e.args.auctionId}: `, operatorLabel(s, e.args.winner), ` lost ${coin(e.args.amount)}`);
    default:
      return "";
  }
}

function renderMempool(s: Snapshot): HTMLElement {
  const m = s.mempool;
  if (!m) return section("Encrypted mempool", "mempool", h("p", { class: "empty" }, "The MEV mitigation contract's address is not known."));
  const now = BigInt(s.overview.blockTime);
  const rows = m.recent.map((t) => ({
    attrs: { "data-tx": t.txId },
    cells: [
      `${t.sequence}`,
      short(t.txId),
      t.kind,
      short(t.sender),
      h("span", { class: `badge ${label(TX_STATUS, t.status).toLowerCase()}` }, label(TX_STATUS, t.status)),
      t.status === 1 && t.unlockTime > now ? `unlocks ${when(t.unlockTime)}` : `open until ${when(t.deadline)}`,
    ],
  }));
  return section(
    "Encrypted mempool",
    "mempool",
    h(
      "div",
      { class: "stats" },
      stat("Submitted", m.submitted, "mempool-submitted"),
      stat("Committee", m.epoch === 0n ? "none" : `epoch ${m.epoch}, ${m.threshold} to decrypt`),
      stat("Reveal window", `${m.revealWindow} s`),
    ),
    table(["#", "Transaction", "Kind", "Sender", "Status", "Deadline"], rows, "No encrypted transaction seen."),
  );
}

function renderJobs(s: Snapshot): HTMLElement {
  const j = s.jobs;
  if (!j) return section("AI jobs", "jobs", h("p", { class: "empty" }, "The scheduler's address is not known."));
  if (j.policy === undefined) return section("AI jobs", "jobs", h("p", { class: "empty" }, "The scheduler lens's address is not known."));
  const rows = j.recent.map((job) => ({
    attrs: { "data-job": job.jobId },
    cells: [
      `${BigInt(job.jobId)}`,
      short(job.requester),
      h("span", { class: `badge ${label(JOB_STATUS, job.status).toLowerCase()}` }, label(JOB_STATUS, job.status)),
      job.sequencerId === 0n ? "—" : `#${job.sequencerId}`,
      coin(job.payment),
      `${job.priority}`,
      when(job.deadline),
    ],
  }));
  return section(
    "AI jobs",
    "jobs",
    h(
      "div",
      { class: "stats" },
      stat("Policy", label(POLICY, j.policy), "job-policy"),
      stat("Escrow", coin(j.escrow ?? 0n)),
      stat("Next queued", j.nextQueued ? `job ${BigInt(j.nextQueued)}` : "none", "next-job"),
    ),
    table(["Job", "Requester", "Status", "Sequencer", "Payment", "Priority", "Deadline"], rows, "No job seen."),
  );
}

function renderContracts(s: Snapshot): HTMLElement {
  const a = s.addresses;
  const entries: [string, string | undefined][] = [
    ["SequencerRegistry", a.registry],
    ["RegistryLens", a.lens],
    ["SelectionMechanisms", a.selection],
    ["MEVMitigation", a.mev],
    ["AIScheduler", a.scheduler],
    ["SchedulerLens", a.schedulerLens],
  ];
  return section(
    "Contracts",
    "contracts",
    h("p", { class: "small" }, `Addresses from ${a.source}.`),
    table(
      ["Contract", "Address"],
      entries.map(([name, address]) => ({ cells: [name, address ? h("span", { class: "mono" }, address) : "unknown"] })),
      "",
    ),
  );
}

function scannedNote(s: Snapshot): HTMLElement {
  return h("p", { class: "small muted" }, `Events of blocks ${s.scanned[0]}–${s.scanned[1]}; the newest 20 are shown.`);
}

/** The form: fills in from the query string, and on submit puts the target in the address bar and connects. */
function setUpForm(): void {
  const form = $("target") as HTMLFormElement;
  const field = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
  const initial = targetFromQuery(location.search);
  if (initial) {
    field("rpc").value = initial.rpc;
    field("record").value = initial.record ?? "";
    field("registry").value = initial.registry ?? "";
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const current = targetFromQuery(location.search);
    const target: Target = { ...current, rpc: field("rpc").value.trim() };
    target.record = field("record").value.trim() || undefined;
    target.registry = field("registry").value.trim() || undefined;
    if (!target.rpc) return showStatus("Enter the URL of a JSON-RPC node.", "error");
    const kept = ["refresh", "pageSize"].flatMap((k) => (SETTINGS.get(k) ? [`&${k}=${encodeURIComponent(SETTINGS.get(k)!)}`] : []));
    history.replaceState(null, "", queryOf(target) + kept.join(""));
    void connect(target);
  });
  if (initial) void connect(initial);
  else showStatus("Enter a JSON-RPC URL, and a deployment record URL or the registry's address.", "info");
}

setUpForm();
