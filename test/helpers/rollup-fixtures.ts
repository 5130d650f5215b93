import { sql } from "kysely";
import { expect } from "vitest";
import { seededRandom } from "../../src/demo/demo.plan.ts";
import { purchase, refund } from "./events.ts";
import type { HttpResult, TestApp, TestProgram } from "./test-app.ts";

/**
 * What the report rollup tests share: a seeded shop that does business through the API, and the
 * reference every rollup is compared with (the reports with every day read live).
 */

export function ok(res: HttpResult, status = 200) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

/**
 * Runs `read` with the programme's rollup states set aside, so every report reads every day live
 * (the reference), then puts the states back; with `only: "snapshot"`, only the members' balance
 * snapshot's instant (members within reach then read every spendable lot).
 */
export async function readLive<T>(t: TestApp, programId: string, read: () => Promise<T>, only?: "snapshot"): Promise<T> {
  const db = t.app.services.database.db;
  const saved = await sql<Record<string, unknown>>`select * from report_rollups where program_id = ${programId}`.execute(db);
  const asOf = await sql<{ as_of: Date }>`select as_of from report_member_balances_as_of where program_id = ${programId}`.execute(
    db,
  );
  if (only !== "snapshot") await sql`delete from report_rollups where program_id = ${programId}`.execute(db);
  await sql`delete from report_member_balances_as_of where program_id = ${programId}`.execute(db);
  try {
    return await read();
  } finally {
    for (const row of asOf.rows)
      await sql`insert into report_member_balances_as_of (program_id, as_of) values (${programId}, ${row.as_of})`.execute(db);
    if (only !== "snapshot") {
      for (const row of saved.rows) {
        await sql`insert into report_rollups (program_id, rollup, timezone, rolled_through, watermark, updated_at)
          values (${row.program_id}, ${row.rollup}, ${row.timezone}, ${row.rolled_through}, ${row.watermark}, ${row.updated_at})`.execute(
          db,
        );
      }
    }
  }
}

/** The day each of the rollups named has rolled up to (YYYY-MM-DD), by name. */
export async function rolledDays(t: TestApp, programId: string, rollups: string[]) {
  const result = await sql<{ rollup: string; rolled_through: string }>`
    select rollup, to_char(rolled_through, 'YYYY-MM-DD') as rolled_through from report_rollups
     where program_id = ${programId} and rollup = any(${`{${rollups.join(",")}}`}::text[]) order by rollup`.execute(
    t.app.services.database.db,
  );
  return result.rows;
}

/**
 * A shop doing business through the API, drawn from a seeded stream (the same every run): members
 * enrolling, purchases by members and guests (some dated days back), returns of earlier purchases,
 * guest receipts claimed later. Each test strings the steps together in its own proportions.
 */
export class Shop {
  readonly rand: () => number;
  readonly members: string[] = [];
  /** Purchases by members not returned yet. */
  readonly purchases: { id: string; amount: number }[] = [];
  guests = 0;

  constructor(
    private readonly app: () => TestApp,
    private readonly p: () => TestProgram,
    seed: number,
  ) {
    this.rand = seededRandom(seed);
  }

  pick<T>(xs: T[]): T {
    return xs[Math.floor(this.rand() * xs.length)] as T;
  }

  /** A number in [from, from + span). */
  amount(from: number, span: number): number {
    return from + Math.floor(this.rand() * span);
  }

  /** Enrols a member when there are fewer than `atLeast`, or by `chance`. */
  async enrol(atLeast: number, chance: number, attributes?: () => Record<string, unknown>): Promise<string | null> {
    if (this.members.length >= atLeast && this.rand() >= chance) return null;
    const id = await this.p().createMember({
      name: `M${this.members.length}`,
      ...(attributes ? { attributes: attributes() } : {}),
    });
    this.members.push(id);
    return id;
  }

  /** Now, or by `chance` up to `days` days back: when a purchase happened. */
  occurredAt(chance: number, days: number): string {
    const back = this.rand() < chance ? Math.floor(this.rand() * days) : 0;
    return new Date(this.app().clock.now().getTime() - back * 86_400_000).toISOString();
  }

  /** A purchase by no member, with a receipt a member may claim later. */
  async guestPurchase(amount: number, occurredAt: string): Promise<void> {
    this.guests += 1;
    const body = { id: `guest-${this.guests}`, type: "purchase", amount, receiptId: `R-${this.guests}`, occurredAt };
    ok(await this.p().call("POST", "/v1/events", body), 201);
  }

  /** A purchase by a member drawn from those enrolled (drawn before the amount). */
  async memberPurchase(amount: () => number, occurredAt: string): Promise<void> {
    const event = purchase(this.pick(this.members), amount(), { occurredAt });
    ok(await this.p().call("POST", "/v1/events", event), 201);
    if (event.amount > 0) this.purchases.push({ id: event.id, amount: event.amount });
  }

  /** Returns an earlier purchase by `chance`: in full by `fullChance`, else a third of it. */
  async returnOne(chance: number, fullChance: number): Promise<void> {
    if (this.purchases.length === 0 || this.rand() >= chance) return;
    const old = this.pick(this.purchases);
    const amount = this.rand() < fullChance ? old.amount : Math.ceil(old.amount / 3);
    const res = await this.p().call("POST", "/v1/events", refund(old.id, amount));
    if (res.status === 201) this.purchases.splice(this.purchases.indexOf(old), 1);
  }

  /** By `chance`, a member claims an earlier guest receipt: a past day's purchase changes hands. */
  async claim(chance: number): Promise<void> {
    if (this.guests === 0 || this.rand() >= chance) return;
    await this.p().call("POST", `/v1/members/${this.pick(this.members)}/claims`, {
      receiptId: `R-${1 + Math.floor(this.rand() * this.guests)}`,
    });
  }
}

/**
 * Two tiers, Silver from 0 and Gold out of reach by points (1,000,000 in 12 months), so only a
 * member given Gold by hand holds it: a reward gated on Gold has a known audience. Gold's id.
 */
export async function silverAndGoldOutOfReach(p: TestProgram): Promise<string> {
  const ladder = ok(
    await p.call("PUT", "/v1/tiers", {
      policy: { metric: "points_earned", window: { type: "rolling_months", months: 12 } },
      tiers: [
        { name: "Silver", threshold: 0 },
        { name: "Gold", threshold: 1_000_000 },
      ],
    }),
  );
  return ladder.tiers.find((x: { name: string }) => x.name === "Gold").id as string;
}
