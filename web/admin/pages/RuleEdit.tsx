import { useQuery } from "@tanstack/react-query";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import { ErrorAlert, Notice } from "../../shared/ui.tsx";
import { getRule, previewRules, ruleKeys } from "../api/rules.ts";
import { ExampleEvent } from "../design/CampaignTools.tsx";
import { RuleForm } from "../design/RuleForm.tsx";
import { Versions } from "../design/Versions.tsx";

/** Create an earn rule, or edit one (each save is a new version) and see its versions. */
export default function RuleEdit() {
  const { ruleId } = useParams();
  const navigate = useNavigate();
  const location = useLocation();
  const rule = useQuery({
    queryKey: ruleKeys.one(ruleId),
    queryFn: () => getRule(ruleId ?? ""),
    enabled: Boolean(ruleId),
    refetchInterval: false,
    refetchOnWindowFocus: false,
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
          <ExampleEvent preview={previewRules} />
        </div>
      )}
      {current && <Versions kind="rule" id={current.id} />}
    </>
  );
}
