import { spawn } from "node:child_process";
import { z } from "zod";
import type { EngineSetup } from "./engine.ts";
import { REPO_ROOT } from "./server.ts";

/** What `stampbook verify --json` said about a run's database. */
export interface VerifyOutcome {
  ok: boolean;
  exitCode: number | null;
  seconds: number;
  checks: { name: string; violations: number }[];
  counts: Record<string, number> | null;
  /** What it printed, when that was not its JSON. */
  output: string | null;
}

const VerifyJson = z.object({
  ok: z.boolean(),
  checks: z.array(z.object({ name: z.string(), violations: z.number() })),
  counts: z.record(z.string(), z.number()),
});

/**
 * `node bin/stampbook.js verify --json` on a run's storage (a PostgreSQL database, else a PGlite
 * data directory: stop its server first), as an operator runs it; ok only on exit 0 and `ok: true`.
 */
export async function runVerify(storage: Pick<EngineSetup, "databaseUrl" | "dataDir">): Promise<VerifyOutcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "warn" };
  delete env.DATABASE_URL;
  delete env.STAMPBOOK_DATA_DIR;
  if (storage.databaseUrl) env.DATABASE_URL = storage.databaseUrl;
  else if (storage.dataDir) env.STAMPBOOK_DATA_DIR = storage.dataDir;
  const started = performance.now();
  const child = spawn(process.execPath, ["bin/stampbook.js", "verify", "--json"], { cwd: REPO_ROOT, env });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  const stdout = Buffer.concat(out).toString("utf8");
  const parsed = VerifyJson.safeParse(safeJson(stdout));
  return {
    ok: exitCode === 0 && parsed.success && parsed.data.ok,
    exitCode,
    seconds: Math.round((performance.now() - started) / 10) / 100,
    checks: parsed.success ? parsed.data.checks.map((c) => ({ name: c.name, violations: c.violations })) : [],
    counts: parsed.success ? parsed.data.counts : null,
    output: parsed.success ? null : `${stdout}\n${Buffer.concat(err).toString("utf8")}`.trim().slice(0, 4000),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
