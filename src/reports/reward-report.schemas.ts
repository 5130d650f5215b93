import { z } from "@hono/zod-openapi";
import { DaySchema } from "../shared/schemas.ts";

// The report's thresholds: the rules (reward-report.rules.ts) judge by them, the descriptions below state them.

/** A member is within reach of a reward holding at least this percentage of its cost ("within 20% of the cost"). */
export const REACH_PERCENT = 80;
/** Popular: at least this many redemptions in the window ... */
export const POPULAR_MIN_REDEMPTIONS = 3;
/** ... and at least this many times the median reward's (any number when the median is 0). */
export const POPULAR_MEDIAN_MULTIPLE = 2;
/** Underused: at most this share of the median's redemptions (so none at all when the median is 0) ... */
export const UNDERUSED_MEDIAN_SHARE = 0.25;
/** ... while at least this many members could afford it ... */
export const UNDERUSED_MIN_MEMBERS = 10;
/** ... having been on offer at least this many days of the window (a new reward is not judged yet). */
export const UNDERUSED_MIN_DAYS = 14;
/** Stock up: the stock left lasts fewer days than this at the window's rate. */
export const STOCK_UP_DAYS = 14;

const date = DaySchema;

export const RewardReportQuerySchema = z.object({
  from: date.optional().openapi({ description: "First day (YYYY-MM-DD, programme time); default 89 days before `to`" }),
  to: date.optional().openapi({ description: "Last day, inclusive (YYYY-MM-DD, programme time); default today" }),
});

export const RewardDetailQuerySchema = RewardReportQuerySchema.extend({
  interval: z
    .enum(["day", "week", "month"])
    .optional()
    .openapi({ description: "Series period; default day up to 31 days, week up to 183, else month. Weeks start on Monday" }),
});

/** The compared rewards, in words, for the descriptions that use them. */
const COMPARED =
  "the rewards on offer some day of the window and either active now or redeemed in it (an inactive or archived reward nobody redeemed is taken as not offered: when it was switched off is not recorded)";

export const POPULAR_RULE = `Popular: at least ${POPULAR_MIN_REDEMPTIONS} redemptions in the window and at least ${POPULAR_MEDIAN_MULTIPLE}x the median (any number when the median is 0), among ${COMPARED}`;
export const UNDERUSED_RULE = `Underused: redeemable now (active, inside its dates, in stock), on offer at least ${UNDERUSED_MIN_DAYS} days of the window, at most ${UNDERUSED_MEDIAN_SHARE * 100}% of the median's redemptions (none at all when the median is 0), while at least ${UNDERUSED_MIN_MEMBERS} members who have not redeemed it could afford it now`;

const RewardActivitySchema = z.object({
  redemptions: z.int().describe("Redemptions completed in the window and not cancelled since"),
  units: z.int().describe("Units those redemptions took (a redemption may take several)"),
  members: z.int().describe("Distinct members who made them"),
  pointsSpent: z.int().describe("Points those redemptions spent"),
});

const RewardVouchersSchema = z.object({
  vouchersIssued: z
    .int()
    .describe(
      "Vouchers issued in the window (those of a redemption cancelled since excepted; a reward without codes issues none). The next three split them by what became of them as of now, and add up to this",
    ),
  vouchersUsed: z.int().describe("Of them, used at checkout"),
  vouchersExpiredUnused: z
    .int()
    .describe("Of them, expired without being used: the points stay spent, but the reward's cost was never incurred"),
  vouchersOpen: z.int().describe("Of them, neither used nor expired: still good"),
});

