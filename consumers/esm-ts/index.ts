// An ES module TypeScript consumer of the packed package (module nodenext): type-checked by tsc, then run.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Interface, JsonRpcProvider, Wallet, toBeHex } from "ethers";
import {
  abis,
  connectSuite,
  decodeRevert,
  describeRevert,
  parseEvents,
  getDeployment,
  SequencerStatus,
  type DeploymentRecord,
  type SequencerRegistry,
  type SuiteEvent,
} from "lp504-sequencer-registry";
import * as pkg from "lp504-sequencer-registry";
import { readDeployment } from "lp504-sequencer-registry/node";

const operator = Wallet.createRandom().address;
const registryInterface = new Interface(abis.SequencerRegistry);

// A revert reads as the custom error, with named, typed arguments.
const data = registryInterface.encodeErrorResult("RegistryDelegationTooSmall", [5n, 10n]);
const revert = decodeRevert({ code: "CALL_EXCEPTION", data });
assert.ok(revert?.kind === "custom");
assert.equal(revert.name, "RegistryDelegationTooSmall");
assert.deepEqual(revert.args, { amount: 5n, minDelegation: 10n });
assert.equal(describeRevert(data), "RegistryDelegationTooSmall(amount=5, minDelegation=10)");
const panic = decodeRevert("0x4e487b710000000000000000000000000000000000000000000000000000000000000011");
assert.ok(panic?.kind === "panic");
const code: bigint = panic.args.code;
assert.equal(code, 0x11n);

// Events: the union narrows by name, and each argument has its ABI's type (checked here by the compiler).
const log = {
  ...registryInterface.encodeEventLog(registryInterface.getEvent("StakeDelegated")!, [3n, operator, 10n ** 18n]),
  address: toBeHex(1, 20),
};
const events: SuiteEvent<"SequencerRegistry">[] = parseEvents("SequencerRegistry", [log]);
const event = events[0];
assert.ok(event.name === "StakeDelegated");
const amount: bigint = event.args.amount;
const delegator: string = event.args.delegator;
// @ts-expect-error an address is a string, not a bigint (this fails to compile if the types were any)
const notBigint: bigint = event.args.delegator;
assert.equal(typeof notBigint, "string");
assert.equal(amount, 10n ** 18n);
assert.equal(delegator, operator);
assert.equal(event.args.sequencerId, 3n);

// A record attaches every contract, typed by TypeChain.
const address = (n: number) => toBeHex(n, 20);
const record: DeploymentRecord = {
  format: "lp504-deployment/2",
  chainId: 96369,
  network: "luxMainnet",
  deployer: address(99),
  governance: address(98),
  params: {},
  compiler: { version: "0.8.28", settings: {}, overrides: {} },
  contracts: Object.fromEntries(
    ["SequencerRegistry", "RegistryLens", "EquivocationModule", "SelectionMechanisms", "MEVMitigation"]
      .concat(["TrainingCoordinator", "PerformanceMonitor", "AIScheduler", "SchedulerLens", "SigningKeys", "SlashingQueue"])
      .map((name, i) => [name, { address: address(i + 1), blockNumber: 1, transactionHash: "0x", constructorArgs: [] }]),
  ),
  complete: true,
  updatedAt: new Date(0).toISOString(),
};
const { registry } = connectSuite(record, new JsonRpcProvider("http://127.0.0.1:1", 96369, { staticNetwork: true }));
const typed: SequencerRegistry = registry;
assert.equal(typed.target, address(1));
assert.equal(SequencerStatus[1], "Active");
assert.deepEqual(
  Object.keys(pkg).filter((name) => /Mock|Harness|Attacker|^factories$/.test(name)),
  [],
);

// The Node-only subpath reads records from a directory (here through LP504_DEPLOYMENTS_DIR).
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-esm-"));
fs.writeFileSync(path.join(dir, "96369.json"), JSON.stringify(record));
process.env.LP504_DEPLOYMENTS_DIR = dir;
assert.equal(readDeployment(96369n)?.contracts.SequencerRegistry?.address, address(1));
delete process.env.LP504_DEPLOYMENTS_DIR;
assert.equal(readDeployment(96369), getDeployment(96369));
fs.rmSync(dir, { recursive: true });

console.log("esm-ts consumer: ok");
