import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { useSearchParams } from "react-router";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { ErrorAlert, formatNumber, SelectField, Stat } from "../../shared/ui.tsx";
import {
  type CohortReport,
  type EngagementRange,
  engagementKeys,
  getCohorts,
  getParticipation,
  getPointsReport,
  getRedemptionFrequency,
  type Interval,
  type Participation,
  type PointsReport,
  type RedemptionFrequency,
} from "../api/insights-engagement.ts";
import { DateRangeFields } from "../DateRangeFields.tsx";
import { formatMinor, TableWrap } from "../members/common.tsx";
import { shift, today } from "../report-dates.ts";
import { useSession } from "../session.tsx";
import { InsightsNav } from "./InsightsNav.tsx";
import { ChartPanel, CsvLink, NumHeads } from "./parts.tsx";

const COLORS = {
  members: "#5b3cc4",
  guests: "#6b7280",
  active: "#067647",
  earned: "#5b3cc4",
  partner: "#0e7490",
  adjustments: "#b54708",
  redeemed: "#067647",
  expired: "#b42318",
};

const INTERVALS = [
  { value: "", label: "Automatic" },
  { value: "day", label: "Days" },
  { value: "week", label: "Weeks" },
  { value: "month", label: "Months" },
];

const percent = (rate: number | null | undefined) => (rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`);
const orDash = (n: number | null | undefined) => (n === null || n === undefined ? "—" : formatNumber(n));
const axis = { tick: { fill: "#57606a", fontSize: 12 } };
/** Dates in a table's first column stay on one line. */
const nowrap = { whiteSpace: "nowrap" } as const;
const memberCount = (n: number) => `${formatNumber(n)} ${n === 1 ? "member" : "members"}`;

function periodLabel(period: string, interval: Interval): string {
  const [y, m, d] = period.split("-").map(Number) as [number, number, number];
  const at = new Date(Date.UTC(y, m - 1, d));
  return interval === "month"
    ? at.toLocaleDateString(undefined, { month: "short", year: "numeric", timeZone: "UTC" })
    : at.toLocaleDateString(undefined, { month: "short", day: "numeric", timeZone: "UTC" });
}

/** Is the programme working? Members vs guests, points, redemptions and retention over a date range. */
export default function Engagement() {
  const { program } = useSession();
  const [params, setParams] = useSearchParams();
  const to = params.get("to") ?? today(program.timezone);
  const from = params.get("from") ?? shift(to, { days: -89 });
  const chosen = params.get("interval");
  const interval = chosen === "day" || chosen === "week" || chosen === "month" ? chosen : undefined;
  const range: EngagementRange = { from, to, ...(interval && { interval }) };
  const setRange = (next: { from?: string; to?: string; interval?: string }) => {
    const merged = { from, to, interval: interval ?? "", ...next };
    if (!merged.from || !merged.to) return;
    const { interval: i, ...dates } = merged;
    setParams(i ? { ...dates, interval: i } : dates, { replace: true });
  };
  const query = { from, to, interval };
  const options = { placeholderData: keepPreviousData };
  const participation = useQuery({
    queryKey: engagementKeys.participation(range),
    queryFn: () => getParticipation(range),
    ...options,
  });
  const points = useQuery({ queryKey: engagementKeys.points(range), queryFn: () => getPointsReport(range), ...options });
  const frequency = useQuery({
    queryKey: engagementKeys.frequency(range),
    queryFn: () => getRedemptionFrequency(range),
    ...options,
  });
  const cohorts = useQuery({ queryKey: engagementKeys.cohorts(range), queryFn: () => getCohorts(range), ...options });
  const error = participation.error ?? points.error ?? frequency.error ?? cohorts.error;

  return (
    <>
      <h1>Engagement</h1>
      <InsightsNav />
      <section className="panel" aria-label="Date range">
        <div className="row">
          <DateRangeFields from={from} to={to} error={error} onChange={setRange} />
          <SelectField
            label="Periods"
            value={interval ?? ""}
            options={INTERVALS}
            onChange={(e) => setRange({ interval: e.target.value })}
          />
        </div>
        <p className="muted" style={{ marginBottom: 0 }}>
          Days in the programme's time zone ({program.timezone}).
          {participation.data &&
            ` Showing ${participation.data.from} to ${participation.data.to} by ${participation.data.interval}.`}{" "}
          Purchases and activity count by when they happened, points by when they took effect; returns, reversals and
          cancellations are taken off.
        </p>
      </section>

      <ErrorAlert error={error} />
      {participation.isPending && <p role="status">Loading the engagement reports…</p>}
      {participation.data && <ParticipationPanels data={participation.data} query={query} />}
      {points.data && <PointsPanel data={points.data} query={query} />}
      {frequency.data && <FrequencyPanel data={frequency.data} query={query} />}
      {cohorts.data && <CohortPanel data={cohorts.data} query={{ from, to }} />}
    </>
  );
}

type Query = Record<string, string | undefined>;

function ParticipationPanels({ data, query }: { data: Participation; query: Query }) {
  const t = data.totals;
  const rows = data.series.map((s) => ({ ...s, label: periodLabel(s.period, data.interval) }));
  const money = (n: number) => formatMinor(n, data.currency);
  return (
    <>
      <section className="grid" aria-label="Participation in figures" style={{ marginBottom: "1rem" }}>
        <Stat
          label="Members' share of purchases"
          value={percent(t.memberPurchaseShare)}
          hint={`${formatNumber(t.memberPurchases)} by members, ${formatNumber(t.guestPurchases)} by guests`}
        />
        <Stat
          label="Members' share of revenue"
          value={percent(t.memberRevenueShare)}
          hint={`${money(t.memberRevenue)} of ${money(t.memberRevenue + t.guestRevenue)}, net of returns`}
        />
        <Stat label="Members" value={formatNumber(t.members)} hint={`${formatNumber(t.enrolments)} enrolled in this range`} />
        <Stat
          label="Active members"
          value={formatNumber(t.activeMembers)}
          hint={`${percent(t.activeShare)} of members bought, earned or used points in this range`}
        />
      </section>
      <ChartPanel
        title="Members and guests"
        summary={`Bar chart by ${data.interval} from ${data.from} to ${data.to}: purchases by members (${formatNumber(t.memberPurchases)}) and by guests (${formatNumber(t.guestPurchases)}); the table below has each period's figures.`}
        actions={<CsvLink path="/v1/reports/participation" query={query} table="series" description="participation by period" />}
        tableVisible
        table={
          <TableWrap label="Participation by period">
            <table>
              <caption className="visually-hidden">Participation by {data.interval}</caption>
              <thead>
                <tr>
                  <th scope="col">Period from</th>
                  <NumHeads
                    labels={[
                      "Member purchases",
                      "Guest purchases",
                      "Member revenue",
                      "Guest revenue",
                      "Members' share of revenue",
                      "Enrolled",
                      "Members at end",
                      "Active",
                    ]}
                  />
                </tr>
              </thead>
              <tbody>
                {data.series.map((s) => (
                  <tr key={s.period}>
                    <th scope="row" style={nowrap}>
                      {s.period}
                    </th>
                    <td className="num">{formatNumber(s.memberPurchases)}</td>
                    <td className="num">{formatNumber(s.guestPurchases)}</td>
                    <td className="num">{money(s.memberRevenue)}</td>
                    <td className="num">{money(s.guestRevenue)}</td>
                    <td className="num">{percent(s.memberRevenueShare)}</td>
                    <td className="num">{formatNumber(s.enrolments)}</td>
                    <td className="num">{formatNumber(s.members)}</td>
                    <td className="num">{formatNumber(s.activeMembers)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        }
      >
        <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 8 }} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
          <XAxis dataKey="label" {...axis} minTickGap={16} />
          <YAxis {...axis} allowDecimals={false} />
          <Tooltip formatter={(value) => formatNumber(Number(value))} />
          <Legend />
          <Bar isAnimationActive={false} dataKey="memberPurchases" name="Member purchases" stackId="p" fill={COLORS.members} />
          <Bar isAnimationActive={false} dataKey="guestPurchases" name="Guest purchases" stackId="p" fill={COLORS.guests} />
        </BarChart>
      </ChartPanel>
      <ChartPanel
        title="Enrolment and active members"
        summary={`Line chart by ${data.interval}: members at each period's end, from ${formatNumber(data.series[0]?.members ?? 0)} to ${formatNumber(t.members)}, and members active in each period (bought, earned or used points; only members enrolled by the period's end count).`}
        table={
          <table>
            <caption>Members and active members by {data.interval}</caption>
            <thead>
              <tr>
                <th scope="col">Period from</th>
                <th scope="col">Members at end</th>
                <th scope="col">Active</th>
              </tr>
            </thead>
            <tbody>
              {data.series.map((s) => (
                <tr key={s.period}>
                  <th scope="row" style={nowrap}>
                    {s.period}
                  </th>
                  <td>{s.members}</td>
                  <td>{s.activeMembers}</td>
                </tr>
              ))}
            </tbody>
          </table>
        }
      >
        <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 8 }} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
          <XAxis dataKey="label" {...axis} minTickGap={16} />
          <YAxis {...axis} allowDecimals={false} />
          <Tooltip formatter={(value) => formatNumber(Number(value))} />
          <Legend />
          <Line
            isAnimationActive={false}
            type="stepAfter"
            dataKey="members"
            name="Members"
            stroke={COLORS.members}
            strokeWidth={2}
            dot={false}
          />
          <Line
            isAnimationActive={false}
            type="linear"
            dataKey="activeMembers"
            name="Active members"
            stroke={COLORS.active}
            strokeWidth={2}
            strokeDasharray="6 3"
            dot={false}
          />
        </LineChart>
      </ChartPanel>
    </>
  );
}

