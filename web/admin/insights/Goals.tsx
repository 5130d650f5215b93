import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useId, useState } from "react";
import { useSearchParams } from "react-router";
import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, Tooltip, XAxis, YAxis } from "recharts";
import { sendOnce } from "../../shared/api/http.ts";
import { ErrorAlert, Field, fieldError, formatNumber, Notice, SelectField, TextArea } from "../../shared/ui.tsx";
import { auditKeys } from "../api/audit.ts";
import {
  createGoal,
  deleteGoal,
  GOALS_REPORT_PATH,
  type Goal,
  type GoalProgress,
  type GoalsReport,
  getGoalsReport,
  goalKeys,
  type Interval,
  listGoals,
  updateGoal,
} from "../api/insights-goals.ts";
import { DateRangeFields } from "../DateRangeFields.tsx";
import { TableWrap } from "../members/common.tsx";
import { shift, today } from "../report-dates.ts";
import { useSession } from "../session.tsx";
import { dayWords, GoalBar, goalSentence, StatusBadge } from "./goal-parts.tsx";
import {
  CAPTURE_FIELDS,
  formatValue,
  type GoalDraft,
  goalBody,
  goalDraft,
  goalName,
  KINDS,
  type Unit,
  unitOf,
  valueLabel,
} from "./goal-values.ts";
import { InsightsNav } from "./InsightsNav.tsx";
import { ChartPanel, CsvLink } from "./parts.tsx";

const COLORS = { members: "#5b3cc4", guests: "#b54708", target: "#067647" };

const INTERVALS: { value: Interval; label: string }[] = [
  { value: "month", label: "Month" },
  { value: "week", label: "Week" },
  { value: "day", label: "Day" },
];

/** A value as a chart plots it: a share in percent, money in the major unit. */
const plotted = (value: number | null, unit: Unit, digits: number) =>
  value === null ? null : unit === "share" ? Math.round(value * 10_000) / 100 : unit === "money" ? value / 10 ** digits : value;

const currencyDigits = (currency: string) =>
  new Intl.NumberFormat("en", { style: "currency", currency }).resolvedOptions().maximumFractionDigits ?? 2;

/** Insights: the programme's goals, each against its target and its pace, members vs guests, over time. */
export default function Goals() {
  const { program, session } = useSession();
  const owner = session.staff.role === "owner";
  const queryClient = useQueryClient();
  const [params, setParams] = useSearchParams();
  const end = today(program.timezone);
  const to = params.get("to") ?? end;
  const from = params.get("from") ?? shift(to, { days: -89 });
  const interval = (params.get("interval") as Interval | null) ?? "month";
  const setRange = (next: { from?: string; to?: string; interval?: Interval }) => {
    const merged = { from, to, interval, ...next };
    if (merged.from && merged.to) setParams(merged, { replace: true });
  };
  const report = useQuery({
    queryKey: goalKeys.report(from, to, interval),
    queryFn: () => getGoalsReport(from, to, interval),
    placeholderData: keepPreviousData,
  });
  const goals = useQuery({ queryKey: goalKeys.list, queryFn: listGoals });
  const [editing, setEditing] = useState<Goal | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const changed = (message: string) => {
    setNotice(message);
    setEditing(null);
    void queryClient.invalidateQueries({ queryKey: goalKeys.all });
    void queryClient.invalidateQueries({ queryKey: auditKeys.all });
  };
  const remove = useMutation({
    mutationFn: (goal: Goal) => sendOnce((opts) => deleteGoal(goal.id, opts)),
    onMutate: () => setNotice(null),
    onSuccess: (g) => changed(`${goalName(g.kind, g.captureField)} is no longer tracked.`),
  });
  const data = report.data;
  const query = { from, to, interval };

  return (
    <>
      <h1>Programme goals</h1>
      <InsightsNav />
      <p className="muted">
        What the programme is meant to raise decides which features it needs: a goal of larger orders calls for spend thresholds
        and bundles, a goal of more frequent visits for stamps and streaks. Each goal is measured over the range below against its
        target and the pace to reach it.
      </p>
      <section className="panel" aria-label="Date range">
        <div className="row">
          <DateRangeFields from={from} to={to} error={report.error} onChange={setRange} />
          <SelectField
            label="By"
            value={interval}
            options={INTERVALS}
            onChange={(e) => setRange({ interval: e.target.value as Interval })}
            error={fieldError(report.error, "interval")}
          />
          <CsvLink path={GOALS_REPORT_PATH} query={query} table="goals" label="Download CSV of goals" />
          <CsvLink path={GOALS_REPORT_PATH} query={query} table="series" label="Download CSV over time" />
        </div>
        <p className="muted" style={{ marginBottom: 0 }}>
          Days in the programme's time zone ({program.timezone}). Purchases count by when they happened, net of returns; guest
          purchases are those without a member.
        </p>
      </section>

      <ErrorAlert error={report.error ?? remove.error} />
      {notice && <Notice>{notice}</Notice>}
      {report.isPending && <p role="status">Loading the goals…</p>}
      {data && data.goals.length === 0 && (
        <p className="muted">
          No goals yet. {owner ? "Set the programme's first objective below." : "The programme's owner sets them."}
        </p>
      )}
      {data && (
        <div aria-busy={report.isFetching}>
          {data.goals.map((g) => {
            const goal = goals.data?.data.find((x) => x.id === g.goalId) ?? null;
            return (
              <GoalPanel
                key={g.goalId}
                goal={g}
                report={data}
                actions={
                  owner && goal ? (
                    <GoalActions
                      goal={goal}
                      deleting={remove.isPending}
                      onEdit={() => setEditing(goal)}
                      onDelete={() => remove.mutate(goal)}
                    />
                  ) : null
                }
              />
            );
          })}
        </div>
      )}
      {owner && (
        <GoalForm
          key={editing?.id ?? "new"}
          goal={editing}
          onCancel={() => setEditing(null)}
          onSaved={(g, created) => changed(`${goalName(g.kind, g.captureField)} was ${created ? "set" : "changed"}.`)}
        />
      )}
    </>
  );
}

