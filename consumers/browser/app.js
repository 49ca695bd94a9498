// A browser app: bundled for the browser (no Node built-ins) and run where only browser globals exist.
import { Interface, getAddress, toBeHex } from "ethers";
import {
  abis,
  decodeRevert,
  describeRevert,
  parseEvents,
  getDeployment,
  connectSuite,
  buildEquivocationProof,
} from "lp504-sequencer-registry";

function check(condition, what) {
  if (!condition) throw new Error(`browser consumer: ${what}`);
}

const operator = getAddress(toBeHex(0xabcdef, 20));
const registry = new Interface(abis.SequencerRegistry);
const data = registry.encodeErrorResult("RegistryRotationNotDue", [1234n]);
const revert = decodeRevert({ info: { error: { data } } });
check(revert && revert.name === "RegistryRotationNotDue" && revert.args.nextRotationTime === 1234n, "decodes the custom error");
check(describeRevert(data) === "RegistryRotationNotDue(nextRotationTime=1234)", "describes the custom error");

const log = { ...registry.encodeEventLog(registry.getEvent("SequencerRegistered"), [5n, operator]), address: operator };
const [event] = parseEvents("SequencerRegistry", [log]);
check(event.name === "SequencerRegistered" && event.args.sequencerId === 5n && event.args.operator === operator, "parses the event");
check(getDeployment(31337) === undefined, "has no record of a development chain");
check(typeof connectSuite === "function" && typeof buildEquivocationProof === "function", "exports the suite and the SDK");

globalThis.consumerResult = "browser consumer: ok";
