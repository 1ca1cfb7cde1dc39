import pino from "pino";

/** What a process does, on every line it logs: `api`, `projector` or `cli`. */
export type ProcessRole = "api" | "projector" | "cli";

export type Logger = pino.Logger;

export interface LoggerOptions {
  readonly role: ProcessRole;
  /** `LOG_LEVEL`: trace, debug, info (default), warn, error, fatal, silent. */
  readonly level?: string;
  /** Human-readable lines instead of JSON (default: when stdout is a terminal). */
  readonly pretty?: boolean;
  /** Where lines go (default: stdout). */
  readonly write?: (line: string) => void;
}

const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal", "silent"]);

/**
 * Structured JSON lines for operators (one object per line: level, time, role, msg, and the fields of the
 * call), or readable lines on a terminal. One logger per process, made by the composition root and passed
 * down: nothing logs through a module-level singleton.
 */
export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? "info";
  if (!LEVELS.has(level))
    throw new Error(`LOG_LEVEL must be one of ${[...LEVELS].join(", ")}, not "${level}"`);
  const pretty = options.pretty ?? process.stdout.isTTY === true;
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  return pino(
    {
      level,
      base: { role: options.role, pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label: string) => ({ level: label }) },
    },
    { write: pretty ? (line: string) => write(prettyLine(line)) : write },
  );
}

/** A logger that writes nothing (tests and library callers that pass none). */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

const HIDDEN = new Set(["level", "time", "msg", "pid", "role"]);

/** `12:00:01 WARN  api  message  key=value …` from one JSON line. */
export function prettyLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof record.time === "string" ? record.time.slice(11, 19) : "";
  const level = String(record.level ?? "")
    .toUpperCase()
    .padEnd(5);
  const fields = Object.entries(record)
    .filter(([key]) => !HIDDEN.has(key))
    .map(([key, value]) => `${key}=${typeof value === "string" ? value : JSON.stringify(value)}`);
  return `${time} ${level} ${record.role ?? ""}  ${record.msg ?? ""}${fields.length ? `  ${fields.join(" ")}` : ""}\n`;
}
