export * from "./blockCommitment";
export * from "./blockAttestation";
export * from "./vrf";
export * from "./beacon";
export * from "./threshold";
export * from "./timelock";
export * as vdf from "./vdf";
export * from "./sealedBid";
export * from "./jobs";
