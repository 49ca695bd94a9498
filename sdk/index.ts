export * from "./blockCommitment";
export * from "./vrf";
export * from "./beacon";
export * from "./threshold";
export * as vdf from "./vdf";
