export * from "./blockCommitment";
