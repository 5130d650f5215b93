import { useQuery } from "@tanstack/react-query";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { api } from "../../shared/api.ts";
import { ErrorAlert, formatDateTime, Notice } from "../../shared/ui.tsx";
import { ExampleEvent } from "../design/CampaignTools.tsx";
import { RuleForm } from "../design/RuleForm.tsx";
import type { Rule, Version } from "../design/types.ts";

/** Create an earn rule, or edit one (each save is a new version) and see its versions. */
export default function RuleEdit() {
  const { ruleId } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const rule = useQuery({
    queryKey: ["rule", ruleId],
    queryFn: () => api.get<Rule>(`/v1/rules/${ruleId}`),
    enabled: Boolean(ruleId),
    refetchInterval: false,
    refetchOnWindowFocus: false,
  });
  const versions = useQuery({
    queryKey: ["rule-versions", ruleId],
    queryFn: () => api.get<{ data: Version[] }>(`/v1/rules/${ruleId}/versions`),
    enabled: Boolean(ruleId),
  });
  if (ruleId && rule.error) return <ErrorAlert error={rule.error} />;
  if (ruleId && !rule.data) return <p>Loading…</p>;
  const current = rule.data ?? null;
  return (
    <>
      <p>
        <Link to="/rules">← Earn rules</Link>
      </p>
      <h1>{current ? `Rule: ${current.name}` : "New earn rule"}</h1>
      {current?.campaignId && (
        <Notice kind="info">
          Part of a campaign: it runs only while <Link to={`/campaigns/${current.campaignId}`}>the campaign</Link> does.
        </Notice>
      )}
      {current && (location.state as { created?: boolean } | null)?.created && <Notice>Rule created.</Notice>}
      {current && (
        <p className="muted">Version {current.version}. Saving makes a new version; awards keep the version that made them.</p>
      )}
      <RuleForm
        key={current?.id ?? "new"}
        rule={current}
        onSaved={(saved) => {
          if (!current) navigate(`/rules/${saved.id}`, { replace: true, state: { created: true } });
        }}
      />
      {current && !current.campaignId && (
        <div style={{ marginTop: "2rem" }}>
          <ExampleEvent path="/v1/rules/preview" />
        </div>
      )}
      {current && (
        <section aria-labelledby="versions-heading">
          <h2 id="versions-heading">Versions</h2>
          <ErrorAlert error={versions.error} />
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col" className="num">
                    Version
                  </th>
                  <th scope="col">Saved</th>
                  <th scope="col">By</th>
                </tr>
              </thead>
              <tbody>
                {(versions.data?.data ?? []).map((v) => (
                  <tr key={v.version}>
                    <td className="num">{v.version}</td>
                    <td>{formatDateTime(v.createdAt)}</td>
                    <td>{v.actor}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </>
  );
}
