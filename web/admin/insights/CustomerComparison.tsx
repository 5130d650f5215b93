/**
 * Members and other customers, side by side over a date range (GET /v1/insights/customers/comparison):
 * each measure with its definition, the guest purchases counted apart, members before vs after joining,
 * a CSV per table, and a chart of spend and frequency.
 */
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { ReactNode } from "react";
import { useId } from "react";
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { formatMinor } from "../../shared/money.ts";
import { ErrorAlert, formatNumber } from "../../shared/ui.tsx";
import { type ComparisonSide, type CustomerComparison, customerInsightKeys, getComparison } from "../api/insights-customers.ts";
import { DateRangeFields } from "../DateRangeFields.tsx";
import { TableWrap } from "../members/common.tsx";
import { useUrlRange } from "../report-dates.ts";
import { useSession } from "../session.tsx";
import { formatPercent, formatProgrammeDay, predictedClvWords } from "./customer-value-words.ts";
import { ChartPanel, CsvLink, NumHeads } from "./parts.tsx";

const PATH = "/v1/insights/customers/comparison";
/** Days the range covers unless the URL says otherwise: the API's own default, a year to today. */
const DEFAULT_DAYS = 365;
const COLORS = { spend: "#5b3cc4", frequency: "#0e7490" };
/** A rate per 30 days over less than a day watched (members who joined today) says nothing: shown as a dash, with a note. */
const MIN_RATE_DAYS = 1;
const axis = { tick: { fill: "#57606a", fontSize: 12 } };

/** Ratios (purchases per customer, per 30 days): two decimals. */
const two = (n: number) => new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(n);
const orDash = <T,>(n: T | null, format: (n: T) => string) => (n === null ? "—" : format(n));

/** One measure of the side-by-side table: its name, what it means, and each side's figure. */
interface Measure {
  name: string;
  means: string;
  value: (side: ComparisonSide, key: "members" | "nonMembers") => ReactNode;
}

function measures(data: CustomerComparison): Measure[] {
  const money = (n: number) => formatMinor(n, data.currency);
  const previousTo = formatProgrammeDay(shiftDay(data.from, -1));
  return [
    { name: "Customers", means: "Bought at least once in these dates.", value: (s) => formatNumber(s.customers) },
    {
      name: "Purchases",
      means: "Purchases in these dates; one returned in full does not count.",
      value: (s) => formatNumber(s.purchases),
    },
    { name: "Revenue", means: "What they spent, net of returns.", value: (s) => money(s.revenue) },
    {
      name: "Purchases per customer",
      means: "Purchases ÷ customers: how often a customer bought.",
      value: (s) => orDash(s.purchasesPerCustomer, two),
    },
    {
      name: "Spend per transaction",
      means: "Revenue ÷ purchases: the average basket.",
      value: (s) => orDash(s.spendPerTransaction, money),
    },
    { name: "Revenue per customer", means: "Revenue ÷ customers.", value: (s) => orDash(s.revenuePerCustomer, money) },
    {
      name: "Repeat rate",
      means: "The share of customers who bought on two different days or more in these dates.",
      value: (s) =>
        s.repeatRate === null ? "—" : <WithCount value={formatPercent(s.repeatRate)} count={customers(s.repeatCustomers)} />,
    },
    {
      name: "Retention",
      means: `Of the customers who bought from ${formatProgrammeDay(data.previousFrom)} to ${previousTo} (as many days just before), the share who bought again in these dates.`,
      value: (s) =>
        s.retention === null ? (
          <WithCount value="—" count="none bought before" />
        ) : (
          <WithCount
            value={formatPercent(s.retention)}
            count={`${formatNumber(s.retainedCustomers)} of ${formatNumber(s.previousCustomers)}`}
          />
        ),
    },
    {
      name: "Predicted 12-month value (CLV)",
      means:
        "The mean predicted value of these customers over the next 12 months: members' from the fitted model, non-members' from the same model fitted on their purchases.",
      value: (s, key) => {
        const reason = predictedClvWords(key, s.predictedClv);
        if (reason !== null) return <span className="clv-reason">{reason}</span>;
        return (
          <WithCount value={orDash(s.predictedClv.meanClv, money)} count={`over ${customers(s.predictedClv.valuedCustomers)}`} />
        );
      },
    },
  ];
}

const customers = (n: number) => `${formatNumber(n)} ${n === 1 ? "customer" : "customers"}`;

/** A figure with the count behind it on a line of its own, so the columns stay narrow on a phone. */
function WithCount({ value, count }: { value: string; count: string }) {
  return (
    <>
      <div>{value}</div>
      <div className="muted small">{count}</div>
    </>
  );
}

