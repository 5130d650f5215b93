import { InsightsNav } from "./InsightsNav.tsx";

/** Insights: Reward patterns (issue 13, being built). */
export default function RewardInsights() {
  return (
    <>
      <h1>Reward patterns</h1>
      <InsightsNav />
      <p className="muted">Coming in this release.</p>
    </>
  );
}
