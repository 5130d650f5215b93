import { InsightsNav } from "./InsightsNav.tsx";

/** Insights: Campaign results (issue 13, being built). */
export default function CampaignResults() {
  return (
    <>
      <h1>Campaign results</h1>
      <InsightsNav />
      <p className="muted">Coming in this release.</p>
    </>
  );
}
