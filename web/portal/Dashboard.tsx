import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link } from "react-router";
import { ApiError } from "../shared/api/http.ts";
import { formatMinor as minorMoney } from "../shared/money.ts";
import { ErrorAlert, formatDate, formatPoints } from "../shared/ui.tsx";
import { getMe, getTier, meKeys, type TierStatus } from "./api/me.ts";
import { History } from "./History.tsx";
import { MemberCard } from "./MemberCard.tsx";
import { referralLink, useLanding } from "./session.tsx";

export const useMe = () => useQuery({ queryKey: meKeys.me, queryFn: getMe });

/** The tier and progress, or null when the programme has no tiers (404). */
export const useTier = () =>
  useQuery({
    queryKey: meKeys.tier,
    queryFn: async () => {
      try {
        return await getTier();
      } catch (error) {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
  });

/** The signed-in member's home: points (available, pending, expiring), tier progress, the next reward, sharing. */
export function Dashboard({ programId }: { programId: string }) {
  const me = useMe();
  if (me.error) return <ErrorAlert error={me.error} />;
  if (!me.data) return <p>Loading…</p>;
  const { balance, loyalty } = me.data;
  const next = loyalty.nextReward;
  return (
    <>
      <h1>Hi{me.data.name ? `, ${me.data.name}` : ""}</h1>
      <section className="panel" aria-labelledby="points">
        <h2 id="points">Your points</h2>
        <div className="balance-value">{formatPoints(balance.available)}</div>
        <div className="muted">ready to spend</div>
        <ul className="list" style={{ marginTop: "0.75rem" }}>
          {balance.pending > 0 && (
            <li className="spread">
              <span>Pending: not spendable yet</span>
              <strong>{formatPoints(balance.pending)}</strong>
            </li>
          )}
          {balance.held > 0 && (
            <li className="spread">
              <span>Reserved at a till</span>
              <strong>{formatPoints(balance.held)}</strong>
            </li>
          )}
          {expiriesByDay(loyalty.upcomingExpiries).map((e) => (
            <li key={e.day} className="spread">
              <span>Expiring on {e.day}</span>
              <strong>{formatPoints(e.points)}</strong>
            </li>
          ))}
          {balance.pending === 0 && loyalty.upcomingExpiries.length === 0 && (
            <li className="muted">No pending points and nothing expiring.</li>
          )}
        </ul>
        {next && (
          <p>
            {formatPoints(next.pointsToGo)} to go for <strong>{next.name}</strong>.{" "}
            <Link to={`/${programId}/me/rewards`}>See rewards</Link>
          </p>
        )}
      </section>
      <MemberCard cardNumber={me.data.cardNumber} name={me.data.name} />
      <TierCard programId={programId} />
      <ShareCard programId={programId} code={me.data.referralCode} />
      <section className="panel" aria-labelledby="recent">
        <h2 id="recent">Recent activity</h2>
        <History embedded />
      </section>
    </>
  );
}

/** Expiry dates as the member reads them: points expiring the same day are one line. */
function expiriesByDay(expiries: { points: number; expiresAt: string }[]) {
  const days = new Map<string, number>();
  for (const e of expiries) days.set(formatDate(e.expiresAt), (days.get(formatDate(e.expiresAt)) ?? 0) + e.points);
  return [...days].map(([day, points]) => ({ day, points }));
}

/**
 * What a member still needs, in the tier's own terms: money to spend, points to earn, or purchases
 * to make ("$45.00 more to spend", "150 more points to earn").
 */
export function stillNeeded(amount: number, metric: TierStatus["metric"], currency: string | undefined): string {
  if (metric === "spend") return `${currency ? minorMoney(amount, currency) : amount.toLocaleString()} more to spend`;
  const n = amount.toLocaleString();
  if (metric === "purchases") return `${n} more ${amount === 1 ? "purchase" : "purchases"} to make`;
  return `${n} more ${amount === 1 ? "point" : "points"} to earn`;
}

/** Whether the tier is kept at its review, and if not yet, what is still needed by then. */
function KeepLine({ t, currency }: { t: TierStatus; currency: string | undefined }) {
  if (!t.tier || t.amountToKeep === null) return null;
  const by = t.graceUntil ?? t.reviewAt;
  const when = by ? ` by ${formatDate(by)}` : "";
  return (
    <p data-testid="tier-keep">
      {t.amountToKeep === 0
        ? `You have done enough to keep ${t.tier.name} at your next review.`
        : `To keep ${t.tier.name}: ${stillNeeded(t.amountToKeep, t.metric, currency)}${when}.`}
    </p>
  );
}

function TierCard({ programId }: { programId: string }) {
  const tier = useTier();
  const currency = useLanding(programId).data?.program.currency;
  if (tier.error) return <ErrorAlert error={tier.error} />;
  if (!tier.data) return null;
  const t = tier.data;
  const percent = t.progress.percentToNext ?? 100;
  return (
    <section className="panel" aria-labelledby="tier">
      <h2 id="tier">Your tier: {t.tier?.name ?? "none yet"}</h2>
      {t.tier && t.tier.benefits.length > 0 && <p>{t.tier.benefits.join(" · ")}</p>}
      {t.nextTier ? (
        <>
          <div
            className="progress"
            role="progressbar"
            aria-label={`Progress to ${t.nextTier.name}`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent}
          >
            <span style={{ width: `${percent}%` }} />
          </div>
          <p data-testid="tier-next">
            {stillNeeded(t.amountToNext ?? 0, t.metric, currency)} to reach <strong>{t.nextTier.name}</strong> ({percent}% of the
            way)
          </p>
        </>
      ) : (
        <p>You are at the top tier.</p>
      )}
      <KeepLine t={t} currency={currency} />
      {t.reviewAt && <p className="muted">Next review: {formatDate(t.reviewAt)}</p>}
    </section>
  );
}

function ShareCard({ programId, code }: { programId: string; code: string }) {
  const link = referralLink(programId, code);
  const [copied, setCopied] = useState<string | null>(null);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied("Link copied. Share it with a friend!");
    } catch {
      // No clipboard (an insecure page, or permission refused): select it for the member to copy.
      const input = document.getElementById("referral-link") as HTMLInputElement | null;
      input?.select();
      setCopied("Press Ctrl+C (or long-press and Copy) to copy the selected link.");
    }
  };
  return (
    <section className="panel" aria-labelledby="share">
      <h2 id="share">Invite a friend</h2>
      <p>
        Friends who join with your link are linked to you. Your code: <strong className="code">{code}</strong>
      </p>
      <div className="copy-row">
        <div className="field">
          <label htmlFor="referral-link">Your referral link</label>
          <input id="referral-link" readOnly value={link} onFocus={(e) => e.target.select()} />
        </div>
        <button type="button" onClick={() => void copy()}>
          Copy link
        </button>
      </div>
      <div role="status" aria-live="polite" className="muted" style={{ minHeight: "1.5em", marginTop: "0.5rem" }}>
        {copied}
      </div>
    </section>
  );
}
