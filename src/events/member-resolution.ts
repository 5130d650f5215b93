import type { Db } from "../db/schema.ts";
import type { EarnEvent, MemberFacts } from "../earning/earning.types.ts";
import { normalizeEmail, normalizePhone, segmentsOf } from "../members/members.rules.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import type { KnownMember, OriginalPurchase } from "./earn-reads.sql.ts";
import { findMembers, findOriginals } from "./earn-reads.sql.ts";
import { checkPurchaseAmount } from "./events.rules.ts";
import type { EventProgram } from "./events.sql.ts";
import type { ValidEvent } from "./ingest.ts";
import { normalizeEvent } from "./normalize-event.ts";
import type { EnrolmentRef, PreparedEvent } from "./prepared-event.ts";

/** An event that passed every check that needs no member. */
export interface CheckedEvent extends ValidEvent {
  event: EarnEvent;
}

/** The members and purchases a batch names, read once for all its events. */
export interface MemberLookup {
  byId: Map<string, KnownMember>;
  byExternalId: Map<string, KnownMember>;
  byEmail: Map<string, KnownMember>;
  byPhone: Map<string, KnownMember>;
  /** Phones as sent -> as stored (null: not a possible number). */
  phones: Map<string, string | null>;
  /** Stored purchases the batch's returns name. */
  originals: Map<string, OriginalPurchase>;
}

export const factsOf = (member: KnownMember): MemberFacts => ({
  id: member.id,
  attributes: member.attributes,
  tier: null,
  segments: segmentsOf(member.attributes),
});

/** Indexes the members found by each way an event may name them. */
export function memberLookup(
  known: KnownMember[],
  phones: Map<string, string | null>,
  originals: Map<string, OriginalPurchase>,
): MemberLookup {
  return {
    byId: new Map(known.map((m) => [m.id, m])),
    byExternalId: new Map(known.flatMap((m) => (m.externalId ? [[m.externalId, m] as const] : []))),
    byEmail: new Map(known.flatMap((m) => (m.email ? [[m.email, m] as const] : []))),
    byPhone: new Map(known.flatMap((m) => (m.phone ? [[m.phone, m] as const] : []))),
    phones,
    originals,
  };
}

const prepared = (c: CheckedEvent, fields: Partial<PreparedEvent>): PreparedEvent => ({
  index: c.index,
  input: c.input,
  event: c.event,
  fingerprint: c.fingerprint,
  memberId: null,
  enrol: null,
  guest: false,
  internal: false,
  claim: false,
  facts: null,
  enrolled: false,
  ...fields,
});

/**
 * Finds the member of one event: by memberId, or by member (external id, email, phone, in that
 * order); a return's member is its purchase's. An unknown member is enrolled or made a guest by
 * the programme's policy. `earlier` are the batch's events before it (a purchase there can be
 * returned in the same batch). Throws a DomainError on a refusal.
 */
