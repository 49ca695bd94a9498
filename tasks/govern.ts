/**
 * Tasks for what governance and operators do besides staking: the registry's governed parameters (read in the
 * units a person uses, set by name), reinstating a sequencer, opening, inspecting and finalizing an auction,
 * advertising compute capabilities and scheduling a job. Amounts are in LUX, durations in seconds or with a unit
 * (30m, 1h, 2d), times printed as UTC dates, shares of the weight as percentages.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { HardhatPluginError } from "hardhat/plugins";
import { Parameter, SelectionMode } from "../deploy/params";
import { lp504, PLUGIN, attachSuite, withDecodedErrors, fmtLux, sent, operate, parseWhole, type AttachedSuite } from "./lp504";

const FROM = "Account index or address (default 0)";

/** How a parameter's value reads: an amount of LUX, a duration, basis points, a selection mode or a plain number. */
type Unit = "lux" | "seconds" | "bps" | "mode" | "count" | "block" | "slots" | "multiplier" | "bpsPerDay";

const UNITS: Record<keyof typeof Parameter, Unit> = {
  MinStake: "lux",
  MaxSequencers: "count",
  RotationPeriod: "seconds",
  ExitDelay: "seconds",
  SelectionMode: "mode",
  SlashingPercentage: "bps",
  MaxDelegationMultiplier: "multiplier",
  MinDelegation: "lux",
  EjectionStake: "lux",
  ReporterRewardBps: "bps",
  InsuranceFeeBps: "bps",
  MaxCommissionBps: "bps",
  DefaultCommissionBps: "bps",
  SuspensionCooldown: "seconds",
  EvidenceWindowSlots: "slots",
  MinActiveSequencers: "count",
  ActivationBlock: "block",
  ScoreDecayRate: "bpsPerDay",
  RegionCapBps: "bps",
};

const PARAMETER_NAMES = Object.keys(UNITS) as (keyof typeof Parameter)[];

/** The parameter called `name` (case and separators ignored: min-stake, minStake and MIN_STAKE are MinStake). */
export function parameterNamed(name: string): keyof typeof Parameter {
  const key = name.replace(/[-_\s]/g, "").toLowerCase();
  const found = PARAMETER_NAMES.find((p) => p.toLowerCase() === key);
  if (!found) throw new HardhatPluginError(PLUGIN, `no parameter "${name}": the registry's parameters are ${PARAMETER_NAMES.join(", ")}`);
  return found;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** Seconds from "3600", "90s", "30m", "1h", "2d" or "1w". */
export function parseDuration(value: string, what: string): bigint {
  const m = /^\s*(\d+)\s*([smhdw]?)\s*$/i.exec(value);
  if (!m) throw new HardhatPluginError(PLUGIN, `${what}: "${value}" is not a duration (seconds, or a number with s, m, h, d or w)`);
  return BigInt(m[1]) * BigInt(DURATION_UNITS[(m[2] || "s").toLowerCase()]);
}

/** A duration as a person reads it: the largest whole unit (1h, 90m, 36h…), seconds otherwise. */
export function formatDuration(seconds: bigint): string {
  for (const [unit, size] of Object.entries(DURATION_UNITS).reverse()) {
    if (seconds >= BigInt(size) && seconds % BigInt(size) === 0n) return `${seconds / BigInt(size)}${unit}`;
  }
  return `${seconds}s`;
}

/** A parameter's value from what a person writes, in the parameter's unit. */
export function parseParameterValue(hre: HardhatRuntimeEnvironment, name: keyof typeof Parameter, value: string): bigint {
  const what = `parameter ${name}`;
  switch (UNITS[name]) {
    case "lux": {
      // The unit is required: a bare number is wei in parameter files and would be read as LUX by a person.
      const m = /^\s*(\d+(?:\.\d+)?)\s*(LUX|gwei|wei)\s*$/i.exec(value);
      if (!m) throw new HardhatPluginError(PLUGIN, `${what}: "${value}" needs its unit: "100 LUX", "5 gwei" or "1000 wei"`);
      const unit = m[2].toLowerCase();
      try {
        return unit === "lux" ? hre.ethers.parseEther(m[1]) : hre.ethers.parseUnits(m[1], unit === "gwei" ? 9 : 0);
      } catch {
        throw new HardhatPluginError(PLUGIN, `${what}: "${value}" is not an amount of ${m[2]}`);
      }
    }
    case "seconds":
      return parseDuration(value, what);
    case "bps": {
      const percent = /^\s*(\d+(?:\.\d{1,2})?)\s*%\s*$/.exec(value);
      if (percent) {
        const [whole, fraction = ""] = percent[1].split(".");
        return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, "0"));
      }
      // The unit is required: "10" could mean 10% or 10 basis points (0.1%), a hundredfold apart.
      const bps = /^\s*(\d+)\s*(bp|bps)\s*$/i.exec(value);
      if (bps) return BigInt(bps[1]);
      throw new HardhatPluginError(PLUGIN, `${what}: "${value}" needs its unit: a percentage ("5%") or basis points ("500 bps")`);
    }
    case "mode": {
      const byName = Object.keys(SelectionMode).find((k) => isNaN(Number(k)) && k.toLowerCase() === value.trim().toLowerCase());
      if (byName) return BigInt(SelectionMode[byName as keyof typeof SelectionMode]);
      const modes = Object.keys(SelectionMode).filter((k) => isNaN(Number(k)));
      if (/^\s*\d+\s*$/.test(value) && Number(value) < modes.length) return BigInt(value.trim());
      throw new HardhatPluginError(PLUGIN, `${what}: "${value}" is not a selection mode (${modes.join(", ")})`);
    }
    default:
      return parseWhole(value, what);
  }
}

