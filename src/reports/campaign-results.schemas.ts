import { z } from "@hono/zod-openapi";
import { DaySchema } from "../shared/schemas.ts";

const date = DaySchema;

export const CampaignResultsQuerySchema = z.object({
  from: date
    .optional()
    .openapi({ description: "First day (YYYY-MM-DD, programme time); with `to`, every campaign is read over this window" }),
  to: date.optional().openapi({
    description:
      "Last day, inclusive (YYYY-MM-DD, programme time). Without from and to: each campaign over its own dates (its start, or the day it was made, to its end or today, whichever is first)",
  }),
});

const money = z.int();
const interval = z
  .array(z.number())
  .length(2)
  .nullable()
  .describe("95% interval [low, high]; null when it cannot be computed (an empty group, no variation)");

const GroupSchema = z.object({
  members: z
    .int()
    .describe(
      "Members of the group: the campaign's audience (members enrolled before the window's end who meet its audience conditions as they stand now; every member when it has none), split by the campaign's deterministic holdout draw. Every audience member counts whether or not they had an event",
    ),
  buyers: z.int().describe("Members of the group with at least one purchase in the window (not rejected, not returned in full)"),
  conversion: z.number().nullable().describe("buyers / members (0..1); null for an empty group"),
  purchases: z.int().describe("Purchases the group made in the window, by when they happened"),
  purchasesPerMember: z.number().nullable().describe("purchases / members, zeros included; null for an empty group"),
  spend: money.describe("What the group spent in the window, net of returns, in minor units"),
  spendPerMember: money
    .nullable()
    .describe("spend / members, zeros included, in minor units rounded half away from zero; null for an empty group"),
});

const ConversionTestSchema = z
  .object({
    difference: z.number().describe("Treated conversion minus holdout conversion (0.05 = 5 percentage points)"),
    differenceCi: interval.describe("95% interval of the difference (Wald, each group's own rate)"),
    lift: z.number().nullable().describe("Relative lift: treated / holdout conversion - 1; null when no held-out member bought"),
    liftCi: interval.describe("95% interval of the relative lift (delta method)"),
    z: z.number().describe("Two-proportion z statistic, with the pooled rate under 'no difference'"),
    pValue: z.number().describe("Two-sided p-value of the z-test"),
  })
  .describe("Two-proportion z-test of conversion, treated vs holdout; null when a group is empty or the pooled rate is 0 or 1");

const SpendTestSchema = z
  .object({
    difference: z.number().describe("Treated minus holdout spend per member, in minor units (unrounded)"),
    differenceCi: interval.describe("95% interval of the difference by Welch's t (minor units)"),
    lift: z
      .number()
      .nullable()
      .describe("Relative lift: treated / holdout spend per member - 1; null when held-out members spent nothing"),
    liftCi: interval.describe("95% interval of the relative lift (delta method)"),
    t: z.number().describe("Welch's t statistic"),
    df: z.number().describe("Welch-Satterthwaite degrees of freedom"),
    pValue: z.number().describe("Two-sided p-value of Welch's t-test"),
  })
  .describe(
    "Welch's t-test of spend per member (zeros included), treated vs holdout; null with fewer than two members in a group or no variation",
  );

const BootstrapSchema = z
  .object({
    resamples: z.int().describe("Resamples drawn: 2,000, fewer when members x 2,000 would pass 20 million draws (at least 200)"),
    seed: z
      .int()
      .describe("Seed of the Mersenne Twister (MT19937) that draws them: the same data always gives the same interval"),
    differenceCi: interval.describe("Percentile interval of the difference in mean spend per member (minor units)"),
    liftCi: interval.describe("Percentile interval of the relative lift; null when a resample's holdout spent nothing"),
    incrementalRevenueCi: interval.describe("differenceCi x treated members, minor units rounded half away from zero"),
  })
  .describe(
    "Bootstrap of spend per member, which is heavy-tailed (most members spend nothing, a few a lot): each group resampled with replacement at its own size",
  );

