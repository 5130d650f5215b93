import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { requestId } from "hono/request-id";
import type { Logger } from "pino";
import type { Config } from "../config.ts";
import { type Database, pingDatabase } from "../db/database.ts";
import { DomainError } from "../shared/errors.ts";
import type { KeyedDigest } from "../shared/server-key.ts";
import { installValidationMessages } from "../shared/validation-messages.ts";
import { type Authenticator, authenticate } from "./auth.ts";
import { mountDocs } from "./docs.ts";
import type { AppEnv } from "./env.ts";
import { onError, sendError } from "./errors.ts";
import type { Router } from "./openapi.ts";
import { type OpenApiDocument, withAnswerShapes } from "./openapi-document.ts";
import { refuseUnsafeInput } from "./refuse-unsafe-input.ts";
import { mountWeb } from "./web.ts";

export const API_VERSION = "0.1.0";

/** What the HTTP app is made of; app.ts builds it from the services, so http/ knows no domain. */
export interface HttpAppParts {
  /** Every domain's routes, mounted at / in this order (which is also the OpenAPI document's). */
  routes: Router[];
  authenticator: Authenticator;
  /** Answers /readyz: the database must answer a query. */
  database: Pick<Database, "db" | "engine">;
  log: Logger;
  /** Keyed hashes under the server's secret key: the secret fields of idempotency fingerprints. */
  keyedDigest: KeyedDigest;
}

export function createHttpApp(parts: HttpAppParts, config: Pick<Config, "bodyLimitBytes">) {
  installValidationMessages();
  const app = new OpenAPIHono<AppEnv>();
  app.use(requestId({ headerName: "X-Request-Id" }));
  app.use(async (c, next) => {
    const started = performance.now();
    c.set("log", parts.log.child({ requestId: c.get("requestId") }));
    c.set("keyedDigest", parts.keyedDigest);
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
      await pingDatabase(parts.database.db);
      return c.json({ status: "ready", database: parts.database.engine });
    } catch {
      return sendError(c, new DomainError("service_unavailable", "The database is not reachable"));
    }
  });

  // Every route, /auth/* included, is held to the limit before its body is read.
  app.use(
    bodyLimit({
      maxSize: config.bodyLimitBytes,
      onError: () => {
        throw new DomainError("payload_too_large", `Request bodies are limited to ${config.bodyLimitBytes} bytes`);
      },
    }),
  );
  app.use("/v1/*", authenticate(parts.authenticator));
  app.use(refuseUnsafeInput());
  for (const routes of parts.routes) app.route("/", routes);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: "An API key: the operator key for /v1/programs, a programme key (admin, pos or read) for the rest.",
  });
  // Generated once, at the first ask: answers' and requests' shapes told apart (openapi-document.ts).
  let document: OpenApiDocument | null = null;
  app.get("/openapi.json", (c) => {
    document ??= withAnswerShapes(
      app.getOpenAPI31Document({
        openapi: "3.1.0",
        info: {
          title: "Stampbook API",
          version: API_VERSION,
          description:
            "Loyalty points with an exact, double-entry ledger. Every error has the shape " +
            '`{"error":{"code","message","requestId","details"?}}`. Every mutating call accepts an `Idempotency-Key` header.',
        },
      }) as unknown as OpenApiDocument,
    );
    return c.json(document);
  });
  mountDocs(app);
  mountWeb(app, parts.log);
  return app;
}
