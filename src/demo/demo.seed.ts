import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { Logger } from "pino";
import { monotonicFactory } from "ulidx";
import { buildServices } from "../app.ts";
import type { Database } from "../db/database.ts";
import type { MutationContext } from "../idempotency/idempotency.service.ts";
import { CreateProgramSchema } from "../programs/programs.schemas.ts";
import { ManualClock } from "../shared/clock.ts";
import { ID_PREFIX, type IdGenerator } from "../shared/ids.ts";
import { CreateStaffSchema } from "../staff/staff.schemas.ts";
import { demoContext, ok } from "./demo.context.ts";
import { designDemo } from "./demo.design.ts";
import { DEMO_PROGRAM_NAME, DEMO_STAFF, DEMO_TIMEZONE, parseCdnow, planDemo, seededRandom } from "./demo.plan.ts";
import { simulateYear } from "./demo.simulate.ts";
import { analyzeDatabase, findAnyProgram, membersPerTier } from "./demo.sql.ts";

/**
 * Seeds the demo coffee shop into an empty database through the real services, so every point is
 * in the ledger exactly as if the year had happened: the services run on a clock of their own that
 * walks through the year, each day's purchases go in as one batch at the end of that day (so the
 * ledger dates them that day, and expiry, tiers and campaign schedules work on real time), members
 * redeem rewards when they can afford them, and the due work (expiries, tier reviews) runs every
 * week. Ids come from that clock and a seeded generator: the same day gives the same demo, and
 * two servers seeding one database at once collide on the programme's id, so only one seeds.
 */

export const DEMO_DATA_FILE = new URL("../../data/demo/cdnow-sample-300.txt", import.meta.url);

export interface DemoResult {
  programId: string;
  programName: string;
  staff: { email: string; role: string }[];
  /** Generated for this database; printed once, never logged. */
  password: string;
  counts: {
    members: number;
    /** Members' purchases. */
    purchases: number;
    /** Walk-ins' purchases, kept as guest purchases. */
    guestPurchases: number;
    redemptions: number;
    vouchersUsed: number;
    expiries: number;
    tiers: Record<string, number>;
  };
  ms: number;
}

/** Ids like the server's (prefix and ULID), with the ULID's time from `clock` and its random part seeded. */
function demoIds(clock: ManualClock, seed: number): IdGenerator {
  const ulid = monotonicFactory(seededRandom(seed));
  return (kind) => `${ID_PREFIX[kind]}_${ulid(clock.now().getTime()).toLowerCase()}`;
}

/** A password for the demo staff: 16 letters and digits in groups, easy to type from the terminal. */
function newPassword(): string {
  const alphabet = "abcdefghjkmnpqrstuvwxyz23456789";
  const bytes = randomBytes(16);
  const chars = [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}-${chars.slice(12, 16)}`;
}

export async function hasAnyProgram(database: Database): Promise<boolean> {
  const row = await findAnyProgram(database.db);
  return row !== undefined;
}

/**
 * Creates the demo programme unless the database has any programme at all (then returns null and
 * touches nothing). `now` is the end of the demo year (default: the real time).
 */
export async function seedDemo(
  database: Database,
  options: {
    log: Logger;
    now?: Date;
    /**
     * Called as soon as the staff can sign in, before the year of history is written: if the
     * seed is then interrupted, the partial demo can still be opened with the password shown.
     */
    onStaff?: (access: Pick<DemoResult, "programId" | "programName" | "staff" | "password">) => void;
  },
): Promise<DemoResult | null> {
  if (await hasAnyProgram(database)) return null;
  options.log.info(`No programme yet: creating the demo programme "${DEMO_PROGRAM_NAME}" (STAMPBOOK_DEMO=0 turns this off)`);
  const started = performance.now();
  const now = options.now ?? new Date();
  const plan = planDemo(parseCdnow(await readFile(DEMO_DATA_FILE, "utf8")), now);
  const clock = new ManualClock(plan.start);
  const services = buildServices({
    config: { rootKey: undefined, idempotencyRetentionDays: 30, bodyLimitBytes: 1_048_576, logLevel: "silent" },
    database,
    clock,
    ids: demoIds(clock, 7),
    log: options.log,
  });

  let programId: string;
  try {
    const created = ok<{ program: { id: string } }>(
      await services.programs.create(
        demoContext("program"),
        CreateProgramSchema.parse({
          name: DEMO_PROGRAM_NAME,
          currency: "USD",
          timezone: DEMO_TIMEZONE,
          country: "US",
          // Walk-ins' purchases are kept as guest purchases, claimable by a receipt.
          unknownMemberPolicy: "guest",
          pointsExpiry: { policy: "fixed_period", months: 6, roundTo: "month_end" },
        }),
      ),
      "programme",
    );
    programId = created.program.id;
  } catch (error) {
    // Another server seeding the same empty database got there first (the same programme id).
    if ((error as { code?: string }).code === "23505" || (await hasAnyProgram(database))) return null;
    throw error;
  }
  const c = (label: string): MutationContext => ({ ...demoContext(label), scope: programId });
  const password = newPassword();
  for (const s of DEMO_STAFF) {
    ok(await services.staff.create(c("staff"), programId, CreateStaffSchema.parse({ ...s, password })), `staff ${s.email}`);
  }
  // A showcase with a year of history needs no onboarding: its overview opens on the figures.
  await services.setup.putAwayChecklist(programId, "demo");
  const staff = DEMO_STAFF.map((s) => ({ email: s.email, role: s.role }));
  options.onStaff?.({ programId, programName: DEMO_PROGRAM_NAME, staff, password });
  await designDemo(services, programId, c, now);
  const counts = await simulateYear(services, programId, plan, clock, c, now);
  clock.set(now);
  // The reports' rollups, as the jobs would keep them over the year (the jobs' ticks then find nothing to do).
  await services.rollups.catchUp(now, programId);
  await analyzeDatabase(database.db);
  const tiers = await membersPerTier(database.db, programId);
  return {
    programId,
    programName: DEMO_PROGRAM_NAME,
    staff,
    password,
    counts: { ...counts, tiers: Object.fromEntries(tiers.rows.map((r) => [r.name, Number(r.n)])) },
    ms: Math.round(performance.now() - started),
  };
}
