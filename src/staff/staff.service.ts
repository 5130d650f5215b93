import type { Kysely, Transaction } from "kysely";
import { hashSecret } from "../api-keys/api-keys.rules.ts";
import type { DB, StaffRow } from "../db/schema.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import { normalizeEmail } from "../members/members.rules.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import { afterFailure, hashPassword, isLocked, needsRehash, newToken, verifyPassword } from "./staff.rules.ts";
import type { CreateStaffInput, SignInInput, UpdateStaffInput } from "./staff.schemas.ts";

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

/** Ends every live session of a staff account (on every server: sessions are looked up per request). */
const endSessions = (trx: Transaction<DB>, staffId: string, now: Date) =>
  trx
    .updateTable("staff_sessions")
    .set({ revoked_at: now })
    .where("staff_id", "=", staffId)
    .where("revoked_at", "is", null)
    .execute();

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
   * Changes a staff account's name, role or status. The programme always keeps an active owner:
   * demoting or disabling the last one is refused (409 conflict). A role change or disabling ends
   * the account's sessions at once.
   */
  update(ctx: MutationContext, programId: string, staffId: string, input: UpdateStaffInput) {
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const now = this.deps.clock.now();
      // The active owners are locked first (in id order): two owners demoting each other at once
      // wait in turn, and the second sees that the first is no longer an owner.
      const owners = await trx
        .selectFrom("staff")
        .select("id")
        .where("program_id", "=", programId)
        .where("role", "=", "owner")
        .where("status", "=", "active")
        .orderBy("id")
        .forUpdate()
        .execute();
      const row = await trx
        .selectFrom("staff")
        .selectAll()
        .where("program_id", "=", programId)
        .where("id", "=", staffId)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw notFound("Staff account", staffId);
      ctx.audit = { before: staffView(row) };
      const role = input.role ?? row.role;
      const status = input.status ?? row.status;
      const stopsOwning = row.role === "owner" && row.status === "active" && (role !== "owner" || status !== "active");
      if (stopsOwning && !owners.some((o) => o.id !== row.id)) {
        const field = role !== "owner" ? "role" : "status";
        throw new DomainError(
          "conflict",
          `${row.name ?? row.email} is the programme's last active owner: make someone else an owner first`,
          { field },
        );
      }
      const updated = await trx
        .updateTable("staff")
        .set({ ...(input.name !== undefined && { name: input.name }), role, status, updated_at: now })
        .where("id", "=", staffId)
        .returningAll()
        .executeTakeFirstOrThrow();
      if (role !== row.role || (status === "disabled" && row.status !== "disabled")) await endSessions(trx, staffId, now);
      return staffView(updated);
    });
  }

  /** An owner sets a new password for a staff account: the lockout is cleared and its sessions end. */
  async setPassword(ctx: MutationContext, programId: string, staffId: string, password: string) {
    const passwordHash = await hashPassword(password);
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const now = this.deps.clock.now();
      const row = await trx
        .updateTable("staff")
        .set({ password_hash: passwordHash, failed_attempts: 0, locked_until: null, updated_at: now })
        .where("program_id", "=", programId)
        .where("id", "=", staffId)
        .returningAll()
        .executeTakeFirst();
      if (!row) throw notFound("Staff account", staffId);
      await endSessions(trx, staffId, now);
      return staffView(row);
    });
  }

  /**
   * Signs a staff member in: a new session token (for the cookie) and its CSRF token. Failures in
   * a row lock the account (423 account_locked, with until when); an unknown email and a wrong
   * password answer alike, in about the same time.
   *
   * Without a programme id, the email's accounts in every programme are tried (in parallel, so it
   * costs about one check): the one account this password opens is signed in; if it opens several,
   * a 400 with an issue at `programId` lists those programmes (only then: a wrong password learns
   * nothing about where the email has accounts).
   */
  async signIn(input: SignInInput) {
    const db: Kysely<DB> = this.deps.db;
    const now = this.deps.clock.now();
    let query = db.selectFrom("staff").selectAll().where("email", "=", normalizeEmail(input.email));
    if (input.programId !== undefined) query = query.where("program_id", "=", input.programId);
    const rows = await query.orderBy("program_id").execute();
    const refused = () => new DomainError("unauthorized", "Wrong email or password");
    if (rows.length === 0) {
      await verifyPassword(input.password, await DUMMY_HASH);
      throw refused();
    }
    const open = rows.filter((r) => !isLocked(r.locked_until, now));
    if (open.length === 0) {
      const until = rows.map((r) => r.locked_until as Date).sort((a, b) => a.getTime() - b.getTime())[0];
      throw new DomainError("account_locked", `Too many failed sign-ins; try again after ${until?.toISOString()}`, {
        lockedUntil: until,
      });
    }
    const checks = await Promise.all(open.map((r) => verifyPassword(input.password, r.password_hash)));
    const matched = open.filter((r, i) => checks[i] && r.status === "active");
    if (matched.length === 0) {
      for (const r of open) await this.#countFailure(r.id, now);
      throw refused();
    }
    const row = matched[0];
    if (matched.length > 1 || !row) {
      const programs = await db
        .selectFrom("programs")
        .select(["id", "name"])
        .where(
          "id",
          "in",
          matched.map((r) => r.program_id),
        )
        .orderBy("name")
        .execute();
      const message = "This email has accounts in several programmes; choose one";
      throw new DomainError("validation_error", message, {
        issues: [{ path: "programId", message, code: "custom" }],
        programs,
      });
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

  /** One more failed sign-in, counted in one statement (failures at once from several tills all count). */
  async #countFailure(staffId: string, now: Date) {
    const counted = await this.deps.db
      .updateTable("staff")
      .set({ failed_attempts: (eb) => eb("failed_attempts", "+", 1) })
      .where("id", "=", staffId)
      .returning("failed_attempts")
      .executeTakeFirstOrThrow();
    const next = afterFailure(counted.failed_attempts - 1, now);
    if (next.lockedUntil)
      await this.deps.db.updateTable("staff").set({ locked_until: next.lockedUntil }).where("id", "=", staffId).execute();
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
