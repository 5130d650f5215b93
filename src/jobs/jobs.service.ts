import { hostname } from "node:os";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { DB } from "../db/schema.ts";
import type { EventService } from "../events/events.service.ts";
import type { UnitOfWork } from "../idempotency/idempotency.service.ts";
import type { CustomerValueService } from "../insights/customer-value.service.ts";
import type { LedgerService } from "../ledger/ledger.service.ts";
import type { CampaignResultsService } from "../reports/campaign-results.service.ts";
import type { RollupService } from "../reports/rollups.service.ts";
import type { RedemptionService } from "../rewards/redemptions.service.ts";
import type { Clock } from "../shared/clock.ts";
import { DomainError } from "../shared/errors.ts";
import type { TiersService } from "../tiers/tiers.service.ts";
import { analyzeTables, claimLease } from "./jobs.sql.ts";

const BATCH = 200;
const LEASE = "ledger-due-work";
/** How often the jobs gather the embedded database's planner statistics. */
const STATISTICS_EVERY_MS = 24 * 60 * 60 * 1000;

export interface JobsResult {
  asOf: Date;
  members: number;
  activations: number;
  expiries: number;
  holdTimeouts: number;
  birthdays: number;
  reservationsExpired: number;
  /** Tier reviews and ends of grace applied (retained, grace, downgraded). */
  tierReviews: number;
}

/**
 * Due work: pending lots become available, expired lots go to breakage, holds time out, birthday
 * events are sent. Each
 * member is settled under its own row lock and settling is a no-op once done, so running the
 * jobs twice, or from two processes at once, can never post anything twice.
 */
export class JobService {
  readonly #owner = `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 8)}`;
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<unknown> | null = null;

  constructor(
    private readonly deps: {
      db: Kysely<DB>;
      clock: Clock;
      uow: Pick<UnitOfWork, "forgetAnswersBefore">;
      ledger: LedgerService;
      events: Pick<EventService, "emitBirthdays">;
      redemptions: Pick<RedemptionService, "expireReservations">;
      tiers: Pick<TiersService, "applyDueReviews">;
      /** The reports' rollups, kept after the due work (whose postings they count). */
      rollups?: Pick<RollupService, "tick">;
      /** Campaign results of closed windows, kept after the rollups (src/reports/campaign-results.service.ts). */
      campaignResults?: Pick<CampaignResultsService, "keep">;
      /** Customer-value fits: the nightly refits queued, then every queued fit run (src/insights/). */
      customerValue?: Pick<CustomerValueService, "tick">;
      log: Logger;
      idempotencyRetentionDays: number;
      /** The embedded engine has no autovacuum: the jobs gather its planner statistics daily. */
      engine?: "pglite" | "postgres";
    },
  ) {}

  #analyzedAt: number | null = null;

  /**
   * On the embedded database, gathers the planner's statistics when they are a day old or were
   * never gathered by this process (PostgreSQL's autovacuum does this on its own). True if it ran.
   */
  async refreshStatistics(now: Date): Promise<boolean> {
    if (this.deps.engine !== "pglite") return false;
    if (this.#analyzedAt !== null && now.getTime() - this.#analyzedAt < STATISTICS_EVERY_MS) return false;
    await analyzeTables(this.deps.db);
    this.#analyzedAt = now.getTime();
    return true;
  }

  async run(asOf: Date, programId?: string): Promise<JobsResult> {
    const now = this.deps.clock.now();
    if (asOf > now) {
      throw new DomainError("validation_error", "asOf cannot be in the future: due work happens when it falls due", {
        field: "asOf",
        now: now.toISOString(),
      });
    }
    const result: JobsResult = {
      asOf,
      members: 0,
      activations: 0,
      expiries: 0,
      holdTimeouts: 0,
      birthdays: 0,
      reservationsExpired: 0,
      tierReviews: 0,
    };
    // Reservations first: releasing one settles its member, hold time-out included.
    result.reservationsExpired = await this.deps.redemptions.expireReservations(asOf, programId);
    for (;;) {
      const due = await this.deps.ledger.membersWithDueWork(asOf, BATCH, programId);
      if (due.length === 0) break;
      let posted = 0;
      for (const { programId: pid, memberId } of due) {
        const counts = await this.deps.ledger.settleMember(pid, memberId, asOf);
        posted += counts.activation + counts.expiry + counts.void;
        result.members += 1;
        result.activations += counts.activation;
        result.expiries += counts.expiry;
        result.holdTimeouts += counts.void;
      }
      // Another process settled these members first; what it did is not ours to count twice.
      if (posted === 0) break;
    }
    result.tierReviews = await this.deps.tiers.applyDueReviews(asOf, programId);
    result.birthdays = await this.deps.events.emitBirthdays(asOf, programId);
    if (!programId) await this.#pruneIdempotencyKeys(now);
    return result;
  }

  async #pruneIdempotencyKeys(now: Date): Promise<void> {
    const before = new Date(now.getTime() - this.deps.idempotencyRetentionDays * 86_400_000);
    await this.deps.uow.forgetAnswersBefore(before);
  }

  /** Claims the scheduled job for this process until `until`; true if this process may run it now. */
  async claimLease(now: Date, until: Date): Promise<boolean> {
    return claimLease(this.deps.db, LEASE, this.#owner, until, now);
  }

  /** Runs the due work every `intervalMs` on whichever process holds the lease. */
  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.#timer) return;
    const tick = async () => {
      const now = this.deps.clock.now();
      try {
        if (!(await this.claimLease(now, new Date(now.getTime() + intervalMs * 2)))) return;
        const result = await this.run(now);
        if (result.members > 0 || result.birthdays > 0 || result.reservationsExpired > 0 || result.tierReviews > 0)
          this.deps.log.info({ jobs: result }, "due work done");
        const rolled = await this.deps.rollups?.tick(now);
        if (rolled && rolled.days > 0) this.deps.log.debug({ rollups: rolled }, "report rollups kept");
        const kept = await this.deps.campaignResults?.keep(now);
        if (kept && kept.computed > 0) this.deps.log.debug({ campaignResults: kept }, "campaign results kept");
        const fits = await this.deps.customerValue?.tick(now);
        if (fits && fits.succeeded + fits.failed > 0) this.deps.log.info({ customerValue: fits }, "customer-value fits run");
        if (await this.refreshStatistics(now)) this.deps.log.debug("planner statistics gathered (embedded database)");
      } catch (err) {
        this.deps.log.error({ err }, "scheduled jobs failed; will retry next interval");
      }
    };
    this.#timer = setInterval(() => {
      if (!this.#running) this.#running = tick().finally(() => (this.#running = null));
    }, intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }
}
