import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { ErrorAlert, formatNumber, formatPoints, Stat } from "../../shared/ui.tsx";
import { type GoalsReport, getGoalsReport, goalKeys } from "../api/insights-goals.ts";
import { getOverview, type Overview as Report, reportKeys } from "../api/reports.ts";
import { DateRangeFields } from "../DateRangeFields.tsx";
import { GoalBar, goalSentence, StatusBadge } from "../insights/goal-parts.tsx";
import { goalName } from "../insights/goal-values.ts";
import { ChartPanel } from "../insights/parts.tsx";
import { shift, useUrlRange } from "../report-dates.ts";
import { useSession } from "../session.tsx";
import { Checklist } from "../setup/Checklist.tsx";

const COLORS = { issued: "#5b3cc4", redeemed: "#067647", expired: "#b42318" };

const PRESETS = [
  { label: "30 days", from: (to: string) => shift(to, { days: -29 }) },
  { label: "90 days", from: (to: string) => shift(to, { days: -89 }) },
  { label: "12 months", from: (to: string) => shift(to, { months: -12, days: 1 }) },
];

/** Where each Insights page explains a figure further, in the order the overview's figures come. */
const INSIGHT_LINKS = [
  { path: "/insights/engagement", label: "Engagement", what: "participation, active members, redemption frequency, cohorts" },
  {
    path: "/insights/customers",
    label: "Customers",
    what: "lifetime value, members at risk, members vs other customers, who to invite",
  },
  { path: "/insights/campaigns", label: "Campaigns", what: "each campaign's lift against its holdout" },
  { path: "/insights/rewards", label: "Rewards", what: "popular and underused rewards, stock" },
  { path: "/insights/finance", label: "Finance", what: "the liability in money, breakage, programme cost" },
  { path: "/insights/revenue", label: "Deferred revenue", what: "revenue allocated to points and recognised" },
  { path: "/insights/goals", label: "Goals", what: "each objective against its target, members vs guests" },
] as const;

const percent = (rate: number | null) => (rate === null ? "—" : `${(rate * 100).toFixed(1)}%`);

function periodLabel(period: string, interval: Report["interval"]): string {
  const [y, m, d] = period.split("-").map(Number) as [number, number, number];
  const at = new Date(Date.UTC(y, m - 1, d));
  return interval === "month"
    ? at.toLocaleDateString(undefined, { month: "short", year: "numeric", timeZone: "UTC" })
    : at.toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
}

export default function Overview() {
  const { program } = useSession();
  const { from, to, end, setRange } = useUrlRange(program.timezone, 90);
  const overview = useQuery({
    queryKey: reportKeys.overview(from, to),
    queryFn: () => getOverview(from, to),
    placeholderData: keepPreviousData,
  });
  const goals = useQuery({
    queryKey: goalKeys.report(from, to),
    queryFn: () => getGoalsReport(from, to),
    placeholderData: keepPreviousData,
  });
  const data = overview.data;
  /** An Insights page over the same range. */
  const insight = (path: string) => `${path}?${new URLSearchParams({ from, to }).toString()}`;
  const activePreset = PRESETS.find((p) => to === end && from === p.from(end))?.label;

  return (
    <>
      <h1>Overview</h1>
      <Checklist />
      <section className="panel" aria-label="Date range">
        <div className="row">
          <DateRangeFields from={from} to={to} error={overview.error} onChange={setRange} />
          <fieldset className="row" style={{ border: 0, padding: 0, margin: 0 }}>
            <legend className="visually-hidden">Preset ranges</legend>
            {PRESETS.map((p) => (
              <button
                key={p.label}
                type="button"
                className={activePreset === p.label ? undefined : "secondary"}
                aria-pressed={activePreset === p.label}
                onClick={() => setRange({ from: p.from(end), to: end })}
              >
                {p.label}
              </button>
            ))}
          </fieldset>
        </div>
        <p className="muted" style={{ marginBottom: 0 }}>
          Days in the programme's time zone ({program.timezone}).
          {data && ` Showing ${data.from} to ${data.to} by ${data.interval}.`}
        </p>
      </section>

      <ErrorAlert error={overview.error} />
      {overview.isPending && <p role="status">Loading the overview…</p>}
      {data && (
        <div aria-busy={overview.isFetching}>
          <section className="grid" aria-label="Key figures" style={{ marginBottom: "1rem" }}>
            <Stat
              label="Members"
              value={formatNumber(data.members)}
              hint={
                <>
                  {formatNumber(data.newMembers)} new in this range.{" "}
                  <Link to={insight("/insights/engagement")}>Participation</Link>
                </>
              }
            />
            <Stat
              label="Active members (30 days)"
              value={formatNumber(data.activeMembers)}
              hint={
                <>
                  Bought or used points in the 30 days to {data.to}.{" "}
                  <Link to={insight("/insights/engagement")}>Activity over time</Link>
                </>
              }
            />
            <Stat
              label="Outstanding points"
              value={formatPoints(data.outstandingPoints)}
              hint={
                <>
                  {data.heldPoints > 0 ? `${formatPoints(data.heldPoints)} more on hold.` : "Owed to members now."}{" "}
                  <Link to={insight("/insights/finance")}>Liability in money</Link>
                </>
              }
            />
            <Stat
              label="Redemption rate"
              value={percent(data.redemptionRate)}
              hint={
                <>
                  {formatPoints(data.totals.redeemed)} redeemed of {formatPoints(data.totals.issued)} issued.{" "}
                  <Link to={insight("/insights/rewards")}>By reward</Link>
                </>
              }
            />
          </section>
          <GoalsPanel report={goals.data} error={goals.error} href={insight("/insights/goals")} />
          <PointsChart data={data} more={insight("/insights/engagement")} />
          <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(340px, 1fr))" }}>
            <TiersChart data={data} />
            <RewardsChart data={data} more={insight("/insights/rewards")} />
          </div>
          <nav className="panel" aria-label="Insights">
            <h2 style={{ marginTop: 0 }}>Explained further</h2>
            <ul className="insight-links">
              {INSIGHT_LINKS.map((l) => (
                <li key={l.path}>
                  <Link to={insight(l.path)}>{l.label}</Link>: {l.what}
                </li>
              ))}
            </ul>
          </nav>
        </div>
      )}
    </>
  );
}

