/** Programme goals (owners set them) and the goals report (each goal against its target, over time). */
import { api, type Body, type Schema, type Sent } from "../../shared/api/client.ts";
import type { RequestOptions } from "../../shared/api/http.ts";

export type Goal = Schema<"Goal">;
export type GoalKind = Goal["kind"];
export type CaptureField = NonNullable<Goal["captureField"]>;
export type GoalsReport = Schema<"GoalsReport">;
export type GoalProgress = Schema<"GoalProgress">;
export type GoalInput = Body<"/v1/goals", "post">;
export type GoalChanges = Body<"/v1/goals/{goalId}", "patch">;
export type Interval = GoalsReport["interval"];

export const GOALS_REPORT_PATH = "/v1/reports/goals";

export const goalKeys = {
  all: ["goals"] as const,
  list: ["goals", "list"] as const,
  report: (from: string, to: string, interval?: Interval) => ["goals", "report", from, to, interval ?? null] as const,
};

export const listGoals = () => api.get("/v1/goals");

export const getGoalsReport = (from: string, to: string, interval?: Interval) =>
  api.get("/v1/reports/goals", { query: { from, to, interval } });

export const createGoal = (body: Sent<GoalInput>, options?: RequestOptions) => api.post("/v1/goals", { body }, options);

export const updateGoal = (goalId: string, body: Sent<GoalChanges>, options?: RequestOptions) =>
  api.patch("/v1/goals/{goalId}", { path: { goalId }, body }, options);

export const deleteGoal = (goalId: string, options?: RequestOptions) =>
  api.delete("/v1/goals/{goalId}", { path: { goalId } }, options);
