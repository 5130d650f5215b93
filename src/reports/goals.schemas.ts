import { z } from "@hono/zod-openapi";
import { labelled } from "../shared/field-words.ts";
import { DaySchema } from "../shared/schemas.ts";
import { OverviewQuerySchema } from "./reports.schemas.ts";

/**
 * Programme goals: what the owner wants the programme to raise, to what and by when; and the
 * goals report, which measures each goal over a date range against its target. The measures are
 * defined once, here, in the words the OpenAPI document gives them.
 */

export const GOAL_KINDS = [
  "retention",
  "purchase_frequency",
  "average_order_value",
  "member_revenue_share",
  "data_capture",
] as const;
export const CAPTURE_FIELDS = ["contact", "marketing_consent", "birth_date"] as const;

const kind = z
  .enum(GOAL_KINDS)
  .describe(
    "retention: share of members who purchased in the previous period that purchased again in this one (0..1). " +
      "purchase_frequency: purchases per active member per 30 days. " +
      "average_order_value: members' net revenue / their purchases, in minor units. " +
      "member_revenue_share: members' net revenue / all net revenue, guests included (0..1). " +
      "data_capture: share of members with a detail (captureField) (0..1)",
  );

const captureField = z
  .enum(CAPTURE_FIELDS)
  .describe("Data capture goals only: contact (an email or a phone), marketing_consent (consented to marketing), birth_date");

/**
 * A target or baseline as sent: a number, checked in the kind's own terms by goals.rules.ts
 * (a share is 0..1, money whole minor units), which the schema cannot know before the kind.
 */
const measureValue = z.number().min(0).max(1e12);

const note = z.string().trim().max(1000);

export const CreateGoalSchema = z
  .object({
    kind: labelled(kind, { label: "Goal" }),
    captureField: labelled(captureField, { label: "Detail captured" }).optional(),
    target: labelled(
      measureValue.describe(
        "The value to reach, in the kind's unit: a share 0..1 (retention, member_revenue_share, data_capture), purchases per member per 30 days (purchase_frequency), or minor units of the programme's currency (average_order_value)",
      ),
      { label: "Target" },
    ),
    baseline: labelled(
      measureValue.describe(
        "Where the measure stood when the goal was set, in the same unit (optional: the report then measures it over the window before startDate)",
      ),
      { label: "Baseline" },
    )
      .nullable()
      .optional(),
    startDate: labelled(DaySchema.describe("The day the goal starts (programme time); default today"), {
      label: "Start date",
    }).optional(),
    targetDate: labelled(DaySchema.describe("The day by which the target is to be reached (programme time)"), {
      label: "Target date",
    }),
    note: labelled(note.describe("Why this goal, or how it is pursued"), { label: "Note" }).nullable().optional(),
  })
  .strict()
  .openapi("CreateGoal");

export const UpdateGoalSchema = z
  .object({
    // labelled() labels the schema object it is given: each field gets its own copy (.describe
    // makes one), or the shared day schema would carry "Target date" into every other form and
    // query (a report's bad `from` read "Target date must be a date"), and target "Baseline".
    kind: labelled(kind, { label: "Goal" }).optional(),
    captureField: labelled(captureField, { label: "Detail captured" }).nullable().optional(),
    target: labelled(measureValue.describe("The target, in the kind's unit"), { label: "Target" }).optional(),
    baseline: labelled(measureValue.describe("The baseline, in the kind's unit"), { label: "Baseline" }).nullable().optional(),
    startDate: labelled(DaySchema.describe("The day the goal starts (programme time)"), { label: "Start date" }).optional(),
    targetDate: labelled(DaySchema.describe("The day by which the target is to be reached (programme time)"), {
      label: "Target date",
    }).optional(),
    note: labelled(note.describe("Why this goal, or how it is pursued"), { label: "Note" }).nullable().optional(),
  })
  .strict()
  .openapi("UpdateGoal");

