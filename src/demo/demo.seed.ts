import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { sql } from "kysely";
import { DateTime } from "luxon";
import type { Logger } from "pino";
import { monotonicFactory } from "ulidx";
import { buildServices } from "../app.ts";
import { CreateCampaignSchema, CreateRuleSchema } from "../campaigns/campaigns.schemas.ts";
import type { Database } from "../db/database.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import { CreateMemberSchema } from "../members/members.schemas.ts";
import { CreateProgramSchema } from "../programs/programs.schemas.ts";
import { CreateRedemptionSchema, CreateRewardSchema } from "../rewards/rewards.schemas.ts";
import { ManualClock } from "../shared/clock.ts";
import { DomainError } from "../shared/errors.ts";
import { ID_PREFIX, type IdGenerator } from "../shared/ids.ts";
import { CreateStaffSchema } from "../staff/staff.schemas.ts";
import { PutTiersSchema } from "../tiers/tiers.schemas.ts";
import { DEMO_PROGRAM_NAME, DEMO_STAFF, DEMO_TIMEZONE, type DemoPlan, parseCdnow, planDemo, seededRandom } from "./demo.plan.ts";

/**
 * Seeds the demo coffee shop into an empty database through the real services, so every point is
 * in the ledger exactly as if the year had happened: the services run on a clock of their own that
 * walks through the year, each day's purchases go in as one batch at the end of that day (so the
 * ledger dates them that day, and expiry, tiers and campaign schedules work on real time), members
 * redeem rewards when they can afford them, and the due work (expiries, tier reviews) runs every
 * week. Ids come from that clock and a seeded generator: the same day gives the same demo, and
 * two servers seeding one database at once collide on the programme's id, so only one seeds.
 */

export const DEMO_DATA_FILE = new URL("../../data/demo/cdnow-sample-300.txt", import.meta.url);

export interface DemoResult {
  programId: string;
  programName: string;
  staff: { email: string; role: string }[];
  /** Generated for this database; printed once, never logged. */
  password: string;
  counts: {
    members: number;
    purchases: number;
    redemptions: number;
    vouchersUsed: number;
    expiries: number;
    tiers: Record<string, number>;
  };
  ms: number;
}

const ACTOR = "system:demo";
const ctx = (label: string): MutationContext => ({ scope: "-", key: null, fingerprint: label, requestId: "demo", actor: ACTOR });
const ok = <T>(result: { status: number; body: unknown }, what: string): T => {
  if (result.status >= 300) throw new Error(`demo: ${what} failed: ${JSON.stringify(result.body)}`);
  return result.body as T;
};

/** Ids like the server's (prefix and ULID), with the ULID's time from `clock` and its random part seeded. */
function demoIds(clock: ManualClock, seed: number): IdGenerator {
  const ulid = monotonicFactory(seededRandom(seed));
  return (kind) => `${ID_PREFIX[kind]}_${ulid(clock.now().getTime()).toLowerCase()}`;
}

