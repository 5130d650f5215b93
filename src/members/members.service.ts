import type { Transaction } from "kysely";
import type { DB, MemberRow } from "../db/schema.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import type { ProgramService } from "../programs/programs.service.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import {
  isAfterToday,
  normalizeCardNumber,
  normalizeEmail,
  normalizePhone,
  normalizeReferralCode,
  roundHalfAwayFromZero,
} from "./members.rules.ts";
import type { CreateMemberInput, MemberSearch, UpdateMemberInput } from "./members.schemas.ts";
import {
  consentChange,
  countMatchingMembers,
  findMember,
  findMemberByReferralCode,
  insertMember,
  insertMembers,
  insertPendingReferral,
  listReferrals,
  lockMember,
  type MemberCursor,
  type MemberFilter,
  type MemberListRow,
  type MemberSort,
  type NewEventMember,
  searchMembers,
  updateMember,
} from "./members.sql.ts";

const toMember = (row: MemberRow) => ({
  id: row.id,
  externalId: row.external_id,
  email: row.email,
  phone: row.phone,
  name: row.name,
  birthDate: row.birth_date,
  attributes: row.attributes,
  status: row.status,
  referralCode: row.referral_code,
  cardNumber: row.card_number,
  referredBy: row.referred_by,
  marketingConsent: { granted: row.marketing_consent, at: row.marketing_consent_at },
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

export type Member = ReturnType<typeof toMember>;

const UNIQUE_FIELDS: Record<string, string> = {
  members_external_id: "externalId",
  members_email: "email",
  members_phone: "phone",
  members_referral_code: "referralCode",
};

/** Matches are counted exactly up to this many; past it a search says "more than 10,000". */
export const MEMBER_COUNT_CAP = 10_000;

/** The unique fields as the forms name them. */
const FIELD_WORDS: Record<string, string> = { externalId: "external id", phone: "phone number", referralCode: "referral code" };

/** Turns a unique-index violation into a 409 naming the field another member already has. */
function duplicateMember(error: unknown): DomainError | null {
  const e = error as { code?: string; constraint?: string; message?: string } | null;
  if (e?.code !== "23505") return null;
  const index = e.constraint ?? Object.keys(UNIQUE_FIELDS).find((name) => e.message?.includes(name)) ?? "";
  const field = UNIQUE_FIELDS[index] ?? "member";
  return new DomainError("conflict", `Another member of this programme already has this ${FIELD_WORDS[field] ?? field}`, {
    field,
  });
}

export type { NewEventMember } from "./members.sql.ts";

/** Runs in the enrolment's transaction once a member exists (the earning engine's sign-up event). */
export type OnEnrolled = (trx: Transaction<DB>, programId: string, memberId: string, now: Date) => Promise<void>;

/** Ends a member's portal sign-ins (sessions and unused codes) in the change's transaction: the portal's own work. */
export type EndSignIns = (trx: Transaction<DB>, memberId: string, now: Date) => Promise<void>;

export class MemberService {
  constructor(
    private readonly deps: ServiceDeps & {
      programs: ProgramService;
      onEnrolled: OnEnrolled;
      endSignIns: EndSignIns;
    },
  ) {}

  async #phone(programId: string, phone: string | null | undefined): Promise<string | null | undefined> {
    if (phone === undefined || phone === null) return phone;
    const program = await this.deps.programs.get(programId);
    const normalized = normalizePhone(phone, program.country);
    if (!normalized) {
      throw new DomainError(
        "validation_error",
        program.country
          ? `Phone “${phone}” is not a possible phone number in ${program.country}: enter it with its area code`
          : `Phone “${phone}” needs its country code (+...) because the programme has no country set`,
        { field: "phone" },
      );
    }
    return normalized;
  }

  /** A birthday is a past day (the schema checks the years): today by the injected clock, in programme time. */
  async #checkBirthDate(programId: string, birthDate: string | null | undefined): Promise<void> {
    if (birthDate === undefined || birthDate === null) return;
    const program = await this.deps.programs.get(programId);
    if (isAfterToday(birthDate, this.deps.clock.now(), program.timezone)) {
      throw new DomainError("validation_error", `Birthday ${birthDate} is in the future`, { field: "birthDate" });
    }
  }

  async create(ctx: MutationContext, programId: string, input: CreateMemberInput) {
    await this.#checkBirthDate(programId, input.birthDate);
    const phone = await this.#phone(programId, input.phone);
    const email = input.email === undefined ? null : normalizeEmail(input.email);
    return this.deps.uow.run(ctx, 201, async (trx) => {
      const now = this.deps.clock.now();
      const referrer =
        input.referralCode === undefined ? null : await this.#referrer(trx, programId, input.referralCode, email, phone);
      try {
        const row = await insertMember(
          trx,
          programId,
          this.deps.ids("member"),
          { ...input, email, phone: phone ?? null, referredBy: referrer },
          now,
          { actor: ctx.actor, storeId: ctx.storeId ?? null },
        );
        if (referrer) {
          await insertPendingReferral(trx, programId, row.id, referrer, now);
        }
        await this.deps.onEnrolled(trx, programId, row.id, now);
        return toMember(row);
      } catch (error) {
        throw duplicateMember(error) ?? error;
      }
    });
  }

  /**
   * Enrols, in the caller's transaction and one statement, the unknown members events named (the
   * programme's `enroll` policy); their sign-up events are the caller's.
   */
  enrolFromEvents(trx: Transaction<DB>, programId: string, members: NewEventMember[], now: Date, actor: string): Promise<void> {
    return insertMembers(trx, programId, members, now, actor);
  }

  /** The member whose referral code this is; refused if unknown or the new member is the referrer. */
  async #referrer(trx: Transaction<DB>, programId: string, code: string, email: string | null, phone: string | null | undefined) {
    const referrer = await findMemberByReferralCode(trx, programId, normalizeReferralCode(code));
    if (referrer?.status !== "active") {
      throw new DomainError("referral_invalid", `Referral code ${code} is not valid in this programme`, {
        field: "referralCode",
        reason: "unknown_code",
      });
    }
    if ((email && referrer.email === email) || (phone && referrer.phone === phone)) {
      throw new DomainError("referral_invalid", "A member cannot refer themselves (same email or phone)", {
        field: "referralCode",
        reason: "self_referral",
      });
    }
    return referrer.id;
  }

  async get(programId: string, id: string) {
    const row = await findMember(this.deps.db, programId, id);
    if (!row) throw notFound("Member", id);
    return toMember(row);
  }

  async update(ctx: MutationContext, programId: string, id: string, input: UpdateMemberInput) {
    await this.#checkBirthDate(programId, input.birthDate);
    const phone = await this.#phone(programId, input.phone);
    return this.deps.uow.run(ctx, 200, async (trx) => {
      // The member before, for the audit log (the lock the update takes anyway, taken first).
      const current = await lockMember(trx, programId, id);
      if (!current) throw notFound("Member", id);
      ctx.audit = { before: toMember(current) };
      const patch = {
        ...(input.externalId !== undefined && { external_id: input.externalId }),
        ...(input.email !== undefined && { email: input.email === null ? null : normalizeEmail(input.email) }),
        ...(phone !== undefined && { phone }),
        ...(input.name !== undefined && { name: input.name }),
        ...(input.birthDate !== undefined && { birth_date: input.birthDate }),
        ...(input.attributes !== undefined && { attributes: JSON.stringify(input.attributes) }),
        ...(input.status !== undefined && { status: input.status }),
        ...(input.marketingConsent !== undefined && consentChange(input.marketingConsent, this.deps.clock.now())),
      };
      try {
        const row = await updateMember(trx, programId, id, patch, this.deps.clock.now());
        if (!row) throw notFound("Member", id);
        // Blocking, or a new email (the portal's sign-in), ends the member's portal sessions for good.
        const blocked = row.status === "blocked" && current.status !== "blocked";
        if (blocked || row.email !== current.email) await this.deps.endSignIns(trx, id, this.deps.clock.now());
        return toMember(row);
      } catch (error) {
        throw duplicateMember(error) ?? error;
      }
    });
  }

  async search(programId: string, search: MemberSearch) {
    const filter: MemberFilter = {};
    if (search.phone !== undefined) {
      const program = await this.deps.programs.get(programId);
      const phone = normalizePhone(search.phone, program.country);
      // A number that cannot be a phone matches no member.
      if (!phone) return { data: [], nextCursor: null, total: { count: 0, capped: false } };
      filter.phone = phone;
    }
    if (search.email !== undefined) filter.email = normalizeEmail(search.email);
    if (search.externalId !== undefined) filter.externalId = search.externalId;
    if (search.cardNumber !== undefined) filter.cardNumber = normalizeCardNumber(search.cardNumber);
    if (search.q !== undefined) filter.q = search.q;
    if (search.minClv !== undefined) filter.minClv = search.minClv;
    if (search.maxClv !== undefined) filter.maxClv = search.maxClv;
    if (search.minProbabilityAlive !== undefined) filter.minProbabilityAlive = search.minProbabilityAlive;
    if (search.maxProbabilityAlive !== undefined) filter.maxProbabilityAlive = search.maxProbabilityAlive;
    const sort = search.sort ?? "id";
    const after = search.cursor === undefined ? null : readMemberCursor(search.cursor, sort);
    const rows = await searchMembers(this.deps.db, programId, filter, search.limit, after, sort);
    const page = rows.slice(0, search.limit);
    const counted = await countMatchingMembers(this.deps.db, programId, filter, MEMBER_COUNT_CAP, sort);
    const last = page.at(-1);
    return {
      data: page.map((row) => ({ ...toMember(row), tierId: row.tier_id, value: listValue(row) })),
      nextCursor: rows.length > search.limit && last ? memberCursor(last, sort) : null,
      total: { count: Math.min(counted, MEMBER_COUNT_CAP), capped: counted > MEMBER_COUNT_CAP },
    };
  }

  /** Who referred the member, and whom they referred (newest first, a page at a time). */
  async referrals(programId: string, id: string, limit: number, cursor: string | null) {
    await this.get(programId, id);
    const [referredBy] = await listReferrals(this.deps.db, programId, { refereeId: id });
    const rows = await listReferrals(this.deps.db, programId, { referrerId: id, limit, before: cursor });
    const page = rows.slice(0, limit);
    return {
      referredBy: referredBy ? toReferral(referredBy) : null,
      data: page.map(toReferral),
      nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
    };
  }
}

