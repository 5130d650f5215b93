import { keepPreviousData, type UseQueryResult, useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useSearchParams } from "react-router";
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import { ErrorAlert, Field, fieldError, formatNumber, formatPoints, Stat } from "../../shared/ui.tsx";
import {
  BREAKAGE_PATH,
  type Breakage,
  FINANCE_INTERVAL,
  financeKeys,
  getBreakage,
  getLiability,
  getLiabilitySeries,
  getProgramCost,
  LIABILITY_PATH,
  LIABILITY_SERIES_PATH,
  type Liability,
  type LiabilitySeries,
  PROGRAM_COST_PATH,
  type ProgramCost,
} from "../api/insights-finance.ts";
import { DateRangeFields } from "../DateRangeFields.tsx";
import { formatMinor, TableWrap } from "../members/common.tsx";
import { shift, today } from "../report-dates.ts";
import { useSession } from "../session.tsx";
import { InsightsNav } from "./InsightsNav.tsx";
import { ChartPanel, CsvLink, NumHeads } from "./parts.tsx";

const COLORS = { available: "#5b3cc4", pending: "#9e77ed", programme: "#5b3cc4", partner: "#067647", expired: "#b42318" };

const BUCKET_LABELS: Record<Liability["buckets"][number]["bucket"], string> = {
  within_30_days: "Within 30 days",
  days_31_to_90: "31–90 days",
  days_91_to_365: "91–365 days",
  later: "Later",
  never: "Never",
};

const counted = (n: number, noun: string) => `${formatNumber(n)} ${noun}${n === 1 ? "" : "s"}`;
const percent = (rate: number | null) => (rate === null ? "—" : `${(rate * 100).toFixed(1)}%`);
const axis = { fill: "#57606a", fontSize: 12 };

/** Finance: what the programme owes in points and money at any day, breakage, and what points and rewards cost. */
export default function Finance() {
  const { program } = useSession();
  const [params, setParams] = useSearchParams();
  const end = today(program.timezone);
  const asOf = params.get("asOf") ?? end;
  const to = params.get("to") ?? end;
  const from = params.get("from") ?? shift(to, { days: -89 });
  const toMonth = params.get("toMonth") ?? end.slice(0, 7);
  const fromMonth = params.get("fromMonth") ?? shift(`${toMonth}-01`, { months: -11 }).slice(0, 7);
  const set = (next: Record<string, string | undefined>) => {
    const merged = { asOf, from, to, fromMonth, toMonth, ...next };
    if (Object.values(merged).every(Boolean)) setParams(merged as Record<string, string>, { replace: true });
  };
  const breakage = useQuery({
    queryKey: financeKeys.breakage(from, to),
    queryFn: () => getBreakage(from, to),
    placeholderData: keepPreviousData,
  });
  const cost = useQuery({
    queryKey: financeKeys.cost(from, to),
    queryFn: () => getProgramCost(from, to),
    placeholderData: keepPreviousData,
  });

  return (
    <>
      <h1>Finance</h1>
      <InsightsNav />
      <LiabilitySection asOf={asOf} today={end} onAsOf={(d) => set({ asOf: d })} />
      <MonthEndsSection from={fromMonth} to={toMonth} onChange={(m) => set(m)} />
      <section className="panel" aria-label="Date range for breakage and cost">
        <div className="row">
          <DateRangeFields from={from} to={to} error={breakage.error ?? cost.error} onChange={(r) => set(r)} />
        </div>
        <p className="muted" style={{ marginBottom: 0 }}>
          Breakage and programme cost over these days by month, in the programme's time zone ({program.timezone}).
        </p>
      </section>
      <BreakageSection report={breakage} />
      <CostSection report={cost} />
    </>
  );
}

