import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import { sql } from "kysely";
import { apiKeyRoutes } from "../api-keys/api-keys.routes.ts";
import type { Services } from "../app.ts";
import { auditRoutes } from "../audit/audit.routes.ts";
import { campaignRoutes } from "../campaigns/campaigns.routes.ts";
import type { Config } from "../config.ts";
import { eventRoutes } from "../events/events.routes.ts";
import { ledgerRoutes } from "../ledger/ledger.routes.ts";
import { memberRoutes } from "../members/members.routes.ts";
import { paymentRoutes } from "../payments/payments.routes.ts";
import { portalRoutes } from "../portal/portal.routes.ts";
import { programRoutes } from "../programs/programs.routes.ts";
import { reportRoutes } from "../reports/reports.routes.ts";
import { rewardRoutes } from "../rewards/rewards.routes.ts";
import { DomainError } from "../shared/errors.ts";
import { installValidationMessages } from "../shared/validation-messages.ts";
import { staffRoutes } from "../staff/staff.routes.ts";
import { tierRoutes } from "../tiers/tiers.routes.ts";
import { authenticate } from "./auth.ts";
import { mountDocs } from "./docs.ts";

import type { AppEnv } from "./env.ts";
import { onError, sendError } from "./errors.ts";
import { mountWeb } from "./web.ts";

export const API_VERSION = "0.1.0";

export function createHttpApp(services: Services, config: Pick<Config, "bodyLimitBytes">) {
  installValidationMessages();
  const app = new OpenAPIHono<AppEnv>();
  app.use(requestId({ headerName: "X-Request-Id" }));
  app.use(async (c, next) => {
    const started = performance.now();
    c.set("log", services.log.child({ requestId: c.get("requestId") }));
    await next();
    c.get("log").info(
      { method: c.req.method, path: c.req.path, status: c.res.status, ms: Math.round(performance.now() - started) },
      "request",
    );
  });
  app.onError(onError);
  app.notFound((c) => sendError(c, new DomainError("not_found", `No route for ${c.req.method} ${c.req.path}`)));

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  app.get("/readyz", async (c) => {
    try {
      await sql`select 1`.execute(services.database.db);
      return c.json({ status: "ready", database: services.database.engine });
    } catch {
      return sendError(c, new DomainError("service_unavailable", "The database is not reachable"));
    }
  });

  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: config.bodyLimitBytes,
      onError: () => {
        throw new DomainError("payload_too_large", `Request bodies are limited to ${config.bodyLimitBytes} bytes`);
      },
    }),
  );
  app.use("/v1/*", authenticate(services.apiKeys, services.staff, services.portal));
  app.route("/", programRoutes(services));
  app.route("/", apiKeyRoutes(services));
  app.route("/", memberRoutes(services));
  app.route("/", ledgerRoutes(services));
  app.route("/", eventRoutes(services));
  app.route("/", campaignRoutes(services));
  app.route("/", tierRoutes(services));
  app.route("/", rewardRoutes(services));
  app.route("/", paymentRoutes(services));
  app.route("/", staffRoutes(services));
  app.route("/", portalRoutes(services));
  app.route("/", auditRoutes(services));
  app.route("/", reportRoutes(services));

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "An API key: the operator key for /v1/programs, a programme key (admin, pos or read) for the rest.",
  });
  app.doc31("/openapi.json", {
    openapi: "3.1.0",
    info: {
      title: "Stampbook API",
      version: API_VERSION,
      description:
        "Loyalty points with an exact, double-entry ledger. Every error has the shape " +
        '`{"error":{"code","message","requestId","details"?}}`. Every mutating call accepts an `Idempotency-Key` header.',
    },
  });
  mountDocs(app);
  mountWeb(app, services.log);
  return app;
}
