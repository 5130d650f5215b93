import { spawn } from "node:child_process";
import { z } from "zod";
import type { VerifyOutcome } from "../ingest/report.ts";
import { REPO_ROOT } from "../ledger/server.ts";

const VerifyJson = z.object({
  ok: z.boolean(),
  checks: z.array(z.object({ name: z.string(), violations: z.number() })),
  counts: z.record(z.string(), z.number()),
});

/** `stampbook verify --json` on a PostgreSQL database, as an operator runs it; ok only on exit 0 and `ok: true`. */
export async function verifyDatabase(databaseUrl: string): Promise<VerifyOutcome> {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: "warn", DATABASE_URL: databaseUrl };
  delete env.STAMPBOOK_DATA_DIR;
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
