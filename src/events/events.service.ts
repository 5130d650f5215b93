import { type Kysely, sql, type Transaction } from "kysely";
import { DateTime } from "luxon";
import type { CampaignService } from "../campaigns/campaigns.service.ts";
import { budgetRemaining, homeSlice, refundBudget, takeFromBudget } from "../campaigns/campaigns.sql.ts";
import type { DB, EventRow } from "../db/schema.ts";
import {
  type Budgets,
  budgetWants,
  type EarnEvent,
  type Evaluation,
  evaluate,
  type LiveRule,
  type MemberFacts,
  type MemberHistory,
  periodStart,
} from "../earning/earning.rules.ts";
import { errorBody, fingerprint, type MutationContext } from "../idempotency/idempotency.service.ts";
import { clawback, creditParts, type EntryDraft, type MemberBook, settle } from "../ledger/ledger.rules.ts";
import type { LedgerService } from "../ledger/ledger.service.ts";
import { bookBalance } from "../ledger/ledger.service.ts";
import * as ledgerSql from "../ledger/ledger.sql.ts";
import { normalizeEmail, normalizePhone, segmentsOf } from "../members/members.rules.ts";
import { insertMembers } from "../members/members.sql.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import { MAX_POINTS_PER_OPERATION } from "../shared/points.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import { eventMetric, returnMetric, type TierProgress, type TierTransition } from "../tiers/tiers.rules.ts";
import type { TiersService } from "../tiers/tiers.service.ts";
import { checkReturnedItems, creditPartsFor, planReturn, returnedValue } from "./events.rules.ts";
import { type EventInput, EventInputSchema, type EventResult } from "./events.schemas.ts";
import * as q from "./events.sql.ts";

/** How far in the future an event's occurredAt may be (clock skew between systems). */
const FUTURE_SKEW_MS = 5 * 60 * 1000;
const MAX_ATTEMPTS = 8;
/** Ids of events the system makes itself; clients may not take them. */
const SYSTEM_ID = /^(signup|birthday):/;

export interface IngestOptions {
  actor: string;
  requestId: string;
  dryRun: boolean;
  asOf: Date | null;
  /** Sent by the system (the jobs), which may use its own id prefixes. */
  system?: boolean;
}

export interface EventAnswer {
  eventId: string | null;
  status: number;
  replayed: boolean;
  body: EventResult | ReturnType<typeof errorBody>;
}

/** One event on its way through: validated, its member found (or to be enrolled). */
interface Pending {
  index: number;
  input: EventInput;
  event: EarnEvent;
  fingerprint: string;
  memberId: string | null;
  /** Enrol a member with these details (the programme enrols unknown members). */
  enrol: { key: string; externalId: string | null; email: string | null; phone: string | null } | null;
  guest: boolean;
  /** Created by the system (a sign-up event), not sent by a client. */
  internal: boolean;
  /** A stored guest purchase being claimed by a member. */
  claim: boolean;
  /** What the rules know of the member, read when the member was found (none for new members). */
  facts: MemberFacts | null;
  /** This event enrolled its member. */
  enrolled: boolean;
}

interface ReferralsInPlay {
  /** Referee -> referrer, for a first qualifying purchase. */
  pending: Map<string, string>;
  /** By qualifying purchase event id, for a full return of it. */
  rewarded: Map<string, q.RewardedReferral>;
}

interface RunContext {
  program: q.EventProgram;
  rules: LiveRule[];
  actor: string;
  now: Date;
  dryRun: boolean;
  requestId: string;
}

class EventIdTaken extends Error {}

const RETRYABLE = new Set(["40001", "40P01", "23505"]);
const isRetryable = (error: unknown) => RETRYABLE.has(String((error as { code?: unknown } | null)?.code));

function cloneBook(book: MemberBook): MemberBook {
  return {
    memberId: book.memberId,
    debt: book.debt,
    lots: book.lots.map((l) => ({ ...l })),
    holds: book.holds.map((h) => ({ ...h, allocations: h.allocations.map((a) => ({ ...a })) })),
  };
}

function restoreBook(book: MemberBook, saved: MemberBook) {
  book.debt = saved.debt;
  book.lots = saved.lots;
  book.holds = saved.holds;
}

/**
 * Turns events into points: validates them, finds or enrols their members, runs the programme's
 * rules, takes campaign budgets, writes the ledger, and stores each event with its answer (the
 * event id is the idempotency key). A batch is one transaction with one write statement; each
 * event in it is still answered on its own.
 */
export class EventService {
  constructor(
    private readonly deps: ServiceDeps & {
      campaigns: CampaignService;
      ledger: LedgerService;
      tiers: Pick<TiersService, "openBatch" | "batchWrites">;
    },
  ) {}

