/**
 * The dashboard in a real browser against a real node (`npm run test:dashboard`): starts anvil, deploys the suite
 * with deploy/params/localhost.json, registers three sequencers, delegates, rotates twice, slashes one, records a
 * misbehavior report, opens an auction with a bid, queues an encrypted transaction and a job; serves dashboard/dist
 * and the deployment record (dashboard/server.ts), opens it in headless Chromium (playwright-core) and checks what the page shows against what was done,
 * including a rotation made while the page is open. Writes reports/dashboard.png (docs/dashboard.png, the README's,
 * with DASHBOARD_SCREENSHOT=1). anvil, the server and the browser
 * are stopped whatever happens.
 *
 * Run through Hardhat on its `localhost` network, whose URL (LOCAL_RPC_URL) is where this script starts anvil.
 * CHROMIUM_PATH names the browser (default /usr/bin/chromium).
 */
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import hre from "hardhat";
import type { HttpNetworkConfig } from "hardhat/types";
import { chromium, type Browser, type Page } from "playwright-core";
import { secp256k1 } from "@noble/curves/secp256k1";
import { deploySuite, paramsFromJson, writeDeployment } from "../deploy";
import { serveDashboard } from "./server";
import { encryptForCommittee } from "../sdk";

const ROOT = path.join(__dirname, "..");
/** The README's screenshot is rewritten only on request (DASHBOARD_SCREENSHOT=1); a plain run writes reports/dashboard.png. */
const SCREENSHOT = process.env.DASHBOARD_SCREENSHOT
  ? path.join(ROOT, "docs", "dashboard.png")
  : path.join(ROOT, "reports", "dashboard.png");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const { ethers } = hre;

function check(condition: unknown, what: string): asserts condition {
  if (!condition) throw new Error(`dashboard test: ${what}`);
}

function step(text: string): void {
  console.log(`dashboard test: ${text}`);
}

