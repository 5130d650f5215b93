import { type FormEvent, type KeyboardEvent, useEffect, useLayoutEffect, useRef, useState } from "react";
import { ApiError } from "../shared/api/http.ts";
import { ErrorAlert, Field, fieldError } from "../shared/ui.tsx";
import { enrolMember, type Member } from "./api/members.ts";
import { type LookupResult, lookupMembers, matchHeading, memberLabel, shapeOf } from "./lookup.ts";
import { useOnceAction } from "./once.ts";

type LookupState =
  | { kind: "idle" }
  | { kind: "searching" }
  | { kind: "many"; query: string; found: LookupResult }
  | { kind: "none"; query: string }
  | { kind: "error"; error: unknown };

/** The one lookup field: phone, card number (typed or scanned), external id or email; Enter searches. */
export function Lookup({
  onOpen,
  onSearch,
  blocked,
}: {
  onOpen: (member: Member) => void;
  /** A new search closes the member that is open: it is for the next customer. */
  onSearch: () => void;
  /** Why a search must wait (a sale not confirmed yet), or null. */
  blocked: string | null;
}) {
  const [text, setText] = useState("");
  const [state, setState] = useState<LookupState>({ kind: "idle" });
  const search = useRef(0);
  const list = useRef<HTMLUListElement>(null);
  const form = useRef<HTMLFormElement>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const query = text.trim();
    if (!query) return;
    if (blocked) {
      setState({ kind: "error", error: new Error(blocked) });
      return;
    }
    onSearch();
    const mine = ++search.current;
    setState({ kind: "searching" });
    try {
      const found = await lookupMembers(query);
      const { members } = found;
      if (mine !== search.current) return;
      if (members.length === 1 && members[0]) {
        setState({ kind: "idle" });
        onOpen(members[0]);
      } else if (members.length > 1) setState({ kind: "many", query, found });
      else setState({ kind: "none", query });
    } catch (error) {
      if (mine === search.current) setState({ kind: "error", error });
    }
  };

  // Several matches: the first is focused, arrows move, Enter opens. Focus moves in the same
  // commit that shows the list (a layout effect), and only from the lookup form: a cashier who
  // has already moved on (Alt+L, another field) keeps their place, so keys typed there never
  // land on a match.
  useLayoutEffect(() => {
    if (state.kind !== "many") return;
    const active = document.activeElement;
    if (active && active !== document.body && !form.current?.contains(active)) return;
    list.current?.querySelector("button")?.focus();
  }, [state]);

  const moveInList = (e: KeyboardEvent<HTMLUListElement>) => {
    if (e.key !== "ArrowDown" && e.key !== "ArrowUp" && e.key !== "Home" && e.key !== "End") return;
    const buttons = Array.from(list.current?.querySelectorAll("button") ?? []);
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    const next =
      e.key === "Home"
        ? 0
        : e.key === "End"
          ? buttons.length - 1
          : Math.min(buttons.length - 1, Math.max(0, at + (e.key === "ArrowDown" ? 1 : -1)));
    buttons[next]?.focus();
    e.preventDefault();
  };

  const pick = (member: Member) => {
    setState({ kind: "idle" });
    onOpen(member);
  };

  return (
    <section className="pos-lookup" aria-label="Find a member">
      <form ref={form} onSubmit={submit} className="row">
        <Field
          label="Phone, card or email"
          value={text}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "ArrowDown" && state.kind === "many") {
              e.preventDefault();
              list.current?.querySelector("button")?.focus();
            }
          }}
          autoComplete="off"
          spellCheck={false}
          autoFocus
          data-shortcut="lookup"
          aria-keyshortcuts="Alt+L"
          hint="Enter to search"
        />
        <button type="submit" className="pos-find" disabled={state.kind === "searching"}>
          {state.kind === "searching" ? "Searching…" : "Find"}
        </button>
      </form>
      {state.kind === "error" && <ErrorAlert error={state.error} />}
      {state.kind === "many" && (
        <div className="panel">
          <h2 id="pos-matches">{matchHeading(state.found, state.query)}</h2>
          <p className="muted">Arrow keys to choose, Enter to open.</p>
          <ul ref={list} className="pos-results" aria-labelledby="pos-matches" onKeyDown={moveInList}>
            {state.found.members.map((m) => (
              <li key={m.id}>
                <button type="button" className="secondary pos-result-button" onClick={() => pick(m)}>
                  <strong>{memberLabel(m)}</strong>
                  <span className="muted">
                    {" "}
                    {[m.phone, m.email, m.externalId && `card ${m.externalId}`].filter(Boolean).join(" · ")}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </div>
      )}
      {state.kind === "none" && <Enrol key={state.query} query={state.query} onEnrolled={pick} />}
    </section>
  );
}

/** No member matched: enrol one on the spot with what was typed. */
function Enrol({ query, onEnrolled }: { query: string; onEnrolled: (member: Member) => void }) {
  const shape = shapeOf(query);
  const [phone, setPhone] = useState(shape === "phone" ? query : "");
  const [email, setEmail] = useState(shape === "email" ? query : "");
  const [name, setName] = useState(shape === "text" ? query : "");
  const nameField = useRef<HTMLDivElement>(null);
  const enrol = useOnceAction((body: Record<string, string>, options) => enrolMember(body, options));

  useEffect(() => {
    nameField.current?.querySelector("input")?.focus();
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const body: Record<string, string> = {};
    if (phone.trim()) body.phone = phone.trim();
    if (email.trim()) body.email = email.trim();
    if (name.trim()) body.name = name.trim();
    const member = await enrol.run(body);
    if (member) onEnrolled(member);
  };

  const error = enrol.state.status === "failed" || enrol.state.status === "unconfirmed" ? enrol.state.error : null;
  const locked = enrol.state.status === "unconfirmed" || enrol.state.status === "sending";
  return (
    <div className="panel">
      <h2>No member found for “{query}”</h2>
      <p className="muted">Enrol them now, or press Escape to search again.</p>
      <form onSubmit={submit} noValidate>
        <div className="pos-fields">
          <div ref={nameField}>
            <Field
              label="Name"
              value={name}
              onChange={(e) => setName(e.target.value)}
              error={fieldError(error, "name")}
              readOnly={locked}
            />
          </div>
          <Field
            label="Phone"
            type="tel"
            value={phone}
            onChange={(e) => setPhone(e.target.value)}
            error={fieldError(error, "phone")}
            readOnly={locked}
          />
          <Field
            label="Email"
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            error={fieldError(error, "email")}
            readOnly={locked}
          />
        </div>
        {enrol.state.status === "unconfirmed" && <NotConfirmed />}
        {enrol.state.status === "failed" && !(error instanceof ApiError && error.issues.length > 0) && (
          <ErrorAlert error={error} />
        )}
        <button type="submit" disabled={enrol.state.status === "sending"}>
          {enrol.state.status === "unconfirmed" ? "Retry enrolment" : "Enrol and open"}
        </button>
      </form>
    </div>
  );
}

/** A change the server may or may not have applied: retrying sends the same key, so it applies once. */
export function NotConfirmed({ what = "It" }: { what?: string }) {
  return (
    <div className="alert error" role="alert">
      <strong>Not confirmed — retry.</strong> {what} may or may not have reached the server. Retrying is safe: it is applied once.
    </div>
  );
}
