/** First-run setup (a setup link or the operator key), the new-programme checklist, and the programme's links. */
import { api, type Body, type Schema, type Sent } from "../../shared/api/client.ts";

export type SetupAccess = Schema<"SetupAccess">;
export type SetupResult = Schema<"SetupResult">;
export type SetupBody = Sent<Body<"/auth/setup", "post">>;
export type Checklist = Schema<"Checklist">;
export type ChecklistItem = Checklist["items"][number]["id"];
export type ProgramLinks = Schema<"ProgramLinks">;

export const setupKeys = {
  checklist: ["checklist"] as const,
  links: ["program-links"] as const,
};

export const checkSetup = (body: Sent<Body<"/auth/setup/check", "post">>): Promise<SetupAccess> =>
  api.post("/auth/setup/check", { body });

export const runSetup = (body: SetupBody): Promise<SetupResult> => api.post("/auth/setup", { body });

export const getChecklist = (): Promise<Checklist> => api.get("/v1/programs/current/checklist");

export const markChecklist = (item: "portal_link_shared" | "till_opened"): Promise<Checklist> =>
  api.post("/v1/programs/current/checklist/marks", { body: { item } });

export const dismissChecklist = (): Promise<Checklist> => api.post("/v1/programs/current/checklist/dismiss", { body: {} });

export const getLinks = (): Promise<ProgramLinks> => api.get("/v1/programs/current/links");
