/** The programme's API keys (owners only): list, create (the secret is shown once), revoke. */
import { api, type Body, type Schema, type Sent } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type ApiKey = Schema<"ApiKey">;
export type CreatedApiKey = Schema<"CreatedApiKey">;

export const apiKeyKeys = {
  all: ["api-keys"] as const,
};

export const listApiKeys = () => api.get("/v1/api-keys");

export const createApiKey = (body: Sent<Body<"/v1/api-keys", "post">>, options?: RequestOptions) =>
  api.post("/v1/api-keys", { body }, options);

export const revokeApiKey = (keyId: string, options?: RequestOptions) =>
  api.delete("/v1/api-keys/{keyId}", { path: { keyId } }, options);
