import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { Link } from "react-router";
import { Bar, BarChart, CartesianGrid, Legend, Tooltip, XAxis, YAxis } from "recharts";
import { ErrorAlert, formatNumber, formatPoints } from "../../shared/ui.tsx";
import { getRewardReport, REWARD_REPORT_PATH, type RewardReport, rewardReportKeys } from "../api/insights-rewards.ts";
import { DateRangeFields } from "../DateRangeFields.tsx";
import { TableWrap } from "../members/common.tsx";
import { useUrlRange } from "../report-dates.ts";
import { useSession } from "../session.tsx";
import { InsightsNav } from "./InsightsNav.tsx";
import { ChartPanel, CsvLink, NumHeads } from "./parts.tsx";
import { AVAILABILITY_LABELS, Flag } from "./reward-flags.tsx";

const COLORS = { redemptions: "#5b3cc4", members: "#067647" };

type Query = { from: string; to: string };
type Judged = RewardReport["popular"][number];

/** Insights: which rewards members redeem, which they pass over while they could afford them, and stock to watch. */
export default function RewardInsights() {
  const { program } = useSession();
  const { from, to, setRange } = useUrlRange(program.timezone, 90);
  const report = useQuery({
    queryKey: rewardReportKeys.report(from, to),
    queryFn: () => getRewardReport(from, to),
    placeholderData: keepPreviousData,
  });
  const data = report.data;
  const query = { from, to };

  return (
    <>
      <h1>Reward patterns</h1>
      <InsightsNav />
      <section className="panel" aria-label="Date range">
        <div className="row">
          <DateRangeFields from={from} to={to} error={report.error} onChange={setRange} />
        </div>
        <p className="muted" style={{ marginBottom: 0 }}>
          Days in the programme's time zone ({program.timezone}). Redemptions count when completed, cancelled ones left out;
          members' points, stock and vouchers are as they are now.
        </p>
      </section>

      <ErrorAlert error={report.error} />
      {report.isPending && <p role="status">Loading reward patterns…</p>}
      {data && data.rewards.length === 0 && <p className="muted">No rewards in the catalogue yet.</p>}
      {data && data.rewards.length > 0 && (
        <div aria-busy={report.isFetching}>
          <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fit, minmax(340px, 1fr))" }}>
            <JudgedList
              title="Popular"
              table="popular"
              query={query}
              rows={data.popular}
              intro={`Redeemed far more than the median reward (${formatNumber(data.median)} ${data.median === 1 ? "redemption" : "redemptions"} in this range). Stock up on those running low.`}
              empty="No reward stands out: none was redeemed at least three times and twice as often as the median."
            />
            <JudgedList
              title="Underused"
              table="underused"
              query={query}
              rows={data.underused}
              intro="On offer, in stock, and redeemed rarely or never while many members could afford them now: worth promoting, repricing or replacing."
              empty="No reward is passed over: each was redeemed, or too few members could afford it yet."
            />
          </div>
          <RedemptionsChart data={data} />
          <RewardsTable data={data} query={query} />
        </div>
      )}
    </>
  );
}

