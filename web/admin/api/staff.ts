/** The programme's staff accounts (owners only). */
import { api, type Body, type Schema, type Sent } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type StaffAccount = Schema<"Staff">;
export type Role = StaffAccount["role"];
export type StaffChanges = Body<"/v1/staff/{staffId}", "patch">;

export const staffKeys = {
  all: ["staff"] as const,
};

export const listStaff = () => api.get("/v1/staff");

export const createStaff = (body: Sent<Body<"/v1/staff", "post">>, options?: RequestOptions) =>
  api.post("/v1/staff", { body }, options);

export const updateStaff = (staffId: string, body: Sent<StaffChanges>, options?: RequestOptions) =>
  api.patch("/v1/staff/{staffId}", { path: { staffId }, body }, options);