/** Starts anvil on `url`'s port in its own process group and waits until it answers. */
async function startAnvil(url: string, logFile: string): Promise<ChildProcess> {
  const { hostname, port } = new URL(url);
  const binary = path.join(ROOT, "node_modules", ".bin", "anvil");
  check(fs.existsSync(binary), `no anvil at ${binary} (the optional dependency @foundry-rs/anvil-linux-amd64)`);
  const taken = await ethers.provider.send("eth_chainId", []).then(
    () => true,
    () => false,
  );
  check(!taken, `a node already answers at ${url}: stop it, or give LOCAL_RPC_URL a free port`);
  const log = fs.openSync(logFile, "w");
  const anvil = spawn(binary, ["--host", hostname, "--port", port, "--hardfork", "shanghai", "--balance", "1000000"], {
    detached: true,
    stdio: ["ignore", log, log],
  });
  for (let i = 0; i < 100; i++) {
    try {
      await ethers.provider.send("eth_chainId", []);
      return anvil;
    } catch {
      if (anvil.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  stopAnvil(anvil);
  throw new Error(`dashboard test: anvil did not answer at ${url} (is the port in use?)`);
}

function stopAnvil(anvil: ChildProcess | undefined): void {
  if (anvil?.pid === undefined || anvil.exitCode !== null) return;
  try {
    process.kill(-anvil.pid, "SIGTERM"); // its whole process group
  } catch {
    anvil.kill("SIGTERM");
  }
}

async function text(page: Page, selector: string): Promise<string> {
  return ((await page.locator(selector).first().textContent()) ?? "").trim();
}

async function advance(seconds: number): Promise<void> {
  await ethers.provider.send("evm_increaseTime", [seconds]);
  await ethers.provider.send("evm_mine", []);
}

async function main(): Promise<void> {
  const started = Date.now();
  check(hre.network.name === "localhost", `run on the localhost network (npm run test:dashboard), not ${hre.network.name}`);
  check(fs.existsSync(CHROMIUM), `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)`);
  const rpc = (hre.network.config as HttpNetworkConfig).url;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "lp504-dashboard-"));
  let passed = false;
  let anvil: ChildProcess | undefined;
  let server: http.Server | undefined;
  let browser: Browser | undefined;
  try {
    step(`starting anvil at ${rpc}`);
    anvil = await startAnvil(rpc, path.join(work, "anvil.log"));

    step("deploying the suite (deploy/params/localhost.json)");
    const params = paramsFromJson(JSON.parse(fs.readFileSync(path.join(ROOT, "deploy", "params", "localhost.json"), "utf8")));
    const [governance, alice, bob, carol, delegator, watcher, user] = await ethers.getSigners();
    const suite = await deploySuite(hre, params, governance);
    const { registry, selection, mev, scheduler } = suite;

    step("registering three sequencers, delegating, rotating twice, slashing, reporting");
    const operators = [alice, bob, carol];
    const stakes = [150n, 400n, 250n].map((n) => ethers.parseEther(String(n)));
    for (let i = 0; i < operators.length; i++) {
      const encryptionKey = secp256k1.getPublicKey(ethers.getBytes(ethers.id(`dashboard validator ${i}`)), true);
      await (
        await registry
          .connect(operators[i])
          .registerSequencer(`enode://seq${i + 1}@127.0.0.1:3030${i}`, encryptionKey, "0x", { value: stakes[i] })
      ).wait();
    }
    await (await registry.connect(delegator).delegateStake(1, { value: ethers.parseEther("50") })).wait();
    const period = Number((await registry.getConfig()).rotationPeriod);
    for (let i = 0; i < 2; i++) {
      await advance(period + 1);
      await (await registry.connect(watcher).rotateSequencer()).wait();
    }
    // A role slash: governance (the default proposer) queues it, it waits out the veto window, anyone executes it.
    const queue = suite.slashingQueue;
    await (await queue.connect(governance).queueSlash(3, ethers.parseEther("10"), ethers.id("dashboard test"))).wait();
    await advance(Number(await queue.getTerm(0)));
    await (await queue.connect(watcher).execute(await queue.slashCount())).wait();
    await (await registry.connect(watcher).reportMisbehavior(2, "0x5eed")).wait();

    step("opening an auction with a bid, queueing an encrypted transaction and a job");
    await (await selection.connect(governance).initAuction(600)).wait();
    const auctionTerms = await selection.auctionDetails(1);
    await (await selection.connect(bob).placeBid(1, { value: auctionTerms.reserve + auctionTerms.bond + ethers.parseEther("2") })).wait();
    await (await mev.connect(governance).initThresholdDecryption(2, [])).wait();
    const committee = await mev.committee(1);
    const keys = await Promise.all(committee.map(async (m) => (await registry.getSequencer(await registry.sequencerIdOf(m))).publicKey));
    const sealed = encryptForCommittee(ethers.toUtf8Bytes("a swap nobody can front-run"), keys, 2);
    await (await mev.connect(user).submitEncrypted(sealed.encryptedTx, sealed.commitment)).wait();
    const now = (await ethers.provider.getBlock("latest"))!.timestamp;
    const job = {
      jobId: ethers.ZeroHash,
      requiredFlops: 10n ** 12n,
      memoryRequirement: 1n << 30n,
      deadline: BigInt(now + 7200),
      priority: 5n,
      requester: ethers.ZeroAddress,
      jobSpec: "0x",
    };
    await (await scheduler.connect(user).submitComputeJob(job, { value: ethers.parseEther("1") })).wait();

    const activeId = await registry.currentSequencerId();
    check(activeId !== 0n, "the chain has an active sequencer");

    writeDeployment({ ...suite.record, development: true }, work);
    const served = await serveDashboard({ records: work });
    server = served.server;
    const site = served.url;
    step(`serving dashboard/dist at ${site}; opening it in ${CHROMIUM}`);
    browser = await chromium.launch({ executablePath: CHROMIUM });
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (e) => pageErrors.push(e.message));

    // 1. From the deployment record.
    const recordUrl = `/deployments/${suite.record.chainId}.json`;
    await page.goto(`${site}/index.html?rpc=${encodeURIComponent(rpc)}&record=${encodeURIComponent(recordUrl)}&refresh=1`);
    await page.locator("[data-testid=set-size]").waitFor({ timeout: 20_000 });
    check(
      (await text(page, "[data-testid=set-size]")) === "3",
      `the set size is 3, the page says ${await text(page, "[data-testid=set-size]")}`,
    );
    check((await text(page, "[data-testid=active-count]")) === "3", "three sequencers are active");
    check((await text(page, "[data-testid=active-id]")) === String(activeId), `the active sequencer is #${activeId}`);
    const activeOperator = await registry.operatorOf(activeId);
    check(
      (await page.locator("[data-testid=active-sequencer] [title]").getAttribute("title")) === activeOperator,
      "the active sequencer's operator is shown",
    );
    const expected: [number, string, string][] = [
      [1, "150 LUX", "50 LUX"],
      [2, "400 LUX", "0 LUX"],
      [3, "240 LUX", "0 LUX"], // 250 less the 10 slashed
    ];
    for (const [id, stake, delegated] of expected) {
      const row = `tr[data-sequencer-id="${id}"]`;
      check(
        (await text(page, `${row} [data-field=stake]`)) === stake,
        `#${id}'s own stake is ${stake}, the page says ${await text(page, `${row} [data-field=stake]`)}`,
      );
      check((await text(page, `${row} [data-field=delegated]`)) === delegated, `#${id}'s delegated stake is ${delegated}`);
      check((await text(page, `${row} [data-field=status]`)) === "Active", `#${id} is Active`);
    }
    check((await text(page, `tr[data-sequencer-id="1"] [data-field=pool]`)) === "200 LUX", "#1's pool (lens) holds 150 + 50 LUX");
    check((await page.locator(`tr.current[data-sequencer-id="${activeId}"]`).count()) === 1, "the active sequencer's row is marked");
    check((await page.locator("li[data-event=rotation]").count()) === 2, "the timeline shows the two rotations");
    check((await page.locator("tr[data-event=slash]").count()) === 1, "the slash is listed");
    check((await page.locator("tr[data-event=report]").count()) === 1, "the misbehavior report is listed");
    check((await text(page, "[data-testid=auction-count]")) === "1", "one auction");
    check((await text(page, "[data-testid=auction-phase]")).startsWith("bidding"), "the auction is taking bids");
    check((await page.locator("tr[data-event=BidPlaced]").count()) === 1, "the bid is listed");
    check((await text(page, "[data-testid=mempool-submitted]")) === "1", "one encrypted transaction submitted");
    check((await text(page, "#mempool tbody tr")).includes("Pending"), "it is pending");
    check((await page.locator("#jobs tbody tr").count()) === 1, "one job listed");
    check((await text(page, "#jobs tbody tr")).includes("Queued"), "the job is queued");

    // Live: a rotation made while the page is open appears at the next refresh.
    step("rotating while the page is open");
    await advance(period + 1);
    await (await registry.connect(watcher).rotateSequencer()).wait();
    const nextId = await registry.currentSequencerId();
    await page.locator("li[data-event=rotation]").nth(2).waitFor({ timeout: 15_000 });
    await page.locator(`[data-testid=active-id]:text-is("${nextId}")`).waitFor({ timeout: 15_000 });
    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    step(`screenshot written to ${path.relative(ROOT, SCREENSHOT)}`);

    // 2. From the registry's address alone, the page opened from disk: the set is read, two ids a page; contracts the
    // registry does not name are unknown.
    const fromDisk = `file://${path.join(ROOT, "dashboard", "dist", "index.html")}`;
    await page.goto(`${fromDisk}?rpc=${encodeURIComponent(rpc)}&registry=${await registry.getAddress()}&pageSize=2`);
    await page.locator("[data-testid=set-size]").waitFor({ timeout: 20_000 });
    check((await text(page, "[data-testid=set-size]")) === "3", "the registry alone gives the set");
    check((await text(page, "[data-testid=page-range]")) === "ids 1–2 of 3", "two ids a page");
    check((await page.locator("tr[data-sequencer-id]").count()) === 2, "two rows on the first page");
    await page.getByRole("button", { name: "next →" }).click();
    await page.locator("[data-testid=page-range]:text-is('ids 3–3 of 3')").waitFor({ timeout: 10_000 });
    check((await text(page, `tr[data-sequencer-id="3"] [data-field=stake]`)) === "240 LUX", "the second page holds #3");
    check((await text(page, "[data-testid=active-id]")) === String(nextId), "and the active sequencer");
    check((await text(page, "[data-testid=auction-count]")) === "1", "the selection module is found through the registry");
    check((await text(page, "#mempool")).includes("not known"), "the mempool without its address says so");

    // 3. Bad input is explained, not thrown.
    await page.goto(`${site}/index.html?rpc=${encodeURIComponent(rpc)}&registry=0x1234`);
    await page.locator(".status.error").waitFor({ timeout: 10_000 });
    check(
      (await text(page, "#status")).includes('registry "0x1234" is not an address'),
      `a malformed address is named: ${await text(page, "#status")}`,
    );
    await page.goto(`${site}/index.html?rpc=${encodeURIComponent(rpc)}&record=/deployments/1.json`);
    await page.locator(".status.error").waitFor({ timeout: 10_000 });
    check((await text(page, "#status")).includes("HTTP 404"), `a missing record is named: ${await text(page, "#status")}`);

    await page.goto(`${site}/index.html?rpc=not-a-url`);
    await page.locator(".status.error").waitFor({ timeout: 10_000 });
    check(
      (await text(page, "#status")).includes("no JSON-RPC node answers at not-a-url"),
      `a bad URL is named: ${await text(page, "#status")}`,
    );
    await page.goto(`${site}/index.html?rpc=${encodeURIComponent("http://127.0.0.1:1")}`);
    await page.locator(".status.error").waitFor({ timeout: 10_000 });
    check(
      (await text(page, "#status")).includes("no JSON-RPC node answers at http://127.0.0.1:1"),
      `a dead node is named: ${await text(page, "#status")}`,
    );

    check(pageErrors.length === 0, `the page threw: ${pageErrors.join("; ")}`);
    passed = true;
    step(`passed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await browser?.close().catch(() => {});
    server?.close();
    stopAnvil(anvil);
    if (!passed && anvil) console.error(`dashboard test: FAILED; anvil's log is in ${work}`);
    else fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