export function resolveMember(
  program: Pick<EventProgram, "unknownMemberPolicy">,
  c: CheckedEvent,
  lookup: MemberLookup,
  earlier: PreparedEvent[],
): PreparedEvent {
  let memberId: string | null = null;
  let enrol: EnrolmentRef | null = null;
  let guest = false;
  if (c.input.type === "return") {
    const original = c.input.originalEventId ? lookup.originals.get(c.input.originalEventId) : undefined;
    // A purchase earlier in the same batch, to a known member, can be returned in it too.
    const purchase = earlier.find((p) => p.input.id === c.input.originalEventId && p.input.type === "purchase");
    if (!original && purchase?.memberId) {
      if (c.input.memberId && c.input.memberId !== purchase.memberId) {
        throw new DomainError("validation_error", `The purchase belongs to another member (${purchase.memberId})`, {
          field: "memberId",
        });
      }
      return prepared(c, { memberId: purchase.memberId, facts: purchase.facts });
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
    ? lookup.byId.get(c.input.memberId)
    : ref
      ? ((ref.externalId ? lookup.byExternalId.get(ref.externalId) : undefined) ??
        (ref.email ? lookup.byEmail.get(normalizeEmail(ref.email)) : undefined) ??
        (ref.phone ? lookup.byPhone.get(lookup.phones.get(ref.phone) ?? "") : undefined))
      : undefined;
  if (c.input.memberId && !found) throw notFound("Member", c.input.memberId);
  if (found) {
    if (memberId && found.id !== memberId) {
      throw new DomainError("validation_error", `The purchase belongs to another member (${memberId})`, { field: "memberId" });
    }
    memberId = found.id;
  } else if (ref && !memberId) {
    if (program.unknownMemberPolicy === "enroll") {
      const phone = ref.phone ? (lookup.phones.get(ref.phone) ?? null) : null;
      if (ref.phone && !phone) {
        throw new DomainError("validation_error", `member.phone "${ref.phone}" is not a possible phone number`, {
          field: "member.phone",
        });
      }
      const email = ref.email ? normalizeEmail(ref.email) : null;
      enrol = { key: `${ref.externalId ?? ""}|${email ?? ""}|${phone ?? ""}`, externalId: ref.externalId ?? null, email, phone };
    } else if (program.unknownMemberPolicy === "guest" && c.input.type === "purchase") {
      guest = true;
    } else {
      throw new DomainError("not_found", "No member of this programme matches member", { field: "member" });
    }
  } else if (!memberId) {
    if (program.unknownMemberPolicy === "guest" && c.input.type === "purchase") guest = true;
    else throw new DomainError("validation_error", "An event needs memberId or member", { field: "memberId" });
  }
  const member = memberId ? lookup.byId.get(memberId) : undefined;
  // A blocked member earns nothing; a return still takes its points back.
  if (member?.status === "blocked" && c.input.type !== "return") {
    throw new DomainError("member_blocked", `Member ${member.id} is blocked and cannot earn`);
  }
  return prepared(c, { memberId, enrol, guest, facts: member ? factsOf(member) : null });
}

/**
 * The member resolution step: checks each event (normalizeEvent), reads the purchases returns
 * name and the members events name (two statements for the whole batch), and resolves each
 * event's member. Refusals here write nothing; they go to `refuse`.
 */
export async function resolveMembers(
  db: Db,
  program: EventProgram,
  events: ValidEvent[],
  now: Date,
  refuse: Refuse,
): Promise<PreparedEvent[]> {
  const checked = checkEvents(program, events, now, refuse);
  // Returns name their purchase; its member is the return's.
  const originals = await findOriginals(db, program.id, [
    ...new Set(checked.flatMap((c) => (c.input.originalEventId ? [c.input.originalEventId] : []))),
  ]);
  const { refs, phones } = memberRefs(program, checked, originals);
  const lookup = memberLookup(await findMembers(db, program.id, refs), phones, originals);
  return resolveEach(program, checked, lookup, refuse);
}

type Refuse = (index: number, eventId: string, error: DomainError) => void;

/** Checks each event (normalizeEvent); a refused one goes to `refuse`. */
export function checkEvents(
  program: Pick<EventProgram, "currency" | "maxPurchaseAmount">,
  events: ValidEvent[],
  now: Date,
  refuse: Refuse,
): CheckedEvent[] {
  const checked: CheckedEvent[] = [];
  for (const e of events) {
    try {
      const event = normalizeEvent(program, e.input, now);
      // Not in normalizeEvent: a guest purchase claimed later was accepted under the limit of its day.
      checkPurchaseAmount(event, program);
      checked.push({ ...e, event });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refuse(e.index, e.input.id, error);
    }
  }
  return checked;
}

/** The ways a member is named, as findMembers reads them. */
export interface MemberRefs {
  ids: string[];
  externalIds: string[];
  emails: string[];
  phones: string[];
}

/**
 * What the events name, to read the members at once: ids (a return's purchase's member too),
 * external ids, emails and phones as stored; and each phone as sent -> as stored (null: not a
 * possible number in the programme's country).
 */
export function memberRefs(
  program: Pick<EventProgram, "country">,
  checked: CheckedEvent[],
  originals: Map<string, OriginalPurchase>,
): { refs: MemberRefs; phones: Map<string, string | null> } {
  const phones = new Map<string, string | null>();
  const refs: MemberRefs = { ids: [], externalIds: [], emails: [], phones: [] };
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
  return { refs, phones };
}

/** Resolves each event's member in order (a return may name a purchase before it); a refused one goes to `refuse`. */
export function resolveEach(
  program: Pick<EventProgram, "unknownMemberPolicy">,
  checked: CheckedEvent[],
  lookup: MemberLookup,
  refuse: Refuse,
): PreparedEvent[] {
  const resolved: PreparedEvent[] = [];
  for (const c of checked) {
    try {
      resolved.push(resolveMember(program, c, lookup, resolved));
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      refuse(c.index, c.input.id, error);
    }
  }
  return resolved;
}
