import { type RawBuilder, sql, type Transaction } from "kysely";
import type { DB } from "./schema.ts";

/** Rows as a JSON array, for a part that reads them back with `jsonb_to_recordset`. */
export const jsonRows = (items: unknown[]): string => JSON.stringify(items);

/** A part's name: a CTE name, lower case (other parts and the final select refer to it). */
const PART_NAME = /^[a-z][a-z0-9_]*$/;

/**
 * One write statement that several domains contribute to: each adds named CTE parts (data-
 * modifying `insert ... / update ...`) through its own service, the SQL of each part staying in
 * its domain's `*.sql.ts`, and the batch runs them as one `with ... select`. PostgreSQL checks
 * the foreign keys between the parts at the end of the statement, so an event, its awards, its
 * ledger transaction and its member's tier go in in one round trip instead of seven.
 *
 * A part added with `counted` returns rows, and the statement answers how many: a caller that
 * expects each of those rows exactly once (an event inserted under its id) sees when a
 * concurrent twin committed first. Parts may refer only to parts added before them.
 */
export class WriteBatch {
  readonly #parts: { name: string; body: RawBuilder<unknown> }[] = [];
  readonly #counted: string[] = [];

  add(name: string, body: RawBuilder<unknown>, options: { counted?: boolean } = {}): void {
    if (!PART_NAME.test(name)) throw new Error(`write part name "${name}" is not a plain identifier`);
    if (this.has(name)) throw new Error(`write part "${name}" was added twice`);
    this.#parts.push({ name, body });
    if (options.counted) this.#counted.push(name);
  }

  has(name: string): boolean {
    return this.#parts.some((p) => p.name === name);
  }

  get size(): number {
    return this.#parts.length;
  }

  /**
   * Runs every part as one statement and answers the rows each counted part returned, by name.
   * An empty batch runs nothing.
   */
  async run(trx: Transaction<DB>): Promise<Map<string, number>> {
    if (this.#parts.length === 0) return new Map();
    // Names are checked plain identifiers (PART_NAME), so they go in as written.
    const parts = this.#parts.map((p) => sql`${sql.raw(p.name)} as (${p.body})`);
    const select =
      this.#counted.length === 0
        ? sql`1 as value`
        : sql.join(this.#counted.map((name) => sql`(select count(*)::bigint from ${sql.raw(name)}) as ${sql.raw(name)}`));
    const result = await sql<Record<string, number | string>>`with ${sql.join(parts)} select ${select}`.execute(trx);
    const row = result.rows[0] ?? {};
    return new Map(this.#counted.map((name) => [name, Number(row[name] ?? 0)]));
  }
}
