import type { Kysely, Transaction } from "kysely";
import type { ApiKeyRow, ApiKeyScope, DB } from "../db/schema.ts";
import type { MutationContext, UnitOfWork } from "../idempotency/idempotency.service.ts";
import type { Clock } from "../shared/clock.ts";
import { notFound } from "../shared/errors.ts";
import type { IdGenerator } from "../shared/ids.ts";
import type { Principal } from "../shared/principal.ts";
import { displayPrefix, generateSecret, hashSecret, secretsEqual } from "./api-keys.rules.ts";
import type { CreateApiKeyInput } from "./api-keys.schemas.ts";
import * as q from "./api-keys.sql.ts";

/**
 * How long a process trusts a key it has looked up. A revocation takes effect at once on the
 * process that made it and within this time on other processes sharing the database.
 */
export const KEY_CACHE_MS = 10_000;
const KEY_CACHE_MAX = 10_000;

const toApiKey = (row: ApiKeyRow) => ({
  id: row.id,
  name: row.name,
  scope: row.scope as Exclude<ApiKeyScope, "root">,
  prefix: row.prefix,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

export class ApiKeyService {
  readonly #cache = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly deps: { db: Kysely<DB>; clock: Clock; ids: IdGenerator; uow: UnitOfWork; rootKey: string | null },
  ) {}

  /** Who a bearer secret belongs to, or null. Revoked keys authenticate no one. */
  async authenticate(secret: string): Promise<Principal | null> {
    if (this.deps.rootKey !== null && secretsEqual(secret, this.deps.rootKey)) {
      return { keyId: "root:env", scope: "root", programId: null };
    }
    const hash = hashSecret(secret);
    const now = Date.now();
    const cached = this.#cache.get(hash);
    if (cached && cached.until > now) return cached.principal;
    const row = await q.findLiveKey(this.deps.db, hash);
    if (!row) {
      this.#cache.delete(hash);
      return null;
    }
    const principal: Principal = { keyId: row.id, scope: row.scope, programId: row.program_id };
    if (this.#cache.size >= KEY_CACHE_MAX) this.#cache.clear();
    this.#cache.set(hash, { principal, until: now + KEY_CACHE_MS });
    return principal;
  }

  /**
   * On first start with no STAMPBOOK_ROOT_KEY, makes an operator key and returns its secret
   * (to print once); only the hash is kept. Returns null when a root key already exists.
   */
  async ensureRootKey(): Promise<string | null> {
    if (this.deps.rootKey !== null) return null;
    return this.deps.db.transaction().execute(async (trx) => {
      // Two servers starting at once must not both make a key: the first holds this lock.
      await q.lockRootKey(trx);
      if (await q.hasLiveRootKey(trx)) return null;
      const secret = generateSecret("root");
      await q.insertKey(trx, {
        id: this.deps.ids("apiKey"),
        program_id: null,
        name: "Operator key",
        scope: "root",
        prefix: displayPrefix(secret),
        secret_hash: hashSecret(secret),
        created_at: this.deps.clock.now(),
      });
      return secret;
    });
  }

  async insert(trx: Transaction<DB>, programId: string, input: CreateApiKeyInput) {
    const secret = generateSecret(input.scope);
    const row = await q.insertKey(trx, {
      id: this.deps.ids("apiKey"),
      program_id: programId,
      name: input.name,
      scope: input.scope,
      prefix: displayPrefix(secret),
      secret_hash: hashSecret(secret),
      created_at: this.deps.clock.now(),
    });
    return { ...toApiKey(row), secret };
  }

  create(ctx: MutationContext, programId: string, input: CreateApiKeyInput) {
    return this.deps.uow.run(ctx, 201, (trx) => this.insert(trx, programId, input));
  }

  async list(programId: string) {
    const rows = await q.listKeys(this.deps.db, programId);
    return rows.map(toApiKey);
  }

  revoke(ctx: MutationContext, programId: string, keyId: string) {
    return this.deps.uow.run(ctx, 200, async (trx) => {
      const current = await q.lockKey(trx, programId, keyId);
      if (current) ctx.audit = { before: toApiKey(current) };
      const row = await q.revokeKey(trx, programId, keyId, this.deps.clock.now());
      if (!row) throw notFound("API key", keyId);
      for (const [hash, entry] of this.#cache) if (entry.principal.keyId === keyId) this.#cache.delete(hash);
      return toApiKey(row);
    });
  }
}
