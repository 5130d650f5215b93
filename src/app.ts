import pino, { type Logger } from "pino";
import { apiKeyRoutes } from "./api-keys/api-keys.routes.ts";
import { ApiKeyService } from "./api-keys/api-keys.service.ts";
import { auditRoutes } from "./audit/audit.routes.ts";
import { AuditService } from "./audit/audit.service.ts";
import { BacktestService } from "./campaigns/backtest.service.ts";
import { campaignRoutes } from "./campaigns/campaigns.routes.ts";
import { CampaignService } from "./campaigns/campaigns.service.ts";
import type { Config } from "./config.ts";
import { type Database, openDatabase } from "./db/database.ts";
import { migrate } from "./db/migrator.ts";
import { eventRoutes } from "./events/events.routes.ts";
import { EventService } from "./events/events.service.ts";
import { createHttpApp } from "./http/app.ts";
import type { Authenticator } from "./http/auth.ts";
import type { Router } from "./http/openapi.ts";
import { UnitOfWork } from "./idempotency/idempotency.service.ts";
import { customerValueRoutes } from "./insights/customer-value.routes.ts";
import { CustomerValueService } from "./insights/customer-value.service.ts";
import { customerInsightsRoutes } from "./insights/customers.routes.ts";
import { CustomerInsightsService } from "./insights/customers.service.ts";
import { JobService } from "./jobs/jobs.service.ts";
import { ledgerRoutes } from "./ledger/ledger.routes.ts";
import { LedgerService } from "./ledger/ledger.service.ts";
import { verifyLedger } from "./ledger/ledger.verify.ts";
import { memberRoutes } from "./members/members.routes.ts";
import { type EndSignIns, MemberService } from "./members/members.service.ts";
import { paymentRoutes } from "./payments/payments.routes.ts";
import { PaymentService } from "./payments/payments.service.ts";
import { portalRoutes } from "./portal/portal.routes.ts";
import { PortalService } from "./portal/portal.service.ts";
import { programRoutes } from "./programs/programs.routes.ts";
import { ProgramService } from "./programs/programs.service.ts";
import { BuyerReports, COHORT_BUYERS, PAID_BUYERS } from "./reports/buyer-rollups.service.ts";
import { campaignResultsRoutes } from "./reports/campaign-results.routes.ts";
import { CAMPAIGN_BUCKETS, CampaignResultsService, MEMBER_SPEND } from "./reports/campaign-results.service.ts";
import { DEFERRED } from "./reports/deferred-revenue.rollup.ts";
import { deferredRevenueRoutes } from "./reports/deferred-revenue.routes.ts";
import { DeferredRevenueService } from "./reports/deferred-revenue.service.ts";
import { engagementRoutes } from "./reports/engagement.routes.ts";
import { EngagementService } from "./reports/engagement.service.ts";
import { financeRoutes } from "./reports/finance.routes.ts";
import { FinanceReportService, LOT_POINTS, PARTNER_FUNDING } from "./reports/finance.service.ts";
import { goalRoutes } from "./reports/goals.routes.ts";
import { GoalService } from "./reports/goals.service.ts";
import { MEMBER_BALANCES } from "./reports/member-balances.rollup.ts";
import { REDEMPTIONS, RedemptionRollups } from "./reports/redemption-rollups.service.ts";
import { reportRoutes } from "./reports/reports.routes.ts";
import { ReportService } from "./reports/reports.service.ts";
import { rewardReportRoutes } from "./reports/reward-report.routes.ts";
import { RewardReportService } from "./reports/reward-report.service.ts";
import { ACTIVITY, FLOWS, PURCHASES, RollupService } from "./reports/rollups.service.ts";
import { RedemptionService } from "./rewards/redemptions.service.ts";
import { rewardRoutes } from "./rewards/rewards.routes.ts";
import { RewardService, type TierLookup } from "./rewards/rewards.service.ts";
import { setupRoutes } from "./setup/setup.routes.ts";
import { SetupService } from "./setup/setup.service.ts";
import { type Clock, systemClock } from "./shared/clock.ts";
import { type IdGenerator, newId } from "./shared/ids.ts";
import { createMailer, type Mailer } from "./shared/mailer.ts";
import { ephemeralKey, type KeyedDigest, keyedDigest, loadServerKey } from "./shared/server-key.ts";
import { staffRoutes } from "./staff/staff.routes.ts";
import { StaffService } from "./staff/staff.service.ts";
import { tierRoutes } from "./tiers/tiers.routes.ts";
import { TiersService } from "./tiers/tiers.service.ts";

