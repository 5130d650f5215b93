import { hashSecret } from "../api-keys/api-keys.rules.ts";
import type { ApiKeyService } from "../api-keys/api-keys.service.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import type { ProgramService } from "../programs/programs.service.ts";
import { DomainError } from "../shared/errors.ts";
import type { ServiceDeps } from "../shared/service-deps.ts";
import type { StaffService } from "../staff/staff.service.ts";
import {
  checklistOf,
  generateSetupToken,
  programLinks,
  REFUSAL_MESSAGES,
  SETUP_TOKEN_MS,
  setupIsOpen,
  setupLink,
  type TokenRefusal,
  tokenRefusal,
} from "./setup.rules.ts";
import type { SetupCheckInput, SetupInput } from "./setup.schemas.ts";
import * as q from "./setup.sql.ts";

/** Who may run setup: a setup link (once) or the operator key, and whom the audit log names. */
interface SetupAccess {
  via: "setup_link" | "operator_key";
  expiresAt: Date | null;
  actor: string;
}

/** The request a setup came through, for the audit log of the programme it creates. */
export type SetupRequest = Pick<MutationContext, "requestId" | "route">;

const refused = (why: TokenRefusal) =>
  new DomainError(why === "unknown" ? "unauthorized" : "forbidden", REFUSAL_MESSAGES[why], { field: "setupToken", reason: why });

/**
 * A new business's way in without a terminal: the server prints a one-time setup link at first
 * start; the setup page (or the operator key, for further programmes) creates a programme and its
 * first owner and signs the owner in. Then the checklist a new programme opens on, and its links.
 */
export class SetupService {
  constructor(
    private readonly deps: ServiceDeps & {
      apiKeys: ApiKeyService;
      programs: ProgramService;
      staff: StaffService;
      /** STAMPBOOK_PUBLIC_URL; null: links are built from the request's own origin. */
      publicUrl: string | null;
    },
  ) {}

  /**
   * At start: a new setup link's token (to print once; only its hash is kept) while setup is open,
   * else null. Several servers starting at once each print a working link; the first used closes all.
   */
  async issueAtStart(): Promise<{ token: string; expiresAt: Date } | null> {
    return this.deps.db.transaction().execute(async (trx) => {
      await q.lockSetup(trx);
      if (!setupIsOpen(await q.setupFacts(trx))) return null;
      const now = this.deps.clock.now();
      const token = generateSetupToken();
      const expiresAt = new Date(now.getTime() + SETUP_TOKEN_MS);
      await q.insertSetupToken(trx, {
        id: this.deps.ids("setupToken"),
        token_hash: hashSecret(token),
        created_at: now,
        expires_at: expiresAt,
      });
      return { token, expiresAt };
    });
  }

  /** The setup link to print, on the public URL when one is configured. */
  setupLink(localBase: string, token: string): string {
    return setupLink(this.deps.publicUrl ?? localBase, token);
  }

  /** Whether the credential opens setup now (the page asks before showing its form). */
  async check(input: SetupCheckInput) {
    const access = await this.#access(input);
    return { via: access.via, expiresAt: access.expiresAt?.toISOString() ?? null };
  }

  /**
   * Creates the programme and its first owner in one transaction, closes setup (every setup link
   * dies, however it was run), then signs the owner in. Refused credentials write nothing.
   */
  async create(input: SetupInput, request: SetupRequest) {
    const access = await this.#access(input);
    const passwordHash = await this.deps.staff.hashPassword(input.owner.password);
    // No Idempotency-Key: a setup link works once by itself, and the answer carries a session.
    const ctx: MutationContext = { ...request, scope: "-", key: null, fingerprint: "-", actor: access.actor };
    const result = await this.deps.uow.run(ctx, 201, async (trx) => {
      await q.lockSetup(trx);
      // Again under the lock: of two uses at once, the second sees the first's.
      if (input.setupToken !== undefined) await this.#usableToken(trx, input.setupToken);
      const program = await this.deps.programs.insert(trx, input.program);
      const owner = await this.deps.staff.insert(trx, program.id, { ...input.owner, role: "owner" }, passwordHash);
      await q.spendSetupTokens(trx, program.id, this.deps.clock.now());
      return { program, owner };
    });
    const created = result.body as { program: { id: string } };
    const { token, session } = await this.deps.staff.signIn({
      email: input.owner.email,
      password: input.owner.password,
      programId: created.program.id,
    });
    return { sessionToken: token, body: { ...(result.body as object), session } };
  }

  async #access(input: SetupCheckInput): Promise<SetupAccess> {
    if (input.operatorKey !== undefined) {
      const principal = await this.deps.apiKeys.authenticate(input.operatorKey);
      if (!principal) {
        throw new DomainError("unauthorized", "The operator key is not valid or was revoked", { field: "operatorKey" });
      }
      if (principal.scope !== "root") {
        throw new DomainError("forbidden", "This is a programme's API key; creating a programme needs the operator key", {
          field: "operatorKey",
        });
      }
      return { via: "operator_key", expiresAt: null, actor: `key:${principal.keyId}` };
    }
    const token = await this.#usableToken(this.deps.db, input.setupToken ?? "");
    return { via: "setup_link", expiresAt: token.expires_at, actor: `setup:${token.id}` };
  }

  async #usableToken(db: Parameters<typeof q.findSetupToken>[0], secret: string) {
    const row = await q.findSetupToken(db, hashSecret(secret));
    const facts = await q.setupFacts(db);
    const why = tokenRefusal(row && { expiresAt: row.expires_at, usedAt: row.used_at }, facts.tokenUsed, this.deps.clock.now());
    if (why !== null || !row) throw refused(why ?? "unknown");
    return row;
  }

  /** The new-programme checklist, derived from the programme's data and marks. */
  async checklist(programId: string) {
    return checklistOf(await q.checklistFacts(this.deps.db, programId));
  }

  /** Marks a step no data records (the till opened, the portal link shared): not audited, a page view is no change. */
  mark(ctx: MutationContext, programId: string, item: "portal_link_shared" | "till_opened") {
    const { route: _notAudited, ...unaudited } = ctx;
    return this.deps.uow.run(unaudited, 200, async (trx) => {
      await q.insertMark(trx, programId, item, ctx.actor, this.deps.clock.now());
      return checklistOf(await q.checklistFacts(trx, programId));
    });
  }

  /** Puts the checklist away; refused (409 invalid_state) while a step is still to do. */
  dismiss(ctx: MutationContext, programId: string) {
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const checklist = checklistOf(await q.checklistFacts(trx, programId));
      if (!checklist.complete) {
        const todo = checklist.items.filter((i) => !i.done).map((i) => i.id);
        throw new DomainError("invalid_state", "The checklist can be put away once every step is done", { todo });
      }
      await q.insertMark(trx, programId, "dismissed", ctx.actor, this.deps.clock.now());
      return { ...checklist, dismissed: true };
    });
  }

  /**
   * Puts the checklist away whatever its steps (internal work, not a route): for a programme made
   * with its history already in place, such as the demo, which needs no onboarding.
   */
  async putAwayChecklist(programId: string, markedBy: string): Promise<void> {
    await q.insertMark(this.deps.db, programId, "dismissed", markedBy, this.deps.clock.now());
  }

  /** The programme's id and links, on the public URL when one is configured, else the request's origin. */
  links(programId: string, requestOrigin: string) {
    return programLinks(this.deps.publicUrl ?? requestOrigin, programId);
  }
}
