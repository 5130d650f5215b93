import { InsightsNav } from "./InsightsNav.tsx";

/** Insights: deferred revenue (IFRS 15 / ASC 606) (issue 13, being built). */
export default function DeferredRevenue() {
  return (
    <>
      <h1>Deferred revenue</h1>
      <InsightsNav />
      <p className="muted">Coming in this release.</p>
    </>
  );
}