  async ingest(programId: string, raw: unknown[], options: IngestOptions): Promise<EventAnswer[]> {
    if (options.asOf && !options.dryRun) {
      throw new DomainError("validation_error", "asOf applies to dry runs only (dryRun=true)", { field: "asOf" });
    }
    const program = await q.programForEvents(this.deps.db, programId);
    if (!program) throw notFound("Program", programId);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#ingestOnce(program, raw, options, attempt > 1);
      } catch (error) {
        if (!(error instanceof EventIdTaken) && (!isRetryable(error) || attempt >= MAX_ATTEMPTS)) throw error;
        if (attempt >= MAX_ATTEMPTS) throw error;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5 * attempt));
      }
    }
  }

  /**
   * One attempt. The first does not look for stored events: the write inserts each event under
   * its id and, if one is already there (a replay), rolls back and the next attempt answers it from
   * storage. The usual new event so costs no extra read. A dry run, which writes nothing, looks.
   */
  async #ingestOnce(program: q.EventProgram, raw: unknown[], options: IngestOptions, lookFirst: boolean): Promise<EventAnswer[]> {
    const now = options.asOf ?? this.deps.clock.now();
    const answers: (EventAnswer | null)[] = raw.map(() => null);
    const fail = (index: number, eventId: string | null, error: DomainError) => {
      answers[index] = { eventId, status: error.status, replayed: false, body: errorBody(error, options.requestId) };
    };

    // Validate each event on its own; the first of a repeated id is processed, the rest replay it.
    const valid: { index: number; input: EventInput; fingerprint: string }[] = [];
    const firstOf = new Map<string, number>();
    const repeats: { index: number; of: number; fingerprint: string }[] = [];
    raw.forEach((item, index) => {
      const parsed = EventInputSchema.safeParse(item);
      const id = typeof (item as { id?: unknown })?.id === "string" ? (item as { id: string }).id : null;
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        fail(
          index,
          id,
          new DomainError("validation_error", `Invalid event: ${issue?.path.join(".") || "body"}: ${issue?.message}`, {
            issues: parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message })),
          }),
        );
        return;
      }
      if (!options.system && SYSTEM_ID.test(parsed.data.id)) {
        fail(
          index,
          id,
          new DomainError("validation_error", "Event ids starting signup: or birthday: are the system's own", { field: "id" }),
        );
        return;
      }
      const print = fingerprint("EVENT", "", parsed.data);
      const first = firstOf.get(parsed.data.id);
      if (first !== undefined) repeats.push({ index, of: first, fingerprint: print });
      else {
        firstOf.set(parsed.data.id, index);
        valid.push({ index, input: parsed.data, fingerprint: print });
      }
    });

    // Replays of stored events.
    const stored =
      lookFirst || options.dryRun
        ? await q.findStoredEvents(
            this.deps.db,
            program.id,
            valid.map((v) => v.input.id),
          )
        : new Map<string, q.StoredEvent>();
    const fresh: typeof valid = [];
    for (const v of valid) {
      const found = stored.get(v.input.id);
      if (!found) fresh.push(v);
      else if (found.fingerprint !== v.fingerprint) {
        fail(
          v.index,
          v.input.id,
          new DomainError("idempotency_conflict", `Event ${v.input.id} was already received with other content`),
        );
      } else {
        answers[v.index] = { eventId: v.input.id, status: found.status_code, replayed: true, body: found.result as EventResult };
      }
    }

    const pendings = await this.#prepare(program, fresh, now, (index, id, error) => fail(index, id, error));
    if (pendings.length > 0) {
      // A dry run as of a past time uses the rules as they were then.
      const rules =
        options.asOf && options.asOf < this.deps.clock.now()
          ? await this.deps.campaigns.rulesAt(this.deps.db, program.id, options.asOf)
          : await this.deps.campaigns.liveRules(this.deps.db, program.id, program.rulesRevision);
      const ctx: RunContext = { program, rules, actor: options.actor, now, dryRun: options.dryRun, requestId: options.requestId };
      const results = options.dryRun
        ? await this.#dryRun(ctx, pendings)
        : await this.deps.db.transaction().execute((trx) => this.#run(trx, ctx, pendings));
      for (const [index, answer] of results) answers[index] = answer;
    }
    for (const r of repeats) {
      const first = answers[r.of];
      const firstPrint = valid.find((v) => v.index === r.of)?.fingerprint;
      if (first && firstPrint === r.fingerprint) answers[r.index] = { ...first, replayed: true };
      else
        fail(
          r.index,
          first?.eventId ?? null,
          new DomainError("idempotency_conflict", "The same event id twice with other content"),
        );
    }
    return answers.map(
      (a) =>
        a ?? {
          eventId: null,
          status: 500,
          replayed: false,
          body: errorBody(new DomainError("internal_error", "Event was not answered"), options.requestId),
        },
    );
  }

  /** Signs a new member up: a `signup` event, processed in the enrolment's own transaction. */
  onEnrolled = async (trx: Transaction<DB>, programId: string, memberId: string, now: Date): Promise<void> => {
    const program = await q.programForEvents(trx, programId);
    if (!program) throw notFound("Program", programId);
    const rules = await this.deps.campaigns.liveRules(trx, programId, program.rulesRevision);
    const pending = this.#signup(memberId, now, -1);
    await this.#run(trx, { program, rules, actor: "system:enrolment", now, dryRun: false, requestId: "-" }, [pending]);
  };

  #signup(memberId: string, now: Date, index: number): Pending {
    const input: EventInput = { id: `signup:${memberId}`, type: "signup", memberId, occurredAt: now.toISOString() };
    return {
      index,
      input,
      event: {
        id: input.id,
        type: "signup",
        occurredAt: now,
        amount: null,
        currency: "",
        items: null,
        channel: null,
        storeId: null,
        partnerId: null,
        attributes: {},
      },
      fingerprint: fingerprint("EVENT", "", input),
      memberId,
      enrol: null,
      guest: false,
      internal: true,
      claim: false,
      facts: null,
      enrolled: false,
    };
  }

  /** Checks what the schema cannot and finds each event's member; refusals here write nothing. */
  async #prepare(
    program: q.EventProgram,
    events: { index: number; input: EventInput; fingerprint: string }[],
    now: Date,
    fail: (index: number, id: string, error: DomainError) => void,
  ): Promise<Pending[]> {
    const checked: { index: number; input: EventInput; fingerprint: string; event: EarnEvent }[] = [];
    for (const e of events) {
      try {
        checked.push({ ...e, event: this.#normalize(program, e.input, now) });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        fail(e.index, e.input.id, error);
      }
    }
    // Returns name their purchase; its member is the return's.
    const originals = await q.findOriginals(this.deps.db, program.id, [
      ...new Set(checked.flatMap((c) => (c.input.originalEventId ? [c.input.originalEventId] : []))),
    ]);
    const phones = new Map<string, string | null>();
    const refs = { ids: [] as string[], externalIds: [] as string[], emails: [] as string[], phones: [] as string[] };
    for (const c of checked) {
      if (c.input.memberId) refs.ids.push(c.input.memberId);
      const original = c.input.originalEventId ? originals.get(c.input.originalEventId) : undefined;
      if (original?.memberId) refs.ids.push(original.memberId);
      const ref = c.input.member;
      if (ref?.externalId) refs.externalIds.push(ref.externalId);
      if (ref?.email) refs.emails.push(normalizeEmail(ref.email));
      if (ref?.phone) {
        const phone = normalizePhone(ref.phone, program.country);
        phones.set(ref.phone, phone);
        if (phone) refs.phones.push(phone);
      }
    }
    const known = await q.findMembers(this.deps.db, program.id, refs);
    const byId = new Map(known.map((m) => [m.id, m]));
    const byExternal = new Map(known.flatMap((m) => (m.externalId ? [[m.externalId, m] as const] : [])));
    const byEmail = new Map(known.flatMap((m) => (m.email ? [[m.email, m] as const] : [])));
    const byPhone = new Map(known.flatMap((m) => (m.phone ? [[m.phone, m] as const] : [])));

    const pendings: Pending[] = [];
    for (const c of checked) {
      try {
        let memberId: string | null = null;
        let enrol: Pending["enrol"] = null;
        let guest = false;
        if (c.input.type === "return") {
          const original = c.input.originalEventId ? originals.get(c.input.originalEventId) : undefined;
          // A purchase earlier in the same batch, to a known member, can be returned in it too.
          const earlier = pendings.find((p) => p.input.id === c.input.originalEventId && p.input.type === "purchase");
          if (!original && earlier?.memberId) {
            if (c.input.memberId && c.input.memberId !== earlier.memberId) {
              throw new DomainError("validation_error", `The purchase belongs to another member (${earlier.memberId})`, {
                field: "memberId",
              });
            }
            pendings.push({
              index: c.index,
              input: c.input,
              event: c.event,
              fingerprint: c.fingerprint,
              memberId: earlier.memberId,
              enrol: null,
              guest: false,
              internal: false,
              claim: false,
              facts: earlier.facts,
              enrolled: false,
            });
            continue;
          }
          if (!original) throw notFound("Purchase", c.input.originalEventId);
          if (original.type !== "purchase") {
            throw new DomainError("validation_error", `Event ${original.id} is a ${original.type}, not a purchase`, {
              field: "originalEventId",
            });
          }
          if (!original.memberId || original.status === "rejected") {
            throw new DomainError(
              "invalid_state",
              `Purchase ${original.id} earned no points (${original.status}); nothing to take back`,
            );
          }
          memberId = original.memberId;
        }
        const ref = c.input.member;
        const found = c.input.memberId
          ? byId.get(c.input.memberId)
          : ref
            ? ((ref.externalId ? byExternal.get(ref.externalId) : undefined) ??
              (ref.email ? byEmail.get(normalizeEmail(ref.email)) : undefined) ??
              (ref.phone ? byPhone.get(phones.get(ref.phone) ?? "") : undefined))
            : undefined;
        if (c.input.memberId && !found) throw notFound("Member", c.input.memberId);
        if (found) {
          if (memberId && found.id !== memberId) {
            throw new DomainError("validation_error", `The purchase belongs to another member (${memberId})`, {
              field: "memberId",
            });
          }
          memberId = found.id;
        } else if (ref && !memberId) {
          if (program.unknownMemberPolicy === "enroll") {
            const phone = ref.phone ? (phones.get(ref.phone) ?? null) : null;
            if (ref.phone && !phone) {
              throw new DomainError("validation_error", `member.phone "${ref.phone}" is not a possible phone number`, {
                field: "member.phone",
              });
            }
            const email = ref.email ? normalizeEmail(ref.email) : null;
            enrol = {
              key: `${ref.externalId ?? ""}|${email ?? ""}|${phone ?? ""}`,
              externalId: ref.externalId ?? null,
              email,
              phone,
            };
          } else if (program.unknownMemberPolicy === "guest" && c.input.type === "purchase") {
            guest = true;
          } else {
            throw new DomainError("not_found", "No member of this programme matches member", { field: "member" });
          }
        } else if (!memberId) {
          if (program.unknownMemberPolicy === "guest" && c.input.type === "purchase") guest = true;
          else throw new DomainError("validation_error", "An event needs memberId or member", { field: "memberId" });
        }
        const member = memberId ? byId.get(memberId) : undefined;
        // A blocked member earns nothing; a return still takes its points back.
        if (member?.status === "blocked" && c.input.type !== "return") {
          throw new DomainError("member_blocked", `Member ${member.id} is blocked and cannot earn`);
        }
        pendings.push({
          index: c.index,
          input: c.input,
          event: c.event,
          fingerprint: c.fingerprint,
          memberId,
          enrol,
          guest,
          internal: false,
          claim: false,
          facts: member
            ? { id: member.id, attributes: member.attributes, tier: null, segments: segmentsOf(member.attributes) }
            : null,
          enrolled: false,
        });
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        fail(c.index, c.input.id, error);
      }
    }
    return pendings;
  }

  #normalize(program: q.EventProgram, input: EventInput, now: Date): EarnEvent {
    const occurredAt = input.occurredAt ? new Date(input.occurredAt) : now;
    if (occurredAt.getTime() > now.getTime() + FUTURE_SKEW_MS) {
      throw new DomainError("validation_error", "occurredAt is in the future", { field: "occurredAt" });
    }
    if (input.currency && input.currency !== program.currency) {
      throw new DomainError("validation_error", `currency must be the programme's (${program.currency})`, { field: "currency" });
    }
    const items = input.items ?? null;
    const itemsTotal = items ? items.reduce((sum, i) => sum + i.quantity * i.unitPrice, 0) : 0;
    // A return of items without an amount is valued later, at their share of what the purchase paid.
    const amount = input.amount ?? (items && input.type !== "return" ? itemsTotal : null);
    if (itemsTotal > MAX_POINTS_PER_OPERATION) {
      throw new DomainError("validation_error", `The items add up to more than ${MAX_POINTS_PER_OPERATION}`, { field: "items" });
    }
    if ((input.type === "purchase" || input.type === "return") && amount === null && !items) {
      throw new DomainError("validation_error", `A ${input.type} needs amount or items`, { field: "amount" });
    }
    if (input.type === "return" && !input.originalEventId) {
      throw new DomainError("validation_error", "A return needs originalEventId (the purchase it returns)", {
        field: "originalEventId",
      });
    }
    if (input.type !== "return" && input.originalEventId) {
      throw new DomainError("validation_error", "originalEventId applies to returns only", { field: "originalEventId" });
    }
    return {
      id: input.id,
      type: input.type,
      occurredAt,
      amount,
      currency: program.currency,
      items,
      channel: input.channel ?? null,
      storeId: input.storeId ?? null,
      partnerId: input.partnerId ?? null,
      attributes: input.attributes ?? {},
    };
  }

  /** The write path: lock, evaluate, take budgets, write the ledger and the events in one statement. */
  async #run(trx: Transaction<DB>, ctx: RunContext, given: Pending[]): Promise<Map<number, EventAnswer>> {
    const { program, now } = ctx;
    const { pendings, newMembers, refused } = this.#assignNewMembers(ctx, given);
    if (newMembers.length > 0) await insertMembers(trx, ctx.program.id, newMembers, ctx.now);
    const memberIds = [...new Set(pendings.flatMap((p) => (p.memberId ? [p.memberId] : [])))];
    // Referrers are credited too, so they are locked with the rest (in one id order).
    const returned = pendings.flatMap((p) => (p.input.originalEventId ? [p.input.originalEventId] : []));
    // Referrers are credited (first purchases) or debited (returns) too, so they are locked with
    // the rest, in one id order. What is read before the lock only decides what to lock.
    let referrals = await this.#referralsInPlay(trx, program, pendings, returned);
    const toLock = [...memberIds, ...referrals.pending.values(), ...[...referrals.rewarded.values()].map((r) => r.referrerId)];
    // Guest purchases alone touch no member.
    const { members } = toLock.length > 0 ? await ledgerSql.lockMembers(trx, program.id, toLock) : { members: new Map() };
    if (referrals.pending.size > 0 || referrals.rewarded.size > 0) {
      // Read again under the lock: a concurrent purchase or return may have settled one meanwhile.
      const fresh = await this.#referralsInPlay(trx, program, pendings, returned);
      referrals = {
        pending: new Map([...fresh.pending].filter(([, referrer]) => members.has(referrer))),
        rewarded: new Map([...fresh.rewarded].filter(([, r]) => members.has(r.referrerId))),
      };
    }
    const originals = await q.findOriginals(trx, program.id, returned);
    const lotIds = [
      ...[...originals.values()].flatMap((o) => o.lotIds),
      ...[...referrals.rewarded.values()].flatMap((r) => r.referrerLotIds),
    ];
    const loaded = await ledgerSql.loadBooks(trx, members, lotIds);
    const expired = await ledgerSql.expiredByLot(trx, lotIds);
    for (const { book } of loaded.values())
      for (const lot of book.lots) if (expired.has(lot.id)) lot.expired = expired.get(lot.id);
    const books = new Map([...loaded].map(([id, l]) => [id, l.book]));
    const settled = [...books.values()].flatMap((book) => settle(book, now, this.deps.ids));
    const state = await this.#ruleState(trx, ctx, pendings, referrals.pending);
    // Read after the lock: upgrades of these members are decided here, in this transaction.
    const tiers = await this.deps.tiers.openBatch(
      trx,
      program,
      memberIds.filter((id) => members.has(id)),
      now,
      null,
    );

    const blocked = new Set([...members].flatMap(([id, m]) => (m.status === "blocked" ? [id] : [])));
    const outcome = await this.#process(trx, ctx, pendings, books, state, originals, referrals, blocked, tiers, (wants) =>
      this.#takeBudgets(trx, wants),
    );
    // In (campaign, slice) order, as sweeps lock them, to keep lock waits from forming a cycle.
    const refunds = outcome.refunds
      .map((r) => ({ ...r, slice: homeSlice(r.memberId) }))
      .sort((a, b) => (a.campaignId < b.campaignId ? -1 : a.campaignId > b.campaignId ? 1 : a.slice - b.slice));
    for (const r of refunds) await refundBudget(trx, r.campaignId, r.slice, r.points);
    // Members whose debt the write statement updates cannot have their tier updated in it too.
    const debtChanged = new Set([...loaded].flatMap(([id, l]) => (l.book.debt !== l.originalDebt ? [id] : [])));
    const tierParts = tiers ? await this.deps.tiers.batchWrites(trx, program.id, tiers, ctx.actor, debtChanged) : [];
    const inserted = await ledgerSql.persistEntries(
      trx,
      program.id,
      ctx.actor,
      [...settled, ...outcome.entries],
      loaded,
      now,
      new Set(settled.map((e) => e.id)),
      (() => {
        const { parts, inserted } = q.eventParts(program.id, now, outcome.write);
        return { parts: [...parts, ...tierParts], select: inserted };
      })(),
    );
    const { write } = outcome;
    const expected = write.events.length + write.claims.length + write.referrals.length + write.referralReversals.length;
    if (inserted !== expected) throw new EventIdTaken();
    for (const [index, error] of refused) refuseEvent(outcome.answers, index, given, error, ctx.requestId);
    return outcome.answers;
  }

  /** The dry run: the same evaluation on books as they stand at `now`, written nowhere. */
  async #dryRun(ctx: RunContext, given: Pending[]): Promise<Map<number, EventAnswer>> {
    const db = this.deps.db;
    const { pendings, refused } = this.#assignNewMembers(ctx, given);
    const returned = pendings.flatMap((p) => (p.input.originalEventId ? [p.input.originalEventId] : []));
    const referrals = await this.#referralsInPlay(db, ctx.program, pendings, returned);
    const memberIds = [
      ...new Set([
        ...pendings.flatMap((p) => (p.memberId ? [p.memberId] : [])),
        ...referrals.pending.values(),
        ...[...referrals.rewarded.values()].map((r) => r.referrerId),
      ]),
    ];
    const books = new Map<string, MemberBook>();
    for (const id of memberIds) books.set(id, (await this.deps.ledger.bookAsOf(db, id, ctx.now)).book);
    const originals = await q.findOriginals(db, ctx.program.id, returned);
    const expired = await ledgerSql.expiredByLot(db, [
      ...[...originals.values()].flatMap((o) => o.lotIds),
      ...[...referrals.rewarded.values()].flatMap((r) => r.referrerLotIds),
    ]);
    for (const book of books.values()) for (const lot of book.lots) if (expired.has(lot.id)) lot.expired = expired.get(lot.id);
    const state = await this.#ruleState(db, ctx, pendings, referrals.pending);
    // Tiers as they stood at `now`: a past dry run reads them from the tier history.
    const tiers = await this.deps.tiers.openBatch(
      db,
      ctx.program,
      pendings.flatMap((p) => (p.memberId && books.has(p.memberId) ? [p.memberId] : [])),
      ctx.now,
      ctx.now < this.deps.clock.now() ? ctx.now : null,
    );
    const outcome = await this.#process(
      db,
      ctx,
      pendings,
      books,
      state,
      originals,
      referrals,
      new Set(),
      tiers,
      async (wants) => {
        const remaining = await budgetRemaining(db, [...wants.keys()]);
        return new Map([...wants].map(([id, want]) => [id, Math.min(want.points, remaining.get(id) ?? 0)]));
      },
    );
    for (const [index, error] of refused) refuseEvent(outcome.answers, index, given, error, ctx.requestId);
    return outcome.answers;
  }

  /**
   * Gives the unknown members events name an id (one per member, however many events name them),
   * marks the first of their events as the one that enrolled them, and queues their sign-up
   * events before it. The write path then inserts them; a dry run only pretends.
   */
  #assignNewMembers(ctx: RunContext, pendings: Pending[]) {
    type NewMember = { id: string; externalId: string | null; email: string | null; phone: string | null };
    const created: NewMember[] = [];
    const by = {
      externalId: new Map<string, NewMember>(),
      email: new Map<string, NewMember>(),
      phone: new Map<string, NewMember>(),
    };
    const fields = ["externalId", "email", "phone"] as const;
    const result: Pending[] = [];
    const refused = new Map<number, DomainError>();
    for (const p of pendings) {
      const ref = p.enrol;
      if (!ref) {
        result.push(p);
        continue;
      }
      // Events naming the same person by any of their details enrol one member; details that
      // contradict each other (one email, two external ids) cannot both be right.
      const matches = new Set(
        fields.flatMap((f) => (ref[f] ? [by[f].get(ref[f] as string)] : [])).filter((m) => m !== undefined),
      );
      const [member, ...others] = [...matches];
      const clash = member && fields.find((f) => ref[f] && member[f] && member[f] !== ref[f]);
      if (others.length > 0 || clash) {
        refused.set(
          p.index,
          new DomainError(
            "conflict",
            `Another event in this batch enrols a different member with the same ${clash ?? "details"}`,
            {
              field: `member.${clash ?? "externalId"}`,
            },
          ),
        );
        continue;
      }
      let target = member;
      if (!target) {
        target = { id: this.deps.ids("member"), externalId: null, email: null, phone: null };
        created.push(target);
        result.push(this.#signup(target.id, ctx.now, -1 - created.length));
      }
      for (const f of fields) {
        const value = ref[f];
        if (value && !target[f]) {
          target[f] = value;
          by[f].set(value, target);
        }
      }
      result.push({ ...p, memberId: target.id, enrolled: !member });
    }
    return { pendings: result, newMembers: created, refused };
  }

  /**
   * Referrals these events may settle: referee -> referrer for members whose referral still waits
   * on a first qualifying purchase, and rewarded referrals whose qualifying purchase is returned.
   */
  async #referralsInPlay(
    db: Kysely<DB> | Transaction<DB>,
    program: q.EventProgram,
    pendings: Pending[],
    returned: string[],
  ): Promise<ReferralsInPlay> {
    const pending = new Map<string, string>();
    const buyers = [...new Set(pendings.flatMap((p) => (p.input.type === "purchase" && p.memberId ? [p.memberId] : [])))];
    if (program.referralPolicy && buyers.length > 0) {
      const rows = await db
        .selectFrom("referrals")
        .select(["referee_id", "referrer_id"])
        .where("referee_id", "in", buyers)
        .where("status", "=", "pending")
        .execute();
      for (const r of rows) pending.set(r.referee_id, r.referrer_id);
    }
    return { pending, rewarded: await q.findRewardedReferrals(db, program.id, returned) };
  }

  async #ruleState(db: Kysely<DB> | Transaction<DB>, ctx: RunContext, pendings: Pending[], referrers: Map<string, string>) {
    const types = new Set(pendings.map((p) => p.input.type));
    const relevant = ctx.rules.filter((r) => types.has(r.definition.trigger));
    const stampRules = relevant.filter((r) => r.definition.effect.type === "stamps").map((r) => r.id);
    const limited = relevant.filter((r) => r.definition.limits.perMember);
    let awardsSince = ctx.now;
    for (const rule of limited) {
      const period = rule.definition.limits.perMember?.period ?? "lifetime";
      for (const p of pendings) {
        const start = periodStart(period, p.event.occurredAt, ctx.program.timezone);
        if (start < awardsSince) awardsSince = start;
      }
    }
    const purchases =
      ctx.rules.some((r) => r.definition.conditions.some((c) => c.type === "purchase_number")) || referrers.size > 0;
    return q.loadRuleState(db, [...new Set(pendings.flatMap((p) => (p.memberId ? [p.memberId] : [])))], {
      purchases,
      stampRules,
      limitedRules: limited.map((r) => r.id),
      awardsSince,
      referrers: [...new Set(referrers.values())],
      monthStart: DateTime.fromJSDate(ctx.now, { zone: ctx.program.timezone }).startOf("month").toJSDate(),
    });
  }

  async #takeBudgets(trx: Transaction<DB>, wants: Map<string, { points: number; memberId: string }>) {
    const granted = new Map<string, number>();
    for (const [campaignId, want] of [...wants].sort(([a], [b]) => (a < b ? -1 : 1))) {
      granted.set(campaignId, await takeFromBudget(trx, campaignId, homeSlice(want.memberId), want.points));
    }
    return granted;
  }

  /**
   * The heart of it, shared by the write path and the dry run: evaluates every event in order,
   * asks for the budgets all of them want at once, then writes each event's ledger entries and
   * answer. A refusal (a return that cannot take its points back) is undone on its own.
   */
  async #process(
    db: Kysely<DB> | Transaction<DB>,
    ctx: RunContext,
    pendings: Pending[],
    books: Map<string, MemberBook>,
    state: q.RuleState,
    originals: Map<string, q.OriginalPurchase>,
    referrals: ReferralsInPlay,
    /** Members found blocked under their lock (the write path): they earn nothing. */
    blocked: ReadonlySet<string>,
    /** The members' tiers, carried from event to event (upgrades recorded on it); null without tiers. */
    tiers: TierProgress | null,
    grant: (wants: Map<string, { points: number; memberId: string }>) => Promise<Map<string, number>>,
  ) {
    const { program, now } = ctx;
    // Facts come with the events; only members found without them (sign-ups, claims) are read.
    const facts = new Map<string, MemberFacts>();
    for (const p of pendings) if (p.facts) facts.set(p.facts.id, p.facts);
    const unread = [...new Set(pendings.flatMap((p) => (p.memberId && !facts.has(p.memberId) ? [p.memberId] : [])))];
    if (unread.length > 0) {
      const rows = await q.findMembers(db, program.id, { ids: unread, externalIds: [], emails: [], phones: [] });
      for (const m of rows) {
        facts.set(m.id, { id: m.id, attributes: m.attributes, tier: null, segments: segmentsOf(m.attributes) });
      }
    }
    /** The member as the rules see them for the next event: with the tier they hold at this point. */
    const memberFacts = (memberId: string, progress: TierProgress | null): MemberFacts => ({
      ...(facts.get(memberId) ?? { id: memberId, attributes: {}, tier: null, segments: [] }),
      tier: progress?.factsTier(memberId) ?? null,
    });
    /** Each member's history, carried from one event to the next. */
    const historyOf = (histories: Map<string, MemberHistory>, memberId: string): MemberHistory => {
      let history = histories.get(memberId);
      if (!history) {
        history = {
          purchases: state.purchases.get(memberId) ?? 0,
          stamps: new Map(state.stamps.get(memberId) ?? []),
          awards: [...(state.awards.get(memberId) ?? [])],
        };
        histories.set(memberId, history);
      }
      return history;
    };
    /** What an event that earned `points` adds to its member's tier metric (and the upgrades it brings). */
    const advanceTier = (progress: TierProgress | null, p: Pending, memberId: string, points: number): TierTransition[] =>
      progress
        ? progress.add(memberId, eventMetric(progress.policy.metric, { type: p.input.type, amount: p.event.amount, points }), [
            p.event.occurredAt,
          ])
        : [];

    /**
     * The first pass, to learn what budgeted campaigns want: every event evaluated in order, with
     * no budget limit, tiers carried as far as the evaluations alone tell (returns come later).
     */
    const evaluateAll = () => {
      const histories = new Map<string, MemberHistory>();
      const progress = tiers?.clone() ?? null;
      const evaluations = new Map<number, Evaluation>();
      for (const p of pendings) {
        if (!p.memberId || p.guest || p.input.type === "return" || blocked.has(p.memberId)) continue;
        const evaluation = evaluate(
          p.event,
          memberFacts(p.memberId, progress),
          historyOf(histories, p.memberId),
          ctx.rules,
          program,
          new Map(),
        );
        evaluations.set(p.index, evaluation);
        advanceTier(
          progress,
          p,
          p.memberId,
          evaluation.contributions.reduce((sum, c) => sum + c.points, 0),
        );
      }
      return evaluations;
    };

    // Budgets need the database, so the batch is evaluated twice: once to learn what budgeted
    // campaigns want (all at once, one take per campaign), then for real, event by event below,
    // within what they granted. What the second pass does not use goes back to the budget.
    const budgeted = new Set(ctx.rules.flatMap((r) => (r.campaign?.budgetPoints ? [r.campaign.id] : [])));
    const wants = new Map<string, { points: number; memberId: string }>();
    if (budgeted.size > 0) {
      const firstPass = evaluateAll();
      for (const p of pendings) {
        const evaluation = firstPass.get(p.index);
        if (!evaluation || !p.memberId) continue;
        const memberId = p.memberId;
        for (const [campaignId, points] of budgetWants(evaluation, budgeted)) {
          const w = wants.get(campaignId);
          if (w) w.points += points;
          else wants.set(campaignId, { points, memberId });
        }
      }
    }
    const granted = wants.size > 0 ? await grant(wants) : new Map<string, number>();
    const budgets: Budgets = new Map([...budgeted].map((id) => [id, granted.get(id) ?? 0]));
    const histories = new Map<string, MemberHistory>();

    // Phase 2: each event evaluated for real, in order, with its ledger entries and answer, so an
    // upgrade an event (or a return) brings is known to the events after it.
    const entries: EntryDraft[] = [];
    const answers = new Map<number, EventAnswer>();
    const write: Parameters<typeof q.eventParts>[2] = {
      events: [],
      claims: [],
      awards: [],
      returned: [],
      budgetRefunds: [],
      referralReversals: [],
      referrals: [],
    };
    const refunds: { campaignId: string; memberId: string; points: number }[] = [];
    const rewardedThisMonth = new Map(state.referralsThisMonth);
    const referralSettled = new Set<string>();

    for (const p of pendings) {
      const base = {
        eventId: p.input.id,
        type: p.input.type,
        memberId: p.memberId,
        enrolled: p.enrolled,
        occurredAt: p.event.occurredAt.toISOString(),
        dryRun: ctx.dryRun,
      };
      const row = (status: q.EventRowDraft["status"], points: number, txnId: string | null, code: number, result: unknown) => {
        // The event's stored answer stays the first one (replays answer it); the row now names the
        // member, the points and the transaction, and the claim answers for itself.
        if (p.claim && p.memberId) {
          write.claims.push({ id: p.input.id, member_id: p.memberId, points, txn_id: txnId });
          return;
        }
        write.events.push({
          id: p.input.id,
          type: p.input.type,
          member_id: p.memberId,
          status,
          occurred_at: p.event.occurredAt,
          amount: p.event.amount,
          currency: p.event.amount === null ? null : program.currency,
          items: p.event.items,
          channel: p.event.channel,
          store_id: p.event.storeId,
          partner_id: p.event.partnerId,
          receipt_id: p.input.receiptId ?? (p.guest ? p.input.id : null),
          original_event_id: p.input.originalEventId ?? null,
          attributes: p.input.attributes ?? null,
          fingerprint: p.fingerprint,
          points,
          txn_id: txnId,
          returned_amount: 0,
          clawed_back: 0,
          status_code: code,
          result,
        });
      };

      if (p.guest || !p.memberId) {
        const result: EventResult = {
          ...base,
          status: "guest",
          points: { total: 0, available: 0, pending: 0 },
          contributions: [],
          skipped: [],
          stamps: [],
          return: null,
          referral: null,
          transactionId: null,
          balance: null,
        };
        row("guest", 0, null, 201, result);
        answers.set(p.index, { eventId: p.input.id, status: 201, replayed: false, body: result });
        continue;
      }
      const memberId = p.memberId;
      const book = books.get(memberId);
      if (!book) throw new Error(`book of ${memberId} is not loaded`);
      const original = p.input.originalEventId ? originals.get(p.input.originalEventId) : undefined;
      const reversible = original ? referrals.rewarded.get(original.id) : undefined;
      const referrerId = referrals.pending.get(memberId) ?? reversible?.referrerId;
      const referrerBook = referrerId ? books.get(referrerId) : undefined;
      const savedBook = cloneBook(book);
      const savedReferrer = referrerBook ? cloneBook(referrerBook) : null;
      // A refusal undoes the event alone: its entries, and the budget its evaluation took.
      const entriesBefore = entries.length;
      let evaluation: Evaluation | null = null;
      try {
        if (p.input.type === "return") {
          if (!original) throw notFound("Purchase", p.input.originalEventId);
          const returnedBefore = original.returnedAmount;
          const returnedItems = p.event.items ?? [];
          checkReturnedItems(original.items, [...original.returnedItems, ...returnedItems]);
          const returned = p.event.amount ?? returnedValue(original, original.returnedItems, returnedItems);
          p.event.amount = returned;
          // A dry run as of a past time: the purchase may not have been received yet.
          if (original.lotIds.some((id) => !book.lots.some((l) => l.id === id))) {
            throw new DomainError("validation_error", `Purchase ${original.id} had not been received at that time`, {
              field: "originalEventId",
            });
          }
          const plan = planReturn(original, returned, program.currency);
          // A full return of the purchase that qualified a referral reverses it: the bonus goes
          // back with the purchase's points, the referrer's reward from the referrer.
          const reversal = reversible && plan.totalReturned === original.amount ? reversible : null;
          const bonus = reversal?.refereePoints ?? 0;
          const sources =
            bonus > 0 ? [...plan.sources, { account: "issued" as const, partnerId: null, points: bonus }] : plan.sources;
          let entry: EntryDraft | null = null;
          if (plan.take + bonus > 0) {
            entry = clawback(
              book,
              {
                points: plan.take + bonus,
                lotIds: original.lotIds,
                sources,
                policy: program.returnPolicy,
                reason: `Return ${p.input.id} of purchase ${original.id}`,
              },
              now,
              this.deps.ids,
            );
            entries.push(entry);
          }
          let referral: EventResult["referral"] = null;
          if (reversal && referrerBook) {
            if (reversal.referrerPoints > 0) {
              entries.push(
                clawback(
                  referrerBook,
                  {
                    points: reversal.referrerPoints,
                    lotIds: reversal.referrerLotIds,
                    sources: [{ account: "issued", partnerId: null, points: reversal.referrerPoints }],
                    policy: program.returnPolicy,
                    reason: `Referral reversed: purchase ${original.id} of ${memberId} was returned`,
                  },
                  now,
                  this.deps.ids,
                ),
              );
            }
            // Settled earlier in this batch: its row goes in reversed (one statement cannot update it twice).
            const settled = reversal.inBatch ? write.referrals.find((r) => r.referee_id === memberId) : undefined;
            if (settled) settled.status = "reversed";
            else write.referralReversals.push(memberId);
            referrals.rewarded.delete(original.id);
            referral = {
              referrerId: reversal.referrerId,
              status: "reversed",
              referrerPoints: 0 - reversal.referrerPoints,
              refereePoints: 0 - bonus,
              explanation: `The purchase that qualified the referral was returned in full: ${reversal.referrerPoints} points taken back from the referrer, ${bonus} from this member`,
            };
          }
          original.returnedItems.push(...returnedItems);
          original.returnedAmount = plan.totalReturned;
          original.clawedBack = plan.totalTakenBack;
          // A purchase earlier in this batch is not stored yet: its row goes in with the returns.
          const sameBatch = write.events.find((e) => e.id === original.id);
          if (sameBatch) Object.assign(sameBatch, { returned_amount: plan.totalReturned, clawed_back: plan.totalTakenBack });
          else {
            write.returned = write.returned.filter((r) => r.id !== original.id);
            write.returned.push({ id: original.id, returned_amount: plan.totalReturned, clawed_back: plan.totalTakenBack });
          }
          for (const r of plan.campaignRefunds) {
            if (!budgeted.has(r.campaignId)) continue;
            refunds.push({ ...r, memberId });
            write.budgetRefunds.push({ event_id: p.input.id, campaign_id: r.campaignId, points: r.points });
          }
          // Lowers the tier metric (in a window holding both the purchase and the return); it
          // never downgrades: only a review does.
          tiers?.add(
            memberId,
            returnMetric(tiers.policy.metric, {
              pointsTakenBack: plan.take,
              amount: returned,
              completesReturn: returnedBefore < original.amount && plan.totalReturned >= original.amount,
            }),
            [p.event.occurredAt, original.occurredAt],
          );
          const result: EventResult = {
            ...base,
            status: "processed",
            points: { total: 0 - plan.take, available: 0, pending: 0 },
            contributions: [],
            skipped: [],
            stamps: [],
            return: {
              originalEventId: original.id,
              returnedAmount: returned,
              pointsTakenBack: plan.take,
              totalReturnedAmount: plan.totalReturned,
              totalTakenBack: plan.totalTakenBack,
              explanation: plan.explanation,
            },
            referral,
            transactionId: ctx.dryRun ? null : (entry?.id ?? null),
            balance: bookBalance(book, now),
          };
          row("processed", 0 - plan.take, entry?.id ?? null, 201, result);
          answers.set(p.index, { eventId: p.input.id, status: 201, replayed: false, body: result });
          continue;
        }

        if (blocked.has(memberId)) throw new DomainError("member_blocked", `Member ${memberId} is blocked and cannot earn`);
        // Earned in the tier the member holds now (an upgrade earlier in the batch included).
        evaluation = evaluate(p.event, memberFacts(memberId, tiers), historyOf(histories, memberId), ctx.rules, program, budgets);
        const contributions = evaluation.contributions.map((c) => ({ ...c }));
        const rulePoints = contributions.reduce((sum, c) => sum + c.points, 0);

        // A referral waiting on this member's first qualifying purchase.
        let referral: EventResult["referral"] = null;
        const policy = program.referralPolicy;
        let referrerEntry: EntryDraft | null = null;
        if (
          referrerId &&
          policy &&
          p.input.type === "purchase" &&
          !referralSettled.has(memberId) &&
          (p.event.amount ?? 0) >= policy.minPurchaseAmount
        ) {
          referralSettled.add(memberId);
          const count = rewardedThisMonth.get(referrerId) ?? 0;
          if (count >= policy.maxRewardsPerMonth) {
            referral = {
              referrerId,
              status: "refused",
              referrerPoints: 0,
              refereePoints: 0,
              explanation: `Referral refused: the referrer already has ${count} rewarded referrals this month (limit ${policy.maxRewardsPerMonth})`,
            };
          } else {
            rewardedThisMonth.set(referrerId, count + 1);
            referral = {
              referrerId,
              status: "rewarded",
              referrerPoints: policy.referrerPoints,
              refereePoints: policy.refereePoints,
              explanation: `First qualifying purchase of a referred member: ${policy.referrerPoints} points to the referrer, ${policy.refereePoints} to the new member`,
            };
            if (policy.refereePoints > 0) {
              contributions.push({
                ruleId: "referral",
                ruleVersion: 0,
                ruleName: "Referral bonus",
                campaignId: null,
                campaignVersion: null,
                priority: -10_000,
                points: policy.refereePoints,
                stamps: 0,
                fundedBy: "program",
                pendingDays: null,
                expiry: null,
                explanation: `Referral bonus: ${policy.refereePoints} points for a first purchase after enrolling with a referral code`,
              });
            }
            if (policy.referrerPoints > 0 && referrerBook) {
              const { parts } = creditPartsFor(
                [{ points: policy.referrerPoints, fundedBy: "program", pendingDays: null, expiry: null }],
                null,
                program,
                p.event.occurredAt,
                now,
              );
              referrerEntry = creditParts(
                referrerBook,
                { type: "earn", reason: `Referral reward: ${memberId} made a first purchase`, parts },
                now,
                this.deps.ids,
              );
            }
          }
        }

        const { parts, timing } = creditPartsFor(contributions, p.event.partnerId, program, p.event.occurredAt, now);
        const total = contributions.reduce((sum, c) => sum + c.points, 0);
        if (total > MAX_POINTS_PER_OPERATION) {
          throw new DomainError(
            "unprocessable",
            `The rules would give ${total} points, more than ${MAX_POINTS_PER_OPERATION} for one event`,
          );
        }
        const entry =
          total > 0
            ? creditParts(book, { type: "earn", reason: `${p.input.type} ${p.input.id}`, parts }, now, this.deps.ids)
            : null;
        if (entry) entries.push(entry);
        if (referrerEntry) entries.push(referrerEntry);
        if (referral && referrerId && referral.status !== "reversed") {
          write.referrals.push({
            referee_id: memberId,
            status: referral.status,
            refused_reason: referral.status === "refused" ? "monthly_limit" : null,
            event_id: p.input.id,
            referrer_points: referral.referrerPoints,
            referee_points: referral.refereePoints,
            txn_id: referrerEntry?.id ?? null,
          });
        }
        let pending = 0;
        contributions.forEach((c, i) => {
          if ((timing[i]?.availableAt ?? now) > now) pending += c.points;
        });
        // One award per rule: a tier's bonus lines (one per timing) add up to the tier's award.
        const awarded = new Map<string, (typeof write.awards)[number]>();
        for (const c of contributions) {
          if (c.ruleId === "referral") continue;
          const same = awarded.get(c.ruleId);
          if (same) {
            same.points += c.points;
            same.stamps += c.stamps;
            continue;
          }
          const award: (typeof write.awards)[number] = {
            event_id: p.input.id,
            rule_id: c.ruleId,
            rule_version: c.ruleVersion,
            campaign_id: c.campaignId,
            campaign_version: c.campaignVersion,
            member_id: memberId,
            outcome: "awarded",
            points: c.points,
            stamps: c.stamps,
            occurred_at: p.event.occurredAt,
            txn_id: entry?.id ?? null,
          };
          awarded.set(c.ruleId, award);
          write.awards.push(award);
        }
        for (const s of evaluation.skipped) {
          if (s.reason !== "holdout") continue;
          write.awards.push({
            event_id: p.input.id,
            rule_id: s.ruleId,
            rule_version: s.ruleVersion,
            campaign_id: s.campaignId,
            campaign_version: s.campaignVersion,
            member_id: memberId,
            outcome: "holdout",
            points: 0,
            stamps: 0,
            occurred_at: p.event.occurredAt,
            txn_id: null,
          });
        }
        // What the event adds to the tier metric may upgrade the member, for the events after it.
        const tierChange = advanceTier(tiers, p, memberId, rulePoints).at(-1);
        const tierRef = (id: string | null | undefined) => {
          const tier = tiers?.ladder.find((t) => t.id === id);
          return tier ? { id: tier.id, name: tier.name } : null;
        };
        const result: EventResult = {
          ...base,
          status: "processed",
          points: { total, available: total - pending, pending },
          contributions: contributions.map((c, i) => ({
            // The referral bonus and a tier's multiplier are no rule's.
            ruleId: c.ruleId === "referral" || c.tierId ? null : c.ruleId,
            ruleVersion: c.ruleId === "referral" || c.tierId ? null : c.ruleVersion,
            ruleName: c.ruleName,
            campaignId: c.campaignId,
            campaignVersion: c.campaignVersion,
            points: c.points,
            stamps: c.stamps,
            fundedBy: c.fundedBy,
            availableAt: (timing[i]?.availableAt ?? now).toISOString(),
            expiresAt: timing[i]?.expiresAt?.toISOString() ?? null,
            explanation: c.explanation,
          })),
          // Rules that did not listen are noise; conditions that missed are shown on dry runs only.
          skipped: evaluation.skipped.filter((s) => ctx.dryRun || (s.reason !== "condition" && s.reason !== "audience")),
          stamps: evaluation.stamps,
          return: null,
          referral,
          transactionId: ctx.dryRun ? null : (entry?.id ?? null),
          balance: bookBalance(book, now),
          tierChange: tierChange
            ? { from: tierRef(tierChange.from), to: tierRef(tierChange.to), reason: tierChange.reason }
            : null,
        };
        row("processed", rulePoints, entry?.id ?? null, 201, result);
        answers.set(p.index, { eventId: p.input.id, status: 201, replayed: false, body: result });
        // A return later in this batch may name this purchase, and reverse the referral it settled.
        if (referral?.status === "rewarded" && referrerId) {
          referrals.rewarded.set(p.input.id, {
            refereeId: memberId,
            referrerId,
            referrerPoints: referral.referrerPoints,
            refereePoints: referral.refereePoints,
            referrerLotIds: referrerEntry?.createdLots.map((l) => l.id) ?? [],
            inBatch: true,
          });
        }
        if (p.input.type === "purchase") {
          originals.set(p.input.id, {
            id: p.input.id,
            type: "purchase",
            status: "processed",
            memberId,
            occurredAt: p.event.occurredAt,
            amount: p.event.amount ?? 0,
            items: p.event.items,
            points: rulePoints,
            returnedAmount: 0,
            clawedBack: 0,
            txnId: entry?.id ?? null,
            lotIds: entry?.createdLots.map((l) => l.id) ?? [],
            returnedItems: [],
            sources: parts.map((part) => ({
              account: part.source === "partner" ? ("partner" as const) : ("issued" as const),
              partnerId: part.partnerId ?? null,
              points: part.points,
            })),
            campaigns: [
              ...budgetWants(evaluation, new Set(contributions.flatMap((c) => (c.campaignId ? [c.campaignId] : [])))),
            ].map(([campaignId, points]) => ({ campaignId, points })),
          });
        }
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        restoreBook(book, savedBook);
        if (referrerBook && savedReferrer) restoreBook(referrerBook, savedReferrer);
        entries.length = entriesBefore;
        for (const c of evaluation?.contributions ?? []) {
          if (c.campaignId && budgeted.has(c.campaignId) && c.points > 0) {
            refunds.push({ campaignId: c.campaignId, memberId, points: c.points });
          }
        }
        // Stored, so a retry of this event id gets the same refusal.
        const body = errorBody(error, ctx.requestId);
        row("rejected", 0, null, error.status, body);
        answers.set(p.index, { eventId: p.input.id, status: error.status, replayed: false, body });
      }
    }
    // What the budgets granted and the evaluations did not use goes back.
    for (const [campaignId] of granted) {
      const left = budgets.get(campaignId) ?? 0;
      if (left > 0) refunds.push({ campaignId, memberId: wants.get(campaignId)?.memberId ?? "", points: left });
    }
    // Sign-up events the system made answer nobody, but are stored like any other.
    for (const p of pendings) if (p.internal) answers.delete(p.index);
    return { entries, answers, write, refunds };
  }

  /**
   * Sends a `birthday` event for every member whose birthday it is today in their programme's
   * time zone (29 February counts on the 28th in other years), in programmes with a live
   * birthday rule. Event ids name the member and year, so reruns and parallel runners post once;
   * a marker row skips the scan once a programme's day is done.
   */
  async emitBirthdays(asOf: Date, programId?: string): Promise<number> {
    let query = this.deps.db
      .selectFrom("rules")
      .select("program_id")
      .distinct()
      .where("status", "=", "active")
      .where(sql<string>`definition->>'trigger'`, "=", "birthday");
    if (programId) query = query.where("program_id", "=", programId);
    let sent = 0;
    for (const { program_id } of await query.execute()) {
      const program = await q.programForEvents(this.deps.db, program_id);
      if (!program) continue;
      const today = DateTime.fromJSDate(asOf, { zone: program.timezone });
      const marker = `birthdays:${program_id}:${today.toISODate()}`;
      const done = await this.deps.db.selectFrom("job_leases").select("name").where("name", "=", marker).executeTakeFirst();
      if (done) continue;
      const leapDay = today.month === 2 && today.day === 28 && !today.isInLeapYear;
      const members = await this.deps.db
        .selectFrom("members")
        .select("id")
        .where("program_id", "=", program_id)
        .where("status", "=", "active")
        .where(sql<number>`extract(month from birth_date)`, "=", today.month)
        .where((eb) =>
          leapDay
            ? eb.or([
                eb(sql<number>`extract(day from birth_date)`, "=", 28),
                eb(sql<number>`extract(day from birth_date)`, "=", 29),
              ])
            : eb(sql<number>`extract(day from birth_date)`, "=", today.day),
        )
        .execute();
      for (let i = 0; i < members.length; i += 1000) {
        const events = members.slice(i, i + 1000).map((m) => ({
          id: `birthday:${m.id}:${today.year}`,
          type: "birthday",
          memberId: m.id,
          occurredAt: asOf.toISOString(),
        }));
        const answers = await this.ingest(program_id, events, {
          actor: "system:jobs",
          requestId: "-",
          dryRun: false,
          asOf: null,
          system: true,
        });
        sent += answers.filter((a) => a.status === 201 && !a.replayed).length;
      }
      await this.deps.db
        .insertInto("job_leases")
        .values({ name: marker, owner: "done", leased_until: today.plus({ days: 2 }).toJSDate() })
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    return sent;
  }

  /** Credits a guest purchase to a member who shows its receipt, within the claim window. */
  claim(ctx: MutationContext, programId: string, memberId: string, receiptId: string) {
    return this.deps.uow.run(ctx, 201, async (trx) => {
      const now = this.deps.clock.now();
      const program = await q.programForEvents(trx, programId);
      if (!program) throw notFound("Program", programId);
      const { members } = await ledgerSql.lockMembers(trx, programId, [memberId]);
      const member = members.get(memberId);
      if (!member) throw notFound("Member", memberId);
      if (member.status === "blocked") throw new DomainError("member_blocked", `Member ${memberId} is blocked and cannot earn`);
      const row = await trx
        .selectFrom("events")
        .selectAll()
        .where("program_id", "=", programId)
        .where("receipt_id", "=", receiptId)
        .where("type", "=", "purchase")
        .orderBy("status")
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw notFound("Guest purchase with receipt", receiptId);
      if (row.status !== "guest") {
        throw new DomainError("invalid_state", `Receipt ${receiptId} was already claimed`, { memberId: row.member_id });
      }
      const deadline = DateTime.fromJSDate(row.occurred_at, { zone: program.timezone }).plus({ days: program.guestClaimDays });
      if (deadline.toJSDate() < now) {
        throw new DomainError("invalid_state", `Receipt ${receiptId} could be claimed until ${deadline.toISO()}`, {
          deadline: deadline.toISO(),
        });
      }
      const input: EventInput = {
        id: row.id,
        type: row.type,
        memberId,
        occurredAt: row.occurred_at.toISOString(),
        ...(row.amount !== null && { amount: row.amount }),
        ...(row.items && { items: row.items as NonNullable<EventInput["items"]> }),
        ...(row.channel && { channel: row.channel as NonNullable<EventInput["channel"]> }),
        ...(row.store_id && { storeId: row.store_id }),
        ...(row.partner_id && { partnerId: row.partner_id }),
        ...(row.attributes && { attributes: row.attributes }),
      };
      const pending: Pending = {
        index: 0,
        input,
        event: this.#normalize(program, input, now),
        fingerprint: row.fingerprint,
        memberId,
        enrol: null,
        guest: false,
        internal: false,
        claim: true,
        facts: null,
        enrolled: false,
      };
      // Judged by the rules in force when the purchase happened, not those of today.
      const rules = await this.deps.campaigns.rulesAt(trx, programId, row.occurred_at);
      const answers = await this.#run(trx, { program, rules, actor: ctx.actor, now, dryRun: false, requestId: ctx.requestId }, [
        pending,
      ]);
      const answer = answers.get(0);
      if (!answer || answer.status >= 400) throw new Error("a claim cannot be refused after its checks");
      return { ...(answer.body as EventResult), status: "claimed" as const };
    });
  }

  async get(programId: string, eventId: string) {
    const row = await this.deps.db
      .selectFrom("events")
      .selectAll()
      .where("program_id", "=", programId)
      .where("id", "=", eventId)
      .executeTakeFirst();
    if (!row) throw notFound("Event", eventId);
    return eventView(row);
  }

  async listForMember(
    programId: string,
    memberId: string,
    query: { type?: string | undefined; limit: number; cursor?: string | undefined },
  ) {
    await this.deps.ledger.memberExists(programId, memberId);
    let select = this.deps.db
      .selectFrom("events")
      .selectAll()
      .where("program_id", "=", programId)
      .where("member_id", "=", memberId)
      .orderBy("occurred_at", "desc")
      .orderBy("id", "desc")
      .limit(query.limit + 1);
    if (query.type) select = select.where("type", "=", query.type);
    if (query.cursor) {
      // The cursor is the last event's (occurredAt, id): events at the same instant page by id.
      const at = new Date(query.cursor.slice(0, query.cursor.indexOf("|")));
      const id = query.cursor.slice(query.cursor.indexOf("|") + 1);
      if (Number.isNaN(at.getTime()))
        throw new DomainError("validation_error", "cursor is not one this API gave", { field: "cursor" });
      select = select.where((eb) => eb.or([eb("occurred_at", "<", at), eb.and([eb("occurred_at", "=", at), eb("id", "<", id)])]));
    }
    const rows = await select.execute();
    const page = rows.slice(0, query.limit);
    const last = page.at(-1);
    return {
      data: page.map(eventView),
      nextCursor: rows.length > query.limit && last ? `${last.occurred_at.toISOString()}|${last.id}` : null,
    };
  }
}

/** Answers a refused event (nothing written for it). */
function refuseEvent(map: Map<number, EventAnswer>, index: number, pendings: Pending[], error: DomainError, requestId: string) {
  const eventId = pendings.find((p) => p.index === index)?.input.id ?? null;
  map.set(index, { eventId, status: error.status, replayed: false, body: errorBody(error, requestId) });
}

function eventView(row: EventRow) {
  return {
    id: row.id,
    type: row.type,
    memberId: row.member_id,
    status: row.status,
    occurredAt: row.occurred_at,
    amount: row.amount,
    currency: row.currency,
    items: row.items,
    channel: row.channel,
    storeId: row.store_id,
    partnerId: row.partner_id,
    receiptId: row.receipt_id,
    originalEventId: row.original_event_id,
    attributes: row.attributes,
    points: row.points,
    transactionId: row.txn_id,
    returnedAmount: row.returned_amount,
    clawedBack: row.clawed_back,
    result: row.result,
    createdAt: row.created_at,
  };
}
