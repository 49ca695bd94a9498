/** Structured logs: one JSON object per line (time, level, event, fields), bigints as decimal strings. */
export type LogLevel = "debug" | "info" | "warn" | "error";
export type Logger = (level: LogLevel, event: string, fields?: Record<string, unknown>) => void;

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** The level below which lines are dropped: LP504_NODE_LOG_LEVEL (debug, info, warn, error), default info. */
export function logLevelFrom(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const level = env.LP504_NODE_LOG_LEVEL;
  return level !== undefined && level in RANK ? (level as LogLevel) : "info";
}

export function jsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(line),
  minLevel: LogLevel = logLevelFrom(),
): Logger {
  return (level, event, fields = {}) =>
    RANK[level] >= RANK[minLevel] &&
    write(
      JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }, (_k, v) => (typeof v === "bigint" ? v.toString() : v)) +
        "\n",
    );
}

export const silentLogger: Logger = () => undefined;
