import type { Transaction } from "kysely";
import { hashSecret } from "../api-keys/api-keys.rules.ts";
import type { DB, StaffRow } from "../db/schema.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import { normalizeEmail } from "../members/members.rules.ts";
import { DomainError, notFound } from "../shared/errors.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import { afterFailure, hashPassword, isLocked, needsRehash, newToken, verifyPassword } from "./staff.rules.ts";
import type { CreateStaffInput, SignInInput, UpdateStaffInput } from "./staff.schemas.ts";
import * as q from "./staff.sql.ts";

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
  storeId: string | null;
}

// Checked against when an email is unknown, so a wrong email costs as long as a wrong password.
const DUMMY_HASH = hashPassword("not a password: timing only");

/** Staff accounts and their sessions. */
export class StaffService {
  constructor(private readonly deps: ServiceDeps) {}

  async create(ctx: MutationContext, programId: string, input: CreateStaffInput) {
    // Hashing takes tens of milliseconds: done before the transaction, which then only writes.
    const passwordHash = await hashPassword(input.password);
    return this.deps.uow.run(ctx, 201, (trx) => this.insert(trx, programId, input, passwordHash));
  }

  /** The slow part of adding an account, to do before opening the transaction that calls `insert`. */
  hashPassword(password: string): Promise<string> {
    return hashPassword(password);
  }

  /** Writes a staff account inside the caller's transaction; a taken email is 409 conflict. */
  async insert(trx: Transaction<DB>, programId: string, input: CreateStaffInput, passwordHash: string) {
    const now = this.deps.clock.now();
    const row = await q.insertStaff(trx, {
      id: this.deps.ids("staff"),
      program_id: programId,
      email: normalizeEmail(input.email),
      name: input.name ?? null,
      role: input.role,
      password_hash: passwordHash,
      created_at: now,
      updated_at: now,
    });
    if (!row)
      throw new DomainError("conflict", `A staff account with email ${normalizeEmail(input.email)} already exists`, {
        field: "email",
      });
    return staffView(row);
  }

  async list(programId: string) {
    const rows = await q.listStaff(this.deps.db, programId);
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
      const owners = await q.lockActiveOwners(trx, programId);
      const row = await q.lockStaff(trx, programId, staffId);
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
      const updated = await q.updateStaff(trx, staffId, {
        ...(input.name !== undefined && { name: input.name }),
        role,
        status,
        updated_at: now,
      });
      if (role !== row.role || (status === "disabled" && row.status !== "disabled")) await q.endSessions(trx, staffId, now);
      return staffView(updated);
    });
  }

  /** An owner sets a new password for a staff account: the lockout is cleared and its sessions end. */
  async setPassword(ctx: MutationContext, programId: string, staffId: string, password: string) {
    const passwordHash = await hashPassword(password);
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const now = this.deps.clock.now();
      const row = await q.resetPassword(trx, programId, staffId, passwordHash, now);
      if (!row) throw notFound("Staff account", staffId);
      await q.endSessions(trx, staffId, now);
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
    const db = this.deps.db;
    const now = this.deps.clock.now();
    const rows = await q.staffByEmail(db, normalizeEmail(input.email), input.programId);
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
      const programs = await q.programChoices(
        db,
        matched.map((r) => r.program_id),
      );
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
      await q.recordSignIn(trx, row.id, now, rehash);
      await q.insertSession(trx, {
        tokenHash: hashSecret(token),
        staffId: row.id,
        programId: row.program_id,
        csrfToken,
        storeId: input.storeId ?? null,
        now,
        expiresAt,
      });
    });
    return {
      token,
      session: {
        staff: staffView({ ...row, last_sign_in_at: now }),
        csrfToken,
        expiresAt: expiresAt.toISOString(),
        storeId: input.storeId ?? null,
      },
    };
  }

  /** One more failed sign-in, counted in one statement (failures at once from several tills all count). */
  async #countFailure(staffId: string, now: Date) {
    const failures = await q.countFailure(this.deps.db, staffId);
    const next = afterFailure(failures - 1, now);
    if (next.lockedUntil) await q.lockUntil(this.deps.db, staffId, next.lockedUntil);
  }

  /** The live session a cookie token names, or null (unknown, expired, revoked, or staff disabled). */
  async session(token: string): Promise<StaffSession | null> {
    const row = await q.findActiveSession(this.deps.db, hashSecret(token), this.deps.clock.now());
    return row
      ? { staffId: row.staff_id, programId: row.program_id, role: row.role, csrfToken: row.csrf_token, storeId: row.store_id }
      : null;
  }

  async me(token: string) {
    const found = await q.findSessionWithStaff(this.deps.db, hashSecret(token), this.deps.clock.now());
    if (!found) throw new DomainError("unauthorized", "Not signed in");
    const { csrf_token, expires_at, store_id, ...row } = found;
    return { staff: staffView(row), csrfToken: csrf_token, expiresAt: expires_at.toISOString(), storeId: store_id };
  }

  async signOut(token: string): Promise<void> {
    await q.revokeSession(this.deps.db, hashSecret(token), this.deps.clock.now());
  }
}
