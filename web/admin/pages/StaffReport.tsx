import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ErrorAlert, formatNumber } from "../../shared/ui.tsx";
import { getStaffReport, type StaffReport as Report, reportKeys } from "../api/reports.ts";
import { DateRangeFields } from "../DateRangeFields.tsx";
import { CsvLink } from "../insights/parts.tsx";
import { formatMinor, TableWrap } from "../members/common.tsx";
import { useUrlRange } from "../report-dates.ts";
import { useSession } from "../session.tsx";

const COLORS = { sales: "#5b3cc4", enrolments: "#067647", redemptions: "#b54708" };

type Counts = Report["totals"];

/** A cashier's row label: their name, the key's name, or the id when neither is known. */
const who = (s: Report["staff"][number]) => s.name ?? s.actor ?? "Not recorded (before names were kept)";
const where = (s: Report["stores"][number]) => s.storeId ?? "No store";

/** One table of counts (per cashier or per store), with the totals in its footer. */
function CountsTable({
  caption,
  heading,
  rows,
  totals,
  currency,
}: {
  caption: string;
  heading: string;
  rows: { key: string; label: string; counts: Counts }[];
  totals: Counts;
  currency: string;
}) {
  const cells = (c: Counts) => (
    <>
      <td className="num">{formatNumber(c.enrolments)}</td>
      <td className="num">{formatNumber(c.sales)}</td>
      <td className="num">{formatMinor(c.salesAmount, currency)}</td>
      <td className="num">{formatNumber(c.redemptions)}</td>
      <td className="num">{formatNumber(c.vouchersUsed)}</td>
    </>
  );
  return (
    <TableWrap label={caption}>
      <table>
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{heading}</th>
            <th scope="col" className="num">
              Sign-ups
            </th>
            <th scope="col" className="num">
              Sales
            </th>
            <th scope="col" className="num">
              Sales amount
            </th>
            <th scope="col" className="num">
              Redemptions
            </th>
            <th scope="col" className="num">
              Vouchers used
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.key}>
              <th scope="row">{r.label}</th>
              {cells(r.counts)}
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Total</th>
            {cells(totals)}
          </tr>
        </tfoot>
      </table>
    </TableWrap>
  );
}

/** For managers: who signed members up, rang up sales and redeemed rewards, per cashier and per store. */
export default function StaffReport() {
  const { program } = useSession();
  const chartId = useId();
  const { from, to, setRange } = useUrlRange(program.timezone, 30);
  const report = useQuery({
    queryKey: reportKeys.staff(from, to),
    queryFn: () => getStaffReport(from, to),
    placeholderData: keepPreviousData,
  });
  const data = report.data;
  const chart = (data?.staff ?? []).map((s) => ({
    name: who(s),
    sales: s.sales,
    enrolments: s.enrolments,
    redemptions: s.redemptions,
  }));

  return (
    <>
      <h1>Staff report</h1>
      <section className="panel" aria-label="Date range">
        <div className="row">
          <DateRangeFields from={from} to={to} error={report.error} onChange={setRange} />
          <CsvLink path="/v1/reports/staff" query={{ from, to }} table="staff" label="Download CSV per cashier" />
          <CsvLink path="/v1/reports/staff" query={{ from, to }} table="stores" label="Download CSV per store" />
        </div>
        <p className="muted" style={{ marginBottom: 0 }}>
          Days in the programme's time zone ({program.timezone}). Sales are counted net of returns (a sale returned in full is not
          counted); cancelled redemptions are left out. A store is the one the till signed in for, or the one a sale names.
        </p>
      </section>

      <ErrorAlert error={report.error} />
      {report.isPending && <p role="status">Loading the staff report…</p>}
      {data && data.staff.length === 0 && (
        <p className="muted">
          Nothing was recorded from {data.from} to {data.to}.
        </p>
      )}
      {data && data.staff.length > 0 && (
        <div aria-busy={report.isFetching}>
          <section className="panel" aria-labelledby={chartId}>
            <h2 id={chartId} style={{ marginTop: 0 }}>
              Per cashier
            </h2>
            <div
              role="img"
              aria-label={`Sales, sign-ups and redemptions per cashier from ${data.from} to ${data.to}`}
              style={{ width: "100%", height: Math.max(180, 60 + chart.length * 48) }}
            >
              <ResponsiveContainer width="100%" height="100%">
                <BarChart data={chart} layout="vertical" margin={{ left: 24, right: 16 }}>
                  <CartesianGrid strokeDasharray="3 3" horizontal={false} />
                  <XAxis type="number" allowDecimals={false} />
                  <YAxis type="category" dataKey="name" width={160} />
                  <Tooltip />
                  <Legend />
                  <Bar dataKey="sales" name="Sales" fill={COLORS.sales} />
                  <Bar dataKey="enrolments" name="Sign-ups" fill={COLORS.enrolments} />
                  <Bar dataKey="redemptions" name="Redemptions" fill={COLORS.redemptions} />
                </BarChart>
              </ResponsiveContainer>
            </div>
            <CountsTable
              caption="Per cashier, busiest first"
              heading="Cashier"
              rows={data.staff.map((s) => ({ key: s.actor ?? "-", label: who(s), counts: s }))}
              totals={data.totals}
              currency={data.currency}
            />
          </section>
          <section className="panel" aria-label="Per store">
            <h2 style={{ marginTop: 0 }}>Per store</h2>
            <CountsTable
              caption="Per store, busiest first"
              heading="Store"
              rows={data.stores.map((s) => ({ key: s.storeId ?? "-", label: where(s), counts: s }))}
              totals={data.totals}
              currency={data.currency}
            />
          </section>
        </div>
      )}
    </>
  );
}
