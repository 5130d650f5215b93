/** The programme's public portal: its landing data, joining, and signing in with an emailed code. */
import { api, type Body, type Schema, type Sent } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type Landing = Schema<"PortalLanding">;
export type Enrolment = Body<"/v1/portal/{programId}/members", "post">;

export const portalKeys = {
  landing: (programId: string) => ["landing", programId] as const,
};

/** Whether a cached query is the public landing data (kept when the member signs in or out). */
export const isLandingKey = (queryKey: readonly unknown[]) => queryKey[0] === "landing";

export const getLanding = (programId: string) => api.get("/v1/portal/{programId}", { path: { programId } });

export const enrol = (programId: string, body: Sent<Enrolment>, options?: RequestOptions) =>
  api.post("/v1/portal/{programId}/members", { path: { programId }, body }, options);

export const requestCode = (programId: string, email: string) =>
  api.post("/v1/portal/{programId}/codes", { path: { programId }, body: { email } });

export const startSession = (programId: string, body: Sent<Body<"/v1/portal/{programId}/sessions", "post">>) =>
  api.post("/v1/portal/{programId}/sessions", { path: { programId }, body });
