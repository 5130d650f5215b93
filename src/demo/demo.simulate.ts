import { DateTime } from "luxon";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import { CreateMemberSchema } from "../members/members.schemas.ts";
import { CreateRedemptionSchema } from "../rewards/rewards.schemas.ts";
import type { ManualClock } from "../shared/clock.ts";
import { DomainError } from "../shared/errors.ts";
import { DEMO_ACTOR, type DemoServices, ok } from "./demo.context.ts";
import { DEMO_TIMEZONE, type DemoPlan, seededRandom } from "./demo.plan.ts";
import { listRewards } from "./demo.sql.ts";

interface Balance {
  available: number;
}

/** The year, day by day: enrolments, that day's purchases in one batch, redemptions, weekly due work. */
export async function simulateYear(
  services: DemoServices,
  programId: string,
  plan: DemoPlan,
  clock: ManualClock,
  c: (label: string) => MutationContext,
  now: Date,
) {
  const random = seededRandom(99);
  const rewardRows = await listRewards(services.database.db, programId);
  const rewardByName = new Map(rewardRows.map((r) => [r.name, r]));
  // Members hand most vouchers in at the till the same day (a method named use*, not a React hook).
  const spendVoucher = services.redemptions.useVoucher.bind(services.redemptions);
  const memberIds = new Map<string, string>();
  const counts = { members: 0, purchases: 0, guestPurchases: 0, redemptions: 0, vouchersUsed: 0, expiries: 0 };
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
      // A walk-in's purchase is a guest purchase; a member's waits for their enrolment.
      if (purchase && (purchase.memberKey === null || memberIds.has(purchase.memberKey))) batch.push(purchase);
    }
    if (batch.length > 0) {
      const last = batch.at(-1)?.occurredAt as Date;
      clock.set(new Date(last.getTime() + 60_000));
      const answers = await services.events.ingest(
        programId,
        batch.map((b) => ({
          id: b.id,
          type: "purchase",
          ...(b.memberKey === null ? { receiptId: b.id } : { memberId: memberIds.get(b.memberKey) }),
          occurredAt: b.occurredAt.toISOString(),
          amount: b.amount,
          currency: "USD",
          channel: "store",
          storeId: "bean-there-main-st",
          items: b.items,
        })),
        { actor: DEMO_ACTOR, requestId: "demo", dryRun: false, asOf: null },
      );
      const balances = new Map<string, number>();
      answers.forEach((a, i) => {
        if (a.status >= 300) throw new Error(`demo: purchase ${a.eventId} failed: ${JSON.stringify(a.body)}`);
        const key = batch[i]?.memberKey ?? null;
        if (key === null) {
          counts.guestPurchases += 1;
          return;
        }
        const memberId = memberIds.get(key);
        if (!memberId) throw new Error(`demo: purchase ${a.eventId} has no member`);
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
