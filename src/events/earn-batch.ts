import type { Kysely, Transaction } from "kysely";
import { DateTime } from "luxon";
import type { DB, Db } from "../db/schema.ts";
import type { LiveRule, MemberFacts } from "../earning/earning.types.ts";
import { periodStart } from "../earning/periods.rules.ts";
import type { MemberBook } from "../ledger/books.rules.ts";
import type { LedgerService, LoadedBooks } from "../ledger/ledger.service.ts";
import type { Clock } from "../shared/clock.ts";
import type { TierProgress } from "../tiers/batch.rules.ts";
import type { TiersService } from "../tiers/tiers.service.ts";
import {
  findMembers,
  findOriginals,
  findPendingReferrals,
  findRewardedReferrals,
  loadRuleState,
  type OriginalPurchase,
  type RewardedReferral,
  type RuleState,
} from "./earn-reads.sql.ts";
import type { EventProgram } from "./events.sql.ts";
import { factsOf } from "./member-resolution.ts";
import type { PreparedEvent } from "./prepared-event.ts";

/** What a batch of events is judged with. */
export interface BatchContext {
  program: EventProgram;
  /** The rules in force at a time: each event is judged by those in force when it occurred. */
  rulesAt: (at: Date) => LiveRule[];
  actor: string;
  now: Date;
  dryRun: boolean;
  requestId: string;
}

export interface ReferralsInPlay {
  /** Referee -> referrer, for a first qualifying purchase. */
  pending: Map<string, string>;
  /** By qualifying purchase event id, for a full return of it. */
  rewarded: Map<string, RewardedReferral>;
}

/**
 * Everything the events of a batch are applied to, read once: the members' books (locked on the
 * write path, as of `now` on a dry run), their rule state, the purchases returns name, the
 * referrals they may settle, their tiers and what the rules know of them.
 */
export interface EarnBatch {
  ctx: BatchContext;
  books: Map<string, MemberBook>;
  state: RuleState;
  originals: Map<string, OriginalPurchase>;
  referrals: ReferralsInPlay;
  /** Members found blocked under their lock (the write path): they earn nothing. */
  blocked: ReadonlySet<string>;
  /** The members' tiers, carried from event to event (upgrades recorded on it); null without tiers. */
  tiers: TierProgress | null;
  facts: Map<string, MemberFacts>;
  /** The write path's books as loaded, to write back what changed; null on a dry run. */
  loaded: LoadedBooks | null;
}

export interface EarnBatchDeps {
  clock: Clock;
  ledger: Pick<LedgerService, "lockMembers" | "loadBooks" | "booksAsOf">;
  tiers: Pick<TiersService, "openBatch">;
}

/** When each member's earliest event of the batch occurred: events before their last tier change need their tier history. */
function earliestOccurred(events: PreparedEvent[]): Map<string, Date> {
  const earliest = new Map<string, Date>();
  for (const p of events) {
    const seen = p.memberId ? earliest.get(p.memberId) : undefined;
    if (p.memberId && (!seen || p.event.occurredAt < seen)) earliest.set(p.memberId, p.event.occurredAt);
  }
  return earliest;
}

const memberIdsOf = (events: PreparedEvent[]) => [...new Set(events.flatMap((p) => (p.memberId ? [p.memberId] : [])))];
const returnedIn = (events: PreparedEvent[]) => events.flatMap((p) => (p.input.originalEventId ? [p.input.originalEventId] : []));
const referrersOf = (referrals: ReferralsInPlay) => [
  ...referrals.pending.values(),
  ...[...referrals.rewarded.values()].map((r) => r.referrerId),
];
/** Lots returns may take back from: the purchases' own, and the referrer rewards a full return reverses. */
const lotsNamed = (originals: Map<string, OriginalPurchase>, referrals: ReferralsInPlay) => [
  ...[...originals.values()].flatMap((o) => o.lotIds),
  ...[...referrals.rewarded.values()].flatMap((r) => r.referrerLotIds),
];

/**
 * Opens a batch on the write path: locks the members and the referrers their events credit or
 * debit (one id order), reads under the lock what the lock guards, loads and settles the books,
 * and decides tier upgrades in this transaction.
 */
export async function openEarnBatch(
  deps: EarnBatchDeps,
  trx: Transaction<DB>,
  ctx: BatchContext,
  events: PreparedEvent[],
): Promise<EarnBatch> {
  const { program, now } = ctx;
  const memberIds = memberIdsOf(events);
  const returned = returnedIn(events);
  // Referrers are credited (first purchases) or debited (returns) too, so they are locked with
  // the rest, in one id order. What is read before the lock only decides what to lock.
  let referrals = await referralsInPlay(trx, program, events, returned);
  const toLock = [...memberIds, ...referrersOf(referrals)];
  // Guest purchases alone touch no member.
  const { members } = toLock.length > 0 ? await deps.ledger.lockMembers(trx, program.id, toLock) : { members: new Map() };
  if (referrals.pending.size > 0 || referrals.rewarded.size > 0) {
    // Read again under the lock: a concurrent purchase or return may have settled one meanwhile.
    const fresh = await referralsInPlay(trx, program, events, returned);
    referrals = {
      pending: new Map([...fresh.pending].filter(([, referrer]) => members.has(referrer))),
      rewarded: new Map([...fresh.rewarded].filter(([, r]) => members.has(r.referrerId))),
    };
  }
  const originals = await findOriginals(trx, program.id, returned);
  const loaded = await deps.ledger.loadBooks(trx, members, now, lotsNamed(originals, referrals));
  const state = await readRuleState(trx, ctx, events, referrals.pending);
  // Read after the lock: upgrades of these members are decided here, in this transaction.
  const tiers = await deps.tiers.openBatch(
    trx,
    program,
    memberIds.filter((id) => members.has(id)),
    now,
    null,
    earliestOccurred(events),
  );
  const blocked = new Set([...members].flatMap(([id, m]) => (m.status === "blocked" ? [id] : [])));
  const facts = await readFacts(trx, program, events);
  return { ctx, books: loaded.books, state, originals, referrals, blocked, tiers, facts, loaded };
}

