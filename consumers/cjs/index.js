// A CommonJS consumer of the packed package: `require` of the root entry and of the Node-only subpath.
const assert = require("node:assert/strict");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { Interface, JsonRpcProvider, Wallet, toBeHex } = require("ethers");
const {
  abis,
  connectSuite,
  decodeRevert,
  describeRevert,
  parseEvents,
  getDeployment,
  SequencerStatus,
  SequencerRegistry__factory,
  deriveVrfKey,
  proveVRF,
  vrfOutput,
} = require("lp504-sequencer-registry");
const { readDeployment, deploymentPath } = require("lp504-sequencer-registry/node");

const operator = Wallet.createRandom().address;
const registry = new Interface(abis.SequencerRegistry);

// A revert reads as the custom error, with named, typed arguments, from the data or from what ethers threw.
const data = registry.encodeErrorResult("RegistryOperatorAlreadyRegistered", [operator, 7n]);
const thrown = { code: "CALL_EXCEPTION", info: { error: { code: 3, message: "execution reverted", data } } };
const revert = decodeRevert(thrown);
assert.equal(revert.kind, "custom");
assert.equal(revert.name, "RegistryOperatorAlreadyRegistered");
assert.deepEqual(revert.args, { operator, sequencerId: 7n });
assert.equal(describeRevert(data), `RegistryOperatorAlreadyRegistered(operator=${operator}, sequencerId=7)`);
assert.equal(decodeRevert(new Error("no data")), undefined);

// Logs decode into typed objects: a uint is a bigint, an address a string.
const fragment = registry.getEvent("SequencerRegistered");
const log = { ...registry.encodeEventLog(fragment, [42n, operator]), address: toBeHex(1, 20), blockNumber: 9, index: 3 };
const [event] = parseEvents("SequencerRegistry", [log]);
assert.equal(event.name, "SequencerRegistered");
assert.equal(typeof event.args.sequencerId, "bigint");
assert.deepEqual(event.args, { sequencerId: 42n, operator });
assert.equal(event.logIndex, 3);
assert.equal(parseEvents("SequencerRegistry", [log], { address: operator }).length, 0);

// A record attaches every contract; the factories are TypeChain's; the SDK runs (ECVRF on @noble/curves).
const address = (n) => toBeHex(n, 20);
const names = ["SequencerRegistry", "RegistryLens", "EquivocationModule", "SelectionMechanisms", "MEVMitigation"].concat([
  "TrainingCoordinator",
  "PerformanceMonitor",
  "AIScheduler",
  "SchedulerLens",
  "SigningKeys",
  "SlashingQueue",
]);
const record = {
  format: "lp504-deployment/2",
  chainId: 96369,
  contracts: Object.fromEntries(names.map((n, i) => [n, { address: address(i + 1) }])),
};
const suite = connectSuite(record, new JsonRpcProvider("http://127.0.0.1:1", 96369, { staticNetwork: true }));
assert.equal(suite.registry.target, address(1));
assert.equal(suite.signingKeys.target, address(names.indexOf("SigningKeys") + 1));
assert.equal(suite.slashingQueue.target, address(names.indexOf("SlashingQueue") + 1));
assert.equal(suite.beacon, undefined);
assert.ok(suite.registry.interface.getFunction("registerSequencer"));
assert.equal(typeof SequencerRegistry__factory.connect, "function");
assert.equal(SequencerStatus.Active, 1);
const key = deriveVrfKey("0x01");
assert.equal(vrfOutput(proveVRF(key.sk, 7n)), vrfOutput(proveVRF(key.sk, 7n)));

// No mocks, harnesses or test attackers among the exports.
const exported = Object.keys(require("lp504-sequencer-registry"));
assert.deepEqual(
  exported.filter((name) => /Mock|Harness|Attacker|^factories$/.test(name)),
  [],
);

// The Node-only subpath reads a record from a directory, checked for format and chain.
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-cjs-"));
fs.writeFileSync(path.join(dir, "96369.json"), JSON.stringify(record));
assert.equal(readDeployment(96369, dir).contracts.SequencerRegistry.address, address(1));
assert.equal(deploymentPath(96369, dir), path.join(dir, "96369.json"));
assert.equal(readDeployment(1, dir), undefined);
fs.writeFileSync(path.join(dir, "2.json"), JSON.stringify(record));
assert.throws(() => readDeployment(2, dir), /is for chain 96369, not 2/);
assert.equal(readDeployment(96369), getDeployment(96369));
fs.rmSync(dir, { recursive: true });

console.log("cjs consumer: ok");
