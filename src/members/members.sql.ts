import { sql, type Transaction, type UpdateObject } from "kysely";
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
}

function matching(db: Db, programId: string, filter: MemberFilter) {
  let query = db.selectFrom("members").where("program_id", "=", programId);
  if (filter.phone !== undefined) query = query.where("phone", "=", filter.phone);
  if (filter.email !== undefined) query = query.where("email", "=", filter.email);
  if (filter.externalId !== undefined) query = query.where("external_id", "=", filter.externalId);
  if (filter.cardNumber !== undefined) query = query.where("card_number", "=", filter.cardNumber);
  if (filter.q !== undefined) {
    const like = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    query = query.where((eb) =>
      eb.or([eb("name", "ilike", like), eb("email", "ilike", like), eb("phone", "like", like), eb("external_id", "ilike", like)]),
    );
  }
  return query;
}

export function searchMembers(db: Db, programId: string, filter: MemberFilter, limit: number, after: string | null) {
  let query = matching(db, programId, filter).selectAll();
  if (after) query = query.where("id", ">", after);
  return query
    .orderBy("id")
    .limit(limit + 1)
    .execute();
}

/**
 * How many members match, counted up to `cap` + 1 rows (so a search of a large programme costs at
 * most that many index entries): more than `cap` comes back as cap + 1.
 */
export async function countMatchingMembers(db: Db, programId: string, filter: MemberFilter, cap: number): Promise<number> {
  const row = await db
    .selectFrom(
      matching(db, programId, filter)
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
