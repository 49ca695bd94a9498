export * from "./params";
export * from "./suite";
