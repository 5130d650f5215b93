/**
 * An earn batch built in memory, as openEarnBatch would have read it, for table tests of the
 * earning pipeline's pure steps (applyEarn, applyReturn, applyEvents): no database, no app.
 */

import { RuleDefinitionSchema } from "../../src/earning/earning.schemas.ts";
import type { LiveCampaign, LiveRule } from "../../src/earning/earning.types.ts";
import type { EarnBatch } from "../../src/events/earn-batch.ts";
import type { EventInput } from "../../src/events/events.schemas.ts";
import { normalizeEvent } from "../../src/events/normalize-event.ts";
import type { PreparedEvent } from "../../src/events/prepared-event.ts";
import type { BookLot, MemberBook } from "../../src/ledger/books.rules.ts";
import { ID_PREFIX, type IdGenerator } from "../../src/shared/ids.ts";

export const NOW = new Date("2026-03-10T12:00:00Z");
export const DAY = 24 * 60 * 60 * 1000;

type Program = EarnBatch["ctx"]["program"];
export type OriginalPurchase = EarnBatch["originals"] extends Map<string, infer O> ? O : never;

export const program = (fields: Partial<Program> = {}): Program => ({
  id: "prg_1",
  timezone: "UTC",
  currency: "USD",
  country: "US",
  pointsExpiry: { policy: "none" },
  pendingDays: 0,
  unknownMemberPolicy: "reject",
  guestClaimDays: 30,
  returnPolicy: "available_only",
  referralPolicy: null,
  rulesRevision: 1,
  pointValue: 1,
  tierPolicy: null,
  maxPurchaseAmount: 1_000_000,
  ...fields,
});

/** 1 point per dollar, rounded down. */
export const perDollar = { type: "points_per_amount", points: 1, per: 100, rounding: "floor" };

export const rule = (id: string, definition: Record<string, unknown>, campaign: LiveCampaign | null = null): LiveRule => ({
  id,
  version: 1,
  name: id,
  status: "active",
  campaign,
  definition: RuleDefinitionSchema.parse({ name: id, trigger: "purchase", ...definition }),
});

/** A running campaign with no audience, schedule or holdout. */
export const campaign = (id: string, budgetPoints: number | null): LiveCampaign => ({
  id,
  version: 1,
  name: id,
  status: "active",
  startsAt: null,
  endsAt: null,
  audience: [],
  holdoutPercent: 0,
  budgetPoints,
});

export const lot = (id: string, memberId: string, points: number, fields: Partial<BookLot> = {}): BookLot => ({
  id,
  memberId,
  amount: points,
  remaining: points,
  state: "available",
  availableAt: new Date(NOW.getTime() - 30 * DAY),
  expiresAt: null,
  ...fields,
});

export const book = (memberId: string, lots: BookLot[] = []): MemberBook => ({ memberId, lots, holds: [], debt: 0 });

/** Ids in sequence, so entries and lots are named the same on every run. */
export function sequentialIds(): IdGenerator {
  let n = 0;
  return (kind) => `${ID_PREFIX[kind]}_${String(++n).padStart(4, "0")}`;
}

/** An event as the pipeline holds it once its member is found. */
export function prepared(input: EventInput, memberId: string | null, at: Program = program()): PreparedEvent {
  return {
    index: 0,
    input,
    event: normalizeEvent(at, input, NOW),
    fingerprint: "",
    memberId,
    enrol: null,
    guest: memberId === null,
    internal: false,
    claim: false,
    facts: null,
    enrolled: false,
  };
}

export interface BatchSetup {
  program?: Program;
  rules?: LiveRule[];
  books?: MemberBook[];
  blocked?: string[];
  originals?: OriginalPurchase[];
  referrals?: Partial<EarnBatch["referrals"]>;
  state?: Partial<EarnBatch["state"]>;
}

export function earnBatch(setup: BatchSetup = {}): EarnBatch {
  return {
    ctx: {
      program: setup.program ?? program(),
      rulesAt: () => setup.rules ?? [],
      actor: "test",
      now: NOW,
      dryRun: false,
      requestId: "req_test",
    },
    books: new Map((setup.books ?? []).map((b) => [b.memberId, b])),
    state: { purchases: new Map(), stamps: new Map(), awards: new Map(), referralsThisMonth: new Map(), ...setup.state },
    originals: new Map((setup.originals ?? []).map((o) => [o.id, o])),
    referrals: { pending: new Map(), rewarded: new Map(), ...setup.referrals },
    blocked: new Set(setup.blocked ?? []),
    tiers: null,
    facts: new Map(),
    loaded: null,
  };
}

/** A purchase as stored (findOriginals), its points credited to `lotIds`. */
export const storedPurchase = (id: string, memberId: string, fields: Partial<OriginalPurchase> = {}): OriginalPurchase => ({
  id,
  type: "purchase",
  status: "processed",
  memberId,
  occurredAt: new Date(NOW.getTime() - 7 * DAY),
  amount: 10_000,
  items: null,
  points: 100,
  returnedAmount: 0,
  clawedBack: 0,
  txnId: `txn_${id}`,
  lotIds: [`lot_${id}`],
  returnedItems: [],
  sources: [{ account: "issued", partnerId: null, points: 100 }],
  campaigns: [],
  ...fields,
});
