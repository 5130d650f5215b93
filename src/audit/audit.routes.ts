import { createRouter, readRoute } from "../http/openapi.ts";
import { AuditPageSchema, AuditQuerySchema } from "./audit.schemas.ts";
import type { AuditService } from "./audit.service.ts";

/** The services these routes use. */
export interface AuditRoutesDeps {
  audit: AuditService;
}

export function auditRoutes(services: AuditRoutesDeps) {
  const router = createRouter();
  readRoute(
    router,
    {
      path: "/v1/audit",
      tags: ["Audit"],
      summary: "The audit log",
      description:
        "Every successful change made through the API, by staff sessions and API keys alike: who (`actor`), what (`action`: method and route), when, what it acted on (`targetId`), the resource before the change where the change reads it (updates) and the answer it gave (`after`, secrets redacted). Written in the change's own transaction; refusals and idempotent replays write nothing. Events (`POST /v1/events`, `/v1/events/batch`) are kept with their answers as events, not here. Newest first, in pages.",
      scopes: ["admin"],
      query: AuditQuerySchema,
      response: AuditPageSchema,
      responseDescription: "Changes, newest first",
    },
    ({ programId, query }) => services.audit.list(programId, query),
  );
  return router;
}
