export * from "./blockCommitment";
export * from "./vrf";
export * from "./beacon";
