import { chmod, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KEY_FILE, keyedDigest, loadServerKey } from "./server-key.ts";

describe("the server key", () => {
  let dataDir: string;
  const lines: string[] = [];
  const log = pino({ level: "trace" }, { write: (line: string) => lines.push(line) });
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "stampbook-key-"));
    lines.length = 0;
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it("is made once in the data directory, readable by its owner only, and read back at the next start", async () => {
    const first = loadServerKey({ dataDir }, log);
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect((await stat(join(dataDir, KEY_FILE))).mode & 0o777).toBe(0o600);
    expect(loadServerKey({ dataDir }, log)).toBe(first);
    expect((await readFile(join(dataDir, KEY_FILE), "utf8")).trim()).toBe(first);
    // Never logged: the line that says it was made names the file, not the key.
    expect(lines.join("")).not.toContain(first);
    expect(lines.join("")).toContain(KEY_FILE);
  });

  it("narrows a key file others may read", async () => {
    const path = join(dataDir, KEY_FILE);
    await writeFile(path, "a key file copied with the wrong mode, long enough\n");
    await chmod(path, 0o644);
    expect(loadServerKey({ dataDir }, log)).toBe("a key file copied with the wrong mode, long enough");
    expect((await stat(path)).mode & 0o777).toBe(0o600);
  });

  it("refuses a key file too short to be a key", async () => {
    await writeFile(join(dataDir, KEY_FILE), "short\n", { mode: 0o600 });
    expect(() => loadServerKey({ dataDir }, log)).toThrow(/less than 32 characters/);
  });

  it("takes STAMPBOOK_SECRET_KEY as given, and writes no file", async () => {
    const secretKey = "a configured key of 32 characters or more";
    expect(loadServerKey({ dataDir, secretKey }, log)).toBe(secretKey);
    await expect(stat(join(dataDir, KEY_FILE))).rejects.toThrow();
  });

  it("with PostgreSQL and no configured key, warns that servers of one database must share it", () => {
    const key = loadServerKey({ dataDir, databaseUrl: "postgres://db/x" }, log);
    const warning = lines.map((l) => JSON.parse(l)).find((l) => l.level === 40);
    expect(warning.msg).toMatch(/STAMPBOOK_SECRET_KEY is not set/);
    expect(lines.join("")).not.toContain(key);
  });

  it("digests per purpose and per key", () => {
    const a = keyedDigest("key one, thirty-two characters long!");
    const b = keyedDigest("key two, thirty-two characters long!");
    expect(a("login-code", "x")).toMatch(/^[0-9a-f]{64}$/);
    expect(a("login-code", "x")).toBe(a("login-code", "x"));
    expect(a("login-code", "x")).not.toBe(a("idempotency-secret", "x"));
    expect(a("login-code", "x")).not.toBe(b("login-code", "x"));
  });
});
