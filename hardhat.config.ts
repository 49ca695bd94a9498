import path from "node:path";
import { HardhatUserConfig, subtask, vars } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";
import "./tasks";

/**
 * The compiler is the npm `solc` package pinned in package.json: this machine (and CI) cannot download
 * compilers, so Hardhat's own custom-compiler hook hands it the bundled soljson.js. The long version has
 * `.Emscripten.clang` stripped because explorers reject it in verification requests.
 */
const SOLC_VERSION = "0.8.28";

subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD).setAction(async ({ solcVersion }: { solcVersion: string }, _hre, runSuper) => {
  if (solcVersion !== SOLC_VERSION) return runSuper();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc");
  const longVersion: string = solc.version().replace(".Emscripten.clang", "");
  if (!longVersion.startsWith(`${SOLC_VERSION}+`)) {
    throw new Error(`npm solc is ${longVersion}, hardhat.config.ts pins ${SOLC_VERSION}`);
  }
  return {
    compilerPath: path.join(path.dirname(require.resolve("solc/package.json")), "soljson.js"),
    isSolcJs: true,
    version: SOLC_VERSION,
    longVersion,
  };
});

/** Accounts for live networks come from Hardhat configuration variables (`npx hardhat vars set LUX_DEPLOYER_KEY`). */
function liveAccounts(name: string): string[] {
  return vars.has(name) ? [vars.get(name)] : [];
}

const COMPILER_SETTINGS = {
  evmVersion: "shanghai",
  optimizer: { enabled: true, runs: 200 },
  viaIR: false,
  metadata: { bytecodeHash: "ipfs" },
  // Storage layouts in the build info: `npm run bench:trace` names storage slots with them; no effect on bytecode.
  outputSelection: { "*": { "*": ["storageLayout"] } },
};

const config: HardhatUserConfig = {
  solidity: {
    // Every contract at the default 200 optimizer runs: `lp504 size` keeps 1.5 KiB of headroom under 24 KiB.
    // No per-file overrides: every contract, the scheduler included (its convenience views are in SchedulerLens),
    // fits with the legacy pipeline.
    compilers: [{ version: SOLC_VERSION, settings: COMPILER_SETTINGS }],
  },
  networks: {
    hardhat: {
      hardfork: "shanghai",
      chainId: 31337,
      // The spec's tests stake 100,000 LUX per sequencer; fund every account far above that.
      accounts: { count: 40, accountsBalance: (10n ** 30n).toString() },
      blockGasLimit: 30_000_000,
      // The benchmark starts its chain at a fixed genesis time (bench/clock.ts stamps every later block), so its
      // blocks, their hashes and the gas that depends on them are the same on every run.
      ...(process.env.LP504_GENESIS_DATE ? { initialDate: process.env.LP504_GENESIS_DATE } : {}),
      // `FORK_URL=<rpc> npm run simulate` forks a live chain (Lux, or a local anvil) and simulates on the fork.
      ...(process.env.FORK_URL ? { forking: { url: process.env.FORK_URL } } : {}),
      // Lux C-Chain runs shanghai from genesis: lets the fork execute calls at blocks before the fork point.
      chains: {
        96369: { hardforkHistory: { shanghai: 0 } },
        96368: { hardforkHistory: { shanghai: 0 } },
      },
    },
    localhost: {
      url: process.env.LOCAL_RPC_URL ?? "http://127.0.0.1:8545",
    },
    luxMainnet: {
      url: vars.get("LUX_MAINNET_RPC_URL", "https://api.lux.network/ext/bc/C/rpc"),
      chainId: 96369,
      accounts: liveAccounts("LUX_DEPLOYER_KEY"),
    },
    luxTestnet: {
      url: vars.get("LUX_TESTNET_RPC_URL", "https://api.lux-test.network/ext/bc/C/rpc"),
      chainId: 96368,
      accounts: liveAccounts("LUX_TESTNET_DEPLOYER_KEY"),
    },
  },
  // Lux mainnet's explorer exposes an Etherscan-style API (as luxfi/standard configures it). The testnet
  // explorer's API endpoint is not documented, so testnet verification is not configured.
  etherscan: {
    apiKey: {
      luxMainnet: vars.get("LUX_EXPLORER_API_KEY", "lux"),
    },
    customChains: [
      {
        network: "luxMainnet",
        chainId: 96369,
        urls: { apiURL: "https://api.explore.lux.network/api", browserURL: "https://explore.lux.network" },
      },
    ],
  },
  sourcify: { enabled: false },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
  gasReporter: { enabled: process.env.REPORT_GAS === "1" },
  mocha: { timeout: 120_000 },
};

export default config;
