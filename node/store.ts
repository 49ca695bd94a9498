import fs from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";

/**
 * Slashing protection: the block commitments this operator has signed, one per (chain, registry, sequencer, slot),
 * kept in an append-only log that is fsync'd before a signature may leave the process.
 *
 * File format (`<dataDir>/signed-commitments.log`): one line per commitment,
 *   `<sha256 of the JSON, hex, first 16 chars> <JSON {chainId, registry, sequencerId, slot, blockHash}>\n`.
 *
 * Opening the log:
 * - a final line with no newline is a write that never completed; `record` returns only after the whole line and its
 *   newline are fsync'd, so no signature was released for it: it is cut off (and reported in `recovered`);
 * - any complete line that does not parse or whose checksum does not match is corruption: the store refuses to open
 *   (`StoreCorruptError`, naming the line) rather than forget what it may have signed. An operator inspects the file.
 *
 * One process at a time: `<dataDir>/signed-commitments.lock` holds the owner's pid; a lock held by a live process
 * refuses the open, a lock left by a dead one (kill -9) is taken over.
 */
export interface CommitmentKey {
  chainId: bigint;
  registry: string;
  sequencerId: bigint;
  slot: bigint;
}

export class StoreCorruptError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    reason: string,
  ) {
    super(
      `slashing-protection log ${file} is corrupt at line ${line}: ${reason}; refusing to open (inspect the file; never delete it to get past this)`,
    );
    this.name = "StoreCorruptError";
  }
}

export class StoreLockedError extends Error {
  constructor(
    readonly file: string,
    readonly pid: number,
  ) {
    super(`slashing-protection store ${file} is in use by process ${pid}`);
    this.name = "StoreLockedError";
  }
}

export class ConflictingCommitmentError extends Error {
  constructor(
    readonly key: CommitmentKey,
    readonly signedHash: string,
    readonly requestedHash: string,
  ) {
    super(`refusing to sign ${requestedHash} for sequencer ${key.sequencerId} slot ${key.slot}: ${signedHash} was already signed for it`);
    this.name = "ConflictingCommitmentError";
  }
}

export const LOG_FILE = "signed-commitments.log";
export const LOCK_FILE = "signed-commitments.lock";

const keyOf = (k: CommitmentKey) => `${k.chainId}:${k.registry.toLowerCase()}:${k.sequencerId}:${k.slot}`;
const checksum = (json: string) => createHash("sha256").update(json).digest("hex").slice(0, 16);

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function fsyncDir(dir: string) {
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export class SlashingProtectionStore {
  private readonly signed = new Map<string, string>();
  private fd: number | undefined;
  /** Bytes of an unterminated final line cut off at open (0 when the log was clean). */
  readonly recovered: number;
  readonly file: string;
  private readonly lockFile: string;

  private constructor(dir: string) {
    fs.mkdirSync(dir, { recursive: true });
    this.file = path.join(dir, LOG_FILE);
    this.lockFile = path.join(dir, LOCK_FILE);
    this.lock();
    try {
      this.recovered = this.load();
      this.fd = fs.openSync(this.file, "a");
      fs.fsyncSync(this.fd);
      fsyncDir(dir);
    } catch (e) {
      this.unlock();
      throw e;
    }
  }

  /** Opens (creating if needed) the store in `dir`, takes its lock and loads every signed commitment. */
  static open(dir: string): SlashingProtectionStore {
    return new SlashingProtectionStore(dir);
  }

  private lock() {
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = fs.openSync(this.lockFile, "wx");
        fs.writeSync(fd, String(process.pid));
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
        const pid = Number(fs.readFileSync(this.lockFile, "utf8"));
        if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) throw new StoreLockedError(this.lockFile, pid);
        fs.rmSync(this.lockFile, { force: true }); // left by a dead process (or unreadable): take it over
      }
    }
    throw new StoreLockedError(this.lockFile, -1);
  }

  private unlock() {
    try {
      if (Number(fs.readFileSync(this.lockFile, "utf8")) === process.pid) fs.rmSync(this.lockFile);
    } catch {
      // already gone
    }
  }

  private load(): number {
    if (!fs.existsSync(this.file)) return 0;
    const data = fs.readFileSync(this.file);
    const lastNewline = data.lastIndexOf(0x0a);
    const complete = data.subarray(0, lastNewline + 1).toString("utf8");
    const tail = data.length - (lastNewline + 1);
    const lines = complete.split("\n");
    lines.pop(); // after the final newline
    lines.forEach((line, i) => {
      const n = i + 1;
      const space = line.indexOf(" ");
      if (space !== 16) throw new StoreCorruptError(this.file, n, "no checksum");
      const json = line.slice(17);
      if (checksum(json) !== line.slice(0, 16)) throw new StoreCorruptError(this.file, n, "checksum mismatch");
      let r: { chainId: string; registry: string; sequencerId: string; slot: string; blockHash: string };
      try {
        r = JSON.parse(json);
      } catch {
        throw new StoreCorruptError(this.file, n, "not JSON");
      }
      const key = keyOf({ chainId: BigInt(r.chainId), registry: r.registry, sequencerId: BigInt(r.sequencerId), slot: BigInt(r.slot) });
      const earlier = this.signed.get(key);
      if (earlier !== undefined && earlier !== r.blockHash) throw new StoreCorruptError(this.file, n, `two hashes recorded for ${key}`);
      this.signed.set(key, r.blockHash);
    });
    if (tail > 0) {
      // An unterminated line: its write never completed, so its signature never left. Cut it off durably.
      fs.truncateSync(this.file, lastNewline + 1);
      const fd = fs.openSync(this.file, "r+");
      fs.fsyncSync(fd);
      fs.closeSync(fd);
    }
    return tail;
  }

  /** The hash signed for `key`, if any. */
  signedHash(key: CommitmentKey): string | undefined {
    return this.signed.get(keyOf(key));
  }

  /** How many commitments the store holds. */
  get size(): number {
    return this.signed.size;
  }

  /**
   * Records that `blockHash` is about to be signed for `key`, durably (written and fsync'd) before returning. Throws
   * `ConflictingCommitmentError` if a different hash was signed for it. Signing the same hash again is allowed and
   * writes nothing. Only after this returns may the signature be produced and released.
   */
  record(key: CommitmentKey, blockHash: string): void {
    if (this.fd === undefined) throw new Error("slashing-protection store is closed");
    const hash = blockHash.toLowerCase();
    const k = keyOf(key);
    const earlier = this.signed.get(k);
    if (earlier !== undefined) {
      if (earlier !== hash) throw new ConflictingCommitmentError(key, earlier, hash);
      return;
    }
    const json = JSON.stringify({
      chainId: key.chainId.toString(),
      registry: key.registry.toLowerCase(),
      sequencerId: key.sequencerId.toString(),
      slot: key.slot.toString(),
      blockHash: hash,
    });
    const line = Buffer.from(`${checksum(json)} ${json}\n`, "utf8");
    try {
      let written = 0;
      while (written < line.length) written += fs.writeSync(this.fd, line, written, line.length - written);
      fs.fsyncSync(this.fd);
    } catch (e) {
      // A partial line may be on disk: sign nothing more in this process (reopening cuts an unterminated tail).
      const fd = this.fd;
      this.fd = undefined;
      fs.closeSync(fd);
      throw e;
    }
    this.signed.set(k, hash);
  }

  /** Flushes and closes the log and releases the lock. */
  close(): void {
    if (this.fd === undefined) return;
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    this.fd = undefined;
    this.unlock();
  }
}