/** Each programme goal's progress over the overview's range, linking to the Goals page. */
function GoalsPanel({ report, error, href }: { report: GoalsReport | undefined; error: unknown; href: string }) {
  const { session } = useSession();
  return (
    <section className="panel" aria-labelledby="overview-goals">
      <div className="row" style={{ justifyContent: "space-between", alignItems: "baseline" }}>
        <h2 id="overview-goals" style={{ marginTop: 0 }}>
          Programme goals
        </h2>
        <Link to={href}>{report && report.goals.length > 0 ? "Each goal over time" : "Goals"}</Link>
      </div>
      <ErrorAlert error={error} />
      {report && report.goals.length === 0 && (
        <p className="muted" style={{ marginBottom: 0 }}>
          No goals yet: {session.staff.role === "owner" ? "state what the programme is meant to raise" : "the owner sets them"} on
          the <Link to={href}>Goals page</Link>.
        </p>
      )}
      {report && report.goals.length > 0 && (
        <ul className="goal-list">
          {report.goals.map((g) => (
            <li key={g.goalId}>
              <strong>{goalName(g.kind, g.captureField)}</strong> <StatusBadge status={g.status} />
              <div className="muted">{goalSentence(g, report.currency)}</div>
              <GoalBar goal={g} currency={report.currency} />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function PointsChart({ data, more }: { data: Report; more: string }) {
  const rows = data.series.map((s) => ({ ...s, label: periodLabel(s.period, data.interval) }));
  const empty = data.series.every((s) => s.issued === 0 && s.redeemed === 0 && s.expired === 0);
  const { issued, redeemed, expired } = data.totals;
  if (empty) {
    return (
      <section className="panel">
        <h2 style={{ marginTop: 0 }}>Points issued, redeemed and expired</h2>
        <p className="muted">
          No points moved between {data.from} and {data.to}.
        </p>
      </section>
    );
  }
  return (
    <ChartPanel
      title="Points issued, redeemed and expired"
      actions={<Link to={more}>Redemption frequency and cohorts</Link>}
      summary={`Line chart by ${data.interval} from ${data.from} to ${data.to}: ${formatNumber(issued)} points issued, ${formatNumber(redeemed)} redeemed, ${formatNumber(expired)} expired in total.`}
      table={
        <table>
          <caption>Points by {data.interval}</caption>
          <thead>
            <tr>
              <th scope="col">Period from</th>
              <th scope="col">Issued</th>
              <th scope="col">Redeemed</th>
              <th scope="col">Expired</th>
            </tr>
          </thead>
          <tbody>
            {data.series.map((s) => (
              <tr key={s.period}>
                <th scope="row">{s.period}</th>
                <td>{s.issued}</td>
                <td>{s.redeemed}</td>
                <td>{s.expired}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 8 }} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
        <XAxis dataKey="label" tick={{ fill: "#57606a", fontSize: 12 }} minTickGap={16} />
        <YAxis tick={{ fill: "#57606a", fontSize: 12 }} allowDecimals={false} />
        <Tooltip formatter={(value) => formatNumber(Number(value))} />
        <Legend />
        <Line
          isAnimationActive={false}
          type="monotone"
          dataKey="issued"
          name="Issued"
          stroke={COLORS.issued}
          strokeWidth={2}
          dot={false}
        />
        <Line
          isAnimationActive={false}
          type="monotone"
          dataKey="redeemed"
          name="Redeemed"
          stroke={COLORS.redeemed}
          strokeWidth={2}
          dot={false}
        />
        <Line
          isAnimationActive={false}
          type="monotone"
          dataKey="expired"
          name="Expired"
          stroke={COLORS.expired}
          strokeWidth={2}
          strokeDasharray="6 3"
          dot={false}
        />
      </LineChart>
    </ChartPanel>
  );
}

function TiersChart({ data }: { data: Report }) {
  if (data.tierDistribution.length === 0) {
    return (
      <section className="panel">
        <h2 style={{ marginTop: 0 }}>Members by tier</h2>
        <p className="muted">No tier ladder yet.</p>
      </section>
    );
  }
  return (
    <ChartPanel
      title="Members by tier"
      summary={`Bar chart of members per tier now: ${data.tierDistribution.map((t) => `${t.name} ${t.members}`).join(", ")}.`}
      table={
        <table>
          <caption>Members per tier now</caption>
          <tbody>
            {data.tierDistribution.map((t) => (
              <tr key={t.tierId ?? "none"}>
                <th scope="row">{t.name}</th>
                <td>{t.members}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <BarChart data={data.tierDistribution} margin={{ top: 8, right: 16, bottom: 8, left: 8 }} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" vertical={false} />
        <XAxis dataKey="name" tick={{ fill: "#57606a", fontSize: 12 }} />
        <YAxis tick={{ fill: "#57606a", fontSize: 12 }} allowDecimals={false} />
        <Tooltip formatter={(value) => formatNumber(Number(value))} />
        <Bar isAnimationActive={false} dataKey="members" name="Members" fill={COLORS.issued} radius={[4, 4, 0, 0]} />
      </BarChart>
    </ChartPanel>
  );
}

function RewardsChart({ data, more }: { data: Report; more: string }) {
  if (data.topRewards.length === 0) {
    return (
      <section className="panel">
        <h2 style={{ marginTop: 0 }}>Top rewards</h2>
        <p className="muted">
          No redemptions between {data.from} and {data.to}.
        </p>
      </section>
    );
  }
  return (
    <ChartPanel
      title="Top rewards"
      actions={<Link to={more}>Every reward, underused ones too</Link>}
      summary={`Bar chart of the most redeemed rewards from ${data.from} to ${data.to}: ${data.topRewards.map((r) => `${r.name} ${r.redemptions}`).join(", ")}.`}
      table={
        <table>
          <caption>Most redeemed rewards</caption>
          <thead>
            <tr>
              <th scope="col">Reward</th>
              <th scope="col">Redemptions</th>
              <th scope="col">Points</th>
            </tr>
          </thead>
          <tbody>
            {data.topRewards.map((r) => (
              <tr key={r.rewardId}>
                <th scope="row">{r.name}</th>
                <td>{r.redemptions}</td>
                <td>{r.points}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <BarChart
        data={data.topRewards}
        layout="vertical"
        margin={{ top: 8, right: 16, bottom: 8, left: 8 }}
        accessibilityLayer={false}
      >
        <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" horizontal={false} />
        <XAxis type="number" tick={{ fill: "#57606a", fontSize: 12 }} allowDecimals={false} />
        <YAxis type="category" dataKey="name" width={130} tick={{ fill: "#57606a", fontSize: 12 }} />
        <Tooltip formatter={(value) => formatNumber(Number(value))} />
        <Bar isAnimationActive={false} dataKey="redemptions" name="Redemptions" fill={COLORS.redeemed} radius={[0, 4, 4, 0]} />
      </BarChart>
    </ChartPanel>
  );
}
