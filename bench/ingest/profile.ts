import { randomUUID } from "node:crypto";
import { stringField } from "../ledger/load.ts";
import type { Engine } from "../ledger/options.ts";
import { type MeasuredOperation, openProfiledApp } from "../ledger/profile.ts";
import { RULES } from "./workloads.ts";

/**
 * The ingest path without sockets or concurrency: the real app in process, one request at a time,
 * every SQL statement timed: statements per single event and per batch, and of their time how much
 * waits for SQL and how much is JavaScript (validation, the rules, the ledger, JSON, Kysely).
 */
export async function profileIngest(
  engine: Engine,
  url: string | undefined,
  plan: { members: number; singles: number; batches: number; batchSize: number },
): Promise<MeasuredOperation[]> {
  const app = await openProfiledApp(engine, url);
  try {
    const created = await app.post(app.rootKey, "/v1/programs", { name: "profile ingest", currency: "USD", timezone: "UTC" });
    const key = stringField(created, "apiKey", "secret");
    for (const rule of RULES) await app.post(key, "/v1/rules", rule);
    const members: string[] = [];
    for (let i = 0; i < plan.members; i++) members.push(stringField(await app.post(key, "/v1/members", {}), "id"));
    let n = 0;
    const purchase = () => {
      n += 1;
      return {
        id: `profile-${randomUUID()}`,
        type: "purchase",
        memberId: members[n % members.length],
        occurredAt: new Date().toISOString(),
        amount: 500 + ((n * 7919) % 9501),
        currency: "USD",
      };
    };
    const single = () => app.measure("event", () => app.post(key, "/v1/events", purchase()));
    const batch = () =>
      app.measure(`batch of ${plan.batchSize}`, () =>
        app.post(key, "/v1/events/batch", { events: Array.from({ length: plan.batchSize }, purchase) }),
      );
    // Unmeasured rounds first: JIT, plans, caches.
    for (let i = 0; i < Math.min(20, plan.singles); i++) await single();
    if (plan.batches > 0) await batch();
    app.reset();
    for (let i = 0; i < plan.singles; i++) await single();
    for (let i = 0; i < plan.batches; i++) await batch();
    return app.results();
  } finally {
    await app.close();
  }
}
