/**
 * How one member's request cost grows with the member's open lots (every credit is a lot, and
 * every request loads all of the member's lots with points left). In process, embedded PGlite
 * in memory, one request at a time.
 *
 *   node bin/run-ts.js bench/tools/open-lots.ts [--lots 1,100,1000,3000] [--samples 50]
 */
import { randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import pino from "pino";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { openDatabase } from "../../src/db/database.ts";
import { postInProcess, stringField } from "../ledger/load.ts";

const { values } = parseArgs({ options: { lots: { type: "string" }, samples: { type: "string" } } });
const lotCounts = (values.lots ?? "1,100,1000,3000").split(",").map(Number);
const samples = Number(values.samples ?? 50);

const rootKey = `open-lots-${randomUUID()}`;
const database = await openDatabase({ engine: "pglite" });
const app = await createApp(loadConfig({ STAMPBOOK_ROOT_KEY: rootKey, LOG_LEVEL: "silent" }), {
  database,
  log: pino({ level: "silent" }),
});

const post = (key: string, path: string, body: unknown, idempotencyKey?: string) =>
  postInProcess(app, key, path, body, idempotencyKey);

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

try {
  const key = stringField(
    await post(rootKey, "/v1/programs", { name: "lots", currency: "USD", timezone: "UTC" }),
    "apiKey",
    "secret",
  );
  console.log("open lots  adjust ms  hold ms  capture ms");
  for (const lots of lotCounts) {
    const member = stringField(await post(key, "/v1/members", {}), "id");
    // The first lot is large, so holds take from it and the rest stay open.
    await post(key, `/v1/members/${member}/adjustments`, { points: 1_000_000_000, reason: "seed" });
    for (let i = 1; i < lots; i++) await post(key, `/v1/members/${member}/adjustments`, { points: 1, reason: "seed" });
    let adjust = 0;
    let hold = 0;
    let capture = 0;
    for (let i = 0; i < samples; i++) {
      adjust += await timed(() => post(key, `/v1/members/${member}/adjustments`, { points: 1, reason: "x" }, randomUUID()));
      let holdId = "";
      hold += await timed(async () => {
        holdId = stringField(await post(key, `/v1/members/${member}/holds`, { points: 5 }, randomUUID()), "id");
      });
      capture += await timed(() => post(key, `/v1/holds/${holdId}/capture`, {}, randomUUID()));
    }
    const ms = (total: number) => (total / samples).toFixed(2).padStart(9);
    console.log(`${String(lots).padStart(9)}  ${ms(adjust)}  ${ms(hold)}  ${ms(capture)}`);
  }
} finally {
  await app.close();
}
