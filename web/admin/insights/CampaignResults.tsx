import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link, useSearchParams } from "react-router";
import { ErrorAlert, formatNumber } from "../../shared/ui.tsx";
import { CAMPAIGN_RESULTS_PATH, campaignResultKeys, getCampaignResults } from "../api/insights-campaigns.ts";
import { DateRangeFields } from "../DateRangeFields.tsx";
import { TableWrap } from "../members/common.tsx";
import {
  liftText,
  minor,
  moneyRange,
  percent,
  perMajorUnit,
  pValue,
  SpendChart,
  VerdictBadge,
} from "./campaign-result-parts.tsx";
import { InsightsNav } from "./InsightsNav.tsx";
import { CsvLink, NumHeads } from "./parts.tsx";

/** What the figures mean, in a manager's words (the API's OpenAPI descriptions say it in full). */
export function ResultsExplained() {
  return (
    <p className="muted" style={{ marginBottom: 0 }}>
      A campaign's audience is split by a fixed draw into treated members and a held-out control group, whether or not they
      bought, so the two groups differ only by the campaign. Conversion is the share who bought in the window; spend per member
      counts those who bought nothing as 0, net of returns. Intervals are 95%; a verdict needs at least 30 members in each group
      and 5 expected buyers and non-buyers in each, and an interval that does not span zero.
    </p>
  );
}

/** Insights: which campaigns worked, treated vs holdout, with intervals and a plain verdict. */
export default function CampaignResults() {
  const [params, setParams] = useSearchParams();
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";
  const window = { from: from || undefined, to: to || undefined };
  const setRange = (next: { from?: string; to?: string }) => {
    const merged = { from, to, ...next };
    if (merged.from && merged.to) setParams(merged, { replace: true });
  };
  const report = useQuery({
    queryKey: campaignResultKeys.all(window),
    queryFn: () => getCampaignResults(window),
    placeholderData: keepPreviousData,
  });
  const data = report.data;
  const currency = data?.currency ?? "USD";

  return (
    <>
      <h1>Campaign results</h1>
      <InsightsNav />
      <section className="panel" aria-label="Date range">
        <div className="row">
          <DateRangeFields from={from} to={to} error={report.error} onChange={setRange} />
          {(from || to) && (
            <button type="button" className="button secondary" onClick={() => setParams({}, { replace: true })}>
              Each campaign's own dates
            </button>
          )}
          <CsvLink path={CAMPAIGN_RESULTS_PATH} query={window} table="campaigns" description="campaign results" />
        </div>
        <p className="muted">
          {from && to
            ? `Every campaign from ${from} to ${to} (days in the programme's time zone).`
            : "Each campaign over its own dates, up to today. Choose From and To to compare them over one window."}
        </p>
        <ResultsExplained />
      </section>

      <ErrorAlert error={report.error} />
      {report.isPending && <p role="status">Loading campaign results…</p>}
      {data && data.campaigns.length === 0 && (
        <p className="muted">
          No campaigns yet. <Link to="/campaigns/new">Create one</Link> with a holdout to measure it.
        </p>
      )}
      {data && data.campaigns.length > 0 && (
        <div aria-busy={report.isFetching}>
          <section className="panel" aria-label="Campaigns">
            <h2 style={{ marginTop: 0 }}>Campaigns</h2>
            <TableWrap label="Campaign results">
              <table>
                <caption className="visually-hidden">Campaign results, treated vs held out</caption>
                <thead>
                  <tr>
                    <th scope="col">Campaign</th>
                    <th scope="col">Verdict</th>
                    <NumHeads
                      labels={[
                        "Members (treated / held out)",
                        "Conversion (treated / held out)",
                        "Spend per member (treated / held out)",
                      ]}
                    />
                    <th scope="col">Lift in spend (95% interval)</th>
                    <NumHeads labels={["Incremental revenue (95% interval)", "p-value", "Points cost"]} />
                    <th scope="col" className="num">
                      Cost per incremental {currency}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {data.campaigns.map((r) => (
                    <tr key={r.campaignId}>
                      <th scope="row">
                        <Link to={`/campaigns/${r.campaignId}`}>{r.name}</Link>
                        <br />
                        <small className="muted">
                          <span style={{ whiteSpace: "nowrap" }}>{r.from}</span> to{" "}
                          <span style={{ whiteSpace: "nowrap" }}>{r.to}</span>
                        </small>
                      </th>
                      <td style={{ minWidth: "10rem" }}>
                        <VerdictBadge result={r} />
                        <br />
                        <small className="muted">{r.reason}</small>
                      </td>
                      <td className="num">
                        {formatNumber(r.treated.members)} / {r.holdoutPercent > 0 ? formatNumber(r.holdout.members) : "—"}
                      </td>
                      <td className="num">
                        {percent(r.treated.conversion)} / {r.holdoutPercent > 0 ? percent(r.holdout.conversion) : "—"}
                      </td>
                      <td className="num">
                        {minor(r.treated.spendPerMember, currency)} /{" "}
                        {r.holdoutPercent > 0 ? minor(r.holdout.spendPerMember, currency) : "—"}
                      </td>
                      <td>{liftText(r.spendPerMember?.lift, r.spendPerMember?.liftCi)}</td>
                      <td className="num">
                        {minor(r.incrementalRevenue, currency)}
                        <br />
                        <span className="muted">{moneyRange(r.incrementalRevenueCi, currency)}</span>
                      </td>
                      <td className="num" style={{ whiteSpace: "nowrap" }}>
                        {pValue(r.spendPerMember?.pValue)}
                      </td>
                      <td className="num">{minor(r.pointsCost, currency)}</td>
                      <td className="num">{perMajorUnit(r.costPerIncrementalRevenue, currency)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </TableWrap>
          </section>
          <SpendChart results={data.campaigns} currency={currency} title="Spend per member, treated vs held out" />
        </div>
      )}
    </>
  );
}
