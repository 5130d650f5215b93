import { type ReactNode, useEffect, useRef } from "react";
import { Link, NavLink, Route, Routes, useLocation } from "react-router";
import CampaignResults from "./insights/CampaignResults.tsx";
import CustomerValue from "./insights/CustomerValue.tsx";
import DeferredRevenue from "./insights/DeferredRevenue.tsx";
import Engagement from "./insights/Engagement.tsx";
import Finance from "./insights/Finance.tsx";
import Goals from "./insights/Goals.tsx";
import RewardInsights from "./insights/RewardInsights.tsx";
import ApiKeys from "./pages/ApiKeys.tsx";
import Audit from "./pages/Audit.tsx";
import CampaignEdit from "./pages/CampaignEdit.tsx";
import Campaigns from "./pages/Campaigns.tsx";
import MemberDetail from "./pages/MemberDetail.tsx";
import Members from "./pages/Members.tsx";
import Overview from "./pages/Overview.tsx";
import RewardEdit from "./pages/RewardEdit.tsx";
import Rewards from "./pages/Rewards.tsx";
import RuleEdit from "./pages/RuleEdit.tsx";
import Rules from "./pages/Rules.tsx";
import Settings from "./pages/Settings.tsx";
import Staff from "./pages/Staff.tsx";
import StaffReport from "./pages/StaffReport.tsx";
import Tiers from "./pages/Tiers.tsx";
import Vouchers from "./pages/Vouchers.tsx";
import { StaffGate } from "./StaffGate.tsx";
import { CAN, type Role, useSession } from "./session.tsx";
import { Setup } from "./setup/Setup.tsx";

interface Page {
  path: string;
  label?: string;
  /** The navigation link is current on every page under this path (an area with tabs, such as Insights). */
  area?: string;
  roles: Role[];
  element: ReactNode;
}

/** Every console page, who may open it, and its place in the navigation (pages with a label). */
const PAGES: Page[] = [
  { path: "/", label: "Overview", roles: CAN.reports, element: <Overview /> },
  { path: "/insights/engagement", label: "Insights", area: "/insights/", roles: CAN.reports, element: <Engagement /> },
  { path: "/insights/customers", roles: CAN.reports, element: <CustomerValue /> },
  { path: "/insights/campaigns", roles: CAN.reports, element: <CampaignResults /> },
  { path: "/insights/rewards", roles: CAN.reports, element: <RewardInsights /> },
  { path: "/insights/finance", roles: CAN.reports, element: <Finance /> },
  { path: "/insights/revenue", roles: CAN.reports, element: <DeferredRevenue /> },
  { path: "/insights/goals", roles: CAN.reports, element: <Goals /> },
  { path: "/reports/staff", label: "Staff report", roles: CAN.reports, element: <StaffReport /> },
  { path: "/members", label: "Members", roles: CAN.members, element: <Members /> },
  { path: "/members/:memberId", roles: CAN.members, element: <MemberDetail /> },
  { path: "/campaigns", label: "Campaigns", roles: CAN.design, element: <Campaigns /> },
  { path: "/campaigns/new", roles: CAN.design, element: <CampaignEdit /> },
  { path: "/campaigns/:campaignId", roles: CAN.design, element: <CampaignEdit /> },
  { path: "/rules", label: "Earn rules", roles: CAN.design, element: <Rules /> },
  { path: "/rules/new", roles: CAN.design, element: <RuleEdit /> },
  { path: "/rules/:ruleId", roles: CAN.design, element: <RuleEdit /> },
  { path: "/tiers", label: "Tiers", roles: CAN.design, element: <Tiers /> },
  { path: "/rewards", label: "Rewards", roles: CAN.design, element: <Rewards /> },
  { path: "/rewards/new", roles: CAN.design, element: <RewardEdit /> },
  { path: "/rewards/:rewardId", roles: CAN.design, element: <RewardEdit /> },
  { path: "/vouchers", label: "Vouchers", roles: CAN.members, element: <Vouchers /> },
  { path: "/audit", label: "Audit log", roles: CAN.audit, element: <Audit /> },
  { path: "/settings", label: "Settings", roles: CAN.settings, element: <Settings /> },
  { path: "/api-keys", label: "API keys", roles: CAN.keys, element: <ApiKeys /> },
  { path: "/staff", label: "Staff", roles: CAN.staff, element: <Staff /> },
];

export function App() {
  return (
    <Routes>
      {/* First run (the server's setup link) and new programmes (the operator key): no session needed. */}
      <Route path="/setup" element={<Setup />} />
      <Route
        path="*"
        element={
          <StaffGate>
            <Shell />
          </StaffGate>
        }
      />
    </Routes>
  );
}

function Shell() {
  const { session, program, signOut } = useSession();
  const { role } = session.staff;
  const location = useLocation();
  const main = useRef<HTMLElement>(null);
  // After navigating, move focus to the page so keyboard and screen reader users start there.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every navigation on purpose
  useEffect(() => {
    main.current?.focus();
  }, [location.pathname]);

  if (role === "cashier") {
    return (
      <main className="centered panel">
        <h1>The console is for owners and managers</h1>
        <p>You are signed in as a cashier of {program.name}.</p>
        <p className="row">
          <a className="button" href="/pos">
            Open the point of sale
          </a>
          <button type="button" className="secondary" onClick={() => void signOut()}>
            Sign out
          </button>
        </p>
      </main>
    );
  }
  return (
    <div className="layout">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <nav aria-label="Console">
        <div className="brand">{program.name}</div>
        {PAGES.filter((p) => p.label && p.roles.includes(role)).map((p) =>
          p.area ? (
            // An area's link is current on all its pages (NavLink would mark its first page only).
            <Link key={p.path} to={p.path} aria-current={location.pathname.startsWith(p.area) ? "page" : undefined}>
              {p.label}
            </Link>
          ) : (
            <NavLink key={p.path} to={p.path} end={p.path === "/"}>
              {p.label}
            </NavLink>
          ),
        )}
        <div style={{ marginTop: "1.5rem", padding: "0 0.75rem", fontSize: "0.85rem" }}>
          <div>{session.staff.name ?? session.staff.email}</div>
          <div style={{ opacity: 0.8 }}>{role}</div>
          <button type="button" className="secondary" style={{ marginTop: "0.5rem" }} onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </nav>
      <main id="main" ref={main} tabIndex={-1}>
        <Routes>
          {PAGES.map((p) => (
            <Route key={p.path} path={p.path} element={p.roles.includes(role) ? p.element : <NoAccess role={role} />} />
          ))}
          <Route path="*" element={<NotFound />} />
        </Routes>
      </main>
    </div>
  );
}

function NoAccess({ role }: { role: Role }) {
  return (
    <>
      <h1>No access</h1>
      <p>This page is for owners. You are signed in as {role}.</p>
    </>
  );
}

function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <NavLink to="/">Back to the overview</NavLink>
    </>
  );
}