function LiabilitySection({ asOf, today: end, onAsOf }: { asOf: string; today: string; onAsOf: (day: string) => void }) {
  const report = useQuery({
    queryKey: financeKeys.liability(asOf),
    queryFn: () => getLiability(asOf),
    placeholderData: keepPreviousData,
  });
  const data = report.data;
  return (
    <section aria-labelledby="liability-heading">
      <h2 id="liability-heading">Points liability</h2>
      <div className="panel">
        <div className="row">
          <Field
            label="As of the end of"
            type="date"
            value={asOf}
            max={end}
            onChange={(e) => e.target.value && onAsOf(e.target.value)}
            error={fieldError(report.error, "asOf")}
          />
        </div>
        <p className="muted" style={{ marginBottom: 0 }}>
          Rebuilt from the ledger as it stood then: points past their expiry are not owed, pending points are those not yet
          available. Money at the programme's point value
          {data ? ` (${data.pointValue} minor units a point)` : ""}, rounded to the nearest minor unit.
        </p>
      </div>
      <ErrorAlert error={report.error} />
      {report.isPending && <p role="status">Loading the liability…</p>}
      {data && (
        <div aria-busy={report.isFetching}>
          <section className="grid" aria-label="Liability figures" style={{ marginBottom: "1rem" }}>
            <Stat
              label="Owed to members"
              value={formatMinor(data.liabilityAmount, data.currency)}
              hint={`${formatPoints(data.liabilityPoints)} at the end of ${data.asOf}`}
            />
            <Stat
              label="Available"
              value={formatPoints(data.availablePoints)}
              hint={`${formatPoints(data.pendingPoints)} pending`}
            />
            <Stat label="On hold" value={formatPoints(data.heldPoints)} hint={formatMinor(data.heldAmount, data.currency)} />
            <Stat
              label="Members' debt"
              value={formatPoints(data.debtPoints)}
              hint={`${formatMinor(data.debtAmount, data.currency)}, not netted`}
            />
          </section>
          <BucketsChart data={data} />
        </div>
      )}
    </section>
  );
}

function BucketsChart({ data }: { data: Liability }) {
  const rows = data.buckets.map((b) => ({ ...b, label: BUCKET_LABELS[b.bucket] }));
  return (
    <ChartPanel
      title="When the points expire"
      summary={`Bar chart of the ${formatNumber(data.outstandingPoints)} points members held at the end of ${data.asOf}, by when they expire: ${rows
        .map((r) => `${r.label.toLowerCase()} ${formatNumber(r.points)}`)
        .join(", ")}.`}
      tableVisible
      actions={<CsvLink path={LIABILITY_PATH} query={{ asOf: data.asOf }} table="buckets" description="liability by expiry" />}
      table={
        <TableWrap label="Liability by expiry">
          <table>
            <caption className="visually-hidden">Points members held at the end of {data.asOf}, by when they expire</caption>
            <thead>
              <tr>
                <th scope="col">Expires</th>
                <NumHeads labels={["Available", "Pending", "Points", "Value"]} />
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.bucket}>
                  <th scope="row">{r.label}</th>
                  <td className="num">{formatNumber(r.available)}</td>
                  <td className="num">{formatNumber(r.pending)}</td>
                  <td className="num">{formatNumber(r.points)}</td>
                  <td className="num">{formatMinor(r.amount, data.currency)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row">Total</th>
                <td className="num">{formatNumber(data.availablePoints)}</td>
                <td className="num">{formatNumber(data.pendingPoints)}</td>
                <td className="num">{formatNumber(data.outstandingPoints)}</td>
                <td className="num">{formatMinor(data.outstandingAmount, data.currency)}</td>
              </tr>
            </tfoot>
          </table>
        </TableWrap>
      }
    >
      <BarChart data={rows} margin={{ top: 8, right: 16, bottom: 8, left: 8 }} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
        <XAxis dataKey="label" tick={axis} />
        <YAxis tick={axis} allowDecimals={false} />
        <Tooltip formatter={(value) => formatNumber(Number(value))} />
        <Legend />
        <Bar isAnimationActive={false} dataKey="available" name="Available" stackId="p" fill={COLORS.available} />
        <Bar isAnimationActive={false} dataKey="pending" name="Pending" stackId="p" fill={COLORS.pending} />
      </BarChart>
    </ChartPanel>
  );
}

