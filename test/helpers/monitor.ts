import type { PerformanceMonitor } from "../../typechain-types";

/** The monitor's parameters as a plain object (the view's struct output is read-only), to change one and resend. */
export async function monitorParams(monitor: PerformanceMonitor) {
  const p = await monitor.getParameters();
  return {
    periodDuration: p.periodDuration,
    livenessTimeout: p.livenessTimeout,
    inclusionWindow: p.inclusionWindow,
    slaPenaltyBps: p.slaPenaltyBps,
    censorshipPenaltyBps: p.censorshipPenaltyBps,
    suspendAfterBreaches: p.suspendAfterBreaches,
    targetTps: p.targetTps,
    targetLatencyMs: p.targetLatencyMs,
    minInclusionFee: p.minInclusionFee,
  };
}

/** The monitor's SLA as a plain object. */
export async function monitorSLA(monitor: PerformanceMonitor) {
  const s = await monitor.getSLA();
  return { minThroughput: s.minThroughput, minUptime: s.minUptime, maxLatency: s.maxLatency, maxMissedSlots: s.maxMissedSlots };
}
