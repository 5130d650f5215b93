import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Link, useParams } from "react-router";
import { ErrorAlert, formatDate, formatNumber, formatPoints, Stat } from "../../shared/ui.tsx";
import { type MemberDetail as Detail, getBalance, getMember, getTierStatus, memberKeys } from "../api/members.ts";
import { memberName, StatusBadge, Tabs } from "../members/common.tsx";
import { AdjustPointsForm, BlockButton, EditMemberForm } from "../members/MemberActions.tsx";
import { EventHistory, LedgerHistory, RedemptionHistory, ReferralHistory } from "../members/MemberHistory.tsx";
import { MemberValue } from "../members/MemberValue.tsx";
import { useSession } from "../session.tsx";

export default function MemberDetail() {
  const { memberId = "" } = useParams();
  const member = useQuery({
    queryKey: memberKeys.one(memberId),
    queryFn: () => getMember(memberId),
  });
  const [editing, setEditing] = useState(false);

  if (member.error) {
    return (
      <>
        <h1>Member</h1>
        <ErrorAlert error={member.error} />
        <Link to="/members">Back to members</Link>
      </>
    );
  }
  if (!member.data) return <p>Loading…</p>;
  const m = member.data;
  return (
    <>
      <p style={{ margin: "0 0 0.5rem" }}>
        <Link to="/members">← Members</Link>
      </p>
      <div className="spread">
        <div>
          <h1 style={{ marginBottom: "0.25rem" }}>
            {memberName(m)} <StatusBadge status={m.status} />
          </h1>
          <p className="muted" style={{ margin: "0 0 1rem" }}>
            {[
              m.email,
              m.phone,
              m.externalId && `External id ${m.externalId}`,
              m.birthDate && `Birthday ${formatDate(m.birthDate)}`,
            ]
              .filter(Boolean)
              .join(" · ") || "No contact details"}
            {" · "}Joined {formatDate(m.createdAt)} · Referral code <span className="code">{m.referralCode}</span>
          </p>
        </div>
        <div className="row" style={{ alignItems: "flex-start" }}>
          {!editing && (
            <button type="button" className="secondary" onClick={() => setEditing(true)}>
              Edit profile
            </button>
          )}
          <BlockButton member={m} />
        </div>
      </div>
      {editing && <EditMemberForm member={m} onDone={() => setEditing(false)} />}
      <Loyalty member={m} />
      <MemberValue memberId={m.id} />
      <section className="panel">
        <AdjustPointsForm memberId={m.id} />
      </section>
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">History</h2>
        <Tabs
          label="Member history"
          tabs={[
            { id: "ledger", label: "Points ledger", content: <LedgerHistory memberId={m.id} /> },
            { id: "events", label: "Purchases and events", content: <EventHistory memberId={m.id} /> },
            { id: "redemptions", label: "Redemptions and vouchers", content: <RedemptionHistory memberId={m.id} /> },
            { id: "referrals", label: "Referrals", content: <ReferralHistory memberId={m.id} /> },
          ]}
        />
      </section>
    </>
  );
}

