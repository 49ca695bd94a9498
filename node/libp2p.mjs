// The libp2p modules the gossip transport (node/gossip.ts) uses. They are published as ES modules only; this project
// is CommonJS, whose `require` cannot load them on Node 20, so node/gossip.ts loads this file with a real `import()`
// when the configured transport is "gossip" (and only then: nothing else in the node or the package loads libp2p).
export { createLibp2p } from "libp2p";
export { tcp } from "@libp2p/tcp";
export { noise } from "@chainsafe/libp2p-noise";
export { yamux } from "@chainsafe/libp2p-yamux";
export { identify } from "@libp2p/identify";
export { gossipsub, TopicValidatorResult } from "@libp2p/gossipsub";
export { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from "@libp2p/crypto/keys";
export { multiaddr } from "@multiformats/multiaddr";
