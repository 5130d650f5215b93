import { z } from "@hono/zod-openapi";
import { DateTimeSchema } from "../shared/schemas.ts";

export const AuditQuerySchema = z.object({
  actor: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: "Who made the change, exactly: `staff:stf_...` (a staff session) or `key:key_...` (an API key)" }),
  action: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .openapi({ description: "Part of the action, any case: `PATCH`, `/v1/members`, `PATCH /v1/members/{memberId}`" }),
  targetId: z.string().min(1).max(100).optional().openapi({ description: "The id the change acted on or created" }),
  from: DateTimeSchema.optional().openapi({ description: "Changes at or after this time" }),
  to: DateTimeSchema.optional().openapi({ description: "Changes before this time" }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(300).optional().openapi({ description: "nextCursor from the previous page" }),
});

export const AuditEntrySchema = z
  .object({
    id: z.string().openapi({ example: "aud_01jx5y3k1m9t0v6h2c4d8e7f9a" }),
    actor: z.string().openapi({ example: "staff:stf_01jx5y3k1m9t0v6h2c4d8e7f9a" }),
    actorName: z.string().nullable().describe("The staff member's name (or email), or the API key's name"),
    action: z.string().openapi({ example: "PATCH /v1/members/{memberId}" }),
    summary: z.string().nullable().describe("What the route does, as the API reference words it"),
    targetId: z.string().nullable().describe("The main path id, else the id of what the change created"),
    before: z.unknown().nullable().describe("The resource before the change, where the change reads it (updates); else null"),
    after: z.unknown().nullable().describe("The answer the change gave (secrets redacted)"),
    requestId: z.string().nullable(),
    at: z.iso.datetime(),
  })
  .openapi("AuditEntry");

export const AuditPageSchema = z.object({ data: z.array(AuditEntrySchema), nextCursor: z.string().nullable() });

export type AuditQuery = z.output<typeof AuditQuerySchema>;