/** A ranked list (popular or underused), each reward with its reason in words. */
function JudgedList({
  title,
  table,
  query,
  rows,
  intro,
  empty,
}: {
  title: string;
  table: "popular" | "underused";
  query: Query;
  rows: Judged[];
  intro: string;
  empty: string;
}) {
  const id = useId();
  return (
    <section className="panel" aria-labelledby={id}>
      <div className="spread">
        <h2 id={id} style={{ margin: 0 }}>
          {title}
        </h2>
        <CsvLink path={REWARD_REPORT_PATH} query={query} table={table} description={`${title.toLowerCase()} rewards`} />
      </div>
      <p className="muted">{intro}</p>
      {rows.length === 0 ? (
        <p>{empty}</p>
      ) : (
        <ol style={{ paddingLeft: "1.25rem", margin: 0 }}>
          {rows.map((r) => (
            <li key={r.rewardId} style={{ marginBottom: "0.5rem" }}>
              <Link to={`/rewards/${r.rewardId}`}>{r.name}</Link>
              <div>{r.reason}</div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function RedemptionsChart({ data }: { data: RewardReport }) {
  const rows = data.rewards.filter((r) => r.daysOffered > 0 || r.redemptions > 0);
  if (rows.every((r) => r.redemptions === 0)) {
    return (
      <section className="panel">
        <h2 style={{ marginTop: 0 }}>Redemptions per reward</h2>
        <p className="muted">
          No redemptions between {data.from} and {data.to}.
        </p>
      </section>
    );
  }
  return (
    <ChartPanel
      title="Redemptions per reward"
      summary={`Bar chart of redemptions and members who redeemed per reward from ${data.from} to ${data.to}: ${rows.map((r) => `${r.name} ${r.redemptions}`).join(", ")}.`}
      height={Math.max(200, 70 + rows.length * 40)}
      table={
        <table>
          <caption>Redemptions per reward</caption>
          <thead>
            <tr>
              <th scope="col">Reward</th>
              <th scope="col">Redemptions</th>
              <th scope="col">Members</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.rewardId}>
                <th scope="row">{r.name}</th>
                <td>{r.redemptions}</td>
                <td>{r.members}</td>
              </tr>
            ))}
          </tbody>
        </table>
      }
    >
      <BarChart data={rows} layout="vertical" margin={{ top: 8, right: 16, bottom: 8, left: 8 }} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" horizontal={false} />
        <XAxis type="number" tick={{ fill: "#57606a", fontSize: 12 }} allowDecimals={false} />
        <YAxis type="category" dataKey="name" width={150} tick={{ fill: "#57606a", fontSize: 12 }} />
        <Tooltip formatter={(value) => formatNumber(Number(value))} />
        <Legend />
        <Bar isAnimationActive={false} dataKey="redemptions" name="Redemptions" fill={COLORS.redemptions} />
        <Bar isAnimationActive={false} dataKey="members" name="Members who redeemed" fill={COLORS.members} />
      </BarChart>
    </ChartPanel>
  );
}

const num = (n: number) => formatNumber(n);

function RewardsTable({ data, query }: { data: RewardReport; query: Query }) {
  const id = useId();
  return (
    <section className="panel" aria-labelledby={id}>
      <div className="spread">
        <h2 id={id} style={{ margin: 0 }}>
          Every reward
        </h2>
        <CsvLink path={REWARD_REPORT_PATH} query={query} table="rewards" description="every reward" />
      </div>
      <p className="muted">
        Vouchers issued in the range, by what became of them: an expired voucher was never used, so its reward cost nothing. Days
        of stock at the range's rate; within reach: members holding at least 80% of the cost now who have not redeemed it in the
        range.
      </p>
      <TableWrap label="Every reward, most redeemed first">
        <table>
          <caption className="visually-hidden">Every reward, most redeemed first</caption>
          <thead>
            <tr>
              <th scope="col">Reward</th>
              <th scope="col">Now</th>
              <NumHeads
                labels={[
                  "Redemptions",
                  "Members",
                  "Points spent",
                  "Vouchers issued",
                  "Used",
                  "Expired unused",
                  "Still open",
                  "Stock left",
                ]}
              />
              <th scope="col">Days of stock</th>
              <th scope="col" className="num">
                Within reach
              </th>
              <th scope="col" className="num">
                Can afford now
              </th>
            </tr>
          </thead>
          <tbody>
            {data.rewards.map((r) => (
              <tr key={r.rewardId}>
                <th scope="row">
                  <Link to={`/rewards/${r.rewardId}`}>{r.name}</Link>
                  <div className="muted" style={{ fontWeight: "normal" }}>
                    {formatPoints(r.costPoints)}, {r.daysOffered} {r.daysOffered === 1 ? "day" : "days"} on offer
                  </div>
                </th>
                <td>{AVAILABILITY_LABELS[r.availability]}</td>
                <td className="num">{num(r.redemptions)}</td>
                <td className="num">{num(r.members)}</td>
                <td className="num">{num(r.pointsSpent)}</td>
                <td className="num">{num(r.vouchersIssued)}</td>
                <td className="num">{num(r.vouchersUsed)}</td>
                <td className="num">{num(r.vouchersExpiredUnused)}</td>
                <td className="num">{num(r.vouchersOpen)}</td>
                <td className="num">{r.stockLeft === null ? "Unlimited" : num(r.stockLeft)}</td>
                <td>
                  {r.daysOfStock === null ? (
                    <span className="muted">{r.stockLeft === null ? "Unlimited" : "No rate yet"}</span>
                  ) : r.stockUp ? (
                    <Flag label="Stock up" reason={`${num(r.daysOfStock)} days left`} />
                  ) : (
                    num(r.daysOfStock)
                  )}
                </td>
                <td className="num">
                  {r.membersWithinReach === null ? (
                    <span className="muted">Not on offer</span>
                  ) : (
                    <>
                      {num(r.membersWithinReach)}
                      <div className="muted">from {formatPoints(r.withinReachFrom)}</div>
                    </>
                  )}
                </td>
                <td className="num">
                  {r.membersCanAfford === null ? <span className="muted">Not on offer</span> : num(r.membersCanAfford)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </section>
  );
}
