#!/usr/bin/env bash
# End-to-end against a real node: anvil (chain id 96369, shanghai) on 127.0.0.1. Deploys with the one command,
# reruns it (must send nothing), checks the wiring, drives a registration, a rotation and a status through the
# tasks while the example dApp (built from the package surface) watches, then forks the node with Hardhat and
# runs the simulation on the fork. anvil is stopped at the end whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT="${E2E_PORT:-18545}"
RPC="http://127.0.0.1:${PORT}"
export LOCAL_RPC_URL="$RPC"
# Records of this throwaway chain go to a temporary directory, never over deployments/96369.json (Lux mainnet).
export LP504_DEPLOYMENTS_DIR="$(mktemp -d)"
MAINNET_RECORD="$(sha256sum deployments/96369.json 2>/dev/null || echo absent)"
LOG_DIR="$(mktemp -d)"
ANVIL_PID=""
WATCH_PID=""

cleanup() {
  local rc=$?
  [ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null || true
  if [ -n "$ANVIL_PID" ]; then
    # anvil runs in its own process group (npx's wrapper and the binary): stop the whole group.
    kill -TERM -- "-$ANVIL_PID" 2>/dev/null || kill "$ANVIL_PID" 2>/dev/null || true
    wait "$ANVIL_PID" 2>/dev/null || true
  fi
  if [ "$rc" -ne 0 ]; then echo "e2e: FAILED (exit $rc); logs in $LOG_DIR"; tail -n 20 "$LOG_DIR"/anvil.log 2>/dev/null || true; fi
  rm -rf "$LP504_DEPLOYMENTS_DIR"
  exit "$rc"
}
trap cleanup EXIT INT TERM

rpc() { curl -sf -X POST -H 'content-type: application/json' --data "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"$1\",\"params\":$2}" "$RPC"; }
hh() { npx hardhat --network localhost lp504 "$@"; }
step() { echo; echo "e2e: $*"; }

step "starting anvil on $RPC (chain 96369, shanghai)"
setsid ./node_modules/.bin/anvil --chain-id 96369 --hardfork shanghai --host 127.0.0.1 --port "$PORT" --balance 1000000 > "$LOG_DIR/anvil.log" 2>&1 &
ANVIL_PID=$!
for _ in $(seq 1 100); do rpc eth_chainId '[]' > /dev/null 2>&1 && break; sleep 0.1; done
[ "$(rpc eth_chainId '[]' | sed -E 's/.*"result":"([^"]*)".*/\1/')" = "0x17871" ] || { echo "anvil is not answering as chain 96369"; exit 1; }

step "deploy (deploy/params/localhost.json)"
hh deploy | tee "$LOG_DIR/deploy1.log"
grep -q "^Done: [1-9][0-9]* transactions" "$LOG_DIR/deploy1.log"

step "deploy again: must change nothing"
DEPLOYER=0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266
NONCE_BEFORE=$(rpc eth_getTransactionCount "[\"$DEPLOYER\",\"latest\"]")
BLOCK_BEFORE=$(rpc eth_blockNumber '[]')
hh deploy | tee "$LOG_DIR/deploy2.log"
grep -q "^Nothing to do" "$LOG_DIR/deploy2.log"
[ "$NONCE_BEFORE" = "$(rpc eth_getTransactionCount "[\"$DEPLOYER\",\"latest\"]")" ] || { echo "the rerun sent transactions"; exit 1; }
[ "$BLOCK_BEFORE" = "$(rpc eth_blockNumber '[]')" ] || { echo "the rerun mined blocks"; exit 1; }

step "check the wiring on chain"
hh check | tail -n 3

step "operate through the tasks"
hh register --stake 150 --endpoint enode://alice@127.0.0.1:30303 --from 1
hh register --stake 400 --endpoint enode://bob@127.0.0.1:30304 --from 2
hh delegate --id 1 --amount 50 --from 3
# A revert is reported as the decoded custom error, and sends nothing.
if hh register --stake 150 --from 1 > "$LOG_DIR/revert.log" 2>&1; then echo "a second registration succeeded"; exit 1; fi
grep -q "RegistryOperatorAlreadyRegistered(operator=" "$LOG_DIR/revert.log" || { cat "$LOG_DIR/revert.log"; exit 1; }
hh status | tee "$LOG_DIR/status.log"
grep -q "2 sequencers, 2 active" "$LOG_DIR/status.log"

step "example dApp (package surface) watches while the tasks rotate"
npm run build > "$LOG_DIR/build.log" 2>&1
npx tsc -p examples/dapp
node examples/dapp/build/watch-sequencer.js --rpc "$RPC" --events 1 --timeout 60 > "$LOG_DIR/watch.log" 2>&1 &
WATCH_PID=$!
for _ in $(seq 1 100); do grep -q "listening" "$LOG_DIR/watch.log" && break; sleep 0.1; done
rpc evm_increaseTime '[61]' > /dev/null
rpc evm_mine '[]' > /dev/null
hh rotate
wait "$WATCH_PID"
WATCH_PID=""
cat "$LOG_DIR/watch.log"
grep -q "^rotation 1: " "$LOG_DIR/watch.log"
hh status | head -n 1

step "fork the node with Hardhat and simulate on the fork"
FORK_URL="$RPC" SIM_ROTATIONS="${E2E_SIM_ROTATIONS:-60}" npx hardhat run scripts/simulate.ts | tee "$LOG_DIR/simulate.log" | grep -v "^  [a-zA-Z]* \["
grep -q "using the deployment in .*96369.json" "$LOG_DIR/simulate.log"
# Nothing of this local chain reached the package's record of Lux mainnet.
[ "$MAINNET_RECORD" = "$(sha256sum deployments/96369.json 2>/dev/null || echo absent)" ] || { echo "deployments/96369.json changed"; exit 1; }
grep -q "^Report: " "$LOG_DIR/simulate.log"

echo
echo "e2e: passed"
