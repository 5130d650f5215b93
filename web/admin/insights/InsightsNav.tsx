import { NavLink } from "react-router";

/** The Insights area's pages, in the order a marketing manager and finance read them. */
export const INSIGHTS = [
  { path: "/insights/engagement", label: "Engagement" },
  { path: "/insights/customers", label: "Customers" },
  { path: "/insights/campaigns", label: "Campaigns" },
  { path: "/insights/rewards", label: "Rewards" },
  { path: "/insights/finance", label: "Finance" },
  { path: "/insights/revenue", label: "Deferred revenue" },
  { path: "/insights/goals", label: "Goals" },
] as const;

/** Tabs between the Insights pages (a nav landmark of its own, under the console's). */
export function InsightsNav() {
  return (
    <nav aria-label="Insights" className="row tabs">
      {INSIGHTS.map((p) => (
        <NavLink key={p.path} to={p.path} className="button secondary">
          {p.label}
        </NavLink>
      ))}
    </nav>
  );
}
