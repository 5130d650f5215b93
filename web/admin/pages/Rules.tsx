import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { optionsOf, RULE_STATUS_LABELS } from "../../shared/api/values.ts";
import { ErrorAlert, SelectField } from "../../shared/ui.tsx";
import { campaignKeys, listCampaigns } from "../api/campaigns.ts";
import { listRules, type Rule, type RuleStatus, ruleKeys } from "../api/rules.ts";
import { effectSummary } from "../design/effect-summary.ts";
import { useSession } from "../session.tsx";

/** The earn rules: status, priority, schedule and what each gives; a campaign's rules name it. */
export default function Rules() {
  const { program } = useSession();
  const [status, setStatus] = useState<RuleStatus | "">("");
  const rules = useQuery({
    queryKey: ruleKeys.byStatus(status),
    queryFn: () => listRules({ status }),
  });
  const campaigns = useQuery({ queryKey: campaignKeys.all, queryFn: listCampaigns });
  const campaignName = new Map((campaigns.data?.data ?? []).map((c) => [c.id, c.name]));
  const list = [...(rules.data?.data ?? [])].sort((a, b) => b.priority - a.priority || a.name.localeCompare(b.name));
  return (
    <>
      <div className="spread">
        <h1>Earn rules</h1>
        <Link className="button" to="/rules/new">
          New rule
        </Link>
      </div>
      <div className="row">
        <SelectField
          label="Show"
          value={status}
          onChange={(e) => setStatus(e.target.value as RuleStatus | "")}
          options={[{ value: "", label: "All rules" }, ...optionsOf(RULE_STATUS_LABELS)]}
        />
      </div>
      <ErrorAlert error={rules.error} />
      {rules.isPending ? (
        <p>Loading…</p>
      ) : list.length === 0 ? (
        <p className="muted">No rules yet. A rule gives points when members do something: make one with “New rule”.</p>
      ) : (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Earn rules</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Event</th>
                <th scope="col">Gives</th>
                <th scope="col">Campaign</th>
                <th scope="col">Schedule</th>
                <th scope="col" className="num">
                  Priority
                </th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Version
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={r.id}>
                  <td>
                    <Link to={`/rules/${r.id}`}>{r.name}</Link>
                  </td>
                  <td>{r.trigger}</td>
                  <td>{effectSummary(r.effect, program.currency)}</td>
                  <td>
                    {r.campaignId ? (
                      <Link to={`/campaigns/${r.campaignId}`}>{campaignName.get(r.campaignId) ?? "Campaign"}</Link>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td>{scheduleOf(r)}</td>
                  <td className="num">{r.priority}</td>
                  <td>
                    <span className="badge">{r.status}</span>
                    {r.stacking === "exclusive" && <span className="badge"> exclusive</span>}
                  </td>
                  <td className="num">{r.version}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}

function scheduleOf(rule: Rule): string {
  const window = rule.conditions.find((c) => c.type === "date_window");
  if (!window) return "Always";
  const from = window.from?.slice(0, 10);
  const to = window.to?.slice(0, 10);
  return from && to ? `${from} to ${to}` : from ? `From ${from}` : to ? `Until ${to}` : "Always";
}