function GoalActions({
  goal,
  deleting,
  onEdit,
  onDelete,
}: {
  goal: Goal;
  deleting: boolean;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const name = goalName(goal.kind, goal.captureField);
  return (
    <div className="row" style={{ alignItems: "center" }}>
      <button type="button" className="secondary" onClick={onEdit} aria-label={`Edit ${name}`}>
        Edit
      </button>
      {confirming ? (
        <>
          <button type="button" className="danger" disabled={deleting} onClick={onDelete}>
            Delete {name.toLowerCase()}
          </button>
          <button type="button" className="secondary" onClick={() => setConfirming(false)}>
            Keep it
          </button>
        </>
      ) : (
        <button type="button" className="secondary" onClick={() => setConfirming(true)} aria-label={`Delete ${name}`}>
          Delete
        </button>
      )}
    </div>
  );
}

function GoalPanel({ goal: g, report, actions }: { goal: GoalProgress; report: GoalsReport; actions: ReactNode }) {
  const headingId = useId();
  const { currency } = report;
  const name = goalName(g.kind, g.captureField);
  const v = (x: number | null | undefined) => formatValue(x ?? null, g.unit, currency);
  return (
    <section className="panel goal-panel" aria-labelledby={headingId}>
      <div className="row" style={{ justifyContent: "space-between", alignItems: "center" }}>
        <h2 id={headingId} style={{ margin: 0 }}>
          {name} <StatusBadge status={g.status} />
        </h2>
        {actions}
      </div>
      {g.note && <p className="muted">{g.note}</p>}
      <p>{goalSentence(g, currency)}</p>
      <GoalBar goal={g} currency={currency} />
      <dl className="goal-figures">
        <div>
          <dt>Now</dt>
          <dd>{v(g.current)}</dd>
        </div>
        <div>
          <dt>Target</dt>
          <dd>{v(g.target)}</dd>
        </div>
        <div>
          <dt>Baseline{g.baselineSource === "measured" ? " (measured)" : ""}</dt>
          <dd>{v(g.baseline)}</dd>
        </div>
        <div>
          <dt>Pace on {dayWords(g.asOf)}</dt>
          <dd>{v(g.expected)}</dd>
        </div>
        <div>
          <dt>From baseline to target</dt>
          <dd>{g.progress === null ? "—" : `${Math.round(g.progress * 100)}%`}</dd>
        </div>
      </dl>
      {g.members && g.guests && <MembersVsGuests goal={g} currency={currency} />}
      <GoalChart goal={g} report={report} />
    </section>
  );
}

function MembersVsGuests({ goal: g, currency }: { goal: GoalProgress; currency: string }) {
  const name = goalName(g.kind, g.captureField);
  const money = (x: number | null) => formatValue(x, "money", currency);
  const rows = [
    { label: "Members", side: g.members },
    { label: "Guests (no member)", side: g.guests },
  ];
  return (
    <TableWrap label={`${name}: members vs guests`}>
      <table>
        <caption className="visually-hidden">{name}: members' and guests' purchases in the range</caption>
        <thead>
          <tr>
            <th scope="col">Who</th>
            <th scope="col" className="num">
              Purchases
            </th>
            <th scope="col" className="num">
              Net revenue
            </th>
            <th scope="col" className="num">
              Average order value
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ label, side }) => (
            <tr key={label}>
              <th scope="row">{label}</th>
              <td className="num">{formatNumber(side?.purchases ?? 0)}</td>
              <td className="num">{money(side?.revenue ?? 0)}</td>
              <td className="num">{money(side?.averageOrderValue ?? null)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

function GoalChart({ goal: g, report }: { goal: GoalProgress; report: GoalsReport }) {
  const { currency, interval } = report;
  const digits = currencyDigits(currency);
  const name = goalName(g.kind, g.captureField);
  const guests = g.kind === "average_order_value";
  const rows = g.series.map((s) => ({
    period: s.period,
    value: plotted(s.value, g.unit, digits),
    guests: plotted(s.guests, g.unit, digits),
  }));
  const target = plotted(g.target, g.unit, digits) ?? 0;
  const v = (x: number | null) => formatValue(x, g.unit, currency);
  const measured = g.series.filter((s) => s.value !== null);
  const axis = g.unit === "share" ? "%" : g.unit === "money" ? currency : "per 30 days";
  return (
    <ChartPanel
      title={`${name} by ${interval}`}
      summary={`Line chart of ${name.toLowerCase()} by ${interval} from ${report.from} to ${report.to} against the target ${v(g.target)}: ${
        measured.length === 0 ? "nothing measured yet" : measured.map((s) => `${s.period} ${v(s.value)}`).join(", ")
      }.`}
      tableVisible
      height={220}
      table={
        <TableWrap label={`${name} by ${interval}, as a table`}>
          <table>
            <caption className="visually-hidden">
              {name} by {interval}
            </caption>
            <thead>
              <tr>
                <th scope="col">Period from</th>
                <th scope="col" className="num">
                  {guests ? "Members" : "Value"}
                </th>
                {guests && (
                  <th scope="col" className="num">
                    Guests
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {g.series.map((s) => (
                <tr key={s.period}>
                  <th scope="row">{s.period}</th>
                  <td className="num">{v(s.value)}</td>
                  {guests && <td className="num">{v(s.guests)}</td>}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      }
    >
      <LineChart data={rows} margin={{ top: 8, right: 24, bottom: 8, left: 8 }} accessibilityLayer={false}>
        <CartesianGrid strokeDasharray="3 3" stroke="#e5e7eb" />
        <XAxis dataKey="period" tick={{ fill: "#57606a", fontSize: 12 }} minTickGap={16} />
        <YAxis
          tick={{ fill: "#57606a", fontSize: 12 }}
          domain={[0, "auto"]}
          tickFormatter={(x: number) => formatNumber(Math.round(x * 100) / 100)}
          label={{ value: axis, angle: -90, position: "insideLeft", fill: "#57606a", fontSize: 12 }}
        />
        <Tooltip formatter={(value) => formatNumber(Number(value))} />
        <Legend />
        <ReferenceLine
          y={target}
          ifOverflow="extendDomain"
          stroke={COLORS.target}
          strokeDasharray="6 3"
          label={{ value: `Target ${v(g.target)}`, position: "insideTopRight", fill: COLORS.target, fontSize: 12 }}
        />
        <Line
          isAnimationActive={false}
          type="monotone"
          dataKey="value"
          name={guests ? "Members" : name}
          stroke={COLORS.members}
          strokeWidth={2}
          connectNulls
        />
        {guests && (
          <Line
            isAnimationActive={false}
            type="monotone"
            dataKey="guests"
            name="Guests"
            stroke={COLORS.guests}
            strokeWidth={2}
            strokeDasharray="4 2"
            connectNulls
          />
        )}
      </LineChart>
    </ChartPanel>
  );
}

function GoalForm({
  goal,
  onSaved,
  onCancel,
}: {
  goal: Goal | null;
  onSaved: (goal: Goal, created: boolean) => void;
  onCancel: () => void;
}) {
  const { program } = useSession();
  const { currency } = program;
  const headingId = useId();
  const [draft, setDraft] = useState<GoalDraft>(() => goalDraft(goal, currency));
  const set = (patch: Partial<GoalDraft>) => setDraft((d) => ({ ...d, ...patch }));
  const save = useMutation({
    mutationFn: () =>
      sendOnce((opts) =>
        goal ? updateGoal(goal.id, goalBody(draft, currency, true), opts) : createGoal(goalBody(draft, currency, false), opts),
      ),
    onSuccess: (g) => {
      if (!goal) setDraft(goalDraft(null, currency));
      onSaved(g, !goal);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const error = save.error;
  const unit = unitOf(draft.kind);
  const why = KINDS.find((k) => k.value === draft.kind)?.why;
  const unitHint =
    unit === "money"
      ? `Money in ${currency}, e.g. 35.00`
      : unit === "share"
        ? "A percentage, e.g. 40 for 40%"
        : "Purchases per member per 30 days, e.g. 1.5";
  return (
    <form className="panel" onSubmit={submit} noValidate aria-labelledby={headingId}>
      <h2 id={headingId}>{goal ? `Change the goal: ${goalName(goal.kind, goal.captureField)}` : "Set a goal"}</h2>
      <ErrorAlert error={error} />
      <div className="grid">
        <SelectField
          label="Goal"
          value={draft.kind}
          options={KINDS.map((k) => ({ value: k.value, label: k.label }))}
          onChange={(e) => set({ kind: e.target.value as GoalDraft["kind"] })}
          hint={why}
          error={fieldError(error, "kind")}
        />
        {draft.kind === "data_capture" && (
          <SelectField
            label="Detail captured"
            value={draft.captureField}
            options={CAPTURE_FIELDS}
            onChange={(e) => set({ captureField: e.target.value as GoalDraft["captureField"] })}
            error={fieldError(error, "captureField")}
          />
        )}
        <Field
          label={valueLabel("Target", unit, currency)}
          inputMode="decimal"
          value={draft.target}
          onChange={(e) => set({ target: e.target.value })}
          hint={unitHint}
          error={fieldError(error, "target")}
        />
        <Field
          label={valueLabel("Baseline", unit, currency)}
          inputMode="decimal"
          value={draft.baseline}
          onChange={(e) => set({ baseline: e.target.value })}
          hint="Optional: where it stands now; else it is measured before the start"
          error={fieldError(error, "baseline")}
        />
        <Field
          label="Start date"
          type="date"
          value={draft.startDate}
          onChange={(e) => set({ startDate: e.target.value })}
          hint="Optional: default today"
          error={fieldError(error, "startDate")}
        />
        <Field
          label="Target date"
          type="date"
          value={draft.targetDate}
          onChange={(e) => set({ targetDate: e.target.value })}
          error={fieldError(error, "targetDate")}
        />
      </div>
      <TextArea
        label="Note"
        value={draft.note}
        onChange={(e) => set({ note: e.target.value })}
        hint="Optional: why this goal, and what the programme does for it"
        error={fieldError(error, "note")}
      />
      <div className="row">
        <button type="submit" disabled={save.isPending}>
          {goal ? "Save the goal" : "Set the goal"}
        </button>
        {goal && (
          <button type="button" className="secondary" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