function PointsPanel({ data, query }: { data: PointsReport; query: Query }) {
  const t = data.totals;
  const rows = data.series.map((s) => ({ ...s, label: periodLabel(s.period, data.interval) }));
  return (
    <ChartPanel
      title="Points by account"
      summary={`Bar chart by ${data.interval} from ${data.from} to ${data.to}: ${formatNumber(t.earned)} points earned, ${formatNumber(t.partnerFunded)} partner-funded, ${formatNumber(t.adjustments)} adjusted, ${formatNumber(t.redeemed)} redeemed, ${formatNumber(t.expired)} expired; net change ${formatNumber(t.netChange)}.`}
      actions={<CsvLink path="/v1/reports/points" query={query} table="series" description="points by period" />}
      tableVisible
      table={
        <TableWrap label="Points by period">
          <table>
            <caption className="visually-hidden">Points by {data.interval}</caption>
            <thead>
              <tr>
                <th scope="col">Period from</th>
                <NumHeads
                  labels={["Earned", "Partner-funded", "Adjusted (+)", "Adjusted (−)", "Redeemed", "Expired", "Net change"]}
                />
              </tr>
            </thead>
            <tbody>
              {data.series.map((s) => (
                <tr key={s.period}>
                  <th scope="row" style={nowrap}>
                    {s.period}
                  </th>
                  <td className="num">{formatNumber(s.earned)}</td>
                  <td className="num">{formatNumber(s.partnerFunded)}</td>
                  <td className="num">{formatNumber(s.adjustmentsAdded)}</td>
                  <td className="num">{formatNumber(s.adjustmentsRemoved)}</td>
                  <td className="num">{formatNumber(s.redeemed)}</td>
                  <td className="num">{formatNumber(s.expired)}</td>
                  <td className="num">{formatNumber(s.netChange)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Total</th>
                <td className="num">{formatNumber(t.earned)}</td>
                <td className="num">{formatNumber(t.partnerFunded)}</td>
                <td className="num">{formatNumber(t.adjustmentsAdded)}</td>
                <td className="num">{formatNumber(t.adjustmentsRemoved)}</td>
                <td className="num">{formatNumber(t.redeemed)}</td>
                <td className="num">{formatNumber(t.expired)}</td>
                <td className="num">{formatNumber(t.netChange)}</td>
              </tr>
            </tfoot>
          </table>
        </TableWrap>
      }
    >
      <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 8 }} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
        <XAxis dataKey="label" {...axis} minTickGap={16} />
        <YAxis {...axis} allowDecimals={false} />
        <Tooltip formatter={(value) => formatNumber(Number(value))} />
        <Legend />
        <Bar isAnimationActive={false} dataKey="earned" name="Earned" stackId="in" fill={COLORS.earned} />
        <Bar isAnimationActive={false} dataKey="partnerFunded" name="Partner-funded" stackId="in" fill={COLORS.partner} />
        <Bar isAnimationActive={false} dataKey="adjustments" name="Adjusted (net)" stackId="in" fill={COLORS.adjustments} />
        <Bar isAnimationActive={false} dataKey="redeemed" name="Redeemed" stackId="out" fill={COLORS.redeemed} />
        <Bar isAnimationActive={false} dataKey="expired" name="Expired" stackId="out" fill={COLORS.expired} />
      </BarChart>
    </ChartPanel>
  );
}

function FrequencyPanel({ data, query }: { data: RedemptionFrequency; query: Query }) {
  const t = data.totals;
  const rows = data.series.map((s) => ({ ...s, label: periodLabel(s.period, data.interval) }));
  return (
    <>
      <section className="grid" aria-label="Redemption frequency in figures" style={{ marginBottom: "1rem" }}>
        <Stat
          label="Redemptions"
          value={formatNumber(t.redemptions)}
          hint={`by ${memberCount(t.membersRedeeming)}; ${orDash(t.redemptionsPerActiveMember)} per active member`}
        />
        <Stat
          label="Days to first redemption"
          value={orDash(t.medianDaysToFirstRedemption)}
          hint="Median, from enrolment, for first redemptions in this range"
        />
        <Stat
          label="Days between redemptions"
          value={orDash(t.medianDaysBetweenRedemptions)}
          hint="Median, from a member's redemption to their next"
        />
        <Stat
          label="Never redeemed"
          value={percent(t.neverRedeemedShare)}
          hint={`${formatNumber(t.neverRedeemed)} of ${memberCount(t.members)} enrolled by ${data.to}`}
        />
      </section>
      <ChartPanel
        title="Redemption frequency"
        summary={`Bar chart by ${data.interval} from ${data.from} to ${data.to}: ${formatNumber(t.redemptions)} redemptions by ${memberCount(t.membersRedeeming)}.`}
        actions={
          <CsvLink
            path="/v1/reports/redemption-frequency"
            query={query}
            table="series"
            description="redemption frequency by period"
          />
        }
        tableVisible
        table={
          <TableWrap label="Redemption frequency by period">
            <table>
              <caption className="visually-hidden">Redemptions by {data.interval}</caption>
              <thead>
                <tr>
                  <th scope="col">Period from</th>
                  <NumHeads
                    labels={[
                      "Redemptions",
                      "Members redeeming",
                      "Active members",
                      "Per active member",
                      "Median days to first",
                      "Median days between",
                    ]}
                  />
                </tr>
              </thead>
              <tbody>
                {data.series.map((s) => (
                  <tr key={s.period}>
                    <th scope="row" style={nowrap}>
                      {s.period}
                    </th>
                    <td className="num">{formatNumber(s.redemptions)}</td>
                    <td className="num">{formatNumber(s.membersRedeeming)}</td>
                    <td className="num">{formatNumber(s.activeMembers)}</td>
                    <td className="num">{orDash(s.redemptionsPerActiveMember)}</td>
                    <td className="num">{orDash(s.medianDaysToFirstRedemption)}</td>
                    <td className="num">{orDash(s.medianDaysBetweenRedemptions)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        }
      >
        <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 8 }} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
          <XAxis dataKey="label" {...axis} minTickGap={16} />
          <YAxis {...axis} allowDecimals={false} />
          <Tooltip formatter={(value) => formatNumber(Number(value))} />
          <Legend />
          <Bar isAnimationActive={false} dataKey="redemptions" name="Redemptions" fill={COLORS.redeemed} />
          <Bar isAnimationActive={false} dataKey="membersRedeeming" name="Members redeeming" fill={COLORS.members} />
        </BarChart>
      </ChartPanel>
    </>
  );
}

/** WCAG relative luminance of an sRGB colour (0..255 channels). */
function luminance([r, g, b]: [number, number, number]): number {
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}

const LIGHT: [number, number, number] = [255, 255, 255];
const DARK: [number, number, number] = [59, 31, 143];

/**
 * A heat-map cell's colours: white to deep purple as the share grows, and the text black or white,
 * whichever contrasts more (both reach 4.5:1 on either side of luminance 0.179).
 */
function cellColours(share: number | null) {
  const s = share ?? 0;
  const rgb = LIGHT.map((l, i) => Math.round(l + ((DARK[i] as number) - l) * s)) as [number, number, number];
  return { background: `rgb(${rgb.join(",")})`, color: luminance(rgb) >= 0.179 ? "#111" : "#fff" };
}

function CohortPanel({ data, query }: { data: CohortReport; query: Query }) {
  const id = useId();
  // Month offsets 0..n-1, the columns of the longest-followed (oldest) cohort.
  const offsets = Array.from({ length: Math.max(0, ...data.cohorts.map((c) => c.months.length)) }, (_, k) => k);
  return (
    <section className="panel" aria-labelledby={id}>
      <div className="row" style={{ justifyContent: "space-between", alignItems: "baseline" }}>
        <h2 id={id} style={{ marginTop: 0 }}>
          Retention by enrolment month
        </h2>
        <div className="row">
          <CsvLink path="/v1/reports/cohorts" query={query} table="retention" description="retention per cohort and month" />
          <CsvLink
            path="/v1/reports/cohorts"
            query={query}
            table="cohorts"
            label="Download CSV of cohorts"
            description="cohort sizes and repeat purchasers"
          />
        </div>
      </div>
      <p className="muted">
        Members enrolled from {data.from} to {data.to}, by the month they enrolled: the share of each cohort that made a purchase
        in each month after (month 0 is the enrolment month; the month holding {data.to} counts up to that day). Darker is higher.
      </p>
      {data.cohorts.length === 0 ? (
        <p className="muted">No members enrolled in this range.</p>
      ) : (
        <TableWrap label="Retention by enrolment month">
          <table className="heatmap">
            <caption className="visually-hidden">
              Share of each enrolment-month cohort that purchased in each later month, with the number of members
            </caption>
            <thead>
              <tr>
                <th scope="col">Cohort</th>
                <th scope="col" className="num">
                  Members
                </th>
                <th scope="col" className="num">
                  Bought again
                </th>
                {offsets.map((k) => (
                  <th key={k} scope="col" className="num">
                    Month {k}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {data.cohorts.map((c) => (
                <tr key={c.cohort}>
                  <th scope="row" style={nowrap}>
                    {c.cohort}
                  </th>
                  <td className="num">{formatNumber(c.size)}</td>
                  <td className="num">
                    {percent(c.repeatShare)} ({formatNumber(c.repeatPurchasers)})
                  </td>
                  {offsets.map((k) => {
                    const cell = c.months[k];
                    if (!cell)
                      return (
                        <td key={`${c.cohort}-${k}`}>
                          <span className="visually-hidden">not reached yet</span>
                        </td>
                      );
                    return (
                      <td key={`${c.cohort}-${k}`} className="num" style={cellColours(cell.share)}>
                        {percent(cell.share)}
                        <br />
                        <small>{formatNumber(cell.purchasers)}</small>
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}
