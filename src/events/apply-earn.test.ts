import { describe, expect, it } from "vitest";
import {
  type BatchSetup,
  book,
  campaign,
  DAY,
  earnBatch,
  NOW,
  perDollar,
  prepared,
  program,
  rule,
  sequentialIds,
} from "../../test/helpers/earn-batch.ts";
import type { MemberBook } from "../ledger/books.rules.ts";
import { applyEarn } from "./apply-earn.ts";
import { applyEvents, budgetedCampaigns } from "./apply-events.ts";
import { newBatchWork } from "./batch-work.ts";
import type { EventInput } from "./events.schemas.ts";

const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
const ada = "mem_ada";
const referrer = "mem_ref";
const referralPolicy = { referrerPoints: 500, refereePoints: 200, minPurchaseAmount: 5_000, maxRewardsPerMonth: 3 };
const base = rule("rul_base", { effect: perDollar });

/** What applying the event gave: points, balance, each contribution's timing, the skips; or the refusal. */
function earn(setup: BatchSetup, input: Partial<EventInput>, granted: [string, number][] = []) {
  const batch = earnBatch({ books: [book(ada), book(referrer)], ...setup });
  const p = prepared({ id: "o1", type: "purchase", memberId: ada, amount: 10_000, ...input }, ada, batch.ctx.program);
  const work = newBatchWork(batch, budgetedCampaigns(batch, [p]), new Map(granted));
  const outcome = applyEarn(batch, work, p, ada, sequentialIds());
  if (!outcome.accepted) return { refused: outcome.error.code, details: outcome.error.details };
  const { result } = outcome;
  return {
    points: result.points,
    balance: result.balance,
    timing: result.contributions.map((c) => `${c.ruleName}: ${c.points} from ${c.availableAt} until ${c.expiresAt}`),
    skipped: result.skipped.map((s) => `${s.ruleName}: ${s.reason}`),
    ...(result.referral ? { referral: result.referral.status } : {}),
    referrerPoints: referrerBook(outcome.books)?.lots.reduce((sum, l) => sum + l.remaining, 0) ?? null,
  };
}

const referrerBook = (books: MemberBook[]) => books.find((b) => b.memberId === referrer);

/** The answer's points and balance of a member who had none; the referrer's book comes back only with a referral in play. */
const earned = (total: number, pending = 0, referrerPoints: number | null = null) => ({
  points: { total, available: total - pending, pending },
  balance: { available: total - pending, pending, held: 0, debt: 0 },
  referrerPoints,
});

