import { type JoinBuilder, sql, type Transaction, type UpdateObject } from "kysely";
import type { DB, Db } from "../db/schema.ts";
import { newReferralCode } from "./members.rules.ts";

export const findMember = (db: Db, programId: string, id: string) =>
  db.selectFrom("members").selectAll().where("program_id", "=", programId).where("id", "=", id).executeTakeFirst();

export interface MemberFilter {
  phone?: string;
  email?: string;
  externalId?: string;
  cardNumber?: string;
  q?: string;
  /** Bounds on the stored customer-value figures (customer_values, src/insights/): members without one are left out. */
  minClv?: number;
  maxClv?: number;
  minProbabilityAlive?: number;
  maxProbabilityAlive?: number;
}

/** The orders a member list can take: by id, or by a stored customer-value figure (ascending, or "-" descending). */
export type MemberSort = "id" | "clv" | "-clv" | "probabilityAlive" | "-probabilityAlive";

/** Where a page after the previous one starts: the last member's id, and its sort figure when sorted by one. */
export interface MemberCursor {
  id: string;
  value?: number;
}

const needsValue = (filter: MemberFilter, sort: MemberSort) =>
  sort !== "id" ||
  filter.minClv !== undefined ||
  filter.maxClv !== undefined ||
  filter.minProbabilityAlive !== undefined ||
  filter.maxProbabilityAlive !== undefined;

function matching(db: Db, programId: string, filter: MemberFilter, sort: MemberSort) {
  const base = db.selectFrom("members");
  const joinValues = (join: JoinBuilder<DB & { cv: DB["customer_values"] }, "members" | "cv">) =>
    join.onRef("cv.member_id", "=", "members.id").on("cv.program_id", "=", programId);
  // Sorting or filtering by a figure lists only members with one: an inner join; otherwise the figures ride along.
  let query = needsValue(filter, sort)
    ? base.innerJoin("customer_values as cv", joinValues)
    : base.leftJoin("customer_values as cv", joinValues);
  query = query.where("members.program_id", "=", programId);
  if (filter.phone !== undefined) query = query.where("members.phone", "=", filter.phone);
  if (filter.email !== undefined) query = query.where("members.email", "=", filter.email);
  if (filter.externalId !== undefined) query = query.where("members.external_id", "=", filter.externalId);
  if (filter.cardNumber !== undefined) query = query.where("members.card_number", "=", filter.cardNumber);
  if (filter.q !== undefined) {
    const like = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([
        eb("members.name", "ilike", like),
        eb("members.email", "ilike", like),
        eb("members.phone", "like", like),
        eb("members.external_id", "ilike", like),
      ]),
    );
  }
  // Bounds on CLV as the list shows it (rounded half away from zero to the minor unit; CLV is never negative).
  if (filter.minClv !== undefined) query = query.where("cv.clv", ">=", filter.minClv - 0.5);
  if (filter.maxClv !== undefined) query = query.where("cv.clv", "<", filter.maxClv + 0.5);
  if (filter.minProbabilityAlive !== undefined) query = query.where("cv.probability_alive", ">=", filter.minProbabilityAlive);
  if (filter.maxProbabilityAlive !== undefined) query = query.where("cv.probability_alive", "<=", filter.maxProbabilityAlive);
  return query;
}

export function searchMembers(
  db: Db,
  programId: string,
  filter: MemberFilter,
  limit: number,
  after: MemberCursor | null,
  sort: MemberSort = "id",
) {
  let query = matching(db, programId, filter, sort)
    .selectAll("members")
    .select([
      "cv.fit_id as value_fit_id",
      "cv.frequency as value_frequency",
      "cv.recency as value_recency",
      "cv.age as value_age",
      "cv.monetary as value_monetary",
      "cv.expected_30 as value_expected_30",
      "cv.expected_90 as value_expected_90",
      "cv.expected_365 as value_expected_365",
      "cv.probability_alive as value_probability_alive",
      "cv.expected_spend as value_expected_spend",
      "cv.clv as value_clv",
      "cv.horizon_months as value_horizon_months",
      "cv.discount_rate as value_discount_rate",
    ]);
  if (sort === "id") {
    if (after) query = query.where("members.id", ">", after.id);
    return query
      .orderBy("members.id")
      .limit(limit + 1)
      .execute();
  }
  const column = sort.endsWith("clv") ? sql.ref("cv.clv") : sql.ref("cv.probability_alive");
  const descending = sort.startsWith("-");
  if (after) {
    const value = after.value ?? 0;
    query = query.where(
      descending
        ? sql<boolean>`(${column}, members.id) < (${value}, ${after.id})`
        : sql<boolean>`(${column}, members.id) > (${value}, ${after.id})`,
    );
  }
  const direction = descending ? sql`desc` : sql`asc`;
  return query
    .orderBy(sql`${column} ${direction}`)
    .orderBy(sql`members.id ${direction}`)
    .limit(limit + 1)
    .execute();
}

export type MemberListRow = Awaited<ReturnType<typeof searchMembers>>[number];

/**
 * How many members match, counted up to `cap` + 1 rows (so a search of a large programme costs at
 * most that many index entries): more than `cap` comes back as cap + 1.
 */