/** A parameter's value in its unit. */
export function formatParameterValue(name: keyof typeof Parameter, value: bigint): string {
  switch (UNITS[name]) {
    case "lux":
      return fmtLux(value);
    case "seconds":
      return formatDuration(value);
    case "bps":
      return `${Number(value) / 100}%`;
    case "bpsPerDay":
      return `${Number(value) / 100}% per day`;
    case "mode":
      return SelectionMode[Number(value)] ?? value.toString();
    case "multiplier":
      return `${value}×`;
    case "slots":
      return `${value} slots`;
    case "block":
      return `block ${value}`;
    default:
      return value.toString();
  }
}

/** Every governed parameter's value, read from the registry's two views. */
export async function readParameters(suite: Pick<AttachedSuite, "registry">): Promise<Record<keyof typeof Parameter, bigint>> {
  const [c, p] = await Promise.all([suite.registry.getConfig(), suite.registry.getParameters()]);
  return {
    MinStake: c.minStake,
    MaxSequencers: c.maxSequencers,
    RotationPeriod: c.rotationPeriod,
    ExitDelay: c.exitDelay,
    SelectionMode: BigInt(c.selectionMode),
    SlashingPercentage: c.slashingPercentage,
    MaxDelegationMultiplier: p.maxDelegationMultiplier,
    MinDelegation: p.minDelegation,
    EjectionStake: p.ejectionStake,
    ReporterRewardBps: p.reporterRewardBps,
    InsuranceFeeBps: p.insuranceFeeBps,
    MaxCommissionBps: p.maxCommissionBps,
    DefaultCommissionBps: p.defaultCommissionBps,
    SuspensionCooldown: p.suspensionCooldown,
    EvidenceWindowSlots: p.evidenceWindowSlots,
    MinActiveSequencers: p.minActiveSequencers,
    ActivationBlock: p.activationBlock,
    ScoreDecayRate: p.scoreDecayRate,
    RegionCapBps: p.regionCapBps,
  };
}

const date = (seconds: bigint | number) => (BigInt(seconds) === 0n ? "—" : new Date(Number(seconds) * 1000).toISOString());

lp504.task("params", "The registry's governed parameters, in LUX, durations and percentages").setAction(async (_a, hre) =>
  withDecodedErrors(hre, "params", async () => {
    const values = await readParameters(await attachSuite(hre));
    console.table(PARAMETER_NAMES.map((name) => ({ parameter: name, value: formatParameterValue(name, values[name]) })));
    return values;
  }),
);

