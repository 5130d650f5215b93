import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link, useLocation, useNavigate, useParams } from "react-router";
import type { Sent } from "../../shared/api/client.ts";
import { sendOnce } from "../../shared/api/http.ts";
import { ErrorAlert, Field, Notice, SelectField } from "../../shared/ui.tsx";
import {
  type Campaign,
  campaignKeys,
  createCampaign,
  getCampaign,
  type MemberCondition,
  type NewCampaign,
  updateCampaign,
} from "../api/campaigns.ts";
import { listRules, ruleKeys } from "../api/rules.ts";
import { getLadder, tierKeys } from "../api/tiers.ts";
import { CampaignRecurrence } from "../design/CampaignRecurrence.tsx";
import { CampaignTools } from "../design/CampaignTools.tsx";
import { CheckGroup, errorAt, TextArea } from "../design/common.tsx";
import { effectSummary } from "../design/effect-summary.ts";
import { dayOf, lastDayOf, list, num, str } from "../design/form-values.ts";
import { RuleForm } from "../design/RuleForm.tsx";
import { type RecurrenceDraft, recurrenceBody, recurrenceDraft } from "../design/recurrence-draft.ts";
import { Versions } from "../design/Versions.tsx";
import { CampaignResultSection } from "../insights/CampaignResultSection.tsx";
import { useSession } from "../session.tsx";

const NEXT: Record<Campaign["status"], Campaign["status"][]> = {
  draft: ["draft", "active", "ended"],
  active: ["active", "paused", "ended"],
  paused: ["paused", "active", "ended"],
  ended: ["ended"],
};
const STATUS_LABEL: Record<Campaign["status"], string> = {
  draft: "Draft (not running)",
  active: "Active",
  paused: "Paused",
  ended: "Ended (for good)",
};

interface CampaignDraft {
  name: string;
  description: string;
  status: Campaign["status"];
  startsAt: string;
  endsAt: string;
  tiers: string[];
  segments: string;
  holdoutPercent: string;
  budgetPoints: string;
  budgetPer: Campaign["budgetPer"];
  recurrence: RecurrenceDraft;
}

const STATE_LABEL: Record<Campaign["state"], string> = {
  draft: "a draft, not running",
  scheduled: "scheduled, not started yet",
  running: "running now",
  between: "between two occurrences",
  paused: "paused",
  ended: "ended",
};

function campaignDraft(c: Campaign | null, timezone: string): CampaignDraft {
  const tier = c?.audience.find((a) => a.type === "tier");
  const segment = c?.audience.find((a) => a.type === "segment");
  return {
    name: c?.name ?? "",
    description: c?.description ?? "",
    status: c?.status ?? "draft",
    startsAt: dayOf(c?.startsAt, timezone),
    endsAt: lastDayOf(c?.endsAt, timezone),
    tiers: tier?.in ?? [],
    segments: (segment?.in ?? []).join(", "),
    holdoutPercent: str(c?.holdoutPercent ?? 0),
    budgetPoints: str(c?.budget?.points),
    budgetPer: c?.budgetPer ?? "campaign",
    recurrence: recurrenceDraft(c?.recurrence),
  };
}

/** The body for a draft; audience conditions the form does not edit are kept as they are. */
function campaignBody(d: CampaignDraft, kept: MemberCondition[]): Sent<NewCampaign> {
  const audience: MemberCondition[] = [...kept];
  if (d.tiers.length > 0) audience.push({ type: "tier", in: d.tiers });
  const segments = list(d.segments);
  if (segments.length > 0) audience.push({ type: "segment", in: segments });
  return {
    name: d.name,
    description: d.description.trim() ? d.description : null,
    status: d.status,
    startsAt: d.startsAt || null,
    endsAt: d.endsAt || null,
    audience,
    holdoutPercent: num(d.holdoutPercent) ?? 0,
    budgetPoints: num(d.budgetPoints) ?? null,
    recurrence: recurrenceBody(d.recurrence),
    // A budget per occurrence needs occurrences.
    budgetPer: d.recurrence.freq === "none" ? "campaign" : d.budgetPer,
  };
}

