import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { keccak256 } from "ethers";
import {
  commandExecutor,
  moduleExecutor,
  parseGradientOutput,
  parseJobOutput,
  ExecutorError,
  MAX_STDOUT_BYTES,
  type ExecutorTask,
} from "../../node/compute/executor";

const NODE = process.execPath;
const TASK: ExecutorTask = {
  kind: "gradient",
  clusterId: "0x" + "11".repeat(32),
  generation: "0",
  epoch: "1",
  sequencerId: "1",
  modelHash: "0x" + "22".repeat(32),
  weightsHash: "0x" + "00".repeat(32),
  shards: [],
};
const HASH = "0x" + "ab".repeat(32);

/** A command that runs `source` in Node (no shell), with the task on its stdin. */
const script = (source: string, timeoutMs = 5000, env?: NodeJS.ProcessEnv) => commandExecutor([NODE, "-e", source], timeoutMs, env);

async function failure(p: Promise<unknown>): Promise<ExecutorError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ExecutorError);
    return e as ExecutorError;
  }
  throw new Error("expected an ExecutorError");
}

describe("node: compute executors", function () {
  it("hands a command the task as JSON on stdin and reads one JSON object from its stdout", async function () {
    const echo = script(`let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.stringify({got:JSON.parse(s)})))`);
    expect(await echo.run(TASK)).to.deep.equal({ got: TASK });
  });

  it("passes arguments as they are, through no shell", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-exec-"));
    const marker = path.join(dir, "injected");
    const argument = `$(touch ${marker}); \`touch ${marker}\`; echo`;
    const argv = commandExecutor([NODE, "-e", `console.log(JSON.stringify({arg: process.argv[1]}))`, argument], 5000);
    expect(await argv.run(TASK)).to.deep.equal({ arg: argument });
    expect(fs.existsSync(marker)).to.equal(false);
  });

  it("keeps the keystore password and an imported key out of the executor's environment", async function () {
    const env = { ...process.env, LP504_NODE_PASSWORD: "secret", LP504_NODE_IMPORT_KEY: "0x01", OTHER: "kept" };
    const e = script(
      `console.log(JSON.stringify({p: process.env.LP504_NODE_PASSWORD ?? null, k: process.env.LP504_NODE_IMPORT_KEY ?? null, o: process.env.OTHER}))`,
      5000,
      env,
    );
    expect(await e.run(TASK)).to.deep.equal({ p: null, k: null, o: "kept" });
  });

  it("tells a failure (non-zero exit), a retry (exit 75), garbage and a missing program apart", async function () {
    expect((await failure(script(`process.stderr.write("boom");process.exit(3)`).run(TASK))).outcome).to.equal("failed");
    expect((await failure(script(`process.exit(75)`).run(TASK))).outcome).to.equal("retry");
    expect((await failure(script(`console.log("not json")`).run(TASK))).outcome).to.equal("invalid-output");
    const huge = `process.stdout.write("x".repeat(${MAX_STDOUT_BYTES + 10}))`;
    expect((await failure(script(huge).run(TASK))).outcome).to.equal("invalid-output");
    const missing = commandExecutor([path.join(os.tmpdir(), "no-such-executor")], 5000);
    expect((await failure(missing.run(TASK))).outcome).to.equal("failed");
  });

  it("kills a command (and what it spawned) that does not answer in time", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-exec-"));
    const pidFile = path.join(dir, "grandchild");
    // the executor starts a grandchild that would outlive it, records its pid, and never answers
    const source =
      `const c=require("node:child_process").spawn(process.execPath,["-e","setTimeout(()=>0,60000)"],{stdio:"ignore"});` +
      `require("node:fs").writeFileSync(${JSON.stringify(pidFile)},String(c.pid));setTimeout(()=>0,60000)`;
    const started = Date.now();
    expect((await failure(script(source, 3000).run(TASK))).outcome).to.equal("timeout");
    expect(Date.now() - started).to.be.lessThan(8000);
    const pid = Number(fs.readFileSync(pidFile, "utf8"));
    // gone with its group: no such process, or a zombie waiting for a reaper that the container may not have
    const alive = () => {
      try {
        return fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.[0] !== "Z";
      } catch {
        return false;
      }
    };
    for (let i = 0; i < 50 && alive(); i++) await new Promise((r) => setTimeout(r, 20));
    expect(alive()).to.equal(false);
  });

  it("calls a module's execute(task), with a timeout, and refuses a module without one", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-exec-"));
    const good = path.join(dir, "good.js");
    fs.writeFileSync(good, `exports.execute = async (t) => ({ gradientHash: "${HASH}", loss: t.epoch });`);
    expect(await moduleExecutor(good, 1000).run(TASK)).to.deep.equal({ gradientHash: HASH, loss: "1" });
    const slow = path.join(dir, "slow.js");
    fs.writeFileSync(slow, `exports.execute = () => new Promise(() => {});`);
    expect((await failure(moduleExecutor(slow, 200).run(TASK))).outcome).to.equal("timeout");
    const throws = path.join(dir, "throws.js");
    fs.writeFileSync(throws, `exports.execute = () => { throw new Error("no GPU"); };`);
    expect((await failure(moduleExecutor(throws, 200).run(TASK))).message).to.contain("no GPU");
    const none = path.join(dir, "none.js");
    fs.writeFileSync(none, `exports.run = () => 1;`);
    expect(() => moduleExecutor(none, 200)).to.throw("compute.executor.module");
  });

  it("accepts only well-formed answers", function () {
    expect(parseJobOutput({ result: "0x1234", computeUsed: "7" })).to.deep.equal({ resultHash: keccak256("0x1234"), computeUsed: 7n });
    expect(parseJobOutput({ resultHash: HASH })).to.deep.equal({ resultHash: HASH, computeUsed: 0n });
    const refused = (f: () => unknown) => expect(f).to.throw(ExecutorError);
    refused(() => parseJobOutput({ result: "0x1234", resultHash: HASH })); // both
    refused(() => parseJobOutput({})); // neither
    refused(() => parseJobOutput({ result: "0x" })); // empty
    refused(() => parseJobOutput({ result: "1234" })); // not 0x hex
    refused(() => parseJobOutput({ resultHash: "0x" + "00".repeat(32) })); // zero
    refused(() => parseJobOutput({ resultHash: "0x1234" })); // not 32 bytes
    refused(() => parseJobOutput({ resultHash: HASH, computeUsed: -1 }));
    refused(() => parseJobOutput([HASH]));
    expect(parseGradientOutput({ gradientHash: HASH, loss: 5 })).to.deep.equal({ gradientHash: HASH, loss: 5n });
    refused(() => parseGradientOutput({ gradientHash: HASH })); // no loss
    refused(() => parseGradientOutput({ gradientHash: HASH, loss: (1n << 128n).toString() })); // over MAX_LOSS
    refused(() => parseGradientOutput({ gradientHash: "0x" + "00".repeat(32), loss: 1 }));
    refused(() => parseGradientOutput({ gradientHash: HASH, loss: 1.5 }));
  });
});
