import { describe, expect, it } from "vitest";
import {
  book,
  DAY,
  earnBatch,
  lot,
  NOW,
  type OriginalPurchase,
  perDollar,
  prepared,
  program,
  rule,
  sequentialIds,
  storedPurchase,
} from "../../test/helpers/earn-batch.ts";
import type { BookLot } from "../ledger/books.rules.ts";
import type { ReturnPolicy } from "../ledger/ledger.schemas.ts";
import { applyEvents } from "./apply-events.ts";
import { applyReturn } from "./apply-return.ts";
import { newBatchWork } from "./batch-work.ts";
import type { EventInput } from "./events.schemas.ts";

const ada = "mem_ada";
const referrer = "mem_ref";

interface ReturnCase {
  name: string;
  policy?: ReturnPolicy;
  /** The stored purchase o1 (100 points for 10_000, into lot_o1). */
  purchase?: Partial<OriginalPurchase>;
  /** Ada's lots: by default lot_o1 with the purchase's 100 points unspent. */
  lots?: BookLot[];
  /** The purchase qualified a referral: 200 points to ada in lot_o1, 500 to the referrer in lot_ref. */
  referral?: boolean;
  /** The referrer spent the reward. */
  referrerSpent?: boolean;
  input: Partial<EventInput>;
  expected: unknown;
}

/** What the return gave: points taken back, amounts, balances, the referral; or its refusal. */
function giveBack(c: ReturnCase) {
  const original = storedPurchase("o1", ada, c.purchase);
  const referrerLot = lot("lot_ref", referrer, 500, { remaining: c.referrerSpent ? 0 : 500 });
  const batch = earnBatch({
    program: program({ returnPolicy: c.policy ?? "available_only" }),
    books: [book(ada, c.lots ?? [lot("lot_o1", ada, 100)]), book(referrer, [referrerLot])],
    originals: [original],
    referrals: c.referral
      ? {
          rewarded: new Map([
            [
              "o1",
              { refereeId: ada, referrerId: referrer, referrerPoints: 500, refereePoints: 200, referrerLotIds: ["lot_ref"] },
            ],
          ]),
        }
      : {},
  });
  const work = newBatchWork(batch, new Set(), new Map());
  const p = prepared({ id: "r1", type: "return", originalEventId: "o1", ...c.input }, ada);
  const outcome = applyReturn(batch, work, p, ada, sequentialIds());
  if (!outcome.accepted) return { refused: outcome.error.code, details: outcome.error.details };
  const { result } = outcome;
  return {
    returned: result.return?.returnedAmount,
    takenBack: result.return?.pointsTakenBack,
    totals: { returned: result.return?.totalReturnedAmount, takenBack: result.return?.totalTakenBack },
    balance: result.balance,
    referral: result.referral?.status ?? null,
    referrerPoints: outcome.books.find((b) => b.memberId === referrer)?.lots.reduce((sum, l) => sum + l.remaining, 0) ?? 500,
  };
}

const balance = (available: number, debt = 0, pending = 0) => ({ available, pending, held: 0, debt });
const took = (returned: number, takenBack: number, left: ReturnType<typeof balance>, totalReturned = returned) => ({
  returned,
  takenBack,
  totals: { returned: totalReturned, takenBack: Math.round((100 * totalReturned) / 10_000) },
  balance: left,
  referral: null,
  referrerPoints: 500,
});
const short = (requested: number, available: number, policy: ReturnPolicy) => ({
  refused: "insufficient_points",
  details: { requested, available, missing: requested - available, policy },
});
const items = [
  { sku: "a", quantity: 2, unitPrice: 2_000 },
  { sku: "b", quantity: 1, unitPrice: 6_000 },
];
const spent = [lot("lot_o1", ada, 100, { remaining: 0 })];
const pendingLot = lot("lot_o1", ada, 100, { state: "pending", availableAt: new Date(NOW.getTime() + 7 * DAY) });