export interface Services {
  database: Database;
  clock: Clock;
  log: Logger;
  /** Keyed hashes under the server's secret key (shared/server-key.ts); the key itself is not kept here. */
  keyedDigest: KeyedDigest;
  apiKeys: ApiKeyService;
  audit: AuditService;
  programs: ProgramService;
  members: MemberService;
  ledger: LedgerService;
  campaigns: CampaignService;
  backtests: BacktestService;
  events: EventService;
  tiers: TiersService;
  staff: StaffService;
  rewards: RewardService;
  redemptions: RedemptionService;
  payments: PaymentService;
  mailer: Mailer;
  portal: PortalService;
  reports: ReportService;
  rollups: RollupService;
  rewardReport: RewardReportService;
  campaignResults: CampaignResultsService;
  engagement: EngagementService;
  deferredRevenue: DeferredRevenueService;
  financeReports: FinanceReportService;
  goals: GoalService;
  customerValue: CustomerValueService;
  customerInsights: CustomerInsightsService;
  setup: SetupService;
  jobs: JobService;
  verify: () => ReturnType<typeof verifyLedger>;
}

export interface AppOptions {
  config: Pick<Config, "rootKey" | "idempotencyRetentionDays" | "bodyLimitBytes" | "logLevel"> &
    Partial<Pick<Config, "smtpUrl" | "mailFrom" | "publicUrl">>;
  database: Database;
  clock?: Clock;
  ids?: IdGenerator;
  log?: Logger;
  /** Sends email (sign-in codes); by default SMTP from config.smtpUrl, else the server log. */
  mailer?: Mailer;
  /**
   * The server's secret key (shared/server-key.ts). createApp loads it from the configuration or
   * the data directory; without one, a key for this process only (codes do not outlive it).
   */
  secretKey?: string;
}

/** Wiring: every service built from config in one place, collaborators passed in. */
export function buildServices(options: AppOptions): Services {
  const { database } = options;
  const db = database.db;
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? newId;
  const log = options.log ?? pino({ level: options.config.logLevel });
  const digest = keyedDigest(options.secretKey ?? ephemeralKey());
  const audit = new AuditService({ db, clock });
  const uow = new UnitOfWork(db, clock, audit.record);
  const apiKeys = new ApiKeyService({ db, clock, ids, uow, rootKey: options.config.rootKey ?? null });
  const programs = new ProgramService({ db, clock, ids, uow, apiKeys });
  const ledger = new LedgerService({ db, clock, ids, uow, actorNames: audit.names });
  const campaigns = new CampaignService({ db, clock, ids, uow, programs, actorNames: audit.names });
  const tiers = new TiersService({ db, clock, ids, uow });
  const staff = new StaffService({ db, clock, ids, uow });
  const backtests = new BacktestService({ db, campaigns, tiers });
  // Members enrol through the earning engine's sign-up event, and events enrol unknown members
  // through MemberService: the sign-up callback is bound late, once events exists.
  // The portal is built from the member service, and ends a member's sign-ins when the member
  // service blocks them or changes their email: so that call reaches it once it exists.
  const endSignIns: EndSignIns = (trx, memberId, now) => portal.endSignIns(trx, memberId, now);
  const members: MemberService = new MemberService({
    db,
    clock,
    ids,
    uow,
    programs,
    onEnrolled: (trx, programId, memberId, now): Promise<void> => events.onEnrolled(trx, programId, memberId, now),
    endSignIns,
  });
  const events = new EventService({ db, clock, ids, uow, campaigns, ledger, tiers, members, actorNames: audit.names });
  const tierOf: TierLookup = (d, programId, memberIds, asOf) => tiers.tierAt(d, programId, memberIds, asOf);
  const rewards = new RewardService({ db, clock, ids, uow, programs, ledger, tierOf });
  const redemptions = new RedemptionService({ db, clock, ids, uow, programs, ledger, tierOf });
  const payments = new PaymentService({ db, clock, ids, uow, programs, ledger });
  const mailer = options.mailer ?? createMailer(options.config, log);
  const portal = new PortalService({
    db,
    clock,
    ids,
    uow,
    programs,
    members,
    tiers,
    rewards,
    campaigns,
    mailer,
    log,
    keyedDigest: digest,
  });
  const rollups = new RollupService({
    db,
    clock,
    definitions: [
      FLOWS,
      PURCHASES,
      ACTIVITY,
      LOT_POINTS,
      PARTNER_FUNDING,
      REDEMPTIONS,
      MEMBER_SPEND,
      CAMPAIGN_BUCKETS,
      COHORT_BUYERS,
      PAID_BUYERS,
      DEFERRED,
    ],
    snapshots: [MEMBER_BALANCES],
  });
  const redemptionRollups = new RedemptionRollups({ db, rollups });
  const buyers = new BuyerReports({ db, rollups });
  const reports = new ReportService({ db, clock, actorNames: audit.names, rollups, redemptions: redemptionRollups });
  const rewardReport = new RewardReportService({ db, clock, redemptions: redemptionRollups });
  const campaignResults = new CampaignResultsService({ db, clock, rollups });
  const engagement = new EngagementService({ db, clock, rollups, redemptions: redemptionRollups, buyers });
  const deferredRevenue = new DeferredRevenueService({ db, clock, ids, uow });
  const financeReports = new FinanceReportService({ db, clock, rollups });
  const goals = new GoalService({ db, clock, ids, uow, buyers });
  const customerValue = new CustomerValueService({ db, clock, ids, uow, programs, members, log });
  const customerInsights = new CustomerInsightsService({ db, clock, programs });
  const setup = new SetupService({ db, clock, ids, uow, apiKeys, programs, staff, publicUrl: options.config.publicUrl ?? null });
  const jobs = new JobService({
    db,
    clock,
    uow,
    ledger,
    events,
    redemptions,
    tiers,
    rollups,
    campaignResults,
    customerValue,
    log,
    idempotencyRetentionDays: options.config.idempotencyRetentionDays,
    engine: database.engine,
  });
  return {
    database,
    clock,
    log,
    keyedDigest: digest,
    apiKeys,
    audit,
    programs,
    members,
    ledger,
    campaigns,
    backtests,
    events,
    tiers,
    rewards,
    redemptions,
    payments,
    mailer,
    portal,
    reports,
    rollups,
    rewardReport,
    campaignResults,
    engagement,
    deferredRevenue,
    financeReports,
    goals,
    customerValue,
    customerInsights,
    staff,
    setup,
    jobs,
    verify: () => verifyLedger(db, clock.now(), () => rollups.verify()),
  };
}

