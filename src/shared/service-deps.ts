import type { Kysely } from "kysely";
import type { DB } from "../db/schema.ts";
import type { UnitOfWork } from "../idempotency/idempotency.service.ts";
import type { Clock } from "./clock.ts";
import type { IdGenerator } from "./ids.ts";

/** What every service that writes gets from app.ts: the database, the clock, ids and the unit of work. */
export interface ServiceDeps {
  db: Kysely<DB>;
  clock: Clock;
  ids: IdGenerator;
  uow: UnitOfWork;
}