export const CampaignResultSchema = z
  .object({
    campaignId: z.string().describe("The campaign's id"),
    name: z.string().describe("Its name"),
    status: z.enum(["draft", "active", "paused", "ended"]).describe("Its status now"),
    holdoutPercent: z.int().describe("Share of the audience held out (0: no holdout, no lift)"),
    from: date.describe("First day of the window read (programme time)"),
    to: date.describe("Last day of the window, inclusive"),
    treated: GroupSchema.describe("Audience members not held out: the campaign's rules could award them"),
    holdout: GroupSchema.describe("Audience members held out: the campaign's rules never award them (the control group)"),
    membersAwarded: z.int().describe("Members the campaign's rules awarded points for an event in the window"),
    membersHeldOutTriggered: z
      .int()
      .describe(
        "Held-out members who had an event a rule of the campaign matched in the window (recorded as a holdout): who would have been awarded",
      ),
    pointsAwarded: z.int().describe("Points the campaign's rules awarded for events in the window"),
    pointsReturned: z.int().describe("Of those campaigns' points, taken back by returns that happened in the window"),
    points: z.int().describe("pointsAwarded - pointsReturned"),
    pointsCost: money.describe("points x the programme's point value, in minor units rounded half away from zero"),
    conversion: ConversionTestSchema.nullable(),
    spendPerMember: SpendTestSchema.nullable(),
    incrementalRevenue: money
      .nullable()
      .describe(
        "What the treated group spent beyond what it would have at the holdout's rate: (treated - holdout spend per member) x treated members, minor units rounded half away from zero; null without a holdout",
      ),
    incrementalRevenueCi: interval.describe("spendPerMember.differenceCi x treated members (Welch), minor units"),
    costPerIncrementalRevenue: z
      .number()
      .nullable()
      .describe(
        "pointsCost / incrementalRevenue: 0.25 = 25 cents of points per incremental dollar; null unless incremental revenue is positive",
      ),
    beforeAfter: z
      .object({
        beforeFrom: date.describe("First day of the window just before, as long as the window read"),
        beforeTo: date.describe("Its last day (the day before `from`)"),
        members: z.int().describe("Treated members enrolled before beforeFrom (there for both windows)"),
        spendPerMemberBefore: money.nullable().describe("Their spend per member in the window before, minor units"),
        spendPerMemberDuring: money.nullable().describe("Their spend per member in the window read, minor units"),
        change: z.number().nullable().describe("during / before - 1; null when they spent nothing before"),
      })
      .describe(
        "Treated members' spend before vs during: descriptive only (seasons, trends and who enrolled move it too); what a campaign without a holdout can show",
      ),
    verdict: z
      .enum(["lift", "drop", "not_significant", "too_small", "no_holdout"])
      .describe(
        "no_holdout: nothing to compare with. too_small: fewer than 30 members in a group, or fewer than 5 buyers or non-buyers expected in a group at the pooled rate. lift / drop: spend per member differs (Welch p < 0.05 and its interval does not span 0; the same in the list and for one campaign, whose reason adds a caution when the bootstrap interval spans 0). not_significant: otherwise",
      ),
    reason: z.string().describe("The verdict in one sentence"),
  })
  .openapi("CampaignResult");

const header = {
  timezone: z.string().describe("The programme's time zone, in which days are counted"),
  currency: z.string().describe("The programme's currency (money is in its minor units)"),
  pointValue: z.number().describe("What one point costs the programme, in minor units (may be fractional)"),
};

export const CampaignResultsSchema = z
  .object({
    from: date.nullable().describe("The window asked for; null: each campaign over its own dates"),
    to: date.nullable().describe("Its last day, inclusive; null with from"),
    ...header,
    campaigns: z.array(CampaignResultSchema).describe("One row per campaign, oldest first"),
  })
  .openapi("CampaignResults");

export const CampaignResultDetailSchema = z
  .object({
    ...header,
    campaign: CampaignResultSchema,
    bootstrap: BootstrapSchema.nullable().describe("Null without a holdout or with an empty group"),
  })
  .openapi("CampaignResultDetail");

export type CampaignResultsQuery = z.infer<typeof CampaignResultsQuerySchema>;
export type CampaignResult = z.infer<typeof CampaignResultSchema>;
export type CampaignResults = z.infer<typeof CampaignResultsSchema>;
export type CampaignResultDetail = z.infer<typeof CampaignResultDetailSchema>;
