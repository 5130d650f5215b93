import { formatNumber } from "../../shared/ui.tsx";
import type { GoalProgress } from "../api/insights-goals.ts";
import { formatValue, goalName } from "./goal-values.ts";
import "./goals.css";

/** What the Goals page and the overview show of a goal: its status, its bar and its one line. */

export const STATUS: Record<GoalProgress["status"], { label: string; tone: "ok" | "warn" | "bad" | "none" }> = {
  achieved: { label: "Achieved", tone: "ok" },
  on_track: { label: "On track", tone: "ok" },
  behind: { label: "Behind pace", tone: "warn" },
  missed: { label: "Missed", tone: "bad" },
  no_baseline: { label: "No baseline to judge the pace", tone: "none" },
  no_data: { label: "No data yet", tone: "none" },
};

export const dayWords = (day: string) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, {
    year: "numeric",
    month: "short",
    day: "numeric",
    timeZone: "UTC",
  });

/** The goal's status badge, worded. */
export function StatusBadge({ status }: { status: GoalProgress["status"] }) {
  const s = STATUS[status];
  return <span className={`badge goal-${s.tone}`}>{s.label}</span>;
}

/** How far from baseline to target (or, without a baseline, from zero), as a bar. */
export function GoalBar({ goal, currency }: { goal: GoalProgress; currency: string }) {
  const name = goalName(goal.kind, goal.captureField);
  const share =
    goal.progress !== null ? goal.progress : goal.current !== null && goal.target > 0 ? goal.current / goal.target : 0;
  const percent = Math.round(Math.min(1, Math.max(0, share)) * 100);
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={`${name}: progress to target`}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-valuetext={`${formatValue(goal.current, goal.unit, currency)} of ${formatValue(goal.target, goal.unit, currency)} (${percent}% of the way${goal.baseline !== null ? " from the baseline" : ""})`}
    >
      <span style={{ width: `${percent}%` }} />
    </div>
  );
}

/** One line: where the goal stands, against what, by when. */
export function goalSentence(g: GoalProgress, currency: string): string {
  const v = (x: number | null) => formatValue(x, g.unit, currency);
  const by = `${v(g.target)} by ${dayWords(g.targetDate)}`;
  if (g.status === "no_data") return `Nothing to measure yet; the target is ${by}.`;
  const pace = g.expected !== null && g.status !== "achieved" && g.status !== "missed" ? ` (pace: ${v(g.expected)})` : "";
  const left =
    g.daysLeft >= 0 ? `${formatNumber(g.daysLeft)} days left` : `${formatNumber(-g.daysLeft)} days past the target date`;
  return `${v(g.current)} on ${dayWords(g.asOf)}${pace}; target ${by}, ${left}.`;
}