function MonthEndsSection({
  from,
  to,
  onChange,
}: {
  from: string;
  to: string;
  onChange: (next: { fromMonth?: string; toMonth?: string }) => void;
}) {
  const report = useQuery({
    queryKey: financeKeys.series(from, to),
    queryFn: () => getLiabilitySeries(from, to),
    placeholderData: keepPreviousData,
  });
  const data = report.data;
  return (
    <section aria-labelledby="month-ends-heading">
      <h2 id="month-ends-heading">Liability at month ends</h2>
      <div className="panel">
        <div className="row">
          <Field
            label="From month"
            type="month"
            value={from}
            max={to}
            onChange={(e) => e.target.value && onChange({ fromMonth: e.target.value })}
            error={fieldError(report.error, "from")}
          />
          <Field
            label="To month"
            type="month"
            value={to}
            min={from}
            onChange={(e) => e.target.value && onChange({ toMonth: e.target.value })}
            error={fieldError(report.error, "to")}
          />
        </div>
      </div>
      <ErrorAlert error={report.error} />
      {report.isPending && <p role="status">Loading the month ends…</p>}
      {data && <MonthEndsChart data={data} />}
    </section>
  );
}

function MonthEndsChart({ data }: { data: LiabilitySeries }) {
  const last = data.monthEnds.at(-1);
  return (
    <ChartPanel
      title="Owed to members at each month end"
      summary={`Line chart of the liability at the end of each month from ${data.from} to ${data.to}${
        last
          ? `, ending at ${formatMinor(last.liabilityAmount, data.currency)} (${formatNumber(last.liabilityPoints)} points)`
          : ""
      }.`}
      tableVisible
      actions={
        <CsvLink
          path={LIABILITY_SERIES_PATH}
          query={{ from: data.from, to: data.to }}
          table="month_ends"
          description="month ends"
        />
      }
      table={
        <TableWrap label="Liability at month ends">
          <table>
            <caption className="visually-hidden">The liability at each month end</caption>
            <thead>
              <tr>
                <th scope="col">Month end</th>
                <NumHeads labels={["Available", "Pending", "On hold", "Owed (points)", "Owed (value)", "Debt"]} />
              </tr>
            </thead>
            <tbody>
              {data.monthEnds.map((m) => (
                <tr key={m.month}>
                  <th scope="row">{m.asOf}</th>
                  <td className="num">{formatNumber(m.availablePoints)}</td>
                  <td className="num">{formatNumber(m.pendingPoints)}</td>
                  <td className="num">{formatNumber(m.heldPoints)}</td>
                  <td className="num">{formatNumber(m.liabilityPoints)}</td>
                  <td className="num">{formatMinor(m.liabilityAmount, data.currency)}</td>
                  <td className="num">{formatNumber(m.debtPoints)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      }
    >
      <LineChart data={data.monthEnds} margin={{ top: 8, right: 16, bottom: 8, left: 8 }} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
        <XAxis dataKey="month" tick={axis} />
        <YAxis tick={axis} allowDecimals={false} />
        <Tooltip formatter={(value) => formatNumber(Number(value))} />
        <Legend />
        <Line
          isAnimationActive={false}
          type="monotone"
          dataKey="liabilityPoints"
          name="Owed (points)"
          stroke={COLORS.available}
          strokeWidth={2}
        />
        <Line
          isAnimationActive={false}
          type="monotone"
          dataKey="pendingPoints"
          name="Pending"
          stroke={COLORS.pending}
          strokeDasharray="6 3"
          strokeWidth={2}
        />
      </LineChart>
    </ChartPanel>
  );
}

function BreakageSection({ report }: { report: UseQueryResult<Breakage> }) {
  const data = report.data;
  return (
    <section aria-labelledby="breakage-heading">
      <h2 id="breakage-heading">Breakage</h2>
      <ErrorAlert error={report.error} />
      {report.isPending && <p role="status">Loading breakage…</p>}
      {data && <BreakageChart data={data} />}
    </section>
  );
}

function BreakageChart({ data }: { data: Breakage }) {
  const { totals, lifetime } = data;
  const figures = (label: ReactNode, f: Breakage["totals"], key: string) => (
    <tr key={key}>
      <th scope="row">{label}</th>
      <td className="num">{formatNumber(f.expired)}</td>
      <td className="num">{formatMinor(f.expiredAmount, data.currency)}</td>
      <td className="num">{formatNumber(f.redeemed)}</td>
      <td className="num">{percent(f.breakageRate)}</td>
    </tr>
  );
  return (
    <>
      <section className="grid" aria-label="Breakage figures" style={{ marginBottom: "1rem" }}>
        <Stat
          label="Expired"
          value={formatMinor(totals.expiredAmount, data.currency)}
          hint={`${formatPoints(totals.expired)} from ${data.from} to ${data.to}`}
        />
        <Stat label="Breakage rate" value={percent(totals.breakageRate)} hint="Expired ÷ (expired + redeemed) in the range" />
        <Stat
          label="Breakage rate, programme life"
          value={percent(lifetime.breakageRate)}
          hint={`${formatPoints(lifetime.expired)} expired, ${formatPoints(lifetime.redeemed)} redeemed to ${data.to}`}
        />
      </section>
      <ChartPanel
        title="Points expired and redeemed"
        summary={`Bar chart by ${data.interval} from ${data.from} to ${data.to}: ${formatNumber(totals.expired)} points expired and ${formatNumber(totals.redeemed)} redeemed; breakage rate ${percent(totals.breakageRate)}.`}
        tableVisible
        actions={
          <CsvLink
            path={BREAKAGE_PATH}
            query={{ from: data.from, to: data.to, interval: FINANCE_INTERVAL }}
            table="series"
            description="breakage"
          />
        }
        table={
          <TableWrap label="Breakage by period">
            <table>
              <caption className="visually-hidden">Points expired and redeemed by {data.interval}</caption>
              <thead>
                <tr>
                  <th scope="col">Period from</th>
                  <NumHeads labels={["Expired", "Value", "Redeemed", "Breakage rate"]} />
                </tr>
              </thead>
              <tbody>{data.series.map((s) => figures(s.period, s, s.period))}</tbody>
              <tfoot>
                {figures("Total", totals, "total")}
                {figures("Programme life", lifetime, "life")}
              </tfoot>
            </table>
          </TableWrap>
        }
      >
        <BarChart data={data.series} margin={{ top: 8, right: 16, bottom: 8, left: 8 }} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
          <XAxis dataKey="period" tick={axis} minTickGap={16} />
          <YAxis tick={axis} allowDecimals={false} />
          <Tooltip formatter={(value) => formatNumber(Number(value))} />
          <Legend />
          <Bar isAnimationActive={false} dataKey="expired" name="Expired" fill={COLORS.expired} />
          <Bar isAnimationActive={false} dataKey="redeemed" name="Redeemed" fill={COLORS.partner} />
        </BarChart>
      </ChartPanel>
    </>
  );
}

function CostSection({ report }: { report: UseQueryResult<ProgramCost> }) {
  const data = report.data;
  return (
    <section aria-labelledby="cost-heading">
      <h2 id="cost-heading">Programme cost</h2>
      <ErrorAlert error={report.error} />
      {report.isPending && <p role="status">Loading the programme's cost…</p>}
      {data && <CostFigures data={data} />}
    </section>
  );
}

function CostFigures({ data }: { data: ProgramCost }) {
  const { totals, currency } = data;
  const money = (n: number | null) => (n === null ? "—" : formatMinor(n, currency));
  const query = { from: data.from, to: data.to, interval: FINANCE_INTERVAL };
  return (
    <>
      <section className="grid" aria-label="Cost figures" style={{ marginBottom: "1rem" }}>
        <Stat
          label="Points the programme funded"
          value={money(totals.programFundedCost)}
          hint={`${formatPoints(totals.programFundedPoints)} issued and adjusted`}
        />
        <Stat
          label="Partner-funded"
          value={money(totals.partnerFundedCost)}
          hint={`${formatPoints(totals.partnerFundedPoints)}, ${percent(totals.partnerFundedShare)} of points issued`}
        />
        <Stat
          label="Rewards redeemed"
          value={money(totals.rewardCost)}
          hint={`Unit costs of ${counted(totals.rewardsRedeemed, "redemption")} (${money(totals.rewardPointsCost)} in points)${
            totals.unitsWithoutCost > 0 ? `; ${counted(totals.unitsWithoutCost, "unit")} without a unit cost` : ""
          }`}
        />
        <Stat
          label="Per active member"
          value={money(totals.costPerActiveMember)}
          hint={counted(totals.activeMembers, "active member")}
        />
        <Stat
          label="Share of member revenue"
          value={percent(totals.costShareOfMemberRevenue)}
          hint={`Of ${money(totals.memberRevenue)} members spent, net of returns`}
        />
      </section>
      <ChartPanel
        title="Cost of points issued"
        summary={`Stacked bar chart by ${data.interval} from ${data.from} to ${data.to}: ${money(totals.programFundedCost)} funded by the programme, ${money(totals.partnerFundedCost)} by partners; ${money(totals.redeemedCost)} of points redeemed.`}
        tableVisible
        actions={<CsvLink path={PROGRAM_COST_PATH} query={query} table="series" description="cost by period" />}
        table={
          <TableWrap label="Cost by period">
            <table>
              <caption className="visually-hidden">Cost of points by {data.interval}</caption>
              <thead>
                <tr>
                  <th scope="col">Period from</th>
                  <NumHeads labels={["Programme-funded", "Partner-funded", "Redeemed"]} />
                </tr>
              </thead>
              <tbody>
                {data.series.map((s) => (
                  <tr key={s.period}>
                    <th scope="row">{s.period}</th>
                    <td className="num">{money(s.programFundedCost)}</td>
                    <td className="num">{money(s.partnerFundedCost)}</td>
                    <td className="num">{money(s.redeemedCost)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">Total</th>
                  <td className="num">{money(totals.programFundedCost)}</td>
                  <td className="num">{money(totals.partnerFundedCost)}</td>
                  <td className="num">{money(totals.redeemedCost)}</td>
                </tr>
              </tfoot>
            </table>
          </TableWrap>
        }
      >
        <BarChart data={data.series} margin={{ top: 8, right: 16, bottom: 8, left: 8 }} accessibilityLayer={false}>
          <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
          <XAxis dataKey="period" tick={axis} minTickGap={16} />
          <YAxis tick={axis} width={72} tickFormatter={(value) => money(Number(value))} />
          <Tooltip formatter={(value) => money(Number(value))} />
          <Legend />
          <Bar
            isAnimationActive={false}
            dataKey="programFundedCost"
            name="Programme-funded"
            stackId="c"
            fill={COLORS.programme}
          />
          <Bar isAnimationActive={false} dataKey="partnerFundedCost" name="Partner-funded" stackId="c" fill={COLORS.partner} />
        </BarChart>
      </ChartPanel>
      <section className="panel" aria-labelledby="reward-costs-heading">
        <div className="row" style={{ justifyContent: "space-between", alignItems: "baseline" }}>
          <h3 id="reward-costs-heading" style={{ marginTop: 0 }}>
            Rewards redeemed
          </h3>
          <CsvLink path={PROGRAM_COST_PATH} query={query} table="rewards" description="rewards redeemed" />
        </div>
        {data.rewards.length === 0 ? (
          <p className="muted">No rewards were redeemed in this range.</p>
        ) : (
          <TableWrap label="Rewards redeemed, most points first">
            <table>
              <thead>
                <tr>
                  <th scope="col">Reward</th>
                  <NumHeads labels={["Redemptions", "Units", "Points", "Points' value", "Unit cost", "Reward cost"]} />
                </tr>
              </thead>
              <tbody>
                {data.rewards.map((r) => (
                  <tr key={r.rewardId}>
                    <th scope="row">{r.name}</th>
                    <td className="num">{formatNumber(r.redemptions)}</td>
                    <td className="num">{formatNumber(r.units)}</td>
                    <td className="num">{formatNumber(r.points)}</td>
                    <td className="num">{money(r.pointsCost)}</td>
                    <td className="num">{r.unitCost === null ? "Not recorded" : money(r.unitCost)}</td>
                    <td className="num">{money(r.rewardCost)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
      <section className="panel" aria-labelledby="partners-heading">
        <div className="row" style={{ justifyContent: "space-between", alignItems: "baseline" }}>
          <h3 id="partners-heading" style={{ marginTop: 0 }}>
            Partner-funded points
          </h3>
          <CsvLink path={PROGRAM_COST_PATH} query={query} table="partners" description="partner-funded points" />
        </div>
        {data.partners.length === 0 ? (
          <p className="muted">No partner funded points in this range.</p>
        ) : (
          <TableWrap label="Points per partner">
            <table>
              <thead>
                <tr>
                  <th scope="col">Partner</th>
                  <th scope="col" className="num">
                    Points
                  </th>
                  <th scope="col" className="num">
                    Value
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.partners.map((p) => (
                  <tr key={p.partnerId}>
                    <th scope="row">{p.partnerId}</th>
                    <td className="num">{formatNumber(p.points)}</td>
                    <td className="num">{money(p.cost)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )}
      </section>
    </>
  );
}
