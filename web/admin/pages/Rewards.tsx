import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { optionsOf, REWARD_TYPE_LABELS } from "../../shared/api/values.ts";
import { ErrorAlert, formatNumber, Pager, SelectField } from "../../shared/ui.tsx";
import { listRewards, type RewardFilters, rewardKeys } from "../api/rewards.ts";

/** The rewards catalogue: image, cost, stock left and status; newest first, a page at a time. */
export default function Rewards() {
  const [status, setStatus] = useState<RewardFilters["status"]>("");
  const [type, setType] = useState<RewardFilters["type"]>("");
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const cursor = cursors.at(-1);
  const rewards = useQuery({
    queryKey: rewardKeys.list({ status, type, cursor }),
    queryFn: () => listRewards({ status, type, cursor }, 25),
  });
  const list = rewards.data?.data ?? [];
  return (
    <>
      <div className="spread">
        <h1>Rewards</h1>
        <Link className="button" to="/rewards/new">
          New reward
        </Link>
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