lp504
  .task("param", "Sets a governed registry parameter (governance): --name RotationPeriod --value 30m")
  .addParam("name", `One of ${PARAMETER_NAMES.join(", ")}`)
  .addParam(
    "value",
    'With its unit: "100 LUX" for stakes, a duration (30m, 1h, 2d) for periods, "5%" or "500 bps" for shares, a mode\'s name',
  )
  .addOptionalParam("from", FROM)
  .setAction(async (a: { name: string; value: string; from?: string }, hre) => {
    const name = parameterNamed(a.name);
    const value = parseParameterValue(hre, name, a.value);
    return operate(hre, `setParameter(${name})`, a.from, async (suite) => {
      const before = (await readParameters(suite))[name];
      await sent(`${name} set`, suite.registry.setParameter(Parameter[name], value));
      console.log(`${name}: ${formatParameterValue(name, before)} → ${formatParameterValue(name, value)}`);
      return value;
    });
  });

lp504
  .task("reinstate", "Reinstates a suspended sequencer (governance)")
  .addParam("id", "Sequencer id")
  .addOptionalParam("from", FROM)
  .setAction(async (a: { id: string; from?: string }, hre) =>
    operate(hre, "reinstateSequencer", a.from, async ({ registry }) => {
      const id = parseWhole(a.id, "--id");
      await sent(`sequencer ${id} reinstated`, registry.reinstateSequencer(id));
      return id;
    }),
  );

lp504
  .task("auction-open", "Opens a sequencing-rights auction (auctioneer role): bids are taken for --duration, then revealed")
  .addParam("duration", "Bidding period: seconds or 30m, 1h, 2d")
  .addOptionalParam("from", FROM)
  .setAction(async (a: { duration: string; from?: string }, hre) => {
    const duration = parseDuration(a.duration, "--duration");
    return operate(hre, "initAuction", a.from, async ({ selection }) => {
      const id = await selection.initAuction.staticCall(duration);
      await sent(`auction ${id} opened`, selection.initAuction(duration));
      const details = await selection.auctionDetails(id);
      console.log(
        `auction ${id}: ${details.seats} seats, reserve ${fmtLux(details.reserve)}, bond ${fmtLux(details.bond)}; ` +
          `bids until ${date(details.endTime)}, reveals until ${date(details.endTime + details.revealPeriod)}`,
      );
      console.log(`bid: lp504 bid --auction ${id} --amount <LUX>`);
      return id;
    });
  });

lp504
  .task("auction", "Shows an auction (default: the latest): its phase, terms, bids and schedule")
  .addOptionalParam("auction", "Auction id")
  .setAction(async (a: { auction?: string }, hre) =>
    withDecodedErrors(hre, "auctionDetails", async () => {
      const { selection } = await attachSuite(hre);
      const count = await selection.auctionCount();
      if (count === 0n) throw new HardhatPluginError(PLUGIN, "no auction has been opened: lp504 auction-open --duration 1h");
      const id = a.auction === undefined ? count : parseWhole(a.auction, "--auction");
      if (id === 0n || id > count) throw new HardhatPluginError(PLUGIN, `no auction ${id}: auctions 1…${count} exist`);
      const d = await selection.auctionDetails(id);
      const now = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
      const revealEnd = d.endTime + d.revealPeriod;
      const phase = d.finalizedAt !== 0n ? "finalized" : now < d.endTime ? "bidding" : now < revealEnd ? "revealing" : "ready to finalize";
      console.table([
        {
          auction: id.toString(),
          phase,
          seats: Number(d.seats),
          turns: Number(d.turns),
          reserve: fmtLux(d.reserve),
          bond: fmtLux(d.bond),
          "bids close": date(d.endTime),
          "reveals close": date(revealEnd),
          "revealed bids": Number(d.bidCount),
          unrevealed: Number(d.unrevealed),
          price: d.finalizedAt !== 0n ? fmtLux(d.clearingPrice) : "—",
        },
      ]);
      return phase;
    }),
  );