/** A YYYY-MM-DD day moved by whole days. */
function shiftDay(day: string, days: number): string {
  const at = new Date(`${day}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() + days);
  return at.toISOString().slice(0, 10);
}

/** The "Members and other customers" section of the Customers page, over the range in the page's URL. */
export function ComparisonSection() {
  const { program } = useSession();
  const headingId = useId();
  const { from, to, setRange } = useUrlRange(program.timezone, DEFAULT_DAYS);
  const report = useQuery({
    queryKey: customerInsightKeys.comparison(from, to),
    queryFn: () => getComparison(from, to),
    placeholderData: keepPreviousData,
  });
  const data = report.data;
  const query = { from, to };
  return (
    <>
      <section className="panel" aria-labelledby={headingId}>
        <h2 id={headingId} style={{ marginTop: 0 }}>
          Members and other customers
        </h2>
        <p className="muted">
          Members (their purchases, guest purchases they claimed included) against customers who are not members but gave a
          reference at the till (a card token or a hashed email), each reference counted as one customer. Days in the programme's
          time zone ({program.timezone}).
        </p>
        <div className="row">
          <DateRangeFields from={from} to={to} error={report.error} onChange={setRange} />
        </div>
        <ErrorAlert error={report.error} />
        {report.isPending && <p role="status">Loading the comparison…</p>}
        {data && <ComparisonBody data={data} query={query} />}
      </section>
      {data && <SpendChart data={data} />}
    </>
  );
}

function ComparisonBody({ data, query }: { data: CustomerComparison; query: Record<string, string> }) {
  const money = (n: number) => formatMinor(n, data.currency);
  const range = `${formatProgrammeDay(data.from)} to ${formatProgrammeDay(data.to)}`;
  return (
    <>
      <div className="spread" style={{ alignItems: "baseline" }}>
        <h3>Side by side, {range}</h3>
        <CsvLink path={PATH} query={query} table="sides" description="members and non-members side by side" />
      </div>
      <TableWrap label="Members and non-members side by side">
        <table className="comparison">
          <caption className="visually-hidden">Members and non-member customers, {range}: each measure and what it means</caption>
          <thead>
            <tr>
              <th scope="col">Measure</th>
              <NumHeads labels={["Members", "Non-members"]} />
            </tr>
          </thead>
          <tbody>
            {measures(data).map((m) => (
              <tr key={m.name}>
                <th scope="row">
                  <div>{m.name}</div>
                  <div className="muted small measure-means">{m.means}</div>
                </th>
                <td className="num">{m.value(data.members, "members")}</td>
                <td className="num">{m.value(data.nonMembers, "nonMembers")}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
      {data.nonMembers.customers === 0 && (
        <p className="muted small" data-testid="no-references">
          No customer outside the programme bought under a reference in these dates. Non-members are recognised when the till or
          integration sends a customer reference (customerRef) with a guest purchase.
        </p>
      )}

      <div className="spread" style={{ alignItems: "baseline" }}>
        <h3>Guest purchases counted apart</h3>
        <CsvLink path={PATH} query={query} table="guests" description="guest purchases counted apart" />
      </div>
      <ul className="guest-lines">
        <li data-testid="anonymous">
          <strong>Without a reference:</strong> {formatNumber(data.anonymous.purchases)}{" "}
          {data.anonymous.purchases === 1 ? "purchase" : "purchases"}, {money(data.anonymous.revenue)}. They cannot be told apart
          by customer, so neither side counts them.
        </li>
        <li data-testid="joined-since">
          <strong>By customers who have joined since:</strong> {formatNumber(data.joinedSince.purchases)}{" "}
          {data.joinedSince.purchases === 1 ? "purchase" : "purchases"}, {money(data.joinedSince.revenue)}. Guest purchases under
          a reference a member's purchase now carries, never claimed: in neither side, and in "before joining" below when that
          member claimed a purchase.
        </li>
      </ul>

      <JoiningTable data={data} query={query} />
    </>
  );
}

function JoiningTable({ data, query }: { data: CustomerComparison; query: Record<string, string> }) {
  const money = (n: number) => formatMinor(n, data.currency);
  const j = data.beforeAfterJoining;
  const parts = [
    { name: "Before joining", part: j.before },
    { name: "After joining", part: j.after },
  ];
  return (
    <>
      <div className="spread" style={{ alignItems: "baseline" }}>
        <h3>Members before and after joining</h3>
        <CsvLink path={PATH} query={query} table="joining" description="members before and after joining" />
      </div>
      <p className="muted">
        {j.members === 0
          ? "No member who bought in these dates had claimed a guest purchase, so none can be seen before joining."
          : `${formatNumber(j.members)} ${j.members === 1 ? "member" : "members"} who claimed a guest purchase: what they bought as guests before joining (their claimed purchases and others under their reference) and as members after, each part over the days they were watched in it. Purchases before joining without a reference or a claim are not seen, so "before" can only be lower than it was.`}
      </p>
      {j.members > 0 && (
        <TableWrap label="Members before and after joining">
          <table>
            <caption className="visually-hidden">Members who claimed a guest purchase, before and after joining</caption>
            <thead>
              <tr>
                <th scope="col">Part</th>
                <NumHeads labels={["Purchases", "Revenue", "Days watched", "Purchases per 30 days", "Spend per transaction"]} />
              </tr>
            </thead>
            <tbody>
              {parts.map(({ name, part }) => (
                <tr key={name}>
                  <th scope="row">{name}</th>
                  <td className="num">{formatNumber(part.purchases)}</td>
                  <td className="num">{money(part.revenue)}</td>
                  <td className="num">{two(part.exposureDays)}</td>
                  <td className="num">{part.exposureDays < MIN_RATE_DAYS ? "—" : orDash(part.purchasesPer30Days, two)}</td>
                  <td className="num">{orDash(part.spendPerTransaction, money)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {j.members > 0 && parts.some(({ part }) => part.exposureDays < MIN_RATE_DAYS) && (
        <p className="muted small" data-testid="joining-short">
          —: watched for less than a day so far (members who joined today), too short for a rate per 30 days.
        </p>
      )}
    </>
  );
}

/** Spend per transaction (money, left axis) and purchases per customer (right axis), members vs non-members. */
function SpendChart({ data }: { data: CustomerComparison }) {
  const money = (n: number | null) => (n === null ? "none" : formatMinor(n, data.currency));
  const ratio = (n: number | null) => (n === null ? "none" : two(n));
  const sides = [
    { key: "members", label: "Members", side: data.members },
    { key: "nonMembers", label: "Non-members", side: data.nonMembers },
  ] as const;
  const rows = sides.map(({ label, side }) => ({
    label,
    spend: side.spendPerTransaction,
    frequency: side.purchasesPerCustomer,
  }));
  const summary = `Bar chart, ${formatProgrammeDay(data.from)} to ${formatProgrammeDay(data.to)}: spend per transaction, members ${money(data.members.spendPerTransaction)}, non-members ${money(data.nonMembers.spendPerTransaction)}; purchases per customer, members ${ratio(data.members.purchasesPerCustomer)}, non-members ${ratio(data.nonMembers.purchasesPerCustomer)}.`;
  return (
    <ChartPanel
      title="Spend and frequency"
      summary={summary}
      height={240}
      table={
        <table>
          <caption>Spend per transaction and purchases per customer, members and non-members</caption>
          <thead>
            <tr>
              <th scope="col">Customers</th>
              <th scope="col">Spend per transaction</th>
              <th scope="col">Purchases per customer</th>
            </tr>
          </thead>
          <tbody>
            {sides.map(({ key, label, side }) => (
              <tr key={key}>
                <th scope="row">{label}</th>
                <td>{money(side.spendPerTransaction)}</td>
                <td>{ratio(side.purchasesPerCustomer)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <BarChart data={rows} margin={{ top: 8, right: 8, bottom: 8, left: 8 }} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
        <XAxis dataKey="label" {...axis} />
        {/* Each axis in its bars' colour: the money axis reads with the spend bars, the other with the frequency bars. */}
        <YAxis
          yAxisId="spend"
          tick={{ ...axis.tick, fill: COLORS.spend }}
          stroke={COLORS.spend}
          tickFormatter={(v) => formatMinor(Number(v), data.currency)}
        />
        <YAxis
          yAxisId="frequency"
          orientation="right"
          tick={{ ...axis.tick, fill: COLORS.frequency }}
          stroke={COLORS.frequency}
        />
        <Tooltip
          formatter={(value, name) =>
            name === "Spend per transaction" ? formatMinor(Number(value), data.currency) : two(Number(value))
          }
        />
        <Legend />
        <Bar isAnimationActive={false} yAxisId="spend" dataKey="spend" name="Spend per transaction" fill={COLORS.spend} />
        <Bar
          isAnimationActive={false}
          yAxisId="frequency"
          dataKey="frequency"
          name="Purchases per customer"
          fill={COLORS.frequency}
        />
      </BarChart>
    </ChartPanel>
  );
}
