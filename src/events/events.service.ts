import type { Transaction } from "kysely";
import type { CampaignService } from "../campaigns/campaigns.service.ts";
import { isTransientConflict, isUniqueViolation, retryTransaction } from "../db/retry.ts";
import type { DB } from "../db/schema.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import type { LedgerService } from "../ledger/ledger.service.ts";
import type { MemberService } from "../members/members.service.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import { must } from "../shared/must.ts";
import type { ActorNames } from "../shared/principal.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import type { TiersService } from "../tiers/tiers.service.ts";
import type { EventAnswer } from "./answers.ts";
import { BASKET_SAMPLE, usualBasket } from "./basket.rules.ts";
import { emitBirthdays } from "./birthdays.ts";
import { claimGuestPurchase } from "./claims.ts";
import { EventIdTaken, writeEvents } from "./earn-runs.ts";
import { getEvent, listEventsOfMember } from "./event-reads.ts";
import { type EventProgram, programForEvents, recentPurchaseAmounts } from "./events.sql.ts";
import { type IngestDeps, type IngestOptions, ingestOnce } from "./ingest-events.ts";
import { signupEvent } from "./prepared-event.ts";

export type { EventAnswer } from "./answers.ts";
export type { IngestOptions } from "./ingest-events.ts";

export interface EventServiceDeps extends ServiceDeps {
  actorNames: ActorNames;
  campaigns: CampaignService;
  ledger: LedgerService;
  tiers: Pick<TiersService, "openBatch" | "addBatchWrites">;
  members: Pick<MemberService, "enrolFromEvents">;
}

/**
 * Turns events into points: validates them, finds or enrols their members, runs the programme's
 * rules, takes campaign budgets, writes the ledger, and stores each event with its answer (the
 * event id is the idempotency key). A batch is one transaction with one write statement; each
 * event in it is still answered on its own. The steps live in their own modules (see
 * ingest-events.ts); this class is their entry point for routes, jobs and members.
 */
export class EventService {
  readonly #deps: IngestDeps;

  constructor(private readonly deps: EventServiceDeps) {
    this.#deps = {
      ...deps,
      rulesFor: (program: EventProgram) => deps.campaigns.ruleTimeline(deps.db, program.id, program.rulesRevision),
    };
  }

  async ingest(programId: string, raw: unknown[], options: IngestOptions): Promise<EventAnswer[]> {
    if (options.asOf && !options.dryRun) {
      throw new DomainError("validation_error", "asOf applies to dry runs only (dryRun=true)", { field: "asOf" });
    }
    const program = await programForEvents(this.deps.db, programId);
    if (!program) throw notFound("Program", programId);
    // A replay found by the write (EventIdTaken) is answered from storage by the next attempt.
    return retryTransaction(
      (attempt) => ingestOnce(this.#deps, program, raw, options, attempt > 1),
      (error) => error instanceof EventIdTaken || isTransientConflict(error) || isUniqueViolation(error),
    );
  }

  /** Signs a new member up: a `signup` event, processed in the enrolment's own transaction. */
  onEnrolled = async (trx: Transaction<DB>, programId: string, memberId: string, now: Date): Promise<void> => {
    const program = await programForEvents(trx, programId);
    if (!program) throw notFound("Program", programId);
    const rules = await this.deps.campaigns.liveRules(trx, programId, program.rulesRevision);
    const ctx = { program, rulesAt: () => rules, actor: "system:enrolment", now, dryRun: false, requestId: "-" };
    await writeEvents(this.#deps, trx, ctx, [signupEvent(memberId, now, -1)]);
  };

  /** Sends today's `birthday` events (see birthdays.ts). */
  emitBirthdays(asOf: Date, programId?: string): Promise<number> {
    return emitBirthdays(this.deps.db, (id, raw, options) => this.ingest(id, raw, options), asOf, programId);
  }

  /** Credits a guest purchase to a member who shows its receipt, within the claim window. */
  claim(ctx: MutationContext, programId: string, memberId: string, receiptId: string) {
    const deps = { ...this.#deps, rulesAt: this.deps.campaigns.rulesAt.bind(this.deps.campaigns) };
    return this.deps.uow.run(ctx, 201, (trx) => claimGuestPurchase(deps, trx, ctx, programId, memberId, receiptId));
  }

  /** The programme's usual basket (the till asks to confirm an amount far above it) and its largest purchase. */
  async purchaseStats(programId: string) {
    const program = await programForEvents(this.deps.db, programId);
    if (!program) throw notFound("Program", programId);
    const amounts = await recentPurchaseAmounts(this.deps.db, programId, BASKET_SAMPLE);
    return { currency: program.currency, maxPurchaseAmount: program.maxPurchaseAmount, ...usualBasket(amounts) };
  }

  async get(programId: string, eventId: string) {
    const [event] = await this.#named(programId, [await getEvent(this.deps.db, programId, eventId)]);
    return must(event, "the event");
  }

  /** Events with the name of who recorded each (the cashier, the key), looked up now. */
  async #named<T extends { actor: string | null }>(programId: string, events: T[]) {
    const names = await this.deps.actorNames(
      programId,
      events.flatMap((e) => (e.actor ? [e.actor] : [])),
    );
    return events.map((e) => ({ ...e, actorName: e.actor ? (names.get(e.actor) ?? null) : null }));
  }

  async listForMember(
    programId: string,
    memberId: string,
    query: { type?: string | undefined; limit: number; cursor?: string | undefined },
  ) {
    await this.deps.ledger.memberExists(programId, memberId);
    const page = await listEventsOfMember(this.deps.db, programId, memberId, query);
    return { ...page, data: await this.#named(programId, page.data) };
  }
}
