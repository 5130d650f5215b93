import { useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useEffect, useId, useState } from "react";
import { useNavigate } from "react-router";
import { ApiError, setCsrfToken } from "../../shared/api/http.ts";
import { ErrorAlert, Field, fieldError, Notice, SelectField } from "../../shared/ui.tsx";
import { sessionKeys } from "../api/auth.ts";
import { programKeys } from "../api/program.ts";
import { checkSetup, runSetup, setupKeys } from "../api/setup.ts";
import { CURRENCIES, defaultsFor, localProblem, type SetupForm, setupBody, tokenFromHash } from "./setup-draft.ts";
import "./setup.css";

// Read once, when the page loads from the printed link; the fragment is then cleared from the
// address bar and history, so the token does not linger where others could copy it.
const LINK_TOKEN = tokenFromHash(window.location.hash);

const TIMEZONES: string[] = (() => {
  try {
    return Intl.supportedValuesOf("timeZone");
  } catch {
    return [];
  }
})();

const NEXT_STEPS = [
  "Add an earn rule: how customers collect points",
  "Add a reward they can spend points on",
  "Set up tiers (optional): bronze, silver, gold…",
  "Invite your staff",
  "Print your counter card: a QR code to your member portal",
  "Open the till on the shop's tablet or computer",
];

/**
 * First run in the browser: the page the server's setup link opens (or, without a link, the
 * operator key), which creates the business's programme and its owner and signs the owner in.
 */