/** A campaign: its terms, its rules (the shared rule editor), an example event and a backtest. */
export default function CampaignEdit() {
  const { campaignId } = useParams();
  const location = useLocation();
  const campaign = useQuery({
    queryKey: campaignKeys.one(campaignId),
    queryFn: () => getCampaign(campaignId ?? ""),
    enabled: Boolean(campaignId),
  });
  if (campaignId && campaign.error) return <ErrorAlert error={campaign.error} />;
  if (campaignId && !campaign.data) return <p>Loading…</p>;
  const current = campaign.data ?? null;
  return (
    <>
      <p>
        <Link to="/campaigns">← Campaigns</Link>
      </p>
      <h1>{current ? `Campaign: ${current.name}` : "New campaign"}</h1>
      {current && (location.state as { created?: boolean } | null)?.created && (
        <Notice>Campaign created. Now give it rules: what it rewards.</Notice>
      )}
      <CampaignForm key={current?.id ?? "new"} campaign={current} />
      {current && (
        <>
          <CampaignRules campaign={current} />
          <CampaignResultSection campaignId={current.id} />
          <CampaignTools campaign={current} />
          <Versions kind="campaign" id={current.id} showStatus />
        </>
      )}
    </>
  );
}

function CampaignForm({ campaign }: { campaign: Campaign | null }) {
  const { program } = useSession();
  const tz = program.timezone;
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [initial, setInitial] = useState(() => campaignDraft(campaign, tz));
  const [d, setD] = useState<CampaignDraft>(initial);
  const set = <K extends keyof CampaignDraft>(key: K, value: CampaignDraft[K]) => setD((prev) => ({ ...prev, [key]: value }));
  const kept = (campaign?.audience ?? []).filter((a) => a.type !== "tier" && a.type !== "segment");
  const tiers = useQuery({ queryKey: tierKeys.ladder, queryFn: getLadder });
  const save = useMutation({
    mutationFn: () => {
      const body = campaignBody(d, kept);
      if (!campaign) return sendOnce((o) => createCampaign(body, o));
      // Send only what changed: a live campaign's budget or schedule stays as it is unless edited.
      const before = campaignBody(initial, kept);
      const patch = Object.fromEntries(
        Object.entries(body).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k as keyof typeof before])),
      );
      return sendOnce((o) => updateCampaign(campaign.id, patch, o));
    },
    onSuccess: (saved) => {
      void queryClient.invalidateQueries({ queryKey: campaignKeys.all });
      void queryClient.invalidateQueries({ queryKey: campaignKeys.versions(saved.id) });
      queryClient.setQueryData(campaignKeys.one(saved.id), saved);
      setInitial(d);
      if (!campaign) navigate(`/campaigns/${saved.id}`, { replace: true, state: { created: true } });
    },
  });
  const err = (path: string) => errorAt(save.error, path);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const statuses = campaign ? NEXT[campaign.status] : (["draft", "active"] as const);
  const tierOptions = (tiers.data?.tiers ?? []).map((t) => ({ value: t.id, label: t.name }));
  return (
    <form onSubmit={submit} noValidate aria-label="Campaign">
      <div className="panel">
        <div className="grid">
          <Field
            label="Campaign name"
            value={d.name}
            onChange={(e) => set("name", e.target.value)}
            error={err("name")}
            required
          />
          <SelectField
            label="Status"
            value={d.status}
            onChange={(e) => set("status", e.target.value as Campaign["status"])}
            options={statuses.map((s) => ({ value: s, label: STATUS_LABEL[s] }))}
            error={err("status")}
          />
        </div>
        <TextArea
          label="Description"
          value={d.description}
          onChange={(e) => set("description", e.target.value)}
          error={err("description")}
        />
        {campaign && (
          <p className="muted">
            Now {STATE_LABEL[campaign.state]}. Version {campaign.version}
            {campaign.budget &&
              (campaign.budgetPer === "campaign"
                ? `; budget ${campaign.budget.points} points, ${campaign.budget.spent} spent, ${campaign.budget.remaining} left`
                : campaign.state === "running"
                  ? `; budget ${campaign.budget.points} points per occurrence, ${campaign.budget.spent} spent in this one, ${campaign.budget.remaining} left`
                  : `; budget ${campaign.budget.points} points per occurrence, each starting whole`)}
            .
          </p>
        )}

        <h2>Schedule</h2>
        <div className="row">
          <Field
            label="Starts on"
            type="date"
            value={d.startsAt}
            onChange={(e) => set("startsAt", e.target.value)}
            hint={`From midnight in ${tz}; blank: at once`}
            error={err("startsAt")}
          />
          <Field
            label="Ends on"
            type="date"
            value={d.endsAt}
            onChange={(e) => set("endsAt", e.target.value)}
            hint="Inclusive, to the end of that day; blank: no end"
            error={err("endsAt")}
          />
        </div>

        <CampaignRecurrence
          value={d.recurrence}
          onChange={(v) => set("recurrence", v)}
          timezone={tz}
          startsAt={d.startsAt}
          endsAt={d.endsAt}
          error={save.error}
        />

        <h2>Audience</h2>
        {tierOptions.length > 0 ? (
          <CheckGroup
            legend="Members in these tiers (none ticked: any tier)"
            options={tierOptions}
            value={d.tiers}
            onChange={(v) => set("tiers", v)}
            error={err(`audience.${kept.length}.in`)}
          />
        ) : (
          <p className="muted">No tier ladder yet: the campaign can target segments.</p>
        )}
        <Field
          label="Segments"
          value={d.segments}
          onChange={(e) => set("segments", e.target.value)}
          hint="Comma-separated; members in at least one. Blank: everyone"
          error={err(`audience.${kept.length + (d.tiers.length > 0 ? 1 : 0)}.in`)}
        />
        {kept.length > 0 && <p className="muted">Plus {kept.length} member attribute condition(s) set through the API, kept.</p>}

        <h2>Holdout and budget</h2>
        <div className="row">
          <Field
            label="Holdout (%)"
            inputMode="numeric"
            value={d.holdoutPercent}
            onChange={(e) => set("holdoutPercent", e.target.value)}
            hint="A control group that does not get the campaign, 0 to 50; the same members in every occurrence"
            error={err("holdoutPercent")}
          />
          <Field
            label="Budget (points)"
            inputMode="numeric"
            value={d.budgetPoints}
            onChange={(e) => set("budgetPoints", e.target.value)}
            hint={
              d.budgetPer === "occurrence"
                ? "The most points each occurrence may give; blank: no budget"
                : "The most points it may ever give; blank: no budget"
            }
            error={err("budgetPoints")}
          />
          {d.recurrence.freq !== "none" && (
            <SelectField
              label="Budget is for"
              value={d.budgetPer}
              onChange={(e) => set("budgetPer", e.target.value as Campaign["budgetPer"])}
              options={[
                { value: "campaign", label: "The whole campaign" },
                { value: "occurrence", label: "Each occurrence (starts whole each time)" },
              ]}
              hint="Set on a draft"
              error={err("budgetPer")}
            />
          )}
        </div>
      </div>
      <ErrorAlert error={save.error} />
      {save.isSuccess && campaign && <Notice>Saved: version {save.data.version}.</Notice>}
      <button type="submit" disabled={save.isPending}>
        {save.isPending ? "Saving…" : campaign ? "Save campaign" : "Create campaign"}
      </button>
    </form>
  );
}