describe("applyReturn", () => {
  it.each<ReturnCase>([
    { name: "a full return takes every point back", input: { amount: 10_000 }, expected: took(10_000, 100, balance(0)) },
    { name: "a partial return takes back its share", input: { amount: 2_500 }, expected: took(2_500, 25, balance(75)) },
    {
      name: "the rest of a partly returned purchase takes the rest",
      purchase: { returnedAmount: 2_500, clawedBack: 25 },
      lots: [lot("lot_o1", ada, 100, { remaining: 75 })],
      input: { amount: 7_500 },
      expected: took(7_500, 75, balance(0), 10_000),
    },
    {
      name: "a return of some items is valued at the purchase's prices",
      purchase: { items },
      input: { items: [{ sku: "a", quantity: 1, unitPrice: 2_000 }] },
      expected: took(2_000, 20, balance(80)),
    },
    {
      name: "a return of items shares the purchase's discount",
      purchase: { items, amount: 9_000 },
      input: { items: [{ sku: "b", quantity: 1, unitPrice: 6_000 }] },
      expected: { ...took(5_400, 60, balance(40)), totals: { returned: 5_400, takenBack: 60 } },
    },
    {
      name: "more items than were bought are refused",
      purchase: { items, returnedItems: [{ sku: "a", quantity: 2, unitPrice: 2_000 }], returnedAmount: 4_000, clawedBack: 40 },
      input: { items: [{ sku: "a", quantity: 1, unitPrice: 2_000 }] },
      expected: { refused: "unprocessable", details: { field: "items", sku: "a" } },
    },
    {
      name: "more than the purchase's amount is refused",
      purchase: { returnedAmount: 9_000, clawedBack: 90 },
      input: { amount: 1_001 },
      expected: { refused: "unprocessable", details: { field: "amount", purchaseAmount: 10_000, alreadyReturned: 9_000 } },
    },
    {
      name: "a purchase not received as of the return's time is refused",
      lots: [],
      input: { amount: 10_000 },
      expected: { refused: "validation_error", details: { field: "originalEventId" } },
    },
    {
      name: "pending_only takes back points still pending",
      policy: "pending_only",
      lots: [pendingLot],
      input: { amount: 10_000 },
      expected: took(10_000, 100, balance(0)),
    },
    {
      name: "pending_only refuses once the points are available",
      policy: "pending_only",
      input: { amount: 10_000 },
      expected: short(100, 0, "pending_only"),
    },
    {
      name: "pending_only refuses points already spent",
      policy: "pending_only",
      lots: spent,
      input: { amount: 10_000 },
      expected: short(100, 0, "pending_only"),
    },
    {
      name: "available_only refuses points already spent",
      lots: spent,
      input: { amount: 10_000 },
      expected: short(100, 0, "available_only"),
    },
    {
      name: "available_only refuses when part of the points is spent",
      lots: [lot("lot_o1", ada, 100, { remaining: 40 })],
      input: { amount: 10_000 },
      expected: short(100, 40, "available_only"),
    },
    {
      name: "available_only takes spent points from the member's other points",
      lots: [...spent, lot("lot_other", ada, 300)],
      input: { amount: 10_000 },
      expected: took(10_000, 100, balance(200)),
    },
    {
      name: "allow_debt records what is spent as debt",
      policy: "allow_debt",
      lots: spent,
      input: { amount: 10_000 },
      expected: took(10_000, 100, balance(0, 100)),
    },
    {
      name: "allow_debt takes what is left, then debt",
      policy: "allow_debt",
      lots: [lot("lot_o1", ada, 100, { remaining: 40 })],
      input: { amount: 10_000 },
      expected: took(10_000, 100, balance(0, 60)),
    },
    {
      name: "a full return of the purchase that qualified a referral reverses it",
      referral: true,
      lots: [lot("lot_o1", ada, 300)],
      input: { amount: 10_000 },
      expected: { ...took(10_000, 100, balance(0)), referral: "reversed", referrerPoints: 0 },
    },
    {
      name: "a partial return of the purchase that qualified a referral leaves it",
      referral: true,
      lots: [lot("lot_o1", ada, 300)],
      input: { amount: 5_000 },
      expected: took(5_000, 50, balance(250)),
    },
    {
      name: "a referral reversal the referrer cannot pay refuses the return under available_only",
      referral: true,
      lots: [lot("lot_o1", ada, 300)],
      referrerSpent: true,
      input: { amount: 10_000 },
      expected: short(500, 0, "available_only"),
    },
  ])("$name", (c) => {
    expect(giveBack(c)).toEqual(c.expected);
  });

  it("refuses a return of a purchase the batch does not hold", () => {
    const batch = earnBatch({ books: [book(ada)] });
    const p = prepared({ id: "r1", type: "return", originalEventId: "o9", amount: 1 }, ada);
    const outcome = applyReturn(batch, newBatchWork(batch, new Set(), new Map()), p, ada, sequentialIds());
    expect(outcome.accepted ? null : outcome.error.code).toBe("not_found");
  });

  it("returns a purchase earlier in the same batch: its row goes in with what the return took", () => {
    const batch = earnBatch({ rules: [rule("rul_base", { effect: perDollar })], books: [book(ada)] });
    const purchase = prepared({ id: "o1", type: "purchase", memberId: ada, amount: 10_000 }, ada);
    const refund = { ...prepared({ id: "r1", type: "return", originalEventId: "o1", amount: 4_000 }, ada), index: 1 };
    const outcome = applyEvents(batch, [purchase, refund], new Map(), new Map(), sequentialIds());
    expect({
      rows: outcome.write.events.map((e) => [e.id, e.status, e.points, e.returned_amount, e.clawed_back]),
      returned: outcome.write.returned,
      balance: batch.books.get(ada)?.lots.reduce((sum, l) => sum + l.remaining, 0),
    }).toEqual({
      rows: [
        ["o1", "processed", 100, 4_000, 40],
        ["r1", "processed", -40, 0, 0],
      ],
      returned: [],
      balance: 60,
    });
  });
});
