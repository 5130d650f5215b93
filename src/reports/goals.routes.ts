import { createRoute } from "@hono/zod-openapi";
import { programOf, requireOwner, requireScope } from "../http/auth.ts";
import {
  bearer,
  commonErrors,
  conflictError,
  createRouter,
  IdempotencyHeaders,
  idParam,
  json,
  mutationContext,
  mutationRoute,
  readRoute,
  route,
  sendMutation,
} from "../http/openapi.ts";
import { csvTable, majorUnits } from "../shared/csv.ts";
import {
  CreateGoalSchema,
  GoalListSchema,
  type GoalProgress,
  GoalSchema,
  type GoalsReport,
  GoalsReportQuerySchema,
  GoalsReportSchema,
  UpdateGoalSchema,
} from "./goals.schemas.ts";
import type { GoalService } from "./goals.service.ts";

/** The services these routes use. */
export interface GoalRoutesDeps {
  goals: GoalService;
}

/** A value in its goal's unit for a spreadsheet: money in the currency's major unit, the rest as it is. */
const cell = (value: number | null, unit: GoalProgress["unit"], currency: string) =>
  value === null ? null : unit === "money" ? majorUnits(value, currency) : value;

const MEASURES =
  "Each measure, over whole days in the programme's time zone, counting purchases by when they happened (`occurredAt`): a purchase is a purchase event not refused and not returned in full, its net revenue its amount less what was returned; guest purchases have no member, and one claimed by a member since counts as the member's. " +
  "**retention**: of the members who purchased in the previous window (as many days before the range; in the series, the previous period, the first one's being one interval before `from`), the share that purchased again in this one. " +
  "**purchase_frequency**: members' purchases / members with a purchase in the window (the active members), x 30 / the window's days: purchases per active member per 30 days. " +
  "**average_order_value**: members' net revenue / members' purchases, in minor units rounded half away from zero; guest purchases' beside it. " +
  "**member_revenue_share**: members' net revenue / all net revenue, guests' included. " +
  "**data_capture**: of the members enrolled by the window's end, the share with an email or a phone (contact), who consented to marketing before it (marketing_consent), or with a birth date (birth_date); details are read as they are now, their history is not kept. " +
  "Shares and frequencies have four decimals; a measure with nothing to divide by is null.";

