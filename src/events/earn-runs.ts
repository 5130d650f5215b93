import type { Kysely, Transaction } from "kysely";
import type { CampaignService } from "../campaigns/campaigns.service.ts";
import type { DB } from "../db/schema.ts";
import { WriteBatch } from "../db/write-batch.ts";
import type { LedgerService } from "../ledger/ledger.service.ts";
import type { MemberService } from "../members/members.service.ts";
import type { Clock } from "../shared/clock.ts";
import type { DomainError } from "../shared/errors.ts";
import type { IdGenerator } from "../shared/ids.ts";
import type { TiersService } from "../tiers/tiers.service.ts";
import { type EventAnswer, refusalAnswer } from "./answers.ts";
import { applyEvents, budgetWantsOf } from "./apply-events.ts";
import { type BatchContext, openDryRunBatch, openEarnBatch } from "./earn-batch.ts";
import { addEventWrites } from "./event-writes.sql.ts";
import { assignNewMembers } from "./new-members.ts";
import type { PreparedEvent } from "./prepared-event.ts";

/** What the earn runs use of the other domains, all through their services. */
export interface EarnRunDeps {
  db: Kysely<DB>;
  clock: Clock;
  ids: IdGenerator;
  campaigns: Pick<CampaignService, "takeBudgets" | "previewBudgets" | "refundBudgets">;
  ledger: Pick<LedgerService, "lockMembers" | "loadBooks" | "booksAsOf" | "addEntryWrites">;
  tiers: Pick<TiersService, "openBatch" | "addBatchWrites">;
  members: Pick<MemberService, "enrolFromEvents">;
}

/** The write statement found an event id (or a referral) already written: a concurrent twin won. */
export class EventIdTaken extends Error {}

/**
 * The write path, in the caller's transaction: enrols new members, opens the batch (locks, books,
 * rule state, tiers), takes budgets, applies the events, gives back unused budget, then writes
 * the ledger, the events and the tier changes in one statement.
 */
export async function writeEvents(
  deps: EarnRunDeps,
  trx: Transaction<DB>,
  ctx: BatchContext,
  given: PreparedEvent[],
): Promise<Map<number, EventAnswer>> {
  const { program, now } = ctx;
  const { events, newMembers, refused } = assignNewMembers(given, now, () => deps.ids("member"));
  if (newMembers.length > 0) await deps.members.enrolFromEvents(trx, program.id, newMembers, now, ctx.actor);
  const batch = await openEarnBatch(deps, trx, ctx, events);
  const wants = budgetWantsOf(batch, events);
  const granted = wants.size > 0 ? await deps.campaigns.takeBudgets(trx, wants) : new Map<string, number>();
  const outcome = applyEvents(batch, events, wants, granted, deps.ids);
  await deps.campaigns.refundBudgets(trx, outcome.refunds);

  const loaded = batch.loaded;
  if (!loaded) throw new Error("the write path opened no books");
  // The books as the accepted events left them, with what was loaded (to write what changed).
  const final = new Map([...loaded.loaded].map(([id, l]) => [id, { ...l, book: batch.books.get(id) ?? l.book }]));
  const write = new WriteBatch();
  addEventWrites(write, program.id, now, ctx.actor, outcome.write);
  if (batch.tiers) {
    // Members whose debt the write statement updates cannot have their tier updated in it too.
    const debtChanged = new Set([...final].flatMap(([id, l]) => (l.book.debt !== l.originalDebt ? [id] : [])));
    await deps.tiers.addBatchWrites(trx, write, program.id, batch.tiers, ctx.actor, debtChanged);
  }
  deps.ledger.addEntryWrites(
    write,
    program.id,
    ctx.actor,
    [...loaded.settled, ...outcome.entries],
    final,
    now,
    new Set(loaded.settled.map((e) => e.id)),
  );
  const counts = await write.run(trx);
  const { events: rows, claims, referrals, referralReversals } = outcome.write;
  const expected = rows.length + claims.length + referrals.length + referralReversals.length;
  const written = [...counts.values()].reduce((sum, n) => sum + n, 0);
  if (written !== expected) throw new EventIdTaken();
  return withRefusals(outcome.answers, refused, given, ctx.requestId);
}

/** The dry run: the same steps on books as they stand at `now`, budgets only looked at, written nowhere. */
export async function dryRunEvents(
  deps: EarnRunDeps,
  ctx: BatchContext,
  given: PreparedEvent[],
): Promise<Map<number, EventAnswer>> {
  const { events, refused } = assignNewMembers(given, ctx.now, () => deps.ids("member"));
  const batch = await openDryRunBatch(deps, deps.db, ctx, events);
  const wants = budgetWantsOf(batch, events);
  const granted = wants.size > 0 ? await deps.campaigns.previewBudgets(deps.db, wants) : new Map<string, number>();
  return withRefusals(applyEvents(batch, events, wants, granted, deps.ids).answers, refused, given, ctx.requestId);
}

/** Adds the answers of events refused before they were applied (nothing written for them). */
function withRefusals(
  answers: Map<number, EventAnswer>,
  refused: Map<number, DomainError>,
  given: PreparedEvent[],
  requestId: string,
): Map<number, EventAnswer> {
  for (const [index, error] of refused) {
    const eventId = given.find((p) => p.index === index)?.input.id ?? null;
    answers.set(index, refusalAnswer(eventId, error, requestId));
  }
  return answers;
}