/** The stored customer-value figures of a listed member; money rounded half away from zero to the minor unit. */
function listValue(row: MemberListRow) {
  if (row.value_fit_id === null || row.value_fit_id === undefined) return null;
  return {
    fitId: row.value_fit_id,
    frequency: Number(row.value_frequency),
    recency: Number(row.value_recency),
    age: Number(row.value_age),
    monetary: Number(row.value_monetary),
    expected30: Number(row.value_expected_30),
    expected90: Number(row.value_expected_90),
    expected365: Number(row.value_expected_365),
    probabilityAlive: Number(row.value_probability_alive),
    expectedSpend: roundHalfAwayFromZero(Number(row.value_expected_spend)),
    clv: roundHalfAwayFromZero(Number(row.value_clv)),
    horizonMonths: Number(row.value_horizon_months),
    discountRate: Number(row.value_discount_rate),
  };
}

/** A page's cursor: the last id, or with a figure's sort, the figure and the id (base64url JSON). */
function memberCursor(row: MemberListRow, sort: MemberSort): string {
  if (sort === "id") return row.id;
  const value = sort.endsWith("clv") ? row.value_clv : row.value_probability_alive;
  return Buffer.from(JSON.stringify([Number(value), row.id])).toString("base64url");
}

function readMemberCursor(cursor: string, sort: MemberSort): MemberCursor {
  if (sort === "id") return { id: cursor };
  try {
    const [value, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown[];
    if (typeof value === "number" && Number.isFinite(value) && typeof id === "string") return { id, value };
  } catch {
    // refused below
  }
  throw new DomainError("validation_error", `cursor is not a nextCursor of a list sorted by ${sort}`, { field: "cursor" });
}

const toReferral = (row: Awaited<ReturnType<typeof listReferrals>>[number]) => ({
  member: { id: row.id, name: row.name, email: row.email, status: row.member_status },
  status: row.status,
  refusedReason: row.refused_reason,
  referrerPoints: Number(row.referrer_points),
  refereePoints: Number(row.referee_points),
  createdAt: row.created_at,
  qualifiedAt: row.qualified_at,
});
