import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { formatNumber } from "../../shared/ui.tsx";
import type { CampaignResult } from "../api/insights-campaigns.ts";
import { formatMinor, TableWrap } from "../members/common.tsx";
import { ChartPanel } from "./parts.tsx";

/** What a campaign's results allow one to say, as a short label (the API's `reason` says why). */
export const VERDICT_LABELS: Record<CampaignResult["verdict"], string> = {
  lift: "Worked: more spend",
  drop: "Backfired: less spend",
  not_significant: "Not significant",
  too_small: "Too small to tell",
  no_holdout: "No holdout",
};

export const COLORS = { treated: "#5b3cc4", holdout: "#98a2b3" };

export const percent = (x: number | null | undefined, digits = 1) =>
  x === null || x === undefined ? "—" : `${(x * 100).toFixed(digits)}%`;
const signedPercent = (x: number) => `${x > 0 ? "+" : x < 0 ? "−" : ""}${Math.abs(x * 100).toFixed(1)}%`;
export const pValue = (p: number | null | undefined) =>
  p === null || p === undefined ? "—" : p < 0.001 ? "< 0.001" : p.toFixed(3);
/** "p < 0.001", "p = 0.311". */
export const pText = (p: number) => (p < 0.001 ? "p < 0.001" : `p = ${p.toFixed(3)}`);
export const minor = (amount: number | null | undefined, currency: string) =>
  amount === null || amount === undefined ? "—" : formatMinor(amount, currency);

const digitsOf = (currency: string) =>
  new Intl.NumberFormat(undefined, { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;

/** Cost per unit of incremental revenue as money per one major unit ("$0.25" per incremental dollar). */
export const perMajorUnit = (ratio: number | null, currency: string) =>
  ratio === null ? "—" : formatMinor(Math.round(ratio * 10 ** digitsOf(currency)), currency);

/** A relative lift and its 95% interval: "+250.0% (−546.1% to +1046.1%)". */
export function liftText(lift: number | null | undefined, ci: number[] | null | undefined) {
  if (lift === null || lift === undefined) return "—";
  const [lo, hi] = ci ?? [];
  return lo === undefined || hi === undefined
    ? signedPercent(lift)
    : `${signedPercent(lift)} (${signedPercent(lo)} to ${signedPercent(hi)})`;
}

export function moneyRange(ci: number[] | null | undefined, currency: string) {
  const [lo, hi] = ci ?? [];
  return lo === undefined || hi === undefined ? "" : `${formatMinor(lo, currency)} to ${formatMinor(hi, currency)}`;
}

export function VerdictBadge({ result }: { result: CampaignResult }) {
  // A lift reads green, a drop red (the badge's blocked style), anything else in the plain badge.
  const worked = result.verdict === "lift" ? { background: "#ecfdf3", color: "var(--ok)", borderColor: "#75e0a7" } : undefined;
  return (
    <span className={result.verdict === "drop" ? "badge blocked" : "badge"} style={worked} title={result.reason}>
      {VERDICT_LABELS[result.verdict]}
    </span>
  );
}

/** Spend per member, treated vs held out, per campaign: a grouped bar chart with its numbers as a table. */
export function SpendChart({ results, currency, title }: { results: CampaignResult[]; currency: string; title: string }) {
  const digits = digitsOf(currency);
  const major = (v: number | null) => (v === null ? 0 : v / 10 ** digits);
  const data = results.map((r) => ({
    name: r.name,
    treated: major(r.treated.spendPerMember),
    holdout: r.holdoutPercent > 0 ? major(r.holdout.spendPerMember) : null,
  }));
  return (
    <ChartPanel
      title={title}
      summary={`Spend per member, treated vs held out, for ${results.length === 1 ? "this campaign" : `${results.length} campaigns`}`}
      height={Math.max(200, 80 + results.length * 56)}
      table={
        <table>
          <caption>Spend per member, treated vs held out</caption>
          <thead>
            <tr>
              <th scope="col">Campaign</th>
              <th scope="col" className="num">
                Treated
              </th>
              <th scope="col" className="num">
                Held out
              </th>
            </tr>
          </thead>
          <tbody>
            {results.map((r) => (
              <tr key={r.campaignId}>
                <th scope="row">{r.name}</th>
                <td className="num">{minor(r.treated.spendPerMember, currency)}</td>
                <td className="num">{r.holdoutPercent > 0 ? minor(r.holdout.spendPerMember, currency) : "no holdout"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <BarChart data={data} layout="vertical" margin={{ left: 24, right: 16 }}>
        <CartesianGrid strokeDasharray="3 3" horizontal={false} />
        <XAxis type="number" tickFormatter={(v: number) => formatNumber(v)} />
        <YAxis type="category" dataKey="name" width={160} />
        <Tooltip />
        <Legend />
        <Bar dataKey="treated" name={`Treated (${currency} per member)`} fill={COLORS.treated} isAnimationActive={false} />
        <Bar dataKey="holdout" name={`Held out (${currency} per member)`} fill={COLORS.holdout} isAnimationActive={false} />
      </BarChart>
    </ChartPanel>
  );
}

/** One campaign's groups side by side: members, buyers, conversion, purchases and spend per member. */
export function GroupsTable({ result, currency }: { result: CampaignResult; currency: string }) {
  const rows: [string, (g: CampaignResult["treated"]) => string][] = [
    ["Members in the audience", (g) => formatNumber(g.members)],
    ["Bought in the window", (g) => formatNumber(g.buyers)],
    ["Conversion", (g) => percent(g.conversion)],
    ["Purchases per member", (g) => (g.purchasesPerMember === null ? "—" : g.purchasesPerMember.toFixed(2))],
    ["Spend", (g) => minor(g.spend, currency)],
    ["Spend per member", (g) => minor(g.spendPerMember, currency)],
  ];
  return (
    <TableWrap label="Treated vs held out">
      <table>
        <caption className="visually-hidden">Treated vs held out members of {result.name}</caption>
        <thead>
          <tr>
            <th scope="col">Figure</th>
            <th scope="col" className="num">
              Treated
            </th>
            <th scope="col" className="num">
              Held out ({result.holdoutPercent}%)
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, value]) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td className="num">{value(result.treated)}</td>
              <td className="num">{result.holdoutPercent > 0 ? value(result.holdout) : "—"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}
