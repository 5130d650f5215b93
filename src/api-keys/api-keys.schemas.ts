import { z } from "@hono/zod-openapi";

export const ApiKeyScopeSchema = z
  .enum(["admin", "pos", "read"])
  .describe("admin: everything in the programme; pos: members, balances, holds at the till; read: read-only");

export const CreateApiKeySchema = z
  .object({ name: z.string().trim().min(1).max(200), scope: ApiKeyScopeSchema })
  .strict()
  .openapi("CreateApiKey");

export const ApiKeySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    scope: ApiKeyScopeSchema,
    prefix: z.string().describe("The start of the key, to tell keys apart"),
    createdAt: z.iso.datetime(),
    revokedAt: z.iso.datetime().nullable(),
  })
  .openapi("ApiKey");

export const CreatedApiKeySchema = ApiKeySchema.extend({
  secret: z
    .string()
    .nullable()
    .describe(
      "The key itself. Shown only in the first answer: store it now. null when this answer is a replay (the same Idempotency-Key sent again): Stampbook keeps only the key's hash, so the secret cannot be shown twice; if it was lost, revoke the key and create another.",
    ),
  secretShownOnce: z
    .literal(true)
    .optional()
    .describe("Present (true) only on a replay: `secret` is null because it was shown once, in the first answer."),
}).openapi("CreatedApiKey");

export type CreateApiKeyInput = z.infer<typeof CreateApiKeySchema>;
