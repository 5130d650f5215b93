import type { Kysely } from "kysely";
import { hashSecret } from "../api-keys/api-keys.rules.ts";
import type { DB, StaffRow } from "../db/schema.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import { normalizeEmail } from "../members/members.rules.ts";
import { DomainError } from "../shared/errors.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import { afterFailure, hashPassword, isLocked, needsRehash, newToken, verifyPassword } from "./staff.rules.ts";
import type { CreateStaffInput } from "./staff.schemas.ts";

/** How long a staff session lasts. */
export const SESSION_MS = 12 * 60 * 60_000;

export const staffView = (row: StaffRow) => ({
  id: row.id,
  programId: row.program_id,
  email: row.email,
  name: row.name,
  role: row.role,
  status: row.status,
  lastSignInAt: row.last_sign_in_at?.toISOString() ?? null,
  createdAt: row.created_at.toISOString(),
});

export interface StaffSession {
  staffId: string;
  programId: string;
  role: StaffRow["role"];
  csrfToken: string;
}

// Checked against when an email is unknown, so a wrong email costs as long as a wrong password.
const DUMMY_HASH = hashPassword("not a password: timing only");

/** Staff accounts and their sessions. */
export class StaffService {
  constructor(private readonly deps: ServiceDeps) {}

  async create(ctx: MutationContext, programId: string, input: CreateStaffInput) {
    // Hashing takes tens of milliseconds: done before the transaction, which then only writes.
    const passwordHash = await hashPassword(input.password);
    return this.deps.uow.run(ctx, 201, async (trx) => {
      const now = this.deps.clock.now();
      const row = await trx
        .insertInto("staff")
        .values({
          id: this.deps.ids("staff"),
          program_id: programId,
          email: normalizeEmail(input.email),
          name: input.name ?? null,
          role: input.role,
          password_hash: passwordHash,
          created_at: now,
          updated_at: now,
        })
        .onConflict((oc) => oc.columns(["program_id", "email"]).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (!row)
        throw new DomainError("conflict", `A staff account with email ${normalizeEmail(input.email)} already exists`, {
          field: "email",
        });
      return staffView(row);
    });
  }

  async list(programId: string) {
    const rows = await this.deps.db.selectFrom("staff").selectAll().where("program_id", "=", programId).orderBy("id").execute();
    return { data: rows.map(staffView) };
  }

  /**
   * Signs a staff member in: a new session token (for the cookie) and its CSRF token. Failures in
   * a row lock the account (423 account_locked, with until when); an unknown email and a wrong
   * password answer alike, in about the same time.
   */
  async signIn(input: { programId: string; email: string; password: string }) {
    const db: Kysely<DB> = this.deps.db;
    const now = this.deps.clock.now();
    const row = await db
      .selectFrom("staff")
      .selectAll()
      .where("program_id", "=", input.programId)
      .where("email", "=", normalizeEmail(input.email))
      .executeTakeFirst();
    const refused = () => new DomainError("unauthorized", "Wrong email or password");
    if (!row) {
      await verifyPassword(input.password, await DUMMY_HASH);
      throw refused();
    }
    if (isLocked(row.locked_until, now)) {
      throw new DomainError("account_locked", `Too many failed sign-ins; try again after ${row.locked_until?.toISOString()}`, {
        lockedUntil: row.locked_until,
      });
    }
    const ok = (await verifyPassword(input.password, row.password_hash)) && row.status === "active";
    if (!ok) {
      // Counted in one statement, so failures at once from several tills all count.
      const counted = await db
        .updateTable("staff")
        .set({ failed_attempts: (eb) => eb("failed_attempts", "+", 1) })
        .where("id", "=", row.id)
        .returning("failed_attempts")
        .executeTakeFirstOrThrow();
      const next = afterFailure(counted.failed_attempts - 1, now);
      if (next.lockedUntil)
        await db.updateTable("staff").set({ locked_until: next.lockedUntil }).where("id", "=", row.id).execute();
      throw refused();
    }
    const token = newToken();
    const csrfToken = newToken();
    const expiresAt = new Date(now.getTime() + SESSION_MS);
    const rehash = needsRehash(row.password_hash) ? await hashPassword(input.password) : null;
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable("staff")
        .set({ failed_attempts: 0, locked_until: null, last_sign_in_at: now, ...(rehash && { password_hash: rehash }) })
        .where("id", "=", row.id)
        .execute();
      await trx
        .insertInto("staff_sessions")
        .values({
          token_hash: hashSecret(token),
          staff_id: row.id,
          program_id: row.program_id,
          csrf_token: csrfToken,
          created_at: now,
          expires_at: expiresAt,
        })
        .execute();
    });
    return {
      token,
      session: { staff: staffView({ ...row, last_sign_in_at: now }), csrfToken, expiresAt: expiresAt.toISOString() },
    };
  }

  /** The live session a cookie token names, or null (unknown, expired, revoked, or staff disabled). */
  async session(token: string): Promise<StaffSession | null> {
    const row = await this.deps.db
      .selectFrom("staff_sessions as s")
      .innerJoin("staff as f", "f.id", "s.staff_id")
      .select(["s.staff_id", "s.program_id", "s.csrf_token", "f.role"])
      .where("s.token_hash", "=", hashSecret(token))
      .where("s.revoked_at", "is", null)
      .where("s.expires_at", ">", this.deps.clock.now())
      .where("f.status", "=", "active")
      .executeTakeFirst();
    return row ? { staffId: row.staff_id, programId: row.program_id, role: row.role, csrfToken: row.csrf_token } : null;
  }

  async me(token: string) {
    const found = await this.deps.db
      .selectFrom("staff_sessions as s")
      .innerJoin("staff as f", "f.id", "s.staff_id")
      .selectAll("f")
      .select(["s.csrf_token", "s.expires_at"])
      .where("s.token_hash", "=", hashSecret(token))
      .where("s.revoked_at", "is", null)
      .where("s.expires_at", ">", this.deps.clock.now())
      .executeTakeFirst();
    if (!found) throw new DomainError("unauthorized", "Not signed in");
    const { csrf_token, expires_at, ...row } = found;
    return { staff: staffView(row), csrfToken: csrf_token, expiresAt: expires_at.toISOString() };
  }

  async signOut(token: string): Promise<void> {
    await this.deps.db
      .updateTable("staff_sessions")
      .set({ revoked_at: this.deps.clock.now() })
      .where("token_hash", "=", hashSecret(token))
      .where("revoked_at", "is", null)
      .execute();
  }
}