function CampaignRules({ campaign }: { campaign: Campaign }) {
  const { program } = useSession();
  const [editing, setEditing] = useState<string | null>(null);
  const rules = useQuery({
    queryKey: ruleKeys.ofCampaign(campaign.id),
    queryFn: () => listRules({ campaignId: campaign.id }),
  });
  const list = rules.data?.data ?? [];
  return (
    <section aria-labelledby="campaign-rules" style={{ marginTop: "2rem" }}>
      <h2 id="campaign-rules">Rules of this campaign</h2>
      <ErrorAlert error={rules.error} />
      {list.length === 0 && !rules.isPending && (
        <p className="muted">No rules yet: the campaign gives nothing until it has one.</p>
      )}
      {list.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Rule</th>
                <th scope="col">Event</th>
                <th scope="col">Gives</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={r.id}>
                  <td>{r.name}</td>
                  <td>{r.trigger}</td>
                  <td>{effectSummary(r.effect, program.currency)}</td>
                  <td>
                    <span className="badge">{r.status}</span>
                  </td>
                  <td>
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => setEditing(r.id)}
                      aria-label={`Edit rule ${r.name}`}
                    >
                      Edit
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing === null ? (
        <p>
          <button type="button" className="secondary" onClick={() => setEditing("new")}>
            Add a rule
          </button>
        </p>
      ) : (
        <div style={{ marginTop: "1rem" }}>
          <h3>{editing === "new" ? "New rule for this campaign" : "Edit rule"}</h3>
          <RuleForm
            key={editing}
            rule={list.find((r) => r.id === editing) ?? null}
            campaignId={campaign.id}
            onSaved={() => setEditing(null)}
            onCancel={() => setEditing(null)}
          />
        </div>
      )}
    </section>
  );
}
