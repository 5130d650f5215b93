import { useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link, useLocation, useNavigate } from "react-router";
import { setCsrfToken } from "../shared/api/http.ts";
import { ErrorAlert, Field, fieldError, Notice } from "../shared/ui.tsx";
import { meKeys } from "./api/me.ts";
import { isLandingKey, requestCode as sendCode, startSession } from "./api/portal.ts";

/** Sign-in by a code sent by email: the email first, then the 6-digit code. */
export function SignIn({ programId, name }: { programId: string; name: string }) {
  const location = useLocation();
  const arrived = (location.state ?? {}) as { email?: string; sent?: "joined" };
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState(arrived.email ?? "");
  const [step, setStep] = useState<"email" | "code">(arrived.email ? "code" : "email");
  const [sent, setSent] = useState<string | null>(
    arrived.sent === "joined" ? `Welcome! We sent a sign-in code to ${arrived.email}.` : null,
  );
  const [code, setCode] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const requestCode = async (e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await sendCode(programId, email.trim());
      setSent(`If ${email.trim()} belongs to a member, a code is on its way. Check your inbox (and spam folder).`);
      setCode("");
      setStep("code");
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const signIn = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const session = await startSession(programId, {
        email: email.trim(),
        code: code.trim(),
      });
      setCsrfToken(session.csrfToken);
      queryClient.removeQueries({ predicate: (q) => !isLandingKey(q.queryKey) });
      queryClient.setQueryData(meKeys.session, session);
      navigate(`/${programId}/me`);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <div className="centered" style={{ marginTop: "2vh" }}>
      <div className="panel">
        <h1>Sign in to {name}</h1>
        {step === "email" ? (
          <form onSubmit={requestCode} noValidate>
            <p>We will email you a 6-digit code. No password needed.</p>
            <Field
              label="Email"
              type="email"
              autoComplete="email"
              value={email}
              onChange={(e) => setEmail(e.target.value)}
              error={fieldError(error, "email")}
              required
            />
            <ErrorAlert error={error} />
            <button type="submit" disabled={busy}>
              {busy ? "Sending…" : "Email me a code"}
            </button>
          </form>
        ) : (
          <form onSubmit={signIn} noValidate>
            {sent && <Notice kind="info">{sent}</Notice>}
            <Field
              label="Sign-in code"
              inputMode="numeric"
              autoComplete="one-time-code"
              pattern="[0-9 ]*"
              maxLength={7}
              value={code}
              onChange={(e) => setCode(e.target.value)}
              error={fieldError(error, "code")}
              hint={`The 6 digits we emailed to ${email}`}
              required
            />
            <ErrorAlert error={error} />
            <button type="submit" disabled={busy}>
              {busy ? "Signing in…" : "Sign in"}
            </button>
            <p className="row" style={{ alignItems: "center" }}>
              <button type="button" className="secondary" onClick={() => void requestCode()} disabled={busy}>
                Send a new code
              </button>
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  setStep("email");
                  setSent(null);
                  setError(null);
                }}
              >
                Use another email
              </button>
            </p>
          </form>
        )}
        <p className="muted">
          Not a member yet? <Link to={`/${programId}`}>Join</Link>
        </p>
      </div>
    </div>
  );
}
