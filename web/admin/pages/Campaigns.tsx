import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { ErrorAlert, formatNumber } from "../../shared/ui.tsx";
import { campaignKeys, listCampaigns } from "../api/campaigns.ts";
import { formatDay, lastDayOf } from "../design/form-values.ts";
import { useSession } from "../session.tsx";

/** Campaigns: status, schedule (programme time), audience, holdout and budget use. */
export default function Campaigns() {
  const { program } = useSession();
  const tz = program.timezone;
  const campaigns = useQuery({ queryKey: campaignKeys.all, queryFn: listCampaigns });
  const list = campaigns.data?.data ?? [];
  return (
    <>
      <div className="spread">
        <h1>Campaigns</h1>
        <Link className="button" to="/campaigns/new">
          New campaign
        </Link>
      </div>
      <ErrorAlert error={campaigns.error} />
      {campaigns.isPending ? (
        <p>Loading…</p>
      ) : list.length === 0 ? (
        <p className="muted">No campaigns yet. A campaign runs rules for a time, for an audience, within a budget.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Campaigns</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Schedule ({tz})</th>
                <th scope="col">Audience</th>
                <th scope="col" className="num">
                  Holdout
                </th>
                <th scope="col">Budget</th>
                <th scope="col" className="num">
                  Rules
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/campaigns/${c.id}`}>{c.name}</Link>
                  </td>
                  <td>
                    <span className="badge">{c.status}</span> {c.running && <span className="badge">running</span>}
                  </td>
                  <td>
                    {c.startsAt || c.endsAt
                      ? `${c.startsAt ? formatDay(c.startsAt, tz) : "…"} – ${c.endsAt ? formatDay(lastDayOf(c.endsAt, tz), tz) : "…"}`
                      : "Always"}
                  </td>
                  <td>{c.audience.length === 0 ? "Everyone" : `${c.audience.length} condition(s)`}</td>
                  <td className="num">{c.holdoutPercent}%</td>
                  <td>
                    {c.budget ? (
                      <>
                        {formatNumber(c.budget.spent)} of {formatNumber(c.budget.points)} pts
                        <div
                          className="progress"
                          role="progressbar"
                          aria-label={`Budget used by ${c.name}`}
                          aria-valuemin={0}
                          aria-valuemax={c.budget.points}
                          aria-valuenow={c.budget.spent}
                        >
                          <span style={{ width: `${Math.min(100, (100 * c.budget.spent) / c.budget.points)}%` }} />
                        </div>
                      </>
                    ) : (
                      "No budget"
                    )}
                  </td>
                  <td className="num">{c.ruleIds.length}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
