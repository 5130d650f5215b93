import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { describeRecurrence } from "../../../src/campaigns/recurrence.rules.ts";
import { ErrorAlert, formatNumber } from "../../shared/ui.tsx";
import { type Campaign, campaignKeys, listCampaigns } from "../api/campaigns.ts";
import { formatDay, lastDayOf } from "../design/form-values.ts";
import { occurrenceDay } from "../design/recurrence-draft.ts";
import { useSession } from "../session.tsx";

/** The state the API answers (by status and schedule, programme time) as the list shows it. */
const STATE_LABEL: Record<Campaign["state"], string> = {
  draft: "draft",
  scheduled: "scheduled",
  running: "running",
  between: "waiting",
  paused: "paused",
  ended: "ended",
};

/** A recurring campaign's next occurrence to come (not the one running now). */
function nextStart(c: Campaign): string | null {
  const next = c.state === "running" ? c.nextOccurrences[1] : c.nextOccurrences[0];
  return next?.startsAt ?? null;
}

function schedule(c: Campaign, tz: string): string {
  const dates = (iso: string | null) => (iso ? new Date(iso) : null);
  if (c.recurrence) return describeRecurrence(c.recurrence, tz, dates(c.startsAt), dates(c.endsAt));
  if (!c.startsAt && !c.endsAt) return "Always";
  return `${c.startsAt ? formatDay(c.startsAt, tz) : "…"} – ${c.endsAt ? formatDay(lastDayOf(c.endsAt, tz), tz) : "…"}`;
}

/** Campaigns: state, schedule (programme time), audience, holdout and budget use. */
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
                <th scope="col">State</th>
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
                    <span className={`badge state-${c.state}`}>{STATE_LABEL[c.state]}</span>
                    {c.recurrence && nextStart(c) && (
                      <>
                        {" "}
                        <div className="muted">next: {occurrenceDay(nextStart(c) ?? "", tz)}</div>
                      </>
                    )}
                  </td>
                  <td>{schedule(c, tz)}</td>
                  <td>{c.audience.length === 0 ? "Everyone" : `${c.audience.length} condition(s)`}</td>
                  <td className="num">{c.holdoutPercent}%</td>
                  <td>
                    {c.budget ? (
                      <>
                        {formatNumber(c.budget.spent)} of {formatNumber(c.budget.points)} pts
                        {c.budgetPer === "occurrence" && " this time"}
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
