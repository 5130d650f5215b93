import { PGlite } from "@electric-sql/pglite";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { parseInt8 } from "../shared/points.ts";
import { lockDataDir } from "./data-dir-lock.ts";
import { PGliteDialect } from "./pglite-dialect.ts";
import type { DB } from "./schema.ts";

export type Engine = "pglite" | "postgres";

export interface Database {
  db: Kysely<DB>;
  engine: Engine;
  close(): Promise<void>;
  /** PGlite only: the whole data directory as a tarball (to seed test databases). */
  dumpDataDir?: () => Promise<Blob>;
}

export type DatabaseOptions =
  | { engine: "postgres"; url: string; poolSize?: number }
  | { engine: "pglite"; dataDir?: string /** start from a dumped data directory (tests) */; loadDataDir?: Blob };

const INT8 = 20;
const DATE = 1082;
const keepDateAsText = (value: string) => value;

/** Opens the configured engine behind one Kysely instance: same SQL, same migrations. */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.engine === "postgres") {
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      // No JIT: it compiles a query when its estimated cost is high, which the reports' range
      // queries often are on paper, and took 0.8 s of a 1.2 s report statement at 1M purchases
      // (bench/README.md), far more than it ever saved on this workload of short statements.
      options: "-c jit=off",
      types: {
        getTypeParser: (oid: number, format?: "text" | "binary") => {
          if (oid === INT8) return parseInt8;
          if (oid === DATE) return keepDateAsText;
          return pg.types.getTypeParser(oid, format);
        },
      },
    });
    // An idle client losing its server must not crash the process; the next query reconnects.
    pool.on("error", () => {});
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: "postgres", close: () => db.destroy() };
  }
  const unlock = options.dataDir ? lockDataDir(options.dataDir) : () => {};
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(options.dataDir ?? "memory://", {
      parsers: { [INT8]: parseInt8, [DATE]: keepDateAsText },
      ...(options.loadDataDir && { loadDataDir: options.loadDataDir }),
    });
  } catch (error) {
    unlock();
    throw error;
  }
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  return {
    db,
    engine: "pglite",
    close: async () => {
      await db.destroy();
      unlock();
    },
    dumpDataDir: async () => (await pglite.dumpDataDir("none")) as Blob,
  };
}

/** Answers once the database answers a query; throws if it cannot be reached (/readyz). */
export async function pingDatabase(db: Kysely<DB>): Promise<void> {
  await sql`select 1`.execute(db);
}