lp504
  .task("auction-finalize", "Finalizes an auction after its reveal period (anyone may call)")
  .addParam("auction", "Auction id")
  .addOptionalParam("from", FROM)
  .setAction(async (a: { auction: string; from?: string }, hre) =>
    operate(hre, "finalizeAuction", a.from, async ({ selection }) => {
      const id = parseWhole(a.auction, "--auction");
      await sent(`auction ${id} finalized`, selection.finalizeAuction(id));
      const [turns] = await selection.auctionSchedule(id);
      const d = await selection.auctionDetails(id);
      console.log(
        `price ${fmtLux(d.clearingPrice)} per seat; turns: ${turns.map((t) => (t === hre.ethers.ZeroAddress ? "random" : t)).join(", ")}`,
      );
      return turns.length;
    }),
  );

lp504
  .task("capabilities", "Advertises the compute capabilities of the --from operator's sequencer (or --id) to the scheduler")
  .addParam("flops", "Available GFLOPS")
  .addParam("memory", "Available memory in MiB")
  .addOptionalParam("bandwidth", "Network bandwidth (Mbit/s)", "0")
  .addOptionalParam("models", "Supported models, comma-separated (e.g. llama-3-70b,whisper)", "")
  .addFlag("gpu", "The sequencer has a GPU")
  .addFlag("tee", "The sequencer runs in a trusted execution environment")
  .addOptionalParam("id", "Sequencer id")
  .addOptionalParam("from", FROM)
  .setAction(
    async (
      a: { flops: string; memory: string; bandwidth: string; models: string; gpu: boolean; tee: boolean; id?: string; from?: string },
      hre,
    ) => {
      const caps = {
        sequencerId: 0n,
        availableFlops: parseWhole(a.flops, "--flops") * GFLOP,
        availableMemory: parseWhole(a.memory, "--memory") * MIB,
        networkBandwidth: parseWhole(a.bandwidth, "--bandwidth"),
        supportedModels: a.models === "" ? [] : a.models.split(",").map((m) => m.trim()),
        hasTEE: a.tee,
        hasGPU: a.gpu,
      };
      return operate(hre, "capabilities", a.from, async ({ registry, schedulerLens, scheduler }, signer) => {
        const id = a.id !== undefined ? parseWhole(a.id, "--id") : await registry.sequencerIdOf(await signer.getAddress());
        if (id === 0n) throw new HardhatPluginError(PLUGIN, `${await signer.getAddress()} operates no sequencer: pass --id`);
        caps.sequencerId = id;
        const [current] = await schedulerLens.getCapabilities(id);
        const update = current.hotIndex !== 0n;
        await sent(
          `capabilities of sequencer ${id} ${update ? "updated" : "registered"}`,
          update ? scheduler.updateCapabilities(id, caps) : scheduler.registerCapabilities(id, caps),
        );
        return update ? "updated" : "registered";
      });
    },
  );

lp504
  .task("schedule", "Schedules a queued job onto a sequencer (the scheduler role, or the sequencer's operator for the queue's head)")
  .addParam("job", "Job id (32-byte hex, as job-submit printed it)")
  .addParam("id", "Sequencer id")
  .addOptionalParam("from", FROM)
  .setAction(async (a: { job: string; id: string; from?: string }, hre) => {
    const job = jobIdFrom(hre, a.job);
    const id = parseWhole(a.id, "--id");
    return operate(hre, "scheduleJob", a.from, async ({ scheduler }) => {
      await sent(`job ${job} scheduled on sequencer ${id}`, scheduler.scheduleJob(job, id));
      return id;
    });
  });

/** Flops per GFLOP and bytes per MiB: the units the tasks take flops and memory in. */
export const GFLOP = 10n ** 9n;
export const MIB = 1n << 20n;

/** A job id from the command line: 32-byte hex, as `job-submit` printed it. */
export function jobIdFrom(hre: HardhatRuntimeEnvironment, value: string): string {
  if (!hre.ethers.isHexString(value, 32))
    throw new HardhatPluginError(PLUGIN, `"${value}" is not a job id: job ids are 32-byte hex (0x + 64 digits), as job-submit printed it`);
  return value;
}
