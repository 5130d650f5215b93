import { createRoute, z } from "@hono/zod-openapi";
import { programOf, requireScope } from "../http/auth.ts";
import {
  bearer,
  commonErrors,
  conflictError,
  createRouter,
  IdempotencyHeaders,
  idParam,
  json,
  jsonBody,
  mutationContext,
  readRoute,
  route,
  sendMutation,
  unprocessableError,
} from "../http/openapi.ts";
import {
  CreateFitSchema,
  DEFINITIONS,
  FitSchema,
  MemberValueQuerySchema,
  MemberValueSchema,
  ModelSchema,
} from "./customer-value.schemas.ts";
import type { CustomerValueService } from "./customer-value.service.ts";

/** The services these routes use. */
export interface CustomerValueRoutesDeps {
  customerValue: CustomerValueService;
}

export function customerValueRoutes(services: CustomerValueRoutesDeps) {
  const router = createRouter();
  const tags = ["Insights"];
  const { customerValue } = services;

  // A 202 (the fit is queued, the jobs run it), which mutationRoute does not declare: written out here.
  route(
    router,
    createRoute({
      method: "post",
      path: "/v1/insights/customer-value/fit",
      tags,
      summary: "Fit the customer lifetime value models",
      description: `Queues a fit of the BG/NBD purchase model and the Gamma-Gamma spend model on the programme's members' purchases up to \`asOf\` (default today), optionally of the cohort first seen from \`calibrationFrom\`, and answers 202 with the fit; the server's jobs run it (GET /v1/insights/customer-value/fits/{fitId} follows it), and on success its model and every member's figures replace the previous fit's at once. The jobs also refit each programme with purchases nightly. While a fit is queued or running, a request answers that fit instead of queuing another. Refused at once with 422 unprocessable (details.reason too_few_customers or too_few_repeat_customers) when the window holds fewer than 30 customers or fewer than 10 who bought on two days or more; a fit the data cannot support otherwise ends failed with the reason (error.reason). Admin keys. ${DEFINITIONS}`,
      security: bearer,
      middleware: [requireScope("admin")],
      request: { ...jsonBody(CreateFitSchema), headers: IdempotencyHeaders },
      responses: {
        202: json(FitSchema, "The fit, queued (or the one already queued or running)"),
        ...commonErrors,
        ...conflictError,
        ...unprocessableError,
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      return sendMutation(c, await customerValue.requestFit(mutationContext(c, body), programOf(c), body));
    },
  );

  readRoute(
    router,
    {
      path: "/v1/insights/customer-value/fits/{fitId}",
      tags,
      summary: "A customer-value fit",
      description:
        "Its status (queued, running, succeeded, failed), window, sizes and, when it failed, why. Admin and read keys.",
      scopes: ["admin", "read"],
      params: idParam("fitId", "cvf"),
      response: FitSchema,
      responseDescription: "The fit",
    },
    ({ programId, params }) => customerValue.fit(programId, params.fitId),
  );

  readRoute(
    router,
    {
      path: "/v1/insights/customer-value",
      tags,
      summary: "The fitted customer lifetime value model",
      description: `The latest successful fit's parameters (alpha in days, v in minor units), maximised log-likelihoods and sizes, with the latest requested fit's status (\`latestFit\`). 404 not_found when no fit has succeeded yet (details.latestFit: the latest fit, if any, e.g. a failed one with its reason). Admin and read keys. ${DEFINITIONS}`,
      scopes: ["admin", "read"],
      query: z.object({}),
      response: ModelSchema,
      responseDescription: "The model",
    },
    ({ programId }) => customerValue.model(programId),
  );

  // 409 when no model is fitted (to tell it from the unknown member's 404), which readRoute does not declare.
  route(
    router,
    createRoute({
      method: "get",
      path: "/v1/members/{memberId}/value",
      tags,
      summary: "A member's lifetime value",
      description: `Under the latest successful fit: the member's history up to the fit's asOf (frequency, recency, age, monetary), the purchase days expected in the next 30, 90 and 365 days, the probability the member is still active, the expected spend per purchase day and the CLV over \`horizonMonths\` at the monthly \`discountRate\`. A member with no purchase by asOf is answered as a customer just acquired (basis new_customer). 404 not_found for an unknown member; 409 invalid_state when no fit has succeeded yet. Admin and read keys. ${DEFINITIONS}`,
      security: bearer,
      middleware: [requireScope("admin", "read")],
      request: { params: idParam("memberId", "mem"), query: MemberValueQuerySchema },
      responses: {
        200: json(MemberValueSchema, "The member's value"),
        ...commonErrors,
        ...conflictError,
      },
    }),
    async (c) => {
      const { memberId } = c.req.valid("param");
      const query = c.req.valid("query");
      return c.json(await customerValue.memberValue(programOf(c), memberId, query));
    },
  );

  return router;
}
