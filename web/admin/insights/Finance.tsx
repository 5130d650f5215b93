import { InsightsNav } from "./InsightsNav.tsx";

/** Insights: Finance (issue 13, being built). */
export default function Finance() {
  return (
    <>
      <h1>Finance</h1>
      <InsightsNav />
      <p className="muted">Coming in this release.</p>
    </>
  );
}