/** Every domain's routes, in the order they are mounted and documented in /openapi.json. */
export function httpRoutes(services: Services): Router[] {
  return [
    programRoutes(services),
    apiKeyRoutes(services),
    memberRoutes(services),
    ledgerRoutes(services),
    eventRoutes(services),
    campaignRoutes(services),
    tierRoutes(services),
    rewardRoutes(services),
    paymentRoutes(services),
    staffRoutes(services),
    portalRoutes(services),
    auditRoutes(services),
    reportRoutes(services),
    rewardReportRoutes(services),
    campaignResultsRoutes(services),
    engagementRoutes(services),
    deferredRevenueRoutes(services),
    financeRoutes(services),
    goalRoutes(services),
    customerValueRoutes(services),
    customerInsightsRoutes(services),
    setupRoutes(services),
  ];
}

/** How the HTTP app recognises its callers: API keys, staff sessions and member sessions. */
export function authenticator(services: Pick<Services, "apiKeys" | "staff" | "portal">): Authenticator {
  return {
    apiKey: (secret) => services.apiKeys.authenticate(secret),
    staffSession: (token) => services.staff.session(token),
    memberSession: (token) => services.portal.session(token),
  };
}

export interface App {
  services: Services;
  http: ReturnType<typeof createHttpApp>;
  close(): Promise<void>;
}

/** Opens the database, migrates it, and builds the services and the HTTP app. */
export async function createApp(config: Config, overrides: Partial<Omit<AppOptions, "config">> = {}): Promise<App> {
  const database =
    overrides.database ??
    (await openDatabase(
      config.databaseUrl
        ? { engine: "postgres", url: config.databaseUrl, poolSize: config.databasePoolSize }
        : { engine: "pglite", dataDir: config.dataDir },
    ));
  await migrate(database.db);
  const log = overrides.log ?? pino({ level: config.logLevel });
  // A database handed in (tests, tools) with no key configured gets a key for this process only,
  // rather than a key file written into a data directory it does not use.
  const secretKey =
    overrides.secretKey ?? (overrides.database && !config.secretKey ? ephemeralKey() : loadServerKey(config, log));
  const services = buildServices({ ...overrides, config, database, log, secretKey });
  const http = createHttpApp(
    {
      routes: httpRoutes(services),
      authenticator: authenticator(services),
      database,
      log,
      keyedDigest: services.keyedDigest,
    },
    config,
  );
  return {
    services,
    http,
    close: async () => {
      await services.jobs.stop();
      await services.portal.mailSettled();
      await database.close();
    },
  };
}
