import { type FormEvent, useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router";
import { sendOnce } from "../shared/api/http.ts";
import { formatMinor as minorMoney } from "../shared/money.ts";
import { Checkbox, ErrorAlert, Field, fieldError, formatPoints } from "../shared/ui.tsx";
import { enrol, type Landing as LandingData } from "./api/portal.ts";

const METRIC_WORDS = { points_earned: "points earned", spend: "spent", purchases: "purchases" } as const;

/** A tier's threshold in words: spend is money (minor units in the API), the others are counts. */
function thresholdText(threshold: number, metric: keyof typeof METRIC_WORDS, currency: string): string {
  if (metric !== "spend") return `${threshold.toLocaleString()} ${METRIC_WORDS[metric]}`;
  return `${minorMoney(threshold, currency)} spent`;
}

/** The programme's landing page: what members get, and the form to join. */
export function Landing({ landing }: { landing: LandingData }) {
  const { program } = landing;
  return (
    <>
      <section className="hero" aria-labelledby="welcome">
        <h1 id="welcome">{program.name}</h1>
        <p>Join for free, earn points every time you visit, and spend them on rewards.</p>
      </section>
      <JoinForm programId={program.id} />
      {landing.earning.length > 0 && (
        <section className="panel" aria-labelledby="earn">
          <h2 id="earn">How you earn points</h2>
          <ul className="list">
            {landing.earning.map((rule) => (
              <li key={`${rule.name}-${rule.trigger}`}>{rule.description ?? rule.name}</li>
            ))}
          </ul>
        </section>
      )}
      {landing.rewards.length > 0 && (
        <section className="panel" aria-labelledby="rewards">
          <h2 id="rewards">Rewards</h2>
          <ul className="list">
            {landing.rewards.map((reward) => (
              <li key={reward.id} className="reward">
                {reward.imageUrl && <img src={reward.imageUrl} alt="" />}
                <div className="body">
                  <div className="spread">
                    <strong>{reward.name}</strong>
                    <span className="badge">{formatPoints(reward.costPoints)}</span>
                  </div>
                  {reward.description && <div className="muted">{reward.description}</div>}
                </div>
              </li>
            ))}
          </ul>
        </section>
      )}
      {landing.tiers.length > 0 && landing.tierMetric && (
        <section className="panel" aria-labelledby="tiers">
          <h2 id="tiers">Tiers</h2>
          <ul className="list">
            {landing.tiers.map((tier) => (
              <li key={tier.name}>
                <strong>{tier.name}</strong>
                <span className="muted">
                  {" "}
                  —{" "}
                  {tier.threshold === 0
                    ? "where everyone starts"
                    : `from ${thresholdText(tier.threshold, landing.tierMetric ?? "points_earned", program.currency)}`}
                </span>
                {tier.benefits.length > 0 && <div>{tier.benefits.join(" · ")}</div>}
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

function JoinForm({ programId }: { programId: string }) {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [form, setForm] = useState({
    email: "",
    name: "",
    phone: "",
    birthDate: "",
    referralCode: params.get("ref") ?? "",
    marketingConsent: false,
  });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const set = (field: keyof typeof form) => (e: React.ChangeEvent<HTMLInputElement>) =>
    setForm({ ...form, [field]: e.target.type === "checkbox" ? e.target.checked : e.target.value });

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const body = {
      email: form.email.trim(),
      marketingConsent: form.marketingConsent,
      ...(form.name.trim() && { name: form.name.trim() }),
      ...(form.phone.trim() && { phone: form.phone.trim() }),
      ...(form.birthDate && { birthDate: form.birthDate }),
      ...(form.referralCode.trim() && { referralCode: form.referralCode.trim() }),
    };
    try {
      const sent = await sendOnce((opts) => enrol(programId, body, opts));
      navigate(`/${programId}/sign-in`, { state: { email: sent.email, sent: "joined" } });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="join">
      <h2 id="join">Join</h2>
      <form onSubmit={submit} noValidate>
        <Field
          label="Email"
          type="email"
          autoComplete="email"
          value={form.email}
          onChange={set("email")}
          error={fieldError(error, "email")}
          hint="We send your sign-in codes here"
          required
        />
        <Field
          label="Name (optional)"
          autoComplete="name"
          value={form.name}
          onChange={set("name")}
          error={fieldError(error, "name")}
        />
        <Field
          label="Phone (optional)"
          type="tel"
          autoComplete="tel"
          value={form.phone}
          onChange={set("phone")}
          error={fieldError(error, "phone")}
        />
        <Field
          label="Birthday (optional)"
          type="date"
          autoComplete="bday"
          value={form.birthDate}
          onChange={set("birthDate")}
          error={fieldError(error, "birthDate")}
          hint="For a birthday treat"
        />
        <Field
          label="Referral code (optional)"
          autoComplete="off"
          value={form.referralCode}
          onChange={set("referralCode")}
          error={fieldError(error, "referralCode")}
          hint={params.get("ref") ? "From the friend who invited you" : undefined}
        />
        <Checkbox
          label="Send me news and offers by email (you can change this any time)"
          checked={form.marketingConsent}
          onChange={set("marketingConsent")}
        />
        <ErrorAlert error={error} />
        <button type="submit" disabled={busy}>
          {busy ? "Joining…" : "Join"}
        </button>
      </form>
      <p className="muted">
        Already a member? <Link to={`/${programId}/sign-in`}>Sign in with a code</Link>
      </p>
    </section>
  );
}
