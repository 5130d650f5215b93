import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { useSearchParams } from "react-router";
import { Bar, CartesianGrid, ComposedChart, Legend, Line, Tooltip, XAxis, YAxis } from "recharts";
import { sendOnce } from "../../shared/api/http.ts";
import { ErrorAlert, Field, fieldError, formatDateTime, formatNumber, Notice, SelectField } from "../../shared/ui.tsx";
import { auditKeys } from "../api/audit.ts";
import {
  addRedemptionEstimate,
  DEFERRED_REVENUE_PATH,
  ESTIMATES_PATH,
  getDeferredRevenue,
  listRedemptionEstimates,
  type DeferredRevenue as Report,
  type RevenueInterval,
  revenueKeys,
} from "../api/insights-revenue.ts";
import { DateRangeFields } from "../DateRangeFields.tsx";
import { formatMinor, TableWrap } from "../members/common.tsx";
import { shift, today } from "../report-dates.ts";
import { useSession } from "../session.tsx";
import { InsightsNav } from "./InsightsNav.tsx";
import { ChartPanel, CsvLink, NumHeads } from "./parts.tsx";

const COLORS = { allocated: "#5b3cc4", recognised: "#067647", breakage: "#b54708", liability: "#1f2937" };

const INTERVALS: { value: RevenueInterval; label: string }[] = [
  { value: "month", label: "Month" },
  { value: "quarter", label: "Quarter" },
  { value: "year", label: "Year" },
  { value: "week", label: "Week" },
  { value: "day", label: "Day" },
];

const SOURCES: Record<Report["estimate"]["source"], string> = {
  finance: "set by finance",
  history: "estimated from the programme's history",
  default: "assumed (no estimate set, history too short)",
};

const percent = (rate: number) => `${(rate * 100).toLocaleString(undefined, { maximumFractionDigits: 4 })}%`;
const isInterval = (v: string | null): v is RevenueInterval => INTERVALS.some((i) => i.value === v);

/** For finance: revenue deferred for points, recognised as they are redeemed, per period, with the estimate behind it. */
export default function DeferredRevenue() {
  const { program, session } = useSession();
  const [params, setParams] = useSearchParams();
  const end = today(program.timezone);
  const to = params.get("to") ?? end;
  const from = params.get("from") ?? `${shift(to, { months: -11 }).slice(0, 7)}-01`;
  const asked = params.get("interval");
  const interval: RevenueInterval = isInterval(asked) ? asked : "month";
  const setRange = (next: { from?: string; to?: string; interval?: RevenueInterval }) => {
    const merged = { from, to, interval, ...next };
    if (merged.from && merged.to) setParams(merged, { replace: true });
  };
  const report = useQuery({
    queryKey: revenueKeys.report(from, to, interval),
    queryFn: () => getDeferredRevenue(from, to, interval),
    placeholderData: keepPreviousData,
  });
  const data = report.data;
  const query = { from, to, interval };

  return (
    <>
      <h1>Deferred revenue</h1>
      <InsightsNav />
      <section className="panel" aria-label="Date range">
        <div className="row">
          <DateRangeFields from={from} to={to} error={report.error} onChange={setRange} />
          <SelectField
            label="Per"
            value={interval}
            onChange={(e) => setRange({ interval: e.target.value as RevenueInterval })}
            error={fieldError(report.error, "interval")}
            options={INTERVALS}
          />
        </div>
        <p className="muted" style={{ marginBottom: 0 }}>
          IFRS 15 / ASC 606: part of each sale that earns points is deferred for the points, by relative stand-alone selling price
          (points x point value x expected redemption rate), and recognised as points are redeemed, in proportion to the points
          expected to be redeemed. Days in the programme's time zone ({program.timezone}).
        </p>
      </section>

      <ErrorAlert error={report.error} />
      {report.isPending && <p role="status">Loading deferred revenue…</p>}
      {data && (
        <div aria-busy={report.isFetching}>
          <EstimateInForce report={data} />
          <PeriodsPanel report={data} query={query} />
          <PointsPanel report={data} query={query} />
          <LayersPanel report={data} query={query} />
        </div>
      )}
      <Estimates canSet={session.staff.role === "owner"} />
    </>
  );
}

