import type { RewardFigures } from "../api/insights-rewards.ts";

/** Whether a reward can be redeemed now, in words (the report's `availability`). */
export const AVAILABILITY_LABELS: Record<RewardFigures["availability"], string> = {
  available: "On offer",
  out_of_stock: "Out of stock",
  inactive: "Inactive",
  archived: "Archived",
  not_yet_available: "Not yet available",
  ended: "Ended",
};

const WARN = { background: "#fffaeb", color: "#93370d", borderColor: "#fedf89" };

/** A flag in words (a badge), with its reason beside it as text: never colour alone. */
export function Flag({ label, reason }: { label: string; reason?: string | null }) {
  return (
    <div>
      <span className="badge" style={WARN}>
        {label}
      </span>
      {reason && <div className="muted">{reason}</div>}
    </div>
  );
}