describe("applyEarn", () => {
  it.each<{ name: string; setup: BatchSetup; input?: Partial<EventInput>; granted?: [string, number][]; expected: unknown }>([
    {
      name: "a plain purchase earns by the base rule",
      setup: { rules: [base] },
      expected: { ...earned(100), timing: [`rul_base: 100 from ${at(0)} until null`], skipped: [] },
    },
    {
      name: "a purchase no rule listens to earns nothing",
      setup: { rules: [rule("rul_signup", { trigger: "signup", effect: { type: "fixed_points", points: 50 } })] },
      expected: { ...earned(0), timing: [], skipped: [] },
    },
    {
      name: "the programme's pending period holds the points from the purchase",
      setup: { rules: [base], program: program({ pendingDays: 14 }) },
      input: { occurredAt: at(-4 * DAY) },
      expected: { ...earned(100, 100), timing: [`rul_base: 100 from ${at(10 * DAY)} until null`], skipped: [] },
    },
    {
      name: "a purchase older than the pending period earns available points",
      setup: { rules: [base], program: program({ pendingDays: 14 }) },
      input: { occurredAt: at(-20 * DAY) },
      expected: { ...earned(100), timing: [`rul_base: 100 from ${at(0)} until null`], skipped: [] },
    },
    {
      name: "a rule's pendingDays overrides the programme's",
      setup: { rules: [rule("rul_now", { effect: perDollar, pendingDays: 0 })], program: program({ pendingDays: 14 }) },
      expected: { ...earned(100), timing: [`rul_now: 100 from ${at(0)} until null`], skipped: [] },
    },
    {
      name: "the programme's expiry runs from when the points were earned (the purchase), not from when it was posted",
      setup: { rules: [base], program: program({ pointsExpiry: { policy: "fixed_period", months: 12 } }) },
      input: { occurredAt: at(-2 * DAY) },
      expected: { ...earned(100), timing: [`rul_base: 100 from ${at(0)} until 2027-03-08T12:00:00.000Z`], skipped: [] },
    },
    {
      name: "a purchase posted after its points' expiry: credited and expired at once (balance unchanged)",
      setup: { rules: [base], program: program({ pointsExpiry: { policy: "fixed_period", months: 6 } }) },
      input: { occurredAt: at(-200 * DAY) },
      expected: {
        points: { total: 100, available: 0, pending: 0, expired: 100 },
        balance: { available: 0, pending: 0, held: 0, debt: 0 },
        referrerPoints: null,
        timing: [`rul_base: 100 from ${at(0)} until 2026-02-22T12:00:00.000Z`],
        skipped: [],
      },
    },
    {
      name: "a rule's expiry overrides the programme's, rounded to the month's end",
      setup: {
        rules: [rule("rul_short", { effect: perDollar, expiry: { policy: "fixed_period", months: 1, roundTo: "month_end" } })],
        program: program({ pointsExpiry: { policy: "fixed_period", months: 12 } }),
      },
      expected: { ...earned(100), timing: [`rul_short: 100 from ${at(0)} until 2026-05-01T00:00:00.000Z`], skipped: [] },
    },
    {
      name: "a blocked member earns nothing",
      setup: { rules: [base], blocked: [ada] },
      expected: { refused: "member_blocked", details: undefined },
    },
    {
      name: "a rule capped per event gives its cap",
      setup: { rules: [rule("rul_capped", { effect: perDollar, limits: { perEvent: 40 } })] },
      expected: { ...earned(40), timing: [`rul_capped: 40 from ${at(0)} until null`], skipped: [] },
    },
    {
      name: "a rule limited per member gives what is left of its limit this month",
      setup: {
        rules: [rule("rul_monthly", { effect: perDollar, limits: { perMember: { period: "month", maxPoints: 150 } } })],
        state: {
          awards: new Map([
            [ada, [{ ruleId: "rul_monthly", occurredAt: new Date(NOW.getTime() - 5 * DAY), points: 100, stamps: 0 }]],
          ]),
        },
      },
      expected: { ...earned(50), timing: [`rul_monthly: 50 from ${at(0)} until null`], skipped: [] },
    },
    {
      name: "a rule whose per-member limit is reached gives nothing",
      setup: {
        rules: [rule("rul_once", { effect: perDollar, limits: { perMember: { period: "month", maxAwards: 1 } } })],
        state: {
          awards: new Map([
            [ada, [{ ruleId: "rul_once", occurredAt: new Date(NOW.getTime() - 5 * DAY), points: 100, stamps: 0 }]],
          ]),
        },
      },
      expected: { ...earned(0), timing: [], skipped: ["rul_once: limit_reached"] },
    },
    {
      name: "last month's awards do not count against a monthly limit",
      setup: {
        rules: [rule("rul_once", { effect: perDollar, limits: { perMember: { period: "month", maxAwards: 1 } } })],
        state: {
          awards: new Map([
            [ada, [{ ruleId: "rul_once", occurredAt: new Date(NOW.getTime() - 10 * DAY), points: 100, stamps: 0 }]],
          ]),
        },
      },
      expected: { ...earned(100), timing: [`rul_once: 100 from ${at(0)} until null`], skipped: [] },
    },
    {
      name: "more points than one operation may give is refused",
      setup: { rules: [rule("rul_huge", { effect: { type: "points_per_amount", points: 1_000_000, per: 1 } })] },
      input: { amount: 10_000_000 },
      expected: { refused: "unprocessable", details: undefined },
    },
    {
      name: "a budgeted campaign gives what its budget granted",
      setup: { rules: [base, rule("rul_promo", { effect: perDollar }, campaign("cmp_promo", 1_000))] },
      granted: [["cmp_promo", 30]],
      expected: {
        ...earned(130),
        timing: [`rul_base: 100 from ${at(0)} until null`, `rul_promo: 30 from ${at(0)} until null`],
        skipped: [],
      },
    },
    {
      name: "a budgeted campaign granted all it wants gives it all",
      setup: { rules: [base, rule("rul_promo", { effect: perDollar }, campaign("cmp_promo", 1_000))] },
      granted: [["cmp_promo", 100]],
      expected: {
        ...earned(200),
        timing: [`rul_base: 100 from ${at(0)} until null`, `rul_promo: 100 from ${at(0)} until null`],
        skipped: [],
      },
    },
    {
      name: "a budgeted campaign granted nothing is skipped as spent",
      setup: { rules: [base, rule("rul_promo", { effect: perDollar }, campaign("cmp_promo", 1_000))] },
      expected: { ...earned(100), timing: [`rul_base: 100 from ${at(0)} until null`], skipped: ["rul_promo: budget_exhausted"] },
    },
    {
      name: "a referred member's first qualifying purchase rewards both sides",
      setup: { rules: [base], program: program({ referralPolicy }), referrals: { pending: new Map([[ada, referrer]]) } },
      expected: {
        ...earned(300, 0, 500),
        timing: [`rul_base: 100 from ${at(0)} until null`, `Referral bonus: 200 from ${at(0)} until null`],
        skipped: [],
        referral: "rewarded",
      },
    },
    {
      name: "a purchase under the referral's minimum leaves it waiting",
      setup: { rules: [base], program: program({ referralPolicy }), referrals: { pending: new Map([[ada, referrer]]) } },
      input: { amount: 4_999 },
      expected: { ...earned(49, 0, 0), timing: [`rul_base: 49 from ${at(0)} until null`], skipped: [] },
    },
    {
      name: "a referrer at the monthly limit gets no reward, nor the referee a bonus",
      setup: {
        rules: [base],
        program: program({ referralPolicy }),
        referrals: { pending: new Map([[ada, referrer]]) },
        state: { referralsThisMonth: new Map([[referrer, 3]]) },
      },
      expected: {
        ...earned(100, 0, 0),
        timing: [`rul_base: 100 from ${at(0)} until null`],
        skipped: [],
        referral: "refused",
      },
    },
  ])("$name", ({ setup, input, granted, expected }) => {
    expect(earn(setup, input ?? {}, granted)).toEqual(expected);
  });

  it("posts the expiry of points already expired when a late event arrives, into breakage, after their credit", () => {
    const sixMonths = program({ pointsExpiry: { policy: "fixed_period", months: 6 } });
    const batch = earnBatch({ rules: [base], books: [book(ada)], program: sixMonths });
    const work = newBatchWork(batch, new Set(), new Map());
    const late = prepared(
      { id: "o1", type: "purchase", memberId: ada, amount: 10_000, occurredAt: at(-200 * DAY) },
      ada,
      sixMonths,
    );
    applyEarn(batch, work, late, ada, sequentialIds());
    expect(
      work.entries.map((e) => ({
        type: e.type,
        effectiveAt: e.effectiveAt.toISOString(),
        postings: e.postings.map((p) => `${p.account} ${p.amount}`),
      })),
    ).toEqual([
      { type: "earn", effectiveAt: at(0), postings: ["issued -100", "member_available 100"] },
      { type: "expiry", effectiveAt: at(0), postings: ["member_available -100", "breakage 100"] },
    ]);
  });

  it("leaves the books as they were when it refuses", () => {
    const batch = earnBatch({ rules: [base], books: [book(ada)], blocked: [ada] });
    const work = newBatchWork(batch, new Set(), new Map());
    applyEarn(batch, work, prepared({ id: "o1", type: "purchase", memberId: ada, amount: 10_000 }, ada), ada, sequentialIds());
    expect({ entries: work.entries, awards: work.write.awards, lots: batch.books.get(ada)?.lots }).toEqual({
      entries: [],
      awards: [],
      lots: [],
    });
  });
});

describe("applyEvents", () => {
  it.each([
    {
      name: "a guest's purchase is stored as a guest's, with no points",
      memberId: null,
      setup: { rules: [base] },
      expected: { status: 201, row: "guest", points: 0, entries: 0 },
    },
    {
      name: "a member's purchase is applied and stored as processed",
      memberId: ada,
      setup: { rules: [base] },
      expected: { status: 201, row: "processed", points: 100, entries: 1 },
    },
    {
      name: "a refused purchase is stored with its refusal",
      memberId: ada,
      setup: { rules: [base], blocked: [ada] },
      expected: { status: 409, row: "rejected", points: 0, entries: 0 },
    },
  ])("$name", ({ memberId, setup, expected }) => {
    const batch = earnBatch({ books: [book(ada)], ...setup });
    const p = prepared({ id: "o1", type: "purchase", amount: 10_000, ...(memberId ? { memberId } : {}) }, memberId);
    const outcome = applyEvents(batch, [p], new Map(), new Map(), sequentialIds());
    const row = outcome.write.events[0];
    expect({
      status: outcome.answers.get(0)?.status,
      row: row?.status,
      points: row?.points,
      entries: outcome.entries.length,
    }).toEqual(expected);
  });
});
