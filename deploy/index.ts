export * from "./params";
export * from "./suite";
export * from "./record";
export * from "./chain";
export * from "./wiring";
export * from "./roles";
