/** The signed-in staff member's programme: read by every page, changed on the settings page. */
import { api, type Body, type Schema, type Sent } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type Program = Schema<"Program">;
export type ProgramChanges = Body<"/v1/programs/current", "patch">;

export const programKeys = {
  current: ["program"] as const,
};

export const getProgram = (): Promise<Program> => api.get("/v1/programs/current");

export const updateProgram = (body: Sent<ProgramChanges>, options?: RequestOptions): Promise<Program> =>
  api.patch("/v1/programs/current", { body }, options);