/** Balance, tier progress, upcoming expiries and the next reward. */
function Loyalty({ member }: { member: Detail }) {
  const { program } = useSession();
  const balance = useQuery({
    queryKey: memberKeys.balance(member.id),
    queryFn: () => getBalance(member.id),
  });
  const tier = useQuery({
    queryKey: memberKeys.tier(member.id),
    queryFn: () => getTierStatus(member.id),
  });
  const b = balance.data;
  const t = tier.data;
  const metric = (n: number) =>
    t?.metric === "spend"
      ? new Intl.NumberFormat(undefined, { style: "currency", currency: program.currency }).format(n / 100)
      : t?.metric === "purchases"
        ? `${formatNumber(n)} purchases`
        : formatPoints(n);
  const expiries = b?.expiring ?? member.loyalty.upcomingExpiries;
  return (
    <section aria-labelledby="balance-heading">
      <h2 id="balance-heading" className="visually-hidden">
        Balance and tier
      </h2>
      <ErrorAlert error={balance.error ?? tier.error} />
      <div className="grid" style={{ marginBottom: "1rem" }}>
        <Stat
          label="Available"
          value={<span data-testid="available">{formatPoints(b?.available ?? member.loyalty.available)}</span>}
          hint={b && b.debt > 0 ? `Owes ${formatPoints(b.debt)}` : undefined}
        />
        <Stat label="Pending" value={b ? formatPoints(b.pending) : "…"} hint="Not yet spendable" />
        <Stat label="On hold" value={b ? formatPoints(b.held) : "…"} hint="Reserved at a till or for a redemption" />
        <Stat
          label="Lifetime earned"
          value={b ? formatPoints(b.lifetime.earned) : "…"}
          hint={b ? `Spent ${formatNumber(b.lifetime.spent)} · expired ${formatNumber(b.lifetime.expired)}` : undefined}
        />
      </div>
      <div className="grid" style={{ marginBottom: "1rem" }}>
        <div className="panel" style={{ marginBottom: 0 }}>
          <h3 style={{ marginTop: 0 }}>Tier</h3>
          {!t ? (
            <p className="muted">{tier.isPending ? "Loading…" : "—"}</p>
          ) : !t.tier ? (
            <p className="muted">The programme has no tiers.</p>
          ) : (
            <>
              <p style={{ margin: "0 0 0.5rem" }}>
                <strong>{t.tier.name}</strong>
                {t.locked && <span className="badge"> locked</span>}
                {t.since && <span className="muted"> since {formatDate(t.since)}</span>}
              </p>
              {t.nextTier ? (
                <>
                  <div
                    className="progress"
                    role="progressbar"
                    aria-label={`Progress to ${t.nextTier.name}`}
                    aria-valuemin={0}
                    aria-valuemax={100}
                    aria-valuenow={t.progress.percentToNext ?? 0}
                  >
                    <span style={{ width: `${t.progress.percentToNext ?? 0}%` }} />
                  </div>
                  <p className="muted" style={{ margin: "0.4rem 0 0" }}>
                    {metric(t.progress.metric)} of {metric(t.nextTier.threshold)}: {metric(t.amountToNext ?? 0)} to{" "}
                    {t.nextTier.name}
                  </p>
                </>
              ) : (
                <p className="muted">Top tier.</p>
              )}
              {t.reviewAt && (
                <p className="muted" style={{ margin: "0.4rem 0 0" }}>
                  Review {formatDate(t.reviewAt)}
                  {t.amountToKeep ? `: ${metric(t.amountToKeep)} more to keep it` : ""}
                  {t.graceUntil && ` · in grace until ${formatDate(t.graceUntil)}`}
                </p>
              )}
            </>
          )}
        </div>
        <div className="panel" style={{ marginBottom: 0 }}>
          <h3 style={{ marginTop: 0 }}>Expiring points</h3>
          {expiries.length === 0 ? (
            <p className="muted">None due to expire.</p>
          ) : (
            <ul style={{ margin: 0, paddingLeft: "1.2rem" }}>
              {expiries.slice(0, 5).map((x) => (
                <li key={x.expiresAt}>
                  {formatPoints(x.points)} on {formatDate(x.expiresAt)}
                </li>
              ))}
            </ul>
          )}
        </div>
        <div className="panel" style={{ marginBottom: 0 }}>
          <h3 style={{ marginTop: 0 }}>Next reward</h3>
          {member.loyalty.nextReward ? (
            <p style={{ margin: 0 }}>
              {member.loyalty.nextReward.name} ({formatPoints(member.loyalty.nextReward.costPoints)}):{" "}
              {formatPoints(member.loyalty.nextReward.pointsToGo)} to go
            </p>
          ) : (
            <p className="muted" style={{ margin: 0 }}>
              Nothing out of reach in the catalogue.
            </p>
          )}
        </div>
      </div>
    </section>
  );
}
