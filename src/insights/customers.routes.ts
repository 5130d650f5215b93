import { createRoute } from "@hono/zod-openapi";
import { programOf, requireScope } from "../http/auth.ts";
import {
  bearer,
  commonErrors,
  conflictError,
  createRouter,
  json,
  readRoute,
  route,
  unprocessableError,
} from "../http/openapi.ts";
import { csvTable } from "../shared/csv.ts";
import { DEFINITIONS } from "./customer-value.schemas.ts";
import { AT_RISK_MAX_ALIVE, AT_RISK_MIN_DROP } from "./customers.rules.ts";
import {
  AtRiskQuerySchema,
  AtRiskSchema,
  type Comparison,
  ComparisonQuerySchema,
  ComparisonSchema,
  ConvertibleQuerySchema,
  ConvertibleSchema,
  CUSTOMER_DEFINITIONS,
} from "./customers.schemas.ts";
import type { CustomerInsightsService } from "./customers.service.ts";

/** The services these routes use. */
export interface CustomerInsightsRoutesDeps {
  customerInsights: CustomerInsightsService;
}

type Side = Comparison["members"];

/** The comparison's two sides as rows of one table, one column per measure. */
const sideRows = (a: Comparison) => [
  { side: "members", ...a.members },
  { side: "non_members", ...a.nonMembers },
];

export function customerInsightsRoutes(services: CustomerInsightsRoutesDeps) {
  const router = createRouter();
  const tags = ["Insights"];
  const { customerInsights } = services;

  readRoute(
    router,
    {
      path: "/v1/insights/customers/comparison",
      tags,
      summary: "Members vs non-member customers, side by side",
      description: `Over the window \`from\`..\`to\`, for members and for non-member customers: customers, purchases, frequency, spend per transaction, repeat rate, retention and predicted CLV; guest purchases without a reference and under a member's reference counted apart; and members who claimed a guest purchase, before vs after joining. ${CUSTOMER_DEFINITIONS} Admin and read keys. The models: ${DEFINITIONS}`,
      scopes: ["admin", "read"],
      query: ComparisonQuerySchema,
      response: ComparisonSchema,
      responseDescription: "The comparison",
      csv: {
        sides: csvTable(sideRows, [
          { header: "side", value: (r: Side & { side: string }) => r.side },
          { header: "customers", value: (r) => r.customers },
          { header: "purchases", value: (r) => r.purchases },
          { header: "revenue", value: (r) => r.revenue, money: true },
          { header: "purchases_per_customer", value: (r) => r.purchasesPerCustomer },
          { header: "spend_per_transaction", value: (r) => r.spendPerTransaction, money: true },
          { header: "revenue_per_customer", value: (r) => r.revenuePerCustomer, money: true },
          { header: "repeat_customers", value: (r) => r.repeatCustomers },
          { header: "repeat_rate", value: (r) => r.repeatRate },
          { header: "previous_customers", value: (r) => r.previousCustomers },
          { header: "retained_customers", value: (r) => r.retainedCustomers },
          { header: "retention", value: (r) => r.retention },
          { header: "predicted_clv", value: (r) => r.predictedClv.meanClv, money: true },
          { header: "predicted_clv_status", value: (r) => r.predictedClv.status },
          { header: "predicted_clv_reason", value: (r) => r.predictedClv.reason },
        ]),
        guests: csvTable(
          (a: Comparison) => [
            { kind: "anonymous", ...a.anonymous },
            { kind: "joined_since", ...a.joinedSince },
          ],
          [
            { header: "kind", value: (r: { kind: string; purchases: number; revenue: number }) => r.kind },
            { header: "purchases", value: (r) => r.purchases },
            { header: "revenue", value: (r) => r.revenue, money: true },
          ],
        ),
        joining: csvTable(
          (a: Comparison) => [
            { part: "before", members: a.beforeAfterJoining.members, ...a.beforeAfterJoining.before },
            { part: "after", members: a.beforeAfterJoining.members, ...a.beforeAfterJoining.after },
          ],
          [
            {
              header: "part",
              value: (r: Comparison["beforeAfterJoining"]["before"] & { part: string; members: number }) => r.part,
            },
            { header: "members", value: (r) => r.members },
            { header: "purchases", value: (r) => r.purchases },
            { header: "revenue", value: (r) => r.revenue, money: true },
            { header: "exposure_days", value: (r) => r.exposureDays },
            { header: "purchases_per_30_days", value: (r) => r.purchasesPer30Days },
            { header: "spend_per_transaction", value: (r) => r.spendPerTransaction, money: true },
          ],
        ),
      },
    },
    ({ programId, query }) => customerInsights.comparison(programId, query),
  );

  // 409 when no member model is fitted, which readRoute does not declare.
  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/insights/customers/at-risk",
      tags,
      summary: "Valuable members whose probability of being active is falling",
      description: `Members whose P(alive) now is below ${AT_RISK_MAX_ALIVE} and at least ${AT_RISK_MIN_DROP} below their P(alive) \`lookbackDays\` ago (default 90), and who were valuable then: a CLV then (clvThen) of at least \`minClv\` (default: the median CLV the latest fit stored), highest clvThen first (ties by member id). Everything is worked out now with the latest member fit's parameters (GET /v1/insights/customer-value): P(alive) *now* from the member's purchase days up to now (T to today), P(alive) and CLV *then* from those up to the day \`thenDay\` = today - lookbackDays (T to it), CLV over 12 months at 1% a month. Value is judged as of then because a value worked out now already carries the lapse (the fit's stored CLV, shown as storedClv, is low for a member who stopped buying). Members first seen after \`thenDay\` have no earlier figure and are not listed; a member with one purchase day has P(alive) 1 (the BG/NBD lets a customer drop out only after a repeat purchase) and is never listed. With each: the figures that put them there (first and last purchase day, days since, x, t_x and T then and now, both P(alive), the drop, the CLVs). 409 invalid_state when no fit has succeeded yet. Admin and read keys. ${DEFINITIONS}`,
      security: bearer,
      middleware: [requireScope("admin", "read")],
      request: { query: AtRiskQuerySchema },
      responses: { 200: json(AtRiskSchema, "The members at risk"), ...commonErrors, ...conflictError },
    }),
    async (c) => c.json(await customerInsights.atRisk(programOf(c), c.req.valid("query"))),
  );

  // 422 when the non-members' fit is refused, which readRoute does not declare.
  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/insights/customers/convertible",
      tags,
      summary: "Non-member customers worth inviting to join",
      description: `Non-member customers (guest purchases by customerRef, references a member's purchase carries left out) ranked by predicted CLV, highest first (ties by reference): the members' BG/NBD + Gamma-Gamma fitted on the non-members' summaries up to now, CLV over 12 months at 1% a month. 422 unprocessable with details.reason (too_few_customers, too_few_repeat_customers, ...) when the fit is refused: at least 30 customers with a reference and 10 who bought on two days are needed. ${CUSTOMER_DEFINITIONS} Admin and read keys. ${DEFINITIONS}`,
      security: bearer,
      middleware: [requireScope("admin", "read")],
      request: { query: ConvertibleQuerySchema },
      responses: { 200: json(ConvertibleSchema, "The customers"), ...commonErrors, ...unprocessableError },
    }),
    async (c) => c.json(await customerInsights.convertible(programOf(c), c.req.valid("query"))),
  );

  return router;
}
