import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { ErrorAlert, formatNumber, formatPoints, Stat } from "../../shared/ui.tsx";
import { campaignResultKeys, getCampaignResult, type ResultsWindow } from "../api/insights-campaigns.ts";
import { DateRangeFields } from "../DateRangeFields.tsx";
import {
  GroupsTable,
  liftText,
  minor,
  moneyRange,
  perMajorUnit,
  pText,
  SpendChart,
  VerdictBadge,
} from "./campaign-result-parts.tsx";
import { CsvLink } from "./parts.tsx";

const points = (x: number | undefined) => (x === undefined ? "—" : (x * 100).toFixed(1));

/** A campaign's own page: its results (treated vs held out) over its dates, or any window. */
export function CampaignResultSection({ campaignId }: { campaignId: string }) {
  const [range, setRange] = useState<ResultsWindow>({});
  const [draft, setDraft] = useState<{ from: string; to: string }>({ from: "", to: "" });
  const report = useQuery({
    queryKey: campaignResultKeys.one(campaignId, range),
    queryFn: () => getCampaignResult(campaignId, range),
  });
  const change = (next: { from?: string; to?: string }) => {
    const merged = { ...draft, ...next };
    setDraft(merged);
    if (merged.from && merged.to) setRange(merged);
  };
  const data = report.data;
  const r = data?.campaign;
  const currency = data?.currency ?? "USD";
  return (
    <section className="panel" aria-labelledby="campaign-results">
      <h2 id="campaign-results">Results</h2>
      <div className="row">
        <DateRangeFields from={draft.from} to={draft.to} error={report.error} onChange={change} />
        <CsvLink
          path={`/v1/reports/campaigns/${campaignId}`}
          query={{ ...range }}
          table="campaign"
          description="this campaign's results"
        />
      </div>
      <ErrorAlert error={report.error} />
      {report.isPending && <p role="status">Loading the campaign's results…</p>}
      {r && data && (
        <>
          <p>
            <VerdictBadge result={r} /> {r.reason}.{" "}
            <span className="muted">
              From {r.from} to {r.to}
              {range.from ? "" : " (the campaign's own dates, up to today)"}.
            </span>
          </p>
          <div className="row">
            <Stat label="Members reached" value={formatNumber(r.treated.members)} hint="treated audience members" />
            <Stat label="Points awarded" value={formatPoints(r.points)} hint={`cost ${minor(r.pointsCost, currency)}`} />
            <Stat
              label="Incremental revenue"
              value={minor(r.incrementalRevenue, currency)}
              hint={r.incrementalRevenueCi ? `95%: ${moneyRange(r.incrementalRevenueCi, currency)}` : "needs a holdout"}
            />
            <Stat
              label="Cost per incremental unit"
              value={perMajorUnit(r.costPerIncrementalRevenue, currency)}
              hint={`of points per ${currency} of incremental revenue`}
            />
          </div>
          <GroupsTable result={r} currency={currency} />
          {r.holdoutPercent > 0 ? (
            <dl>
              <dt>Conversion, treated minus held out</dt>
              <dd>
                {r.conversion
                  ? `${points(r.conversion.difference)} percentage points (95%: ${points(r.conversion.differenceCi?.[0])} to ${points(
                      r.conversion.differenceCi?.[1],
                    )}), z = ${r.conversion.z.toFixed(2)}, ${pText(r.conversion.pValue)}`
                  : "cannot be tested (an empty group, or no difference in who bought)"}
              </dd>
              <dt>Lift in spend per member (Welch's t-test)</dt>
              <dd>
                {r.spendPerMember
                  ? `${liftText(r.spendPerMember.lift, r.spendPerMember.liftCi)}, t = ${r.spendPerMember.t.toFixed(2)}, df = ${r.spendPerMember.df.toFixed(1)}, ${pText(r.spendPerMember.pValue)}`
                  : "cannot be tested (fewer than two members in a group, or no spend varies)"}
              </dd>
              <dt>Difference in spend per member (bootstrap)</dt>
              <dd>
                {data.bootstrap
                  ? `95%: ${moneyRange(data.bootstrap.differenceCi, currency)} (${formatNumber(data.bootstrap.resamples)} resamples, seed ${data.bootstrap.seed})`
                  : "—"}
              </dd>
            </dl>
          ) : (
            <p className="muted">
              Lift needs a holdout: set a holdout share above so part of the audience is kept out and compared. Meanwhile, the
              treated members' spend per member was {minor(r.beforeAfter.spendPerMemberBefore, currency)} from{" "}
              {r.beforeAfter.beforeFrom} to {r.beforeAfter.beforeTo} and {minor(r.beforeAfter.spendPerMemberDuring, currency)}{" "}
              during the campaign ({formatNumber(r.beforeAfter.members)} members there for both; seasons move it too).
            </p>
          )}
          <SpendChart results={[r]} currency={currency} title="Spend per member" />
        </>
      )}
    </section>
  );
}