function EstimateInForce({ report }: { report: Report }) {
  const e = report.estimate;
  return (
    <section className="panel" aria-labelledby="estimate-in-force">
      <h2 id="estimate-in-force" style={{ marginTop: 0 }}>
        Expected redemption rate on {report.to}: {percent(e.rate)}
      </h2>
      <p style={{ marginBottom: 0 }}>
        <span className="badge">{SOURCES[e.source]}</span> {e.explanation}.{e.note && <> Note: {e.note}</>}
      </p>
    </section>
  );
}

function PeriodsPanel({ report, query }: { report: Report; query: Record<string, string> }) {
  const money = (n: number) => formatMinor(n, report.currency);
  const major =
    10 **
    (new Intl.NumberFormat(undefined, { style: "currency", currency: report.currency }).resolvedOptions().maximumFractionDigits ??
      2);
  const chart = report.periods.map((p) => ({
    period: p.period,
    allocated: p.allocatedToPoints / major,
    recognised: p.recognised / major,
    breakage: p.breakage / major,
    liability: p.liabilityEnd / major,
  }));
  const t = report.totals;
  const table = (
    <TableWrap label="Deferred revenue per period">
      <table>
        <caption className="visually-hidden">Deferred revenue per period ({report.currency})</caption>
        <thead>
          <tr>
            <th scope="col">Period from</th>
            <NumHeads
              labels={[
                "Sales earning points",
                "Points issued",
                "Allocated to points",
                "Recognised",
                "Breakage",
                "Liability at start",
                "Liability at end",
                "Rate",
              ]}
            />
          </tr>
        </thead>
        <tbody>
          {report.periods.map((p) => (
            <tr key={p.period}>
              <th scope="row" style={{ whiteSpace: "nowrap" }}>
                {p.period}
              </th>
              <td className="num">{money(p.sales)}</td>
              <td className="num">{formatNumber(p.pointsIssued)}</td>
              <td className="num">{money(p.allocatedToPoints)}</td>
              <td className="num">{money(p.recognised)}</td>
              <td className="num">{money(p.breakage)}</td>
              <td className="num">{money(p.liabilityStart)}</td>
              <td className="num">{money(p.liabilityEnd)}</td>
              <td className="num" style={{ whiteSpace: "nowrap" }}>
                {percent(p.expectedRate)}
                {p.rateSource === "finance" ? "" : p.rateSource === "history" ? " (history)" : " (assumed)"}
              </td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Range</th>
            <td className="num">{money(t.sales)}</td>
            <td className="num">{formatNumber(t.pointsIssued)}</td>
            <td className="num">{money(t.allocatedToPoints)}</td>
            <td className="num">{money(t.recognised)}</td>
            <td className="num">{money(t.breakage)}</td>
            <td className="num">{money(t.liabilityStart)}</td>
            <td className="num">{money(t.liabilityEnd)}</td>
            <td />
          </tr>
        </tfoot>
      </table>
    </TableWrap>
  );
  return (
    <ChartPanel
      title="Per period"
      summary={`Allocated to points, recognised, breakage and the liability at the end of each period from ${report.from} to ${report.to}, in ${report.currency}; the same figures are in the table below`}
      table={table}
      tableVisible
      actions={<CsvLink path={DEFERRED_REVENUE_PATH} query={query} table="periods" description="deferred revenue per period" />}
    >
      <ComposedChart data={chart} margin={{ left: 8, right: 16 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="period" />
        <YAxis />
        <Tooltip />
        <Legend />
        <Bar dataKey="allocated" name="Allocated to points" fill={COLORS.allocated} isAnimationActive={false} />
        <Bar dataKey="recognised" name="Recognised" fill={COLORS.recognised} isAnimationActive={false} />
        <Bar dataKey="breakage" name="Breakage" fill={COLORS.breakage} isAnimationActive={false} />
        <Line
          dataKey="liability"
          name="Liability at end"
          stroke={COLORS.liability}
          strokeWidth={2}
          type="stepAfter"
          isAnimationActive={false}
        />
      </ComposedChart>
    </ChartPanel>
  );
}

function PointsPanel({ report, query }: { report: Report; query: Record<string, string> }) {
  return (
    <section className="panel" aria-labelledby="revenue-points">
      <div className="row" style={{ justifyContent: "space-between", alignItems: "baseline" }}>
        <h2 id="revenue-points" style={{ marginTop: 0 }}>
          Points earned on purchases
        </h2>
        <CsvLink path={DEFERRED_REVENUE_PATH} query={query} table="points" description="points of purchases per period" />
      </div>
      <TableWrap label="Points earned on purchases per period">
        <table>
          <caption className="visually-hidden">Points earned on purchases per period, from the ledger</caption>
          <thead>
            <tr>
              <th scope="col">Period from</th>
              <NumHeads
                labels={["Outstanding at start", "Issued", "Redeemed", "Expired", "Taken back or moved", "Outstanding at end"]}
              />
            </tr>
          </thead>
          <tbody>
            {report.points.map((p) => (
              <tr key={p.period}>
                <th scope="row">{p.period}</th>
                <td className="num">{formatNumber(p.outstandingStart)}</td>
                <td className="num">{formatNumber(p.issued)}</td>
                <td className="num">{formatNumber(p.redeemed)}</td>
                <td className="num">{formatNumber(p.expired)}</td>
                <td className="num">{formatNumber(p.cancelled)}</td>
                <td className="num">{formatNumber(p.outstandingEnd)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}

function LayersPanel({ report, query }: { report: Report; query: Record<string, string> }) {
  const money = (n: number) => formatMinor(n, report.currency);
  return (
    <section className="panel" aria-labelledby="revenue-layers">
      <div className="row" style={{ justifyContent: "space-between", alignItems: "baseline" }}>
        <h2 id="revenue-layers" style={{ marginTop: 0 }}>
          By month of issue on {report.to}
        </h2>
        <CsvLink path={DEFERRED_REVENUE_PATH} query={query} table="layers" description="deferred revenue by month of issue" />
      </div>
      {report.layers.length === 0 ? (
        <p className="muted">No points have been earned on purchases by {report.to}.</p>
      ) : (
        <TableWrap label="Deferred revenue by month of issue">
          <table>
            <caption className="visually-hidden">Deferred revenue by month of issue</caption>
            <thead>
              <tr>
                <th scope="col">Month</th>
                <NumHeads labels={["Points", "Redeemed", "Expected", "Allocated", "Recognised", "Breakage", "Liability"]} />
              </tr>
            </thead>
            <tbody>
              {report.layers.map((l) => (
                <tr key={l.month}>
                  <th scope="row">{l.month}</th>
                  <td className="num">{formatNumber(l.points)}</td>
                  <td className="num">{formatNumber(l.redeemed)}</td>
                  <td className="num">{formatNumber(l.expectedRedemptions)}</td>
                  <td className="num">{money(l.allocated)}</td>
                  <td className="num">{money(l.recognisedToDate)}</td>
                  <td className="num">{money(l.breakageToDate)}</td>
                  <td className="num">{money(l.liability)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </section>
  );
}

/** Finance's estimates, latest first, and (for owners) the form that adds one. */
function Estimates({ canSet }: { canSet: boolean }) {
  const estimates = useQuery({ queryKey: revenueKeys.estimates, queryFn: listRedemptionEstimates });
  return (
    <section className="panel" aria-labelledby="estimates">
      <div className="row" style={{ justifyContent: "space-between", alignItems: "baseline" }}>
        <h2 id="estimates" style={{ marginTop: 0 }}>
          Expected redemption rate
        </h2>
        <CsvLink path={ESTIMATES_PATH} query={{}} table="estimates" description="estimates" />
      </div>
      <ErrorAlert error={estimates.error} />
      {estimates.data && (
        <>
          <p>
            In force now: <strong>{percent(estimates.data.inForce.rate)}</strong>, {SOURCES[estimates.data.inForce.source]}.
          </p>
          {estimates.data.data.length === 0 ? (
            <p className="muted">Finance has not set an estimate yet.</p>
          ) : (
            <TableWrap label="Estimates set by finance">
              <table>
                <caption className="visually-hidden">Estimates set by finance, latest first</caption>
                <thead>
                  <tr>
                    <th scope="col">In force from</th>
                    <th scope="col" className="num">
                      Rate
                    </th>
                    <th scope="col">Note</th>
                    <th scope="col">Set</th>
                  </tr>
                </thead>
                <tbody>
                  {estimates.data.data.map((e) => (
                    <tr key={e.id}>
                      <th scope="row">{e.effectiveFrom}</th>
                      <td className="num">{percent(e.rate)}</td>
                      <td>{e.note ?? ""}</td>
                      <td>{formatDateTime(e.createdAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          )}
        </>
      )}
      {canSet ? <NewEstimateForm /> : <p className="muted">Owners set the estimate.</p>}
    </section>
  );
}

function NewEstimateForm() {
  const queryClient = useQueryClient();
  const { program } = useSession();
  const [rate, setRate] = useState("");
  const [effectiveFrom, setEffectiveFrom] = useState(today(program.timezone));
  const [note, setNote] = useState("");
  const [saved, setSaved] = useState<string | null>(null);
  const percentValue = Number(rate);
  const rateProblem =
    rate.trim() === "" || !Number.isFinite(percentValue) || percentValue < 0 || percentValue > 100
      ? "Enter the share of points expected to be redeemed, from 0 to 100%"
      : null;
  const [touched, setTouched] = useState(false);
  const add = useMutation({
    mutationFn: () =>
      sendOnce((opts) =>
        addRedemptionEstimate({ rate: Math.round(percentValue * 10_000) / 1_000_000, effectiveFrom, note: note || null }, opts),
      ),
    onSuccess: (e) => {
      setSaved(`${percent(e.rate)} in force from ${e.effectiveFrom}`);
      setRate("");
      setNote("");
      setTouched(false);
      void queryClient.invalidateQueries({ queryKey: revenueKeys.all });
      void queryClient.invalidateQueries({ queryKey: auditKeys.all });
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    setSaved(null);
    if (!rateProblem) add.mutate();
  };
  return (
    <form onSubmit={submit} noValidate aria-labelledby="new-estimate">
      <h3 id="new-estimate">Set a new estimate</h3>
      <div className="row" style={{ alignItems: "flex-start" }}>
        <Field
          label="Expected redemption rate (%)"
          hint="Share of points issued that will be redeemed"
          type="number"
          inputMode="decimal"
          min={0}
          max={100}
          step="any"
          value={rate}
          onChange={(e) => setRate(e.target.value)}
          error={(touched ? (rateProblem ?? undefined) : undefined) ?? fieldError(add.error, "rate")}
          required
        />
        <Field
          label="In force from"
          type="date"
          value={effectiveFrom}
          onChange={(e) => setEffectiveFrom(e.target.value)}
          error={fieldError(add.error, "effectiveFrom")}
          required
        />
        <Field label="Note" hint="The basis of the estimate" value={note} onChange={(e) => setNote(e.target.value)} />
      </div>
      <ErrorAlert error={add.error} />
      {saved && <Notice>Saved: {saved}. Reports re-measure revenue from that day.</Notice>}
      <button type="submit" disabled={add.isPending}>
        {add.isPending ? "Saving…" : "Set estimate"}
      </button>
    </form>
  );
}
