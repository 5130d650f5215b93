import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useId } from "react";
import { Link } from "react-router";
import { ErrorAlert } from "../../shared/ui.tsx";
import { type ChecklistItem, dismissChecklist, getChecklist, setupKeys } from "../api/setup.ts";
import "./setup.css";

/** Each step: what to do, why, and where it is done. `external` opens another app (the till). */
const STEPS: Record<ChecklistItem, { title: string; why: string; to: string; action: string; external?: boolean }> = {
  earn_rule: {
    title: "Add an earn rule",
    why: "How customers collect points, e.g. 1 point per dollar",
    to: "/rules/new",
    action: "Add a rule",
  },
  reward: {
    title: "Add a reward",
    why: "Something to spend points on, e.g. a free coffee",
    to: "/rewards/new",
    action: "Add a reward",
  },
  tiers: { title: "Set up tiers", why: "Levels that keep regulars coming back", to: "/tiers", action: "Set up tiers" },
  staff: { title: "Invite your staff", why: "Accounts for managers and cashiers", to: "/staff", action: "Add staff" },
  portal_link: {
    title: "Share your portal link",
    why: "Print the counter card with its QR code; ticked once a member signs in",
    to: "/settings#links",
    action: "Get the link",
  },
  till_link: {
    title: "Open the till",
    why: "The point of sale, on the shop's tablet or computer",
    to: "/pos",
    action: "Open the till",
    external: true,
  },
};

/**
 * The checklist a new programme opens on: ticked from the programme's data (re-read when the
 * page regains focus), put away by the owner once every step is done.
 */
export function Checklist() {
  const queryClient = useQueryClient();
  const headingId = useId();
  const checklist = useQuery({ queryKey: setupKeys.checklist, queryFn: getChecklist, refetchInterval: 15_000 });
  const dismiss = useMutation({
    mutationFn: dismissChecklist,
    onSuccess: (data) => queryClient.setQueryData(setupKeys.checklist, data),
  });
  const data = checklist.data;
  if (!data || data.dismissed) return checklist.error ? <ErrorAlert error={checklist.error} /> : null;
  const done = data.items.filter((i) => i.done).length;
  return (
    <section className="panel checklist" aria-labelledby={headingId}>
      <div className="spread">
        <div>
          <h2 id={headingId} style={{ margin: 0 }}>
            {data.complete ? "You’re all set" : "Get your programme ready"}
          </h2>
          <p className="muted" style={{ margin: "0.25rem 0 0" }}>
            {done} of {data.items.length} done
          </p>
        </div>
        {data.complete && (
          <button type="button" className="secondary" onClick={() => dismiss.mutate()} disabled={dismiss.isPending}>
            Dismiss the checklist
          </button>
        )}
      </div>
      <div
        className="progress"
        role="progressbar"
        aria-label="Checklist progress"
        aria-valuemin={0}
        aria-valuemax={data.items.length}
        aria-valuenow={done}
        style={{ margin: "0.75rem 0" }}
      >
        <span style={{ width: `${(done / data.items.length) * 100}%` }} />
      </div>
      <ErrorAlert error={dismiss.error} />
      <ul className="checklist-items">
        {data.items.map((item) => {
          const step = STEPS[item.id];
          return (
            <li key={item.id} className={item.done ? "done" : undefined} data-item={item.id}>
              <span className="tick" aria-hidden="true">
                {item.done ? "✓" : ""}
              </span>
              <span className="what">
                <strong>{step.title}</strong>
                <span className="visually-hidden">{item.done ? " (done)" : " (to do)"}</span>
                <span className="muted">{step.why}</span>
              </span>
              {!item.done &&
                (step.external ? (
                  <a className="button secondary" href={step.to} target="_blank" rel="noreferrer">
                    {step.action}
                  </a>
                ) : (
                  <Link className="button secondary" to={step.to}>
                    {step.action}
                  </Link>
                ))}
            </li>
          );
        })}
      </ul>
    </section>
  );
}