/** A password for the demo staff: 16 letters and digits in groups, easy to type from the terminal. */
function newPassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  const bytes = randomBytes(16);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}-${chars.slice(12, 16)}`;
}

export async function hasAnyProgram(database: Database): Promise<boolean> {
  const row = await database.db.selectFrom("programs").select("id").limit(1).executeTakeFirst();
  return row !== undefined;
}

/** The holiday campaign's season: 15 Nov to 31 Dec of the year whose season lies most inside the demo year. */
function holidaySeason(now: Date) {
  const today = DateTime.fromJSDate(now, { zone: DEMO_TIMEZONE });
  const year = today >= today.set({ month: 12, day: 10 }).startOf("day") ? today.year : today.year - 1;
  return { startsAt: `${year}-11-15`, endsAt: `${year}-12-31` };
}

/**
 * Creates the demo programme unless the database has any programme at all (then returns null and
 * touches nothing). `now` is the end of the demo year (default: the real time).
 */
export async function seedDemo(
  database: Database,
  options: {
    log: Logger;
    now?: Date;
    /**
     * Called as soon as the staff can sign in, before the year of history is written: if the
     * seed is then interrupted, the partial demo can still be opened with the password shown.
     */
    onStaff?: (access: Pick<DemoResult, "programId" | "programName" | "staff" | "password">) => void;
  },
): Promise<DemoResult | null> {
  if (await hasAnyProgram(database)) return null;
  options.log.info(`No programme yet: creating the demo programme "${DEMO_PROGRAM_NAME}" (STAMPBOOK_DEMO=0 turns this off)`);
  const started = performance.now();
  const now = options.now ?? new Date();
  const plan = planDemo(parseCdnow(await readFile(DEMO_DATA_FILE, "utf8")), now);
  const clock = new ManualClock(plan.start);
  const services = buildServices({
    config: { rootKey: undefined, idempotencyRetentionDays: 30, bodyLimitBytes: 1_048_576, logLevel: "silent" },
    database,
    clock,
    ids: demoIds(clock, 7),
    log: options.log,
  });

  let programId: string;
  try {
    const created = ok<{ program: { id: string } }>(
      await services.programs.create(
        ctx("program"),
        CreateProgramSchema.parse({
          name: DEMO_PROGRAM_NAME,
          currency: "USD",
          timezone: DEMO_TIMEZONE,
          country: "US",
          pointsExpiry: { policy: "fixed_period", months: 6, roundTo: "month_end" },
        }),
      ),
      "programme",
    );
    programId = created.program.id;
  } catch (error) {
    // Another server seeding the same empty database got there first (the same programme id).
    if ((error as { code?: string }).code === "23505" || (await hasAnyProgram(database))) return null;
    throw error;
  }
  const c = (label: string): MutationContext => ({ ...ctx(label), scope: programId });
  const password = newPassword();
  for (const s of DEMO_STAFF) {
    ok(await services.staff.create(c("staff"), programId, CreateStaffSchema.parse({ ...s, password })), `staff ${s.email}`);
  }
  const staff = DEMO_STAFF.map((s) => ({ email: s.email, role: s.role }));
  options.onStaff?.({ programId, programName: DEMO_PROGRAM_NAME, staff, password });
  await design(services, programId, c, now);
  const counts = await simulate(services, programId, plan, clock, c, now);
  clock.set(now);
  const tiers = await sql<{ name: string; n: string }>`
    select t.name, count(m.id) as n from tiers t left join members m on m.tier_id = t.id
     where t.program_id = ${programId} and t.removed_at is null group by t.name, t.rank order by t.rank`.execute(database.db);
  return {
    programId,
    programName: DEMO_PROGRAM_NAME,
    staff,
    password,
    counts: { ...counts, tiers: Object.fromEntries(tiers.rows.map((r) => [r.name, Number(r.n)])) },
    ms: Math.round(performance.now() - started),
  };
}

type Services = ReturnType<typeof buildServices>;

/** Rules, the holiday campaign, tiers and rewards, all as of the launch. */
async function design(services: Services, programId: string, c: (label: string) => MutationContext, now: Date) {
  const { campaigns, tiers, rewards } = services;
  const rule = async (input: Record<string, unknown>) =>
    ok(await campaigns.createRule(c("rule"), programId, CreateRuleSchema.parse(input)), `rule ${input.name}`);
  await rule({
    name: "1 point per dollar",
    trigger: "purchase",
    effect: { type: "points_per_amount", points: 1, per: 100, rounding: "floor" },
  });
  await rule({
    name: "Pastry bonus",
    description: "2 extra points for every pastry",
    trigger: "purchase",
    items: { include: { categories: ["pastry"] } },
    effect: { type: "points_per_item", points: 2 },
  });
  await rule({ name: "Welcome bonus", trigger: "signup", effect: { type: "fixed_points", points: 20 } });
  const season = holidaySeason(now);
  const campaign = ok<{ id: string }>(
    await campaigns.createCampaign(
      c("campaign"),
      programId,
      CreateCampaignSchema.parse({
        name: "Holiday double points",
        description: "Double points on every purchase from 15 November to New Year's Eve, while the budget lasts",
        status: "active",
        ...season,
        budgetPoints: 4_000,
      }),
    ),
    "campaign",
  );
  await rule({
    name: "Holiday double points",
    campaignId: campaign.id,
    trigger: "purchase",
    effect: { type: "multiplier", factor: 2 },
  });
  ok(
    await tiers.replaceLadder(
      c("tiers"),
      programId,
      PutTiersSchema.parse({
        policy: { metric: "spend", window: { type: "rolling_months", months: 12 }, periodMonths: 12, graceDays: 30 },
        tiers: [
          { name: "Bronze", threshold: 0, benefits: ["Birthday treat"] },
          { name: "Silver", threshold: 10_000, retainThreshold: 8_000, earnMultiplier: 1.25, benefits: ["Free extra shot"] },
          { name: "Gold", threshold: 25_000, retainThreshold: 20_000, earnMultiplier: 1.5, benefits: ["Free size upgrade"] },
          {
            name: "Platinum",
            threshold: 50_000,
            retainThreshold: 40_000,
            earnMultiplier: 2,
            benefits: ["Monthly free bag of beans"],
          },
        ],
      }),
    ),
    "tiers",
  );
  const reward = async (input: Record<string, unknown>) =>
    ok<{ id: string }>(await rewards.create(c("reward"), programId, CreateRewardSchema.parse(input)), `reward ${input.name}`);
  await reward({
    name: "Free coffee",
    description: "Any drink, any size",
    type: "free_product",
    value: { sku: "LATTE", productName: "Any drink" },
    category: "coffee",
    costPoints: 60,
    voucherValidDays: 30,
  });
  await reward({
    name: "Free pastry",
    type: "free_product",
    value: { sku: "CROISSANT", productName: "Any pastry" },
    category: "pastry",
    costPoints: 45,
    voucherValidDays: 30,
  });
  await reward({
    name: "$5 off your order",
    type: "discount_amount",
    value: { amount: 500 },
    costPoints: 80,
    voucherValidDays: 60,
  });
  await reward({
    name: "Bean There mug",
    type: "free_product",
    value: { sku: "MUG", productName: "Ceramic mug" },
    category: "retail",
    costPoints: 250,
    stock: 40,
    memberLimit: { count: 1, period: "lifetime" },
  });
  await reward({
    name: "Donate a meal",
    description: "We give $2 to City Harvest",
    type: "donation",
    value: { charity: "City Harvest", amount: 200 },
    costPoints: 100,
  });
}

interface Balance {
  available: number;
}

/** The year, day by day: enrolments, that day's purchases in one batch, redemptions, weekly due work. */
async function simulate(
  services: Services,
  programId: string,
  plan: DemoPlan,
  clock: ManualClock,
  c: (label: string) => MutationContext,
  now: Date,
) {
  const random = seededRandom(99);
  const rewardRows = await services.database.db
    .selectFrom("rewards")
    .select(["id", "name", "cost_points"])
    .where("program_id", "=", programId)
    .execute();
  const rewardByName = new Map(rewardRows.map((r) => [r.name, r]));
  // Members hand most vouchers in at the till the same day (a method named use*, not a React hook).
  const spendVoucher = services.redemptions.useVoucher.bind(services.redemptions);
  const memberIds = new Map<string, string>();
  const counts = { members: 0, purchases: 0, redemptions: 0, vouchersUsed: 0, expiries: 0 };
  const joins = [...plan.members].sort((a, b) => a.joinedAt.getTime() - b.joinedAt.getTime());
  const dayOf = (d: Date) => DateTime.fromJSDate(d, { zone: DEMO_TIMEZONE }).toISODate() ?? "";
  let j = 0;
  let p = 0;
  let day = DateTime.fromJSDate(plan.start, { zone: DEMO_TIMEZONE }).startOf("day");
  const lastDay = DateTime.fromJSDate(now, { zone: DEMO_TIMEZONE }).startOf("day");
  for (let n = 0; day <= lastDay; n++, day = day.plus({ days: 1 })) {
    // PGlite answers in-process, as microtasks: without this the server could not answer any
    // request (not even /readyz) until the whole year is seeded.
    await new Promise((resolve) => setImmediate(resolve));
    const key = day.toISODate();
    while (j < joins.length && dayOf(joins[j]?.joinedAt as Date) <= (key ?? "")) {
      const m = joins[j++];
      if (!m || m.joinedAt >= now) continue;
      clock.set(m.joinedAt);
      const created = ok<{ id: string }>(
        await services.members.create(
          c("member"),
          programId,
          CreateMemberSchema.parse({
            externalId: `BT-${m.key.slice(1)}`,
            name: m.name,
            email: m.email,
            ...(m.phone && { phone: m.phone }),
            ...(m.birthDate && { birthDate: m.birthDate }),
          }),
        ),
        `member ${m.name}`,
      );
      memberIds.set(m.key, created.id);
      counts.members += 1;
    }
    const batch: typeof plan.purchases = [];
    while (p < plan.purchases.length && dayOf(plan.purchases[p]?.occurredAt as Date) === key) {
      const purchase = plan.purchases[p++];
      if (purchase && memberIds.has(purchase.memberKey)) batch.push(purchase);
    }
    if (batch.length > 0) {
      const last = batch.at(-1)?.occurredAt as Date;
      clock.set(new Date(last.getTime() + 60_000));
      const answers = await services.events.ingest(
        programId,
        batch.map((b) => ({
          id: b.id,
          type: "purchase",
          memberId: memberIds.get(b.memberKey),
          occurredAt: b.occurredAt.toISOString(),
          amount: b.amount,
          currency: "USD",
          channel: "store",
          storeId: "bean-there-main-st",
          items: b.items,
        })),
        { actor: ACTOR, requestId: "demo", dryRun: false, asOf: null },
      );
      const balances = new Map<string, number>();
      answers.forEach((a, i) => {
        const memberId = memberIds.get(batch[i]?.memberKey ?? "");
        if (a.status >= 300 || !memberId) throw new Error(`demo: purchase ${a.eventId} failed: ${JSON.stringify(a.body)}`);
        balances.set(memberId, (a.body as { balance: Balance }).balance.available);
        counts.purchases += 1;
      });
      for (const [memberId, available] of balances) {
        const choice = chooseReward(available, random, rewardByName);
        if (!choice) continue;
        let result: { status: number; body: unknown };
        try {
          result = await services.redemptions.redeem(
            c("redeem"),
            programId,
            memberId,
            CreateRedemptionSchema.parse({ rewardId: choice.id, channel: "store" }),
          );
        } catch (error) {
          // The mug already taken by this member, or out of stock: they pick nothing today.
          if (error instanceof DomainError) continue;
          throw error;
        }
        counts.redemptions += 1;
        const vouchers = (result.body as { vouchers: { code: string | null }[] }).vouchers;
        for (const v of vouchers) {
          if (!v.code || random() < 0.15) continue;
          await spendVoucher(c("voucher"), programId, v.code, { storeId: "bean-there-main-st" });
          counts.vouchersUsed += 1;
        }
      }
    }
    if (n % 7 === 6) {
      const endOfDay = day.plus({ days: 1 }).toJSDate();
      if (endOfDay < now) {
        clock.set(endOfDay);
        counts.expiries += (await services.jobs.run(endOfDay, programId)).expiries;
      }
    }
  }
  clock.set(now);
  counts.expiries += (await services.jobs.run(now, programId)).expiries;
  return counts;
}

/** Whether a member with `available` points redeems something today, and what. */
function chooseReward(
  available: number,
  random: () => number,
  rewards: Map<string, { id: string; cost_points: number }>,
): { id: string } | null {
  if (available < 45 || random() > 0.15) return null;
  const r = random();
  const wanted =
    r < 0.45
      ? "Free coffee"
      : r < 0.7
        ? "Free pastry"
        : r < 0.85
          ? "$5 off your order"
          : r < 0.93
            ? "Donate a meal"
            : "Bean There mug";
  for (const name of [wanted, "Free coffee", "Free pastry"]) {
    const reward = rewards.get(name);
    if (reward && reward.cost_points <= available) return reward;
  }
  return null;
}
