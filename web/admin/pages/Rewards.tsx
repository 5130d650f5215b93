import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { optionsOf, REWARD_TYPE_LABELS } from "../../shared/api/values.ts";
import { ErrorAlert, formatNumber, Pager, SelectField } from "../../shared/ui.tsx";
import { getRewardReport, rewardReportKeys } from "../api/insights-rewards.ts";
import { listRewards, type RewardFilters, rewardKeys } from "../api/rewards.ts";
import { Flag } from "../insights/reward-flags.tsx";
import { shift, today } from "../report-dates.ts";
import { useSession } from "../session.tsx";

/** How far back the catalogue counts redemptions. */
const RECENT_DAYS = 90;

/**
 * The rewards catalogue: image, cost, stock left, status, and redemptions over the last 90 days
 * (the reward report's), flagging underused rewards with the reason; newest first, a page at a time.
 */
export default function Rewards() {
  const { program } = useSession();
  const [status, setStatus] = useState<RewardFilters["status"]>("");
  const [type, setType] = useState<RewardFilters["type"]>("");
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const rewards = useQuery({
    queryKey: rewardKeys.list({ status, type, cursor }),
    queryFn: () => listRewards({ status, type, cursor }, 25),
  });
  const list = rewards.data?.data ?? [];
  const to = today(program.timezone);
  const from = shift(to, { days: -(RECENT_DAYS - 1) });
  const recent = useQuery({ queryKey: rewardReportKeys.report(from, to), queryFn: () => getRewardReport(from, to) });
  const figures = new Map(recent.data?.rewards.map((r) => [r.rewardId, r]));
  const underused = new Map(recent.data?.underused.map((r) => [r.rewardId, r.reason]));
  return (
    <>
      <div className="spread">
        <h1>Rewards</h1>
        <div className="row">
          <Link className="button secondary" to="/insights/rewards">
            Reward patterns
          </Link>
          <Link className="button" to="/rewards/new">
            New reward
          </Link>
        </div>
      </div>
      <div className="row">
        <SelectField
          label="Status"
          value={status}
          onChange={(e) => {
            setStatus(e.target.value as RewardFilters["status"]);
            setCursors([undefined]);
          }}
          options={[
            { value: "", label: "Any status" },
            { value: "active", label: "Active" },
            { value: "inactive", label: "Inactive" },
            { value: "archived", label: "Archived" },
          ]}
        />
        <SelectField
          label="Type"
          value={type}
          onChange={(e) => {
            setType(e.target.value as RewardFilters["type"]);
            setCursors([undefined]);
          }}
          options={[{ value: "", label: "Any type" }, ...optionsOf(REWARD_TYPE_LABELS)]}
        />
      </div>
      <ErrorAlert error={rewards.error} />
      {rewards.isPending ? (
        <p>Loading…</p>
      ) : list.length === 0 ? (
        <p className="muted">No rewards here yet. Members spend points on rewards: add one with “New reward”.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Rewards</caption>
            <thead>
              <tr>
                <th scope="col">Image</th>
                <th scope="col">Name</th>
                <th scope="col">Type</th>
                <th scope="col" className="num">
                  Cost
                </th>
                <th scope="col" className="num">
                  Stock left
                </th>
                <th scope="col">Redeemed (last {RECENT_DAYS} days)</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={r.id}>
                  <td>
                    {r.imageUrl ? (
                      <img src={r.imageUrl} alt={r.name} width={48} height={48} style={{ objectFit: "cover", borderRadius: 6 }} />
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td>
                    <Link to={`/rewards/${r.id}`}>{r.name}</Link>
                  </td>
                  <td>{REWARD_TYPE_LABELS[r.type]}</td>
                  <td className="num">{formatNumber(r.costPoints)} pts</td>
                  <td className="num">
                    {r.stock ? `${formatNumber(r.stock.remaining)} of ${formatNumber(r.stock.total)}` : "Unlimited"}
                    {r.codesAvailable !== null && <div className="muted">{formatNumber(r.codesAvailable)} codes</div>}
                  </td>
                  <td>
                    {/* Not in the report: an archived reward nobody redeemed in the range (or one made since it was read). */}
                    {recent.data ? formatNumber(figures.get(r.id)?.redemptions ?? 0) : <span className="muted">—</span>}
                    {underused.has(r.id) && <Flag label="Underused" reason={underused.get(r.id)} />}
                  </td>
                  <td>
                    <span className="badge">{r.status}</span>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <Pager nextCursor={rewards.data?.nextCursor} cursors={cursors} onChange={setCursors} />
    </>
  );
}