export async function countMatchingMembers(
  db: Db,
  programId: string,
  filter: MemberFilter,
  cap: number,
  sort: MemberSort = "id",
): Promise<number> {
  const row = await db
    .selectFrom(
      matching(db, programId, filter, sort)
        .select(sql.lit(1).as("one"))
        .limit(cap + 1)
        .as("m"),
    )
    .select((eb) => eb.fn.countAll<string | number>().as("n"))
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** Referral rows with the other member's name: whom `referrerId` referred (newest first), or who referred `refereeId`. */
export function listReferrals(
  db: Db,
  programId: string,
  by: { referrerId: string; limit: number; before: string | null } | { refereeId: string },
) {
  const other = "referrerId" in by ? "r.referee_id" : "r.referrer_id";
  let query = db
    .selectFrom("referrals as r")
    .innerJoin("members as m", "m.id", other)
    .select([
      "m.id",
      "m.name",
      "m.email",
      "m.status as member_status",
      "r.status",
      "r.refused_reason",
      "r.referrer_points",
      "r.referee_points",
      "r.created_at",
      "r.qualified_at",
    ])
    .where("r.program_id", "=", programId);
  if (!("referrerId" in by)) return query.where("r.referee_id", "=", by.refereeId).limit(1).execute();
  query = query.where("r.referrer_id", "=", by.referrerId);
  if (by.before) query = query.where("r.referee_id", "<", by.before);
  return query
    .orderBy("r.referee_id", "desc")
    .limit(by.limit + 1)
    .execute();
}

export interface NewMember {
  externalId?: string | null;
  email?: string | null;
  phone?: string | null;
  name?: string | null;
  birthDate?: string | null;
  attributes?: Record<string, unknown>;
  referredBy?: string | null;
  /** Recorded with the enrolment time when given (either way); unset: false, never asked. */
  marketingConsent?: boolean;
}

/** Inserts a member with a fresh referral code. Unique clashes surface as 23505 errors. */
export function insertMember(
  trx: Transaction<DB>,
  programId: string,
  id: string,
  member: NewMember,
  now: Date,
  enrolled: { actor: string; storeId: string | null },
) {
  return trx
    .insertInto("members")
    .values({
      id,
      program_id: programId,
      enrolled_by: enrolled.actor,
      enrolled_store_id: enrolled.storeId,
      external_id: member.externalId ?? null,
      email: member.email ?? null,
      phone: member.phone ?? null,
      name: member.name ?? null,
      birth_date: member.birthDate ?? null,
      attributes: JSON.stringify(member.attributes ?? {}),
      referral_code: newReferralCode(),
      referred_by: member.referredBy ?? null,
      marketing_consent: member.marketingConsent ?? false,
      marketing_consent_at: member.marketingConsent === undefined ? null : now,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** The member, its row locked for a no-key update (as an update of it would lock it). */
export const lockMember = (trx: Transaction<DB>, programId: string, id: string) =>
  trx
    .selectFrom("members")
    .selectAll()
    .where("program_id", "=", programId)
    .where("id", "=", id)
    .forNoKeyUpdate()
    .executeTakeFirst();

/** Sets consent, stamping the time only when it changes (or is recorded for the first time). */
export const consentChange = (granted: boolean, now: Date) => ({
  marketing_consent: granted,
  marketing_consent_at: sql<Date>`case when marketing_consent = ${granted} and marketing_consent_at is not null then marketing_consent_at else ${now}::timestamptz end`,
});

/** Applies a patch to a member, stamping `updated_at`; undefined if the programme has no such member. */
export const updateMember = (
  trx: Transaction<DB>,
  programId: string,
  id: string,
  patch: UpdateObject<DB, "members">,
  now: Date,
) =>
  trx
    .updateTable("members")
    .set({ ...patch, updated_at: now })
    .where("program_id", "=", programId)
    .where("id", "=", id)
    .returningAll()
    .executeTakeFirst();

/** Records that `referrerId` referred the new member `refereeId`, pending until the referral qualifies. */
export const insertPendingReferral = (
  trx: Transaction<DB>,
  programId: string,
  refereeId: string,
  referrerId: string,
  now: Date,
) =>
  trx
    .insertInto("referrals")
    .values({ referee_id: refereeId, program_id: programId, referrer_id: referrerId, status: "pending", created_at: now })
    .execute();

export const findMemberByReferralCode = (db: Db, programId: string, code: string) =>
  db
    .selectFrom("members")
    .select(["id", "email", "phone", "status"])
    .where("program_id", "=", programId)
    .where("referral_code", "=", code)
    .executeTakeFirst();

/** A member an event named by their details, to be enrolled under a new id. */
export interface NewEventMember {
  id: string;
  externalId: string | null;
  email: string | null;
  phone: string | null;
}

/** Enrols members an event named but the programme did not know, in one statement. */
export async function insertMembers(
  trx: Transaction<DB>,
  programId: string,
  members: NewEventMember[],
  now: Date,
  actor: string,
) {
  const rows = members.map((m) => ({
    id: m.id,
    external_id: m.externalId,
    email: m.email,
    phone: m.phone,
    referral_code: newReferralCode(),
  }));
  await sql`insert into members (id, program_id, enrolled_by, external_id, email, phone, attributes, referral_code, created_at, updated_at)
    select x.id, ${programId}, ${actor}, x.external_id, x.email, x.phone, '{}'::jsonb, x.referral_code, ${now}::timestamptz, ${now}::timestamptz
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(id text, external_id text, email text, phone text, referral_code text)
    order by x.id`.execute(trx);
}