export const GoalSchema = z
  .object({
    id: z.string().openapi({ example: "gol_01jx5y3k1m9t0v6h2c4d8e7f9a" }),
    kind,
    captureField: captureField.nullable(),
    target: z.number().describe("In the kind's unit (see kind); money in minor units"),
    baseline: z.number().nullable().describe("As stated by the owner; null: not stated"),
    startDate: DaySchema,
    targetDate: DaySchema,
    note: z.string().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .openapi("Goal");

export const GoalListSchema = z.object({ data: z.array(GoalSchema).describe("The programme's goals, oldest first") });

export type CreateGoalInput = z.infer<typeof CreateGoalSchema>;
export type UpdateGoalInput = z.infer<typeof UpdateGoalSchema>;
export type Goal = z.infer<typeof GoalSchema>;

export const GoalsReportQuerySchema = OverviewQuerySchema;
export type GoalsReportQuery = z.infer<typeof GoalsReportQuerySchema>;

const value = z.number().nullable();

const SideSchema = z.object({
  purchases: z.int().describe("Purchases that happened in the range (not refused, not returned in full)"),
  revenue: z.int().describe("Their amount net of returns (amount - returned amount), minor units"),
  averageOrderValue: z
    .int()
    .nullable()
    .describe("revenue / purchases, rounded half away from zero to the minor unit; null without purchases"),
});

export const GoalProgressSchema = z
  .object({
    goalId: z.string(),
    kind,
    captureField: captureField.nullable(),
    unit: z
      .enum(["share", "purchases_per_30_days", "money"])
      .describe("share: 0..1 (four decimals); purchases_per_30_days (four decimals); money: minor units of `currency`"),
    note: z.string().nullable(),
    current: value.describe(
      "The measure over the whole range (data capture: as of its end); null when it cannot be measured (nothing to divide by)",
    ),
    target: z.number(),
    startDate: DaySchema,
    targetDate: DaySchema,
    baseline: value.describe("The stated baseline, else the measure over the window before startDate; null if neither"),
    baselineSource: z
      .enum(["stated", "measured"])
      .nullable()
      .describe("measured: over as many days as the range, ending the day before startDate (data capture: as of startDate)"),
    expected: value.describe(
      "Where a straight line from the baseline (at startDate) to the target (at targetDate) stands at the range's last day: the pace to be on track",
    ),
    progress: value.describe(
      "(current - baseline) / (target - baseline): the share of the way from baseline to target covered (below 0: fell back); null without a baseline",
    ),
    status: z
      .enum(["achieved", "on_track", "behind", "missed", "no_baseline", "no_data"])
      .describe(
        "As of the range's last day: achieved (current >= target); missed (the target date has passed short of it); on_track (current >= expected); behind (below it); no_baseline (no baseline to draw the pace from); no_data (nothing to measure)",
      ),
    asOf: DaySchema.describe("The day the status is judged at: the range's last day"),
    daysLeft: z.int().describe("Days from asOf to targetDate (negative once past)"),
    members: SideSchema.nullable().describe(
      "Members' purchases in the range (purchase_frequency, average_order_value, member_revenue_share; else null)",
    ),
    guests: SideSchema.nullable().describe(
      "Guest purchases (no member) in the range: the non-members beside the members; null where it does not apply",
    ),
    series: z
      .array(
        z.object({
          period: DaySchema.describe("First day of the period (the first one is `from`)"),
          value: value.describe(
            "The measure over the period (retention: of the previous period's buyers; data capture: as of the period's end)",
          ),
          guests: value.describe("average_order_value only: guest purchases' average order value over the period; else null"),
        }),
      )
      .describe("The measure per period, to chart against the target"),
  })
  .openapi("GoalProgress");

export const GoalsReportSchema = z
  .object({
    from: DaySchema,
    to: DaySchema,
    interval: z.enum(["day", "week", "month"]),
    timezone: z.string().describe("The programme's time zone, in which days are counted"),
    currency: z.string().describe("The programme's currency (money is in its minor units)"),
    goals: z.array(GoalProgressSchema).describe("Each goal of the programme, oldest first, measured over the range"),
  })
  .openapi("GoalsReport");

export type GoalProgress = z.infer<typeof GoalProgressSchema>;
export type GoalsReport = z.infer<typeof GoalsReportSchema>;
