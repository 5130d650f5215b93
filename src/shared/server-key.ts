import { createHmac, randomBytes } from "node:crypto";
import { chmodSync, linkSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { Logger } from "pino";

/**
 * The server's secret key, for keyed hashes of short secrets that a plain hash cannot protect: a
 * six-digit sign-in code (a million guesses take milliseconds) and the secret fields of an
 * idempotency fingerprint (a password). The key is never stored in the database, so read access to
 * the database alone recovers neither. It is never logged.
 *
 * Where it comes from: `STAMPBOOK_SECRET_KEY` when set; otherwise a file, `secret.key` in the data
 * directory, made at first start (32 random bytes, mode 0600) and read at every later start. With
 * PostgreSQL the data directory holds only that file; servers sharing one database must share
 * the key (set the variable on each), or a code sent by one is refused by another.
 */

export const KEY_FILE = "secret.key";

/**
 * HMAC-SHA256 under the server key of `value`, for `purpose` (each use its own, so one use's
 * digest is never another's), as hex.
 */
export type KeyedDigest = (purpose: string, value: string) => string;

export function keyedDigest(key: string): KeyedDigest {
  const bytes = Buffer.from(key, "utf8");
  return (purpose, value) => createHmac("sha256", bytes).update(`${purpose}\u0000${value}`).digest("hex");
}

/** A key for this process only: for an app built on a database handed in (tests, tools), with no key configured. */
export const ephemeralKey = (): string => randomBytes(32).toString("base64url");

/**
 * The configured key, else the data directory's key file (made if missing). With PostgreSQL and
 * no configured key, warns once that every server of the database needs the same key.
 */
export function loadServerKey(
  config: { secretKey?: string | undefined; dataDir: string; databaseUrl?: string | undefined },
  log: Logger,
): string {
  if (config.secretKey) return config.secretKey;
  const path = join(config.dataDir, KEY_FILE);
  const key = readOrCreateKeyFile(path, log);
  if (config.databaseUrl) {
    log.warn(
      { keyFile: path },
      "STAMPBOOK_SECRET_KEY is not set: using the key file in the data directory. Every server on this database must use the same key: set STAMPBOOK_SECRET_KEY on each (the file's content will do)",
    );
  }
  return key;
}

function readOrCreateKeyFile(path: string, log: Logger): string {
  mkdirSync(dirname(path), { recursive: true });
  // Written whole to a file of our own, then linked into place: a second process starting at the
  // same time never reads a half-written key, and the first link wins (the loser reads the winner's).
  const draft = `${path}.${process.pid}.tmp`;
  writeFileSync(draft, `${ephemeralKey()}\n`, { mode: 0o600, flag: "w" });
  try {
    linkSync(draft, path);
    log.info({ keyFile: path }, "Made the server's secret key (keep this file private, and back it up apart from the data)");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    rmSync(draft, { force: true });
  }
  // Others may not read it: a copy made with a wider mode is narrowed, not trusted as it is.
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  const key = readFileSync(path, "utf8").trim();
  if (key.length < 32) throw new Error(`The server key file ${path} holds less than 32 characters; remove it to make a new one`);
  return key;
}
