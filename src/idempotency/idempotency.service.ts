import { createHash } from "node:crypto";
import type { Insertable, Kysely, Transaction } from "kysely";
import { retryTransaction } from "../db/retry.ts";
import type { DB } from "../db/schema.ts";
import type { Clock } from "../shared/clock.ts";
import { DomainError } from "../shared/errors.ts";
import { deleteAnswersBefore, insertAudit, storeAnswer, storedAnswer } from "./idempotency.sql.ts";
import { withoutSecrets } from "./secrets.rules.ts";

/** Who is asking and under which idempotency key; built by the HTTP layer for every mutation. */
export interface MutationContext {
  /** The programme id, or "-" for operator (root) calls. */
  scope: string;
  key: string | null;
  /** A digest of method, path and body: the same key with another fingerprint is a conflict. */
  fingerprint: string;
  requestId: string;
  actor: string;
  /** The store of the till session that made the change, if it named one (the staff report counts by it). */
  storeId?: string | null;
  /** The route the change came through, for the audit log; none (internal work): not audited. */
  route?: { action: string; summary: string | null; params: Record<string, string> };
  /** Set by update services that read the row inside the transaction: the audit row's `before`. */
  audit?: { before?: unknown };
}

/** The audit row of a successful change (src/audit), or null when it is not audited. */
export type AuditRecorder = (ctx: MutationContext, body: unknown) => Insertable<DB["audit_log"]> | null;

export interface MutationResult {
  status: number;
  body: unknown;
  replayed: boolean;
}

export type ErrorBody = { error: { code: string; message: string; requestId: string; details?: unknown } };

export function errorBody(error: DomainError, requestId: string): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      requestId,
      ...(error.details === undefined ? {} : { details: error.details }),
    },
  };
}

/** A stable JSON rendering (sorted keys), so the same body always gets the same fingerprint. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function fingerprint(method: string, path: string, body: unknown): string {
  return createHash("sha256")
    .update(`${method} ${path}\n${canonical(body)}`)
    .digest("base64url");
}

/** Thrown inside a transaction to undo it: the key was stored by another request meanwhile. */
class KeyTaken extends Error {}

/**
 * Runs one mutation in one transaction. With an idempotency key, the answer is stored in the same
 * transaction as the change, at its end, so both commit or neither does: a crash cannot keep one
 * without the other. If the key turns out to be stored already (a retry, or a concurrent twin that
 * committed first: the insert waits for it), the work is rolled back and the stored answer
 * replayed. An expected refusal (a domain error) rolls the work back and is stored on its own, so
 * a retry can never change the outcome. The usual request thus costs no extra round trip for the
 * key beyond that one insert.
 */
export class UnitOfWork {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly audit: AuditRecorder | null = null,
  ) {}

  async run(
    ctx: MutationContext,
    successStatus: number,
    work: (trx: Transaction<DB>) => Promise<unknown>,
  ): Promise<MutationResult> {
    // A serialization failure or deadlock runs the whole attempt again, key insert included.
    return retryTransaction(() => this.#attempt(ctx, successStatus, work));
  }

  async #attempt(
    ctx: MutationContext,
    successStatus: number,
    work: (trx: Transaction<DB>) => Promise<unknown>,
  ): Promise<MutationResult> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const body = await work(trx);
        // Only a change that succeeded is recorded; a replay (KeyTaken below) rolls its row back.
        const audit = this.audit?.(ctx, body) ?? null;
        if (ctx.key !== null) {
          if (!(await this.#store(trx, ctx, successStatus, body, audit))) throw new KeyTaken();
        } else if (audit) {
          await insertAudit(trx, audit);
        }
        return { status: successStatus, body, replayed: false };
      });
    } catch (error) {
      if (ctx.key === null) throw error;
      if (error instanceof DomainError) {
        const body = errorBody(error, ctx.requestId);
        const stored = await this.db.transaction().execute((trx) => this.#store(trx, ctx, error.status, body));
        if (stored) return { status: error.status, body, replayed: false };
      } else if (!(error instanceof KeyTaken)) {
        throw error;
      }
      return this.#replay(ctx);
    }
  }

  /**
   * Stores the answer under the key, its secrets left out (a replay says the secret was shown
   * once); false if the key is already taken. The change's audit row, if any, goes in the same
   * statement (a data-modifying WITH): one round trip for both.
   */
  #store(
    trx: Transaction<DB>,
    ctx: MutationContext,
    status: number,
    body: unknown,
    audit: Insertable<DB["audit_log"]> | null = null,
  ): Promise<boolean> {
    const answer = {
      scope: ctx.scope,
      key: ctx.key ?? "",
      fingerprint: ctx.fingerprint,
      status,
      // The text the first answer is sent as (JSON.stringify, as Hono's c.json does), secrets left out.
      text: JSON.stringify(withoutSecrets(body)) ?? "null",
      now: this.clock.now(),
    };
    return storeAnswer(trx, answer, audit);
  }

  /** Forgets the answers stored before `before` (the retention the jobs keep): a retry after that is a new request. */
  forgetAnswersBefore(before: Date): Promise<void> {
    return deleteAnswersBefore(this.db, before);
  }

  async #replay(ctx: MutationContext): Promise<MutationResult> {
    const stored = await storedAnswer(this.db, ctx.scope, ctx.key ?? "");
    if (stored.fingerprint !== ctx.fingerprint) {
      throw new DomainError("idempotency_conflict", `Idempotency-Key ${ctx.key} was already used with a different request`);
    }
    if (stored.response_text === null) return { status: stored.status_code, body: stored.response, replayed: true };
    const body: unknown = JSON.parse(stored.response_text);
    if (body !== null && typeof body === "object") REPLAYED_TEXT.set(body, stored.response_text);
    return { status: stored.status_code, body, replayed: true };
  }
}

/**
 * The stored text of each replayed answer, by its parsed body: sent as it is, a replay is the first
 * answer byte for byte. Keyed by the body object, so a route that answers something else made
 * from it (a narrower view) sends what it made, never the stored text.
 */
const REPLAYED_TEXT = new WeakMap<object, string>();

/** The text to send for a replayed answer's body, if it is one and was stored as text. */
export function replayedText(body: unknown): string | undefined {
  return body !== null && typeof body === "object" ? REPLAYED_TEXT.get(body) : undefined;
}