export function goalRoutes(services: GoalRoutesDeps) {
  const router = createRouter();
  const tags = ["Goals"];
  const { goals } = services;

  readRoute(
    router,
    {
      path: "/v1/goals",
      tags,
      summary: "List the programme's goals",
      description: "The objectives the owner set (kind, target, dates, baseline, note), oldest first. Admin and read keys.",
      scopes: ["admin", "read"],
      response: GoalListSchema,
      responseDescription: "The goals",
    },
    ({ programId }) => goals.list(programId),
  );

  mutationRoute(
    router,
    {
      method: "post",
      path: "/v1/goals",
      tags,
      summary: "Set a programme goal",
      description: `The owner states an objective: its kind, a target in the kind's unit (a share 0..1, purchases per member per 30 days, or money in minor units), a target date, and optionally a start date (default today), a baseline and a note. A goal raises its measure: the target is above zero and above the baseline. At most 20 goals (409 conflict). Owners and admin keys. ${MEASURES}`,
      scopes: ["admin"],
      ownersOnly: true,
      body: CreateGoalSchema,
      status: 201,
      response: GoalSchema,
      responseDescription: "The goal",
    },
    ({ body, programId, ctx }) => goals.create(ctx, programId, body),
  );

  mutationRoute(
    router,
    {
      method: "patch",
      path: "/v1/goals/{goalId}",
      tags,
      summary: "Change a programme goal",
      description:
        "Changes what it names; the goal is checked whole again. A goal changed away from data capture drops its captureField. Owners and admin keys.",
      scopes: ["admin"],
      ownersOnly: true,
      params: idParam("goalId", "gol"),
      body: UpdateGoalSchema,
      status: 200,
      response: GoalSchema,
      responseDescription: "The goal as changed",
    },
    ({ body, params, programId, ctx }) => goals.update(ctx, programId, params.goalId, body),
  );

  // A delete takes no body, which mutationRoute requires: declared as API key revocation is.
  route(
    router,
    createRoute({
      method: "delete",
      path: "/v1/goals/{goalId}",
      tags,
      summary: "Delete a programme goal",
      description: "The goal is no longer tracked; the audit log keeps what it was. Owners and admin keys.",
      security: bearer,
      middleware: [requireScope("admin"), requireOwner()],
      request: { params: idParam("goalId", "gol"), headers: IdempotencyHeaders },
      responses: { 200: json(GoalSchema, "The deleted goal"), ...commonErrors, ...conflictError },
    }),
    async (c) => {
      const { goalId } = c.req.valid("param");
      return sendMutation(c, await goals.remove(mutationContext(c, {}), programOf(c), goalId));
    },
  );

  readRoute(
    router,
    {
      path: "/v1/reports/goals",
      tags: ["Reports"],
      summary: "Each programme goal against its target, members vs non-members, over time",
      description: `For each goal: its measure over the range (\`current\`), the baseline (stated, or measured over as many days before the goal's start), the pace (a straight line from baseline at the start date to target at the target date) and the status as of the range's last day, members' and guests' purchases where the goal concerns purchases, and a series per interval. ${MEASURES} Dates are days in the programme's time zone; \`to\` is inclusive.`,
      scopes: ["admin", "read"],
      query: GoalsReportQuerySchema,
      response: GoalsReportSchema,
      responseDescription: "The goals report",
      csv: {
        goals: csvTable(
          (a: GoalsReport) => a.goals.map((g) => ({ ...g, currency: a.currency })),
          [
            { header: "goal_id", value: (g) => g.goalId },
            { header: "kind", value: (g) => g.kind },
            { header: "capture_field", value: (g) => g.captureField },
            { header: "unit", value: (g) => g.unit },
            { header: "current", value: (g) => cell(g.current, g.unit, g.currency) },
            { header: "target", value: (g) => cell(g.target, g.unit, g.currency) },
            { header: "baseline", value: (g) => cell(g.baseline, g.unit, g.currency) },
            { header: "baseline_source", value: (g) => g.baselineSource },
            { header: "expected", value: (g) => cell(g.expected, g.unit, g.currency) },
            { header: "progress", value: (g) => g.progress },
            { header: "status", value: (g) => g.status },
            { header: "start_date", value: (g) => g.startDate },
            { header: "target_date", value: (g) => g.targetDate },
            { header: "days_left", value: (g) => g.daysLeft },
            { header: "member_purchases", value: (g) => g.members?.purchases },
            { header: "member_revenue", value: (g) => g.members?.revenue, money: true },
            { header: "guest_purchases", value: (g) => g.guests?.purchases },
            { header: "guest_revenue", value: (g) => g.guests?.revenue, money: true },
          ],
        ),
        series: csvTable(
          (a: GoalsReport) => a.goals.flatMap((g) => g.series.map((s) => ({ ...s, goal: g, currency: a.currency }))),
          [
            { header: "goal_id", value: (r) => r.goal.goalId },
            { header: "kind", value: (r) => r.goal.kind },
            { header: "unit", value: (r) => r.goal.unit },
            { header: "period", value: (r) => r.period },
            { header: "value", value: (r) => cell(r.value, r.goal.unit, r.currency) },
            { header: "guests", value: (r) => cell(r.guests, r.goal.unit, r.currency) },
            { header: "target", value: (r) => cell(r.goal.target, r.goal.unit, r.currency) },
          ],
        ),
      },
    },
    ({ programId, query }) => goals.report(programId, query),
  );

  return router;
}
