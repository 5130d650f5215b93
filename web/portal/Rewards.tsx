import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { sendOnce } from "../shared/api/http.ts";
import { ErrorAlert, formatDate, formatPoints } from "../shared/ui.tsx";
import {
  getRewards,
  getVouchers,
  type MemberReward,
  meKeys,
  type Redemption,
  redeem as redeemReward,
  type Voucher,
} from "./api/me.ts";

const missing = (r: MemberReward) => r.reasons.find((x) => x.code === "insufficient_points")?.missingPoints ?? 0;
/** Only points stand between the member and this reward. */
const onlyPointsShort = (r: MemberReward) => !r.redeemable && r.reasons.every((x) => x.code === "insufficient_points");

/** Rewards redeemable now, those nearly in reach (points to go), redeeming one, and the member's vouchers. */
export function Rewards() {
  const rewards = useQuery({
    queryKey: meKeys.rewards,
    queryFn: getRewards,
  });
  const [done, setDone] = useState<Redemption | null>(null);
  if (rewards.error) return <ErrorAlert error={rewards.error} />;
  if (!rewards.data) return <p>Loading…</p>;
  const now = rewards.data.data.filter((r) => r.redeemable);
  const soon = rewards.data.data.filter(onlyPointsShort).sort((a, b) => missing(a) - missing(b));
  const other = rewards.data.data.filter((r) => !r.redeemable && !onlyPointsShort(r));
  return (
    <>
      <h1>Rewards</h1>
      <p>
        You have <strong>{formatPoints(rewards.data.available)}</strong> to spend.
      </p>
      {done && <VoucherCard redemption={done} onClose={() => setDone(null)} />}
      <section className="panel" aria-labelledby="now">
        <h2 id="now">Ready to redeem</h2>
        {now.length === 0 ? (
          <p className="muted">Nothing yet: keep earning!</p>
        ) : (
          <ul className="list">
            {now.map((r) => (
              <li key={r.reward.id}>
                <RewardLine reward={r} />
                <Redeem reward={r} onDone={setDone} />
              </li>
            ))}
          </ul>
        )}
      </section>
      {soon.length > 0 && (
        <section className="panel" aria-labelledby="soon">
          <h2 id="soon">Nearly there</h2>
          <ul className="list">
            {soon.map((r) => (
              <li key={r.reward.id}>
                <RewardLine reward={r} />
                <div
                  className="progress"
                  role="progressbar"
                  aria-label={`Points towards ${r.reward.name}`}
                  aria-valuemin={0}
                  aria-valuemax={r.reward.costPoints}
                  aria-valuenow={r.reward.costPoints - missing(r)}
                  style={{ marginTop: "0.5rem" }}
                >
                  <span style={{ width: `${Math.floor(((r.reward.costPoints - missing(r)) / r.reward.costPoints) * 100)}%` }} />
                </div>
                <div className="muted">{formatPoints(missing(r))} to go</div>
              </li>
            ))}
          </ul>
        </section>
      )}
      {other.length > 0 && (
        <section className="panel" aria-labelledby="other">
          <h2 id="other">Not available right now</h2>
          <ul className="list">
            {other.map((r) => (
              <li key={r.reward.id}>
                <RewardLine reward={r} />
                <div className="muted">{r.reasons.map((x) => x.message).join(" ")}</div>
              </li>
            ))}
          </ul>
        </section>
      )}
      <Vouchers />
    </>
  );
}

function RewardLine({ reward: { reward } }: { reward: MemberReward }) {
  return (
    <div className="reward">
      {reward.imageUrl && <img src={reward.imageUrl} alt="" />}
      <div className="body">
        <div className="spread">
          <strong>{reward.name}</strong>
          <span className="badge">{formatPoints(reward.costPoints)}</span>
        </div>
        {reward.description && <div className="muted">{reward.description}</div>}
      </div>
    </div>
  );
}

/** Redeem, then confirm: the points are spent only after the member says yes. */
function Redeem({ reward, onDone }: { reward: MemberReward; onDone: (r: Redemption) => void }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);
  const { name, costPoints, id } = reward.reward;

  const redeem = async () => {
    setBusy(true);
    setError(null);
    try {
      const redemption = await sendOnce((opts) => redeemReward(id, opts));
      setConfirming(false);
      onDone(redemption);
      for (const queryKey of [meKeys.me, meKeys.rewards, meKeys.vouchers, meKeys.ledger]) {
        void queryClient.invalidateQueries({ queryKey });
      }
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (!confirming) {
    return (
      <button type="button" style={{ marginTop: "0.5rem" }} onClick={() => setConfirming(true)} aria-label={`Redeem ${name}`}>
        Redeem
      </button>
    );
  }
  return (
    <fieldset className="confirm">
      <legend className="visually-hidden">Confirm redeeming {name}</legend>
      <p style={{ marginTop: 0 }}>
        Spend <strong>{formatPoints(costPoints)}</strong> on <strong>{name}</strong>?
      </p>
      <ErrorAlert error={error} />
      <div className="row">
        <button type="button" ref={confirmButton} onClick={() => void redeem()} disabled={busy}>
          {busy ? "Redeeming…" : `Yes, redeem for ${formatPoints(costPoints)}`}
        </button>
        <button type="button" className="secondary" onClick={() => setConfirming(false)} disabled={busy}>
          Cancel
        </button>
      </div>
    </fieldset>
  );
}

function VoucherCard({ redemption, onClose }: { redemption: Redemption; onClose: () => void }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  const voucher = redemption.vouchers[0];
  return (
    <div className="voucher panel" role="status" tabIndex={-1} ref={ref} aria-labelledby="voucher-title">
      <h2 id="voucher-title" style={{ marginTop: 0 }}>
        {redemption.reward.name} is yours
      </h2>
      {voucher ? (
        <>
          <p style={{ margin: 0 }}>Show this code at the till:</p>
          <span className="code">{voucher.code}</span>
          {voucher.expiresAt && <p className="muted">Use it by {formatDate(voucher.expiresAt)}.</p>}
        </>
      ) : (
        <p>No code needed: it is on your account.</p>
      )}
      <p className="muted">{formatPoints(redemption.balance.available)} left to spend.</p>
      <button type="button" className="secondary" onClick={onClose}>
        Done
      </button>
    </div>
  );
}

const VOUCHER_STATUS = {
  issued: "Ready to use",
  used: "Used",
  cancelled: "Cancelled",
  expired: "Expired",
} satisfies Record<Voucher["status"], string>;

function Vouchers() {
  const vouchers = useQuery({
    queryKey: meKeys.vouchers,
    queryFn: getVouchers,
  });
  return (
    <section className="panel" aria-labelledby="vouchers">
      <h2 id="vouchers">Your vouchers</h2>
      {vouchers.error && <ErrorAlert error={vouchers.error} />}
      {vouchers.data && vouchers.data.data.length === 0 && <p className="muted">None yet.</p>}
      {vouchers.data && vouchers.data.data.length > 0 && (
        <ul className="list">
          {vouchers.data.data.map((v) => (
            <li key={v.code} className="spread">
              <div>
                <strong>{v.reward.name}</strong>
                <div className="code">{v.code}</div>
              </div>
              <div style={{ textAlign: "right" }}>
                <span className={v.valid ? "badge" : "badge blocked"}>{VOUCHER_STATUS[v.status]}</span>
                {v.expiresAt && v.status === "issued" && <div className="muted">until {formatDate(v.expiresAt)}</div>}
              </div>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
