import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { spawn, spawnSync } from "node:child_process";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Wallet } from "ethers";
import { registryFixture, ENDPOINT, PUBLIC_KEY, METADATA, STAKE_100K } from "../helpers/fixtures";
import { init, signingKey, status } from "../../node/cli";
import { LOCK_FILE } from "../../node/store";

/** Serves the in-process Hardhat network over HTTP JSON-RPC, for a node running in another process. */
async function rpcBridge(): Promise<{ url: string; close: () => Promise<void> }> {
  const one = async (req: { id: unknown; method: string; params?: unknown[] }) => {
    try {
      return { jsonrpc: "2.0", id: req.id, result: await hre.network.provider.request({ method: req.method, params: req.params ?? [] }) };
    } catch (e) {
      const err = e as { code?: number; message: string; data?: unknown };
      return { jsonrpc: "2.0", id: req.id, error: { code: err.code ?? -32000, message: err.message, data: err.data } };
    }
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString());
      const out = Array.isArray(body) ? await Promise.all(body.map(one)) : await one(body);
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(out));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe("node: command line", function () {
  this.timeout(60_000);

  it("init writes a validated config and an encrypted keystore, never the key in clear, and never overwrites", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-cli-"));
    const key = Wallet.createRandom();
    const env = { LP504_NODE_PASSWORD: "a long passphrase", LP504_NODE_IMPORT_KEY: key.privateKey };
    const args = ["--dir", dir, "--rpc-url", "http://127.0.0.1:8545", "--chain-id", "31337", "--deployment", path.join(dir, "d.json")];
    const made = await init(args, env, () => undefined);
    expect(made.address).to.equal(key.address);
    const keystore = fs.readFileSync(made.keystore, "utf8");
    const config = fs.readFileSync(made.config, "utf8");
    for (const text of [keystore, config]) expect(text.toLowerCase()).to.not.include(key.privateKey.slice(2).toLowerCase());
    expect(config).to.not.include("a long passphrase");
    expect((await Wallet.fromEncryptedJson(keystore, "a long passphrase")).address).to.equal(key.address);
    await expect(init(args, env, () => undefined)).to.be.rejectedWith("exists");
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-cli-"));
    await expect(init(["--dir", other, "--chain-id", "x"], env, () => undefined)).to.be.rejectedWith(
      /rpcUrl: required[\s\S]*chainId[\s\S]*deployment: required/,
    );
    await expect(init(["--dir", other, ...args.slice(2)], { LP504_NODE_PASSWORD: "short" }, () => undefined)).to.be.rejectedWith(
      "at least 8",
    );
    expect(fs.readdirSync(other)).to.deep.equal([]);
  });

  it("init --signing-key also writes an encrypted signing keystore (0600) the config names, and never overwrites it", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-cli-"));
    const env = { LP504_NODE_PASSWORD: "a long passphrase" };
    const args = ["--dir", dir, "--rpc-url", "http://127.0.0.1:8545", "--chain-id", "31337", "--deployment", path.join(dir, "d.json")];
    const lines: string[] = [];
    const made = await init([...args, "--signing-key"], env, (l) => lines.push(l));
    expect(made.signingKeystore).to.equal(path.join(dir, "signing-keystore.json"));
    expect(made.signingKey).to.not.equal(made.address);
    expect(fs.statSync(made.signingKeystore!).mode & 0o777).to.equal(0o600);
    const signing = await Wallet.fromEncryptedJson(fs.readFileSync(made.signingKeystore!, "utf8"), "a long passphrase");
    expect(signing.address).to.equal(made.signingKey);
    const config = fs.readFileSync(made.config, "utf8");
    expect(config.toLowerCase()).to.not.include(signing.privateKey.slice(2).toLowerCase());
    expect(JSON.parse(config).signingKeystore).to.equal("signing-keystore.json");
    expect(lines.join("\n")).to.include(signing.address);

    // only the signing keystore left over: init refuses before writing anything
    const other = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-cli-"));
    fs.writeFileSync(path.join(other, "signing-keystore.json"), "keep me");
    await expect(init(["--dir", other, ...args.slice(2), "--signing-key"], env, () => undefined)).to.be.rejectedWith("exists");
    expect(fs.readdirSync(other)).to.deep.equal(["signing-keystore.json"]);
    expect(fs.readFileSync(path.join(other, "signing-keystore.json"), "utf8")).to.equal("keep me");
    // without the flag there is none
    const plain = await init(["--dir", fs.mkdtempSync(path.join(os.tmpdir(), "lp504-cli-")), ...args.slice(2)], env, () => undefined);
    expect(plain).to.not.have.property("signingKeystore");
    expect(JSON.parse(fs.readFileSync(plain.config, "utf8"))).to.not.have.property("signingKeystore");

    // signing-key: a new key for a rotation, with the config's password, never over an existing file
    const next = path.join(dir, "next-signing-keystore.json");
    const rotated = await signingKey(["--config", made.config, "--out", next], env, () => undefined);
    expect(fs.statSync(next).mode & 0o777).to.equal(0o600);
    expect((await Wallet.fromEncryptedJson(fs.readFileSync(next, "utf8"), "a long passphrase")).address).to.equal(rotated.address);
    expect(rotated.address).to.not.equal(signing.address);
    await expect(signingKey(["--config", made.config, "--out", next], env, () => undefined)).to.be.rejectedWith("exists");
    await expect(signingKey(["--config", made.config], env, () => undefined)).to.be.rejectedWith("--out is required");
  });

  it("the package's bin launcher runs the command line (a usage error exits 2)", function () {
    const launcher = path.join(__dirname, "../../bin/lp504-node.js");
    const out = spawnSync(process.execPath, [launcher, "frobnicate"], { encoding: "utf8" });
    expect(out.status).to.equal(2);
    expect(out.stderr).to.include("usage: lp504-node <init|run|status|signing-key>");
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, "../../package.json"), "utf8"));
    expect(pkg.bin["lp504-node"]).to.equal("bin/lp504-node.js");
  });

  it("run (through ts-node) serves the API, runs its duties, answers status, and stops cleanly on SIGTERM", async function () {
    const f = await loadFixture(registryFixture);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-cli-"));
    const operator = Wallet.createRandom().connect(ethers.provider);
    await (await f.accounts[8].sendTransaction({ to: operator.address, value: STAKE_100K + ethers.parseEther("10") })).wait();
    await (await f.registry.connect(operator).registerSequencer(ENDPOINT, PUBLIC_KEY, METADATA, { value: STAKE_100K })).wait();
    const deployment = path.join(dir, "deployment.json");
    fs.writeFileSync(deployment, JSON.stringify(f.record));
    const bridge = await rpcBridge();
    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      LP504_NODE_PASSWORD: "a long passphrase",
      LP504_NODE_IMPORT_KEY: operator.privateKey,
      LP504_NODE_LOG_LEVEL: "debug",
    };
    const { config, signingKey: signingAddress } = await init(
      [
        ...["--dir", dir, "--rpc-url", bridge.url, "--chain-id", String(f.chainId), "--deployment", deployment, "--port", String(port)],
        "--signing-key",
      ],
      env,
      () => undefined,
    );
    delete env.LP504_NODE_IMPORT_KEY;

    const tsNode = require.resolve("ts-node/dist/bin.js");
    const child = spawn(
      process.execPath,
      [tsNode, "--transpile-only", path.join(__dirname, "../../node/cli.ts"), "run", "--config", config],
      { env, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const exited = new Promise<number | null>((r) => child.on("exit", (code) => r(code)));
    try {
      // wait for the first duty round (the process's own events, not wall-clock sleeps)
      const deadline = Date.now() + 45_000;
      while (!/"event":"duty.ran"|"event":"duty.failed"/.test(stdout) || !stdout.includes('"event":"api.listening"')) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`node did not start: ${stdout}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const lines = stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines.every((l) => typeof l.time === "string" && typeof l.event === "string")).to.equal(true);
      expect(stdout).to.not.include('"event":"duty.failed"');

      const seen = await status(["--config", config], () => undefined);
      const id = await f.registry.sequencerIdOf(operator.address);
      expect(seen).to.include({ operator: operator.address, sequencerId: String(id), healthy: true });
      // its first round registered the signing key of the keystore init wrote (decrypted with the same password)
      expect(stdout).to.include('"event":"signing-key.registered"');
      const [change] = await f.signingKeys.keyChanges(id);
      expect(change.key).to.equal(signingAddress);
      expect(seen.signingKey).to.deep.include({
        inUse: operator.address,
        configured: signingAddress,
        pending: { key: signingAddress, fromSlot: change.fromSlot.toString() },
      });
      const slot = await f.registry.currentSlot();
      const sign = (blockHash: string) =>
        fetch(`http://127.0.0.1:${port}/sign`, { method: "POST", body: JSON.stringify({ slot: slot.toString(), blockHash }) });
      expect((await sign(ethers.ZeroHash.replace(/0$/, "1"))).status).to.equal(200);
      expect((await sign(ethers.ZeroHash.replace(/0$/, "2"))).status).to.equal(409);
    } finally {
      child.kill("SIGTERM");
      const code = await exited;
      await bridge.close();
      expect(code, stderr).to.equal(0);
    }
    expect(stdout).to.include('"event":"node.stopped"');
    expect(fs.existsSync(path.join(dir, "data", LOCK_FILE))).to.equal(false);
  });
});