export const RewardFiguresSchema = z
  .object({
    rewardId: z.string(),
    name: z.string(),
    status: z.enum(["active", "inactive", "archived"]).describe("The reward's status now"),
    costPoints: z.int().describe("Its cost now"),
    availability: z
      .enum(["available", "out_of_stock", "inactive", "archived", "not_yet_available", "ended"])
      .describe(
        "Whether it can be redeemed now, and if not the first reason: its status, its availability dates, then its stock",
      ),
    daysOffered: z
      .int()
      .describe(
        "Days of the window (programme days; a part day counts whole) on which the reward existed and was inside its availability dates, up to today: the days its rate is measured over. Being inactive for a while is not recorded, so it does not shorten this",
      ),
    ...RewardActivitySchema.shape,
    ...RewardVouchersSchema.shape,
    stockLeft: z
      .int()
      .nullable()
      .describe(
        "Units it can still hand out now: its stock left and, for a pool of codes, the codes not yet assigned (the lower), with what lapsed reservations still hold; null: unlimited",
      ),
    unitsPerDay: z
      .number()
      .nullable()
      .describe("The window's rate: units redeemed / daysOffered (two decimals); null when it was not on offer in the window"),
    daysOfStock: z
      .number()
      .nullable()
      .describe(
        "stockLeft / unitsPerDay (one decimal): how many days the stock lasts at the window's rate; null when the stock is unlimited or nothing was redeemed to measure a rate by",
      ),
    stockUp: z
      .boolean()
      .describe(`The "stock up" signal: the stock left lasts fewer than ${STOCK_UP_DAYS} days at the window's rate`),
    withinReachFrom: z
      .int()
      .describe(
        `The fewest points counted as within reach: ${REACH_PERCENT}% of the cost, rounded up (within ${100 - REACH_PERCENT}% of the cost)`,
      ),
    membersWithinReach: z
      .int()
      .nullable()
      .describe(
        "Members holding at least withinReachFrom available points now (the remaining of their available lots not expired; points on hold excepted, unless the hold has timed out) who have not redeemed this reward in the window, and whom nothing but points stops: active (not blocked), in its minimum tier or above, in one of its segments if it names any. Includes membersCanAfford. Null when the reward cannot be redeemed now (inactive, archived, not yet or no longer available); counted when out of stock",
      ),
    membersCanAfford: z
      .int()
      .nullable()
      .describe("Of membersWithinReach, those holding its whole cost now: they could redeem it today"),
  })
  .openapi("RewardFigures");

const JudgedSchema = z.object({
  rewardId: z.string(),
  name: z.string(),
  redemptions: z.int().describe("Redemptions in the window"),
  membersCanAfford: z.int().nullable().describe("Members who could afford it now and have not redeemed it in the window"),
  reason: z.string().describe("Why, in one line of plain words"),
});

export const RewardReportSchema = z
  .object({
    from: date,
    to: date,
    timezone: z.string().describe("The programme's time zone, in which days are counted"),
    median: z.number().describe(`The median redemptions in the window of ${COMPARED}`),
    rewards: z
      .array(RewardFiguresSchema)
      .describe(
        "Every reward created by the window's end, less archived ones nobody redeemed in it; most redeemed first, then by name",
      ),
    popular: z.array(JudgedSchema).describe(`${POPULAR_RULE}. Most redeemed first; the reason says when its stock runs low`),
    underused: z.array(JudgedSchema).describe(`${UNDERUSED_RULE}. The most members who could afford it first`),
  })
  .openapi("RewardReport");

export const RewardDetailSchema = z
  .object({
    from: date,
    to: date,
    interval: z.enum(["day", "week", "month"]),
    timezone: z.string().describe("The programme's time zone, in which days are counted"),
    median: z.number().describe(`The median redemptions in the window of ${COMPARED}`),
    reward: RewardFiguresSchema,
    popular: z.string().nullable().describe(`Why it is popular; null if it is not. ${POPULAR_RULE}`),
    underused: z.string().nullable().describe(`Why it is underused; null if it is not. ${UNDERUSED_RULE}`),
    series: z
      .array(
        RewardActivitySchema.extend({
          period: date.describe("First day of the period (the first one is `from`)"),
          vouchersUsed: z.int().describe("Its vouchers used at checkout in the period, whenever issued"),
        }),
      )
      .describe("Per period: members count distinct within each period, so they need not add up to the window's"),
  })
  .openapi("RewardDetail");

export type RewardReportQuery = z.infer<typeof RewardReportQuerySchema>;
export type RewardDetailQuery = z.infer<typeof RewardDetailQuerySchema>;
export type RewardReport = z.infer<typeof RewardReportSchema>;
export type RewardDetail = z.infer<typeof RewardDetailSchema>;
