import { InsightsNav } from "./InsightsNav.tsx";

/** Insights: Engagement (issue 13, being built). */
export default function Engagement() {
  return (
    <>
      <h1>Engagement</h1>
      <InsightsNav />
      <p className="muted">Coming in this release.</p>
    </>
  );
}
