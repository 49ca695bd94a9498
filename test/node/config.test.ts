import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { encryptKeystoreJsonSync, Wallet } from "ethers";
import { loadConfig, validateConfig, loadOperator, loadSigningKeys, ConfigError, TESTING_ENV } from "../../node/config";
import { TX_DEFAULTS } from "../../node/tx";

const dir = () => fs.mkdtempSync(path.join(os.tmpdir(), "lp504-config-"));
const VALID = { rpcUrl: "http://127.0.0.1:8545", chainId: 31337, deployment: "d.json", keystore: "k.json", dataDir: "data" };

function problems(raw: unknown): string[] {
  try {
    validateConfig(raw, "/base");
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return (e as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("node: configuration", function () {
  it("reports every error at once, each naming its key", function () {
    const found = problems({
      rpcUrl: "localhost:8545",
      chainId: "31337",
      keystore: "",
      privateKey: "0x01",
      api: { port: 70000, tls: true },
      pollIntervalMs: 5,
      duties: { watchtower: "yes", mining: true },
    });
    const keys = found.map((p) => p.split(":")[0]);
    expect(keys).to.have.members([
      "privateKey", // unknown key
      "rpcUrl",
      "chainId",
      "deployment",
      "keystore",
      "dataDir",
      "privateKey", // and a secret
      "api.tls",
      "api.port",
      "pollIntervalMs",
      "duties.watchtower",
      "duties.mining",
    ]);
    expect(found.find((p) => p.startsWith("deployment"))).to.equal("deployment: required");
    expect(problems([])).to.deep.equal(["(root): must be a JSON object"]);
  });

  it("fills defaults and resolves paths against the config file's directory", function () {
    const c = validateConfig(VALID, "/etc/lp504");
    expect(c.keystore).to.equal("/etc/lp504/k.json");
    expect(c.dataDir).to.equal("/etc/lp504/data");
    expect(c.api).to.deep.equal({ host: "127.0.0.1", port: 8504 });
    expect(c.duties).to.deep.equal({
      signing: true,
      turnKeeping: true,
      watchtower: true,
      beacon: false,
      compute: false,
      attester: false,
      thresholdDecryption: false,
      guardian: false,
    });
    expect(c.compute).to.equal(undefined);
    expect(c.sequencerId).to.equal(undefined);
    expect(c.peers).to.deep.equal([]);
    expect(c.testing).to.deep.equal({ equivocate: false });
    expect(c.tx).to.deep.equal(TX_DEFAULTS);
  });

  it("takes the tx keys within their ranges, naming each bad one, and their environment overrides", function () {
    const c = validateConfig({ ...VALID, tx: { confirmations: 0, bumpAfterMs: 5000, maxFeeCapGwei: 20 } }, "/base", "c", {});
    expect(c.tx).to.deep.equal({ ...TX_DEFAULTS, confirmations: 0, bumpAfterMs: 5000, maxFeeCapGwei: 20 });
    const found = (() => {
      try {
        validateConfig(
          { ...VALID, tx: { confirmations: -1, bumpAfterMs: 50, maxFeeCapGwei: 0, retries: 1.5, pollIntervalMs: "fast", gasPrice: 1 } },
          "/base",
        );
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    })();
    expect(found).to.deep.equal([
      "tx.confirmations: must be an integer in [0, 1000]",
      "tx.bumpAfterMs: must be an integer in [100, 3600000]",
      "tx.maxFeeCapGwei: must be an integer in [1, 1000000]",
      "tx.retries: must be an integer in [0, 20]",
      "tx.pollIntervalMs: must be an integer in [10, 60000]",
      "tx.gasPrice: unknown key (known: confirmations, bumpAfterMs, maxFeeCapGwei, retries, retryBackoffMs, pollIntervalMs)",
    ]);
    expect(() => validateConfig({ ...VALID, tx: 3 }, "/base")).to.throw("tx: must be an object");
    const file = path.join(dir(), "config.json");
    fs.writeFileSync(file, JSON.stringify({ ...VALID, tx: { retries: 2 } }));
    const overridden = loadConfig(file, { LP504_NODE_TX_CONFIRMATIONS: "12", LP504_NODE_TX_MAX_FEE_CAP_GWEI: "300" });
    expect(overridden.tx).to.deep.equal({ ...TX_DEFAULTS, retries: 2, confirmations: 12, maxFeeCapGwei: 300 });
  });

  it("switches the attester and threshold-decryption duties on only with a boolean", function () {
    const c = validateConfig({ ...VALID, duties: { attester: true, thresholdDecryption: true, signing: false } }, "/base", "c", {});
    expect(c.duties).to.include({ attester: true, thresholdDecryption: true, signing: false, turnKeeping: true });
    expect(problems({ ...VALID, duties: { attester: "on", thresholdDecryption: 1, threshold: true } })).to.deep.equal([
      "duties.attester: must be true or false",
      "duties.thresholdDecryption: must be true or false",
      "duties.threshold: unknown duty (known: signing, turnKeeping, watchtower, beacon, compute, attester, thresholdDecryption, guardian)",
    ]);
  });

  it("takes peers as http(s)://host:port URLs, naming each bad one", function () {
    const c = validateConfig({ ...VALID, peers: ["http://127.0.0.1:8505/", "https://peer.example:443"] }, "/base", "c", {});
    expect(c.peers).to.deep.equal(["http://127.0.0.1:8505", "https://peer.example:443"]);
    const found = (() => {
      try {
        validateConfig({ ...VALID, peers: ["http://ok:1", "ws://peer:1", 7, "http://peer:1/commitments"] }, "/base", "c", {});
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    })();
    expect(found.map((p) => p.split(":")[0])).to.deep.equal(["peers[1]", "peers[2]", "peers[3]"]);
    expect(() => validateConfig({ ...VALID, peers: "http://peer:1" }, "/base", "c", {})).to.throw("peers: must be an array");
  });

  it("validates the compute section: the executor required when the duty is on, every error naming its key", function () {
    const on = { ...VALID, duties: { compute: true } };
    expect(problems(on)).to.deep.equal(["compute.executor: required when duties.compute is on"]);
    expect(problems({ ...on, compute: { timeoutMs: 1000 } })).to.deep.equal(["compute.executor: required when duties.compute is on"]);
    const found = problems({
      ...on,
      rpcUrl: 5,
      compute: {
        executor: { command: ["node", ""], shell: true },
        timeoutMs: 50,
        marginSeconds: -1,
        maxJobs: 0,
        takeJobs: "yes",
        training: 1,
        clusters: ["0x12", "0x" + "ab".repeat(32)],
        coordinators: ["0x" + "12".repeat(20), "alice"],
        fromBlock: 1.5,
        gpu: true,
      },
    });
    expect(found.map((p) => p.split(":")[0])).to.have.members([
      "rpcUrl",
      "compute.gpu",
      "compute.executor.shell",
      "compute.executor.command",
      "compute.timeoutMs",
      "compute.marginSeconds",
      "compute.maxJobs",
      "compute.takeJobs",
      "compute.training",
      "compute.clusters[0]",
      "compute.coordinators[1]",
      "compute.fromBlock",
    ]);
    expect(problems({ ...on, compute: { executor: { command: ["x"], module: "m.js" } } })[0]).to.match(/^compute.executor: must be/);
    expect(problems({ ...on, compute: { executor: { module: "" } } })).to.deep.equal(["compute.executor.module: must be a non-empty path"]);
    expect(problems({ ...on, compute: [] })).to.deep.equal(["compute: must be an object"]);
  });

  it("fills the compute defaults and resolves the executor's paths against the config file's directory", function () {
    const c = validateConfig(
      {
        ...VALID,
        duties: { compute: true },
        compute: { executor: { command: ["./bin/run", "--fast"] }, clusters: ["0x" + "AB".repeat(32)] },
      },
      "/etc/lp504",
    );
    expect(c.duties.compute).to.equal(true);
    expect(c.compute).to.deep.equal({
      executor: { command: ["/etc/lp504/bin/run", "--fast"] },
      timeoutMs: 600_000,
      marginSeconds: 60,
      maxJobs: 1,
      takeJobs: true,
      acceptOffers: true,
      training: true,
      clusters: ["0x" + "ab".repeat(32)],
      coordinators: [],
      fromBlock: undefined,
    });
    // a bare program name is looked up on PATH; a module path is resolved
    expect(validateConfig({ ...VALID, compute: { executor: { command: ["python3", "x.py"] } } }, "/b").compute!.executor).to.deep.equal({
      command: ["python3", "x.py"],
    });
    expect(validateConfig({ ...VALID, compute: { executor: { module: "exec.js" } } }, "/b").compute!.executor).to.deep.equal({
      module: "/b/exec.js",
    });
  });

  it('selects the peer transport: "http" by default, "gossip" with a listening multiaddr and multiaddr peers', function () {
    expect(validateConfig(VALID, "/base").transport).to.equal("http");
    const id = "12D3KooWBjNwt8WV2LhQ9P5xovUcpCKjLLh8SSSmZ6rD9wFAgipk";
    const peers = [`/ip4/10.0.0.2/tcp/8505/p2p/${id}`, "/dns4/peer.example/tcp/8505"];
    const c = validateConfig({ ...VALID, transport: "gossip", gossip: { listen: "/ip4/0.0.0.0/tcp/8505" }, peers }, "/base");
    expect([c.transport, c.gossip, c.peers]).to.deep.equal(["gossip", { listen: "/ip4/0.0.0.0/tcp/8505" }, peers]);

    expect(problems({ ...VALID, transport: "libp2p" })).to.deep.equal(["transport: must be one of http, gossip"]);
    expect(problems({ ...VALID, transport: "gossip" })).to.deep.equal(['gossip.listen: required with transport "gossip"']);
    expect(problems({ ...VALID, gossip: { listen: "/ip4/0.0.0.0/tcp/8505" } })).to.deep.equal(['gossip: only with transport "gossip"']);
    const gossip = (extra: Record<string, unknown>) =>
      problems({ ...VALID, transport: "gossip", gossip: { listen: "/ip4/0.0.0.0/tcp/1" }, ...extra });
    expect(gossip({ gossip: { listen: "/dns4/me.example/tcp/1", port: 2 } }).map((p) => p.split(":")[0])).to.deep.equal([
      "gossip.port",
      "gossip.listen",
    ]);
    expect(gossip({ gossip: { listen: "/ip4/0.0.0.0/tcp/70000" } })[0]).to.match(/^gossip.listen: must be a multiaddr/);
    // with gossip, an HTTP URL is not a peer; with HTTP, a multiaddr is not one
    const bad = gossip({ peers: ["http://127.0.0.1:8505", "/ip4/10.0.0.2/tcp/0", "/ip4/10.0.0.2/udp/1", `/ip4/10.0.0.2/tcp/1/p2p/0OIl`] });
    expect(bad.map((p) => p.split(":")[0])).to.deep.equal(["peers[0]", "peers[1]", "peers[2]", "peers[3]"]);
    expect(bad[0]).to.match(/must be a multiaddr/);
    expect(problems({ ...VALID, peers: [peers[0]] })).to.deep.equal(["peers[0]: must be an http(s)://host:port URL"]);
  });

  it(`refuses testing.equivocate unless ${TESTING_ENV}=1`, function () {
    const raw = { ...VALID, testing: { equivocate: true } };
    expect(() => validateConfig(raw, "/base", "c", {})).to.throw(`testing.equivocate: makes the node misbehave`);
    expect(() => validateConfig(raw, "/base", "c", { [TESTING_ENV]: "yes" })).to.throw(TESTING_ENV);
    expect(validateConfig(raw, "/base", "c", { [TESTING_ENV]: "1" }).testing).to.deep.equal({ equivocate: true });
    expect(validateConfig({ ...VALID, testing: { equivocate: false } }, "/base", "c", {}).testing.equivocate).to.equal(false);
    expect(() => validateConfig({ ...VALID, testing: { crash: true } }, "/base", "c", { [TESTING_ENV]: "1" })).to.throw(
      "testing.crash: unknown key",
    );
  });

  it("applies environment overrides before validating them", function () {
    const d = dir();
    const file = path.join(d, "config.json");
    fs.writeFileSync(file, JSON.stringify(VALID));
    const c = loadConfig(file, {
      LP504_NODE_RPC_URL: "https://rpc.example:443",
      LP504_NODE_API_PORT: "9000",
      LP504_NODE_DATA_DIR: "/var/lib/lp504",
    });
    expect(c.rpcUrl).to.equal("https://rpc.example:443");
    expect(c.api.port).to.equal(9000);
    expect(c.dataDir).to.equal("/var/lib/lp504");
    expect(() => loadConfig(file, { LP504_NODE_API_PORT: "ninety", LP504_NODE_CHAIN_ID: "-1" }))
      .to.throw(ConfigError)
      .with.property("problems")
      .that.deep.equals([
        'chainId: LP504_NODE_CHAIN_ID="-1" is not an integer',
        'api.port: LP504_NODE_API_PORT="ninety" is not an integer',
      ]);
    // a bad override and an error of the file itself, together
    fs.writeFileSync(file, JSON.stringify({ ...VALID, dataDir: 5 }));
    expect(() => loadConfig(file, { LP504_NODE_API_PORT: "x" }))
      .to.throw(ConfigError)
      .with.property("problems")
      .that.deep.equals(['api.port: LP504_NODE_API_PORT="x" is not an integer', "dataDir: must be a non-empty string"]);
    expect(() => loadConfig(file, { LP504_NODE_RPC_URL: "ftp://x" })).to.throw(ConfigError, "rpcUrl");
    fs.writeFileSync(file, "{ not json");
    expect(() => loadConfig(file, {})).to.throw(ConfigError, "(file)");
  });

  it("decrypts the operator key from the keystore with the password from the environment or the password file", async function () {
    const d = dir();
    const wallet = Wallet.createRandom();
    // a low scrypt cost keeps the test fast; the file format is the same (the CLI's init uses ethers' defaults)
    fs.writeFileSync(
      path.join(d, "k.json"),
      encryptKeystoreJsonSync({ address: wallet.address, privateKey: wallet.privateKey }, "correct horse", { scrypt: { N: 1024 } }),
    );
    fs.writeFileSync(path.join(d, "pw"), "correct horse\n");
    const withFile = validateConfig({ ...VALID, passwordFile: "pw" }, d);
    expect((await loadOperator(withFile, {})).address).to.equal(wallet.address);
    expect((await loadOperator(validateConfig(VALID, d), { LP504_NODE_PASSWORD: "correct horse" })).address).to.equal(wallet.address);
    await expect(loadOperator(withFile, { LP504_NODE_PASSWORD: "wrong" })).to.be.rejectedWith("incorrect password");
    expect(() => validateConfig(VALID, d)).to.not.throw();
    await expect(loadOperator(validateConfig(VALID, d), {})).to.be.rejectedWith("passwordFile");
  });
  it("takes optional signing keystores (never a secret), names each bad one, and overrides signingKeystore from the environment", async function () {
    const d = dir();
    expect(validateConfig(VALID, d)).to.not.have.property("signingKeystore");
    expect(validateConfig(VALID, d).previousSigningKeystores).to.deep.equal([]);
    const found = problems({ ...VALID, signingKeystore: "", previousSigningKeystores: ["old.json", 7], signingKey: "0x01" });
    expect(found.map((p) => p.split(":")[0])).to.have.members([
      "signingKey", // unknown key
      "signingKey", // and a secret
      "signingKeystore",
      "previousSigningKeystores[1]",
    ]);
    expect(found.find((p) => p.startsWith("signingKey: secrets"))).to.include("signingKeystore");
    // back to the operator key: the previous key is kept for its remaining slots, none is registered
    expect(validateConfig({ ...VALID, previousSigningKeystores: ["old.json"] }, d).previousSigningKeystores).to.deep.equal([
      path.join(d, "old.json"),
    ]);
    expect(problems({ ...VALID, previousSigningKeystores: "old.json", signingKeystore: "s.json" })[0]).to.match(
      /^previousSigningKeystores:/,
    );
    expect(problems({ ...VALID, signingKeystore: "./k.json" })[0]).to.match(/^signingKeystore: .*different files/);

    const keys = [Wallet.createRandom(), Wallet.createRandom(), Wallet.createRandom()];
    ["k.json", "s.json", "old.json"].forEach((name, i) =>
      fs.writeFileSync(
        path.join(d, name),
        encryptKeystoreJsonSync({ address: keys[i].address, privateKey: keys[i].privateKey }, "correct horse", { scrypt: { N: 1024 } }),
      ),
    );
    const file = path.join(d, "config.json");
    fs.writeFileSync(file, JSON.stringify({ ...VALID, signingKeystore: "nope.json", previousSigningKeystores: ["old.json"] }));
    const config = loadConfig(file, { LP504_NODE_SIGNING_KEYSTORE: "s.json" });
    expect(config.signingKeystore).to.equal(path.join(d, "s.json"));
    expect(config.previousSigningKeystores).to.deep.equal([path.join(d, "old.json")]);
    const loaded = await loadSigningKeys(config, { LP504_NODE_PASSWORD: "correct horse" });
    expect(loaded.signingKey!.address).to.equal(keys[1].address);
    expect(loaded.previousSigningKeys.map((w) => w.address)).to.deep.equal([keys[2].address]);
    expect(await loadSigningKeys(validateConfig(VALID, d), {})).to.deep.equal({ previousSigningKeys: [] });
    await expect(loadSigningKeys(config, { LP504_NODE_PASSWORD: "wrong" })).to.be.rejectedWith("incorrect password");
    const back = await loadSigningKeys(validateConfig({ ...VALID, previousSigningKeystores: ["old.json"] }, d), {
      LP504_NODE_PASSWORD: "correct horse",
    });
    expect(back.signingKey).to.equal(undefined);
    expect(back.previousSigningKeys.map((w) => w.address)).to.deep.equal([keys[2].address]);
  });
});
