import { InsightsNav } from "./InsightsNav.tsx";

/** Insights: Programme goals (issue 13, being built). */
export default function Goals() {
  return (
    <>
      <h1>Programme goals</h1>
      <InsightsNav />
      <p className="muted">Coming in this release.</p>
    </>
  );
}
