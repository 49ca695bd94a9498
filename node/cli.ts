#!/usr/bin/env node
/**
 * lp504-node: a sequencer operator's daemon.
 *
 *   lp504-node init   --dir <dir> --rpc-url <url> --chain-id <id> --deployment <file> [--sequencer-id <n>]
 *                     [--password-file <file>] [--port <n>] [--signing-key]
 *       writes <dir>/config.json and <dir>/keystore.json (a new key, or LP504_NODE_IMPORT_KEY's), encrypted with
 *       LP504_NODE_PASSWORD or the password file; with --signing-key also <dir>/signing-keystore.json, a new
 *       block-commitment signing key (`signingKeystore`, same password); refuses to overwrite any of these files
 *   lp504-node run    --config <file>      runs the duties and the local API until SIGINT/SIGTERM
 *   lp504-node status --config <file>      prints the running node's GET /status
 *   lp504-node signing-key --config <file> --out <file>
 *       writes a new block-commitment signing key to <file>, encrypted with the config's password (for a rotation:
 *       see docs/NODE.md "Signing keys"); refuses to overwrite it
 */
import { encryptionSecretMessage, operatorEncryptionKey } from "./duties/threshold";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { Wallet } from "ethers";
import { loadConfig, readPassword, validateConfig, ConfigError, PASSWORD_ENV } from "./config";
import { OperatorNode } from "./main";
import { jsonLogger, type Logger } from "./log";

export const IMPORT_KEY_ENV = "LP504_NODE_IMPORT_KEY";
const USAGE = "usage: lp504-node <init|run|status|signing-key> [options] (see docs/NODE.md)";

class UsageError extends Error {}

export async function init(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (line: string) => void = console.log,
): Promise<{ config: string; keystore: string; address: string; signingKeystore?: string; signingKey?: string }> {
  const { values } = parseArgs({
    args: argv,
    options: {
      dir: { type: "string" },
      "rpc-url": { type: "string" },
      "chain-id": { type: "string" },
      deployment: { type: "string" },
      "sequencer-id": { type: "string" },
      "password-file": { type: "string" },
      port: { type: "string" },
      "signing-key": { type: "boolean" },
    },
  });
  if (!values.dir) throw new UsageError("init: --dir is required");
  const dir = path.resolve(values.dir);
  const configFile = path.join(dir, "config.json");
  const keystoreFile = path.join(dir, "keystore.json");
  const signingKeystoreFile = values["signing-key"] ? path.join(dir, "signing-keystore.json") : undefined;
  for (const f of [configFile, keystoreFile, signingKeystoreFile])
    if (f !== undefined && fs.existsSync(f)) throw new UsageError(`init: ${f} exists; not overwriting it`);
  const raw: Record<string, unknown> = {
    rpcUrl: values["rpc-url"],
    chainId: values["chain-id"] === undefined ? undefined : Number(values["chain-id"]),
    deployment: values.deployment === undefined ? undefined : path.resolve(values.deployment),
    keystore: "keystore.json",
    signingKeystore: signingKeystoreFile === undefined ? undefined : "signing-keystore.json",
    passwordFile: values["password-file"] === undefined ? undefined : path.resolve(values["password-file"]),
    dataDir: "data",
    sequencerId: values["sequencer-id"] === undefined ? undefined : Number(values["sequencer-id"]),
    api: { host: "127.0.0.1", port: values.port === undefined ? 8504 : Number(values.port) },
    pollIntervalMs: 2000,
    duties: { signing: true, turnKeeping: true, watchtower: true, beacon: false },
  };
  for (const k of Object.keys(raw)) if (raw[k] === undefined) delete raw[k];
  const config = validateConfig(raw, dir, "init"); // every missing or bad option at once, before any file is written
  const password = readPassword(config, env);
  if (password.length < 8)
    throw new UsageError(`init: the keystore password (${PASSWORD_ENV} or --password-file) must have at least 8 characters`);
  const imported = env[IMPORT_KEY_ENV];
  const wallet = imported !== undefined ? new Wallet(imported) : Wallet.createRandom();
  const keystore = await wallet.encrypt(password);
  const signingWallet = signingKeystoreFile === undefined ? undefined : Wallet.createRandom();
  const signingKeystore = signingWallet === undefined ? undefined : await signingWallet.encrypt(password);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(keystoreFile, keystore, { mode: 0o600, flag: "wx" });
  if (signingKeystoreFile !== undefined) fs.writeFileSync(signingKeystoreFile, signingKeystore!, { mode: 0o600, flag: "wx" });
  fs.writeFileSync(configFile, JSON.stringify(raw, null, 2) + "\n", { flag: "wx" });
  const { pk } = operatorEncryptionKey(await wallet.signMessage(encryptionSecretMessage(BigInt(config.chainId), wallet.address)));
  out(
    `operator ${wallet.address}\nconfig   ${configFile}\nkeystore ${keystoreFile} (encrypted)\n` +
      `publicKey ${pk} (register it as the sequencer's publicKey: the thresholdDecryption duty opens the key shares sealed to it)` +
      (signingWallet === undefined
        ? ""
        : `\nsigning  ${signingWallet.address} in ${signingKeystoreFile} (encrypted; the node registers it with setSigningKey)`),
  );
  return {
    config: configFile,
    keystore: keystoreFile,
    address: wallet.address,
    ...(signingWallet === undefined ? {} : { signingKeystore: signingKeystoreFile, signingKey: signingWallet.address }),
  };
}