/** Opens a batch for a dry run: the same reads on the books as they stand at `now`, locking nothing. */
export async function openDryRunBatch(
  deps: EarnBatchDeps,
  db: Kysely<DB>,
  ctx: BatchContext,
  events: PreparedEvent[],
): Promise<EarnBatch> {
  const { program, now } = ctx;
  const returned = returnedIn(events);
  const referrals = await referralsInPlay(db, program, events, returned);
  const originals = await findOriginals(db, program.id, returned);
  const memberIds = [...new Set([...memberIdsOf(events), ...referrersOf(referrals)])];
  const books = await deps.ledger.booksAsOf(db, memberIds, now, lotsNamed(originals, referrals));
  const state = await readRuleState(db, ctx, events, referrals.pending);
  // Tiers as they stood at `now`: a past dry run reads them from the tier history.
  const tiers = await deps.tiers.openBatch(
    db,
    program,
    events.flatMap((p) => (p.memberId && books.has(p.memberId) ? [p.memberId] : [])),
    now,
    now < deps.clock.now() ? now : null,
    earliestOccurred(events),
  );
  const facts = await readFacts(db, program, events);
  return { ctx, books, state, originals, referrals, blocked: new Set(), tiers, facts, loaded: null };
}

/**
 * Referrals these events may settle: referee -> referrer for members whose referral still waits
 * on a first qualifying purchase, and rewarded referrals whose qualifying purchase is returned.
 */
async function referralsInPlay(
  db: Db,
  program: EventProgram,
  events: PreparedEvent[],
  returned: string[],
): Promise<ReferralsInPlay> {
  const buyers = [...new Set(events.flatMap((p) => (p.input.type === "purchase" && p.memberId ? [p.memberId] : [])))];
  const pending =
    program.referralPolicy && buyers.length > 0 ? await findPendingReferrals(db, buyers) : new Map<string, string>();
  return { pending, rewarded: await findRewardedReferrals(db, program.id, returned) };
}

/** What of the members' past the rules of these events look at (loadRuleState's `need`). */
export function ruleStateNeeds(ctx: BatchContext, events: PreparedEvent[], referrers: Map<string, string>) {
  // The rules each event is judged by: those in force when it occurred, listening to its type.
  const all = new Set<LiveRule>();
  const stampRules = new Set<string>();
  const limitedRules = new Set<string>();
  let awardsSince = ctx.now;
  for (const p of events) {
    for (const r of ctx.rulesAt(p.event.occurredAt)) {
      all.add(r);
      if (r.definition.trigger !== p.input.type) continue;
      if (r.definition.effect.type === "stamps") stampRules.add(r.id);
      const limit = r.definition.limits.perMember;
      if (!limit) continue;
      limitedRules.add(r.id);
      // The awards in the limit's period around when the event occurred.
      const start = periodStart(limit.period, p.event.occurredAt, ctx.program.timezone);
      if (start < awardsSince) awardsSince = start;
    }
  }
  return {
    purchases: [...all].some((r) => r.definition.conditions.some((c) => c.type === "purchase_number")) || referrers.size > 0,
    stampRules: [...stampRules],
    limitedRules: [...limitedRules],
    awardsSince,
    referrers: [...new Set(referrers.values())],
    monthStart: DateTime.fromJSDate(ctx.now, { zone: ctx.program.timezone }).startOf("month").toJSDate(),
  };
}

const readRuleState = (db: Db, ctx: BatchContext, events: PreparedEvent[], referrers: Map<string, string>) =>
  loadRuleState(db, memberIdsOf(events), ruleStateNeeds(ctx, events, referrers));

/** What the rules know of each member: found with the events, read only for those found without (sign-ups, claims). */
async function readFacts(db: Db, program: EventProgram, events: PreparedEvent[]): Promise<Map<string, MemberFacts>> {
  const facts = new Map<string, MemberFacts>();
  for (const p of events) if (p.facts) facts.set(p.facts.id, p.facts);
  const unread = [...new Set(events.flatMap((p) => (p.memberId && !facts.has(p.memberId) ? [p.memberId] : [])))];
  if (unread.length > 0) {
    const rows = await findMembers(db, program.id, { ids: unread, externalIds: [], emails: [], phones: [] });
    for (const m of rows) facts.set(m.id, factsOf(m));
  }
  return facts;
}