export function Setup() {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [mode, setMode] = useState<"link" | "operator">(LINK_TOKEN ? "link" : "operator");
  const [operatorKey, setOperatorKey] = useState("");
  const [form, setForm] = useState<SetupForm>(() =>
    defaultsFor(navigator.language, Intl.DateTimeFormat().resolvedOptions().timeZone),
  );
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const headingId = useId();

  useEffect(() => {
    if (window.location.hash) window.history.replaceState(null, "", window.location.pathname + window.location.search);
  }, []);

  const access = useQuery({
    queryKey: ["setup-link", LINK_TOKEN],
    queryFn: () => checkSetup({ setupToken: LINK_TOKEN ?? "" }),
    enabled: mode === "link" && LINK_TOKEN !== null,
    retry: false,
    staleTime: Number.POSITIVE_INFINITY,
  });

  const set = (field: keyof SetupForm) => (e: { target: { value: string } }) => setForm({ ...form, [field]: e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const problem = localProblem(form);
    if (problem) {
      setError(
        new ApiError(400, "validation_error", problem.message, { issues: [{ path: problem.field, message: problem.message }] }),
      );
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const credential = mode === "link" ? { setupToken: LINK_TOKEN ?? "" } : { operatorKey };
      const created = await runSetup(setupBody(form, credential));
      setCsrfToken(created.session.csrfToken);
      // Whatever a previous session had cached belongs to another programme.
      queryClient.removeQueries({ queryKey: programKeys.current });
      queryClient.removeQueries({ queryKey: setupKeys.checklist });
      queryClient.removeQueries({ queryKey: setupKeys.links });
      queryClient.setQueryData(sessionKeys.current, created.session);
      navigate("/", { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  const linkRefused = mode === "link" && access.error instanceof ApiError ? access.error : null;
  const credentialError =
    fieldError(error, "setupToken") ??
    (error instanceof ApiError && (error.code === "unauthorized" || error.code === "forbidden") ? error.message : undefined);
  const shownError = error instanceof ApiError && error.code === "validation_error" ? null : error;

  return (
    <div className="setup">
      <header className="setup-brand">
        <img src="/favicon.svg" alt="" width={32} height={32} />
        <span>Stampbook</span>
      </header>
      <main className="setup-main" aria-labelledby={headingId}>
        <div className="setup-intro">
          <h1 id={headingId}>
            {mode === "link" ? "Welcome! Let’s set up your loyalty programme" : "Create a loyalty programme"}
          </h1>
          <p className="muted">
            Two short steps: your business, then your owner account. You can change everything later in Settings.
          </p>
        </div>

        {linkRefused ? (
          <section className="panel setup-refused" role="alert">
            <h2>
              {linkRefused.details && (linkRefused.details as { reason?: string }).reason === "used"
                ? "This setup link was already used"
                : linkRefused.details && (linkRefused.details as { reason?: string }).reason === "expired"
                  ? "This setup link has expired"
                  : "This setup link is not valid"}
            </h2>
            <p>{linkRefused.message}</p>
            <p className="row">
              <a className="button" href="/admin">
                Sign in
              </a>
              <button type="button" className="secondary" onClick={() => setMode("operator")}>
                Use the operator key instead
              </button>
            </p>
          </section>
        ) : (
          <div className="setup-columns">
            <form className="panel setup-form" onSubmit={submit} noValidate>
              {mode === "link" ? (
                access.data ? (
                  <Notice kind="ok">
                    Setup link accepted. It works once, until {new Date(access.data.expiresAt ?? "").toLocaleString()}.
                  </Notice>
                ) : (
                  <p className="muted">Checking the setup link…</p>
                )
              ) : (
                <Field
                  label="Operator key"
                  type="password"
                  autoComplete="off"
                  hint="The operator (root) key the server printed at its first start, or STAMPBOOK_ROOT_KEY. Used for this request only, never stored."
                  value={operatorKey}
                  onChange={(e) => setOperatorKey(e.target.value)}
                  error={credentialError ?? fieldError(error, "operatorKey")}
                  required
                />
              )}
              {mode === "link" && credentialError && <ErrorAlert error={credentialError} />}

              <fieldset>
                <legend>
                  <span className="step">1</span> Your business
                </legend>
                <Field
                  label="Business name"
                  placeholder="Corner Coffee"
                  value={form.name}
                  onChange={set("name")}
                  error={fieldError(error, "program.name")}
                  required
                  autoFocus
                />
                <div className="setup-pair">
                  <SelectField
                    label="Currency"
                    value={form.currency}
                    onChange={set("currency")}
                    options={[...new Set([form.currency, ...CURRENCIES])].map((c) => ({ value: c, label: c }))}
                    error={fieldError(error, "program.currency")}
                  />
                  <Field
                    label="Country"
                    hint="2 letters, e.g. US: reads phone numbers typed without a country code"
                    maxLength={2}
                    value={form.country}
                    onChange={set("country")}
                    error={fieldError(error, "program.country")}
                  />
                </div>
                <Field
                  label="Time zone"
                  hint="Days, birthdays and campaign dates follow it"
                  list="setup-timezones"
                  value={form.timezone}
                  onChange={set("timezone")}
                  error={fieldError(error, "program.timezone")}
                  required
                />
                <datalist id="setup-timezones">
                  {TIMEZONES.map((tz) => (
                    <option key={tz} value={tz} />
                  ))}
                </datalist>
                <Field
                  label="What one point costs you, in cents"
                  hint="1: each point is worth one cent of your currency (used in cost reports)"
                  inputMode="decimal"
                  value={form.pointValue}
                  onChange={set("pointValue")}
                  error={fieldError(error, "program.pointValue")}
                />
              </fieldset>

              <fieldset>
                <legend>
                  <span className="step">2</span> Your owner account
                </legend>
                <Field
                  label="Your name"
                  autoComplete="name"
                  value={form.ownerName}
                  onChange={set("ownerName")}
                  error={fieldError(error, "owner.name")}
                />
                <Field
                  label="Email"
                  type="email"
                  autoComplete="username"
                  value={form.email}
                  onChange={set("email")}
                  error={fieldError(error, "owner.email")}
                  required
                />
                <div className="setup-pair">
                  <Field
                    label="Password"
                    type="password"
                    autoComplete="new-password"
                    hint="12 characters or more"
                    value={form.password}
                    onChange={set("password")}
                    error={fieldError(error, "owner.password")}
                    required
                  />
                  <Field
                    label="Password again"
                    type="password"
                    autoComplete="new-password"
                    value={form.confirm}
                    onChange={set("confirm")}
                    error={fieldError(error, "confirm")}
                    required
                  />
                </div>
              </fieldset>
              {!credentialError && <ErrorAlert error={shownError} />}
              <button type="submit" className="setup-submit" disabled={busy || (mode === "link" && !access.data)}>
                {busy ? "Creating your programme…" : "Create programme and sign in"}
              </button>
            </form>

            <aside className="panel setup-aside" aria-label="What comes next">
              <h2>What comes next</h2>
              <p className="muted">Your overview page keeps this checklist and ticks each step as you do it.</p>
              <ol className="setup-next">
                {NEXT_STEPS.map((s) => (
                  <li key={s}>{s}</li>
                ))}
              </ol>
            </aside>
          </div>
        )}
      </main>
    </div>
  );
}