export async function run(argv: string[], log: Logger = jsonLogger()): Promise<OperatorNode> {
  const { values } = parseArgs({ args: argv, options: { config: { type: "string" } } });
  if (!values.config) throw new UsageError("run: --config is required");
  const node = await OperatorNode.fromConfig(loadConfig(values.config), log);
  await node.startApi();
  node.startLoop();
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log("info", "node.stopping", { signal });
    node.stop().then(
      () => process.exit(0),
      (e) => {
        log("error", "node.stop.failed", { error: String(e) });
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  return node;
}

export async function status(argv: string[], out: (line: string) => void = console.log): Promise<Record<string, unknown>> {
  const { values } = parseArgs({ args: argv, options: { config: { type: "string" } } });
  if (!values.config) throw new UsageError("status: --config is required");
  const { api } = loadConfig(values.config);
  const res = await fetch(`http://${api.host}:${api.port}/status`);
  const body = (await res.json()) as Record<string, unknown>;
  out(JSON.stringify(body, null, 2));
  return body;
}

/** Writes a new signing key's keystore (for `signingKeystore`), encrypted with the configuration's password. */
export async function signingKey(
  argv: string[],
  env: NodeJS.ProcessEnv = process.env,
  out: (line: string) => void = console.log,
): Promise<{ keystore: string; address: string }> {
  const { values } = parseArgs({ args: argv, options: { config: { type: "string" }, out: { type: "string" } } });
  if (!values.config) throw new UsageError("signing-key: --config is required");
  if (!values.out) throw new UsageError("signing-key: --out is required");
  const file = path.resolve(values.out);
  if (fs.existsSync(file)) throw new UsageError(`signing-key: ${file} exists; not overwriting it`);
  const password = readPassword(loadConfig(values.config, env), env);
  const wallet = Wallet.createRandom();
  fs.writeFileSync(file, await wallet.encrypt(password), { mode: 0o600, flag: "wx" });
  out(`signing ${wallet.address} in ${file} (encrypted; set it as signingKeystore and restart the node to register it)`);
  return { keystore: file, address: wallet.address };
}

export async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  if (command === "init") await init(rest);
  else if (command === "run") await run(rest);
  else if (command === "status") await status(rest);
  else if (command === "signing-key") await signingKey(rest);
  else throw new UsageError(USAGE);
}

/** Runs a command line; a usage error exits 2, a configuration or any other error 1. */
export function cliMain(argv: string[]): void {
  main(argv).catch((e) => {
    if (e instanceof ConfigError || e instanceof UsageError) console.error(e.message);
    else console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(e instanceof UsageError ? 2 : 1);
  });
}

if (require.main === module) cliMain(process.argv.slice(2));
