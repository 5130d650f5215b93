import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useEffect, useRef, useState } from "react";
import { ErrorAlert, formatDate, formatPoints } from "../shared/ui.tsx";
import { type Member, memberKeys } from "./api/members.ts";
import { memberRewards, type RedemptionRequest, redeemReward } from "./api/rewards.ts";
import { NotConfirmed } from "./Lookup.tsx";
import { memberLabel } from "./lookup.ts";
import { useOnceAction } from "./once.ts";

/** What the till sends; the other fields take the API's defaults. */
type RedeemBody = Required<Pick<RedemptionRequest, "rewardId" | "quantity" | "channel">>;

/**
 * The member's rewards, whether each can be redeemed now (and why not), and redeeming one: the
 * cashier confirms first (as the portal asks the member), since points spent are spent.
 */
export function Rewards({ member }: { member: Member }) {
  const queryClient = useQueryClient();
  const rewards = useQuery({
    queryKey: memberKeys.rewards(member.id),
    queryFn: () => memberRewards(member.id),
  });
  const redeem = useOnceAction((body: RedeemBody, options) => redeemReward(member.id, body, options));
  const result = useRef<HTMLDivElement>(null);
  const retry = useRef<HTMLButtonElement>(null);
  const confirmButton = useRef<HTMLButtonElement>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const { state } = redeem;

  useEffect(() => {
    if (state.status === "done") result.current?.focus();
    if (state.status === "unconfirmed") retry.current?.focus();
  }, [state.status]);
  useEffect(() => {
    if (confirming) confirmButton.current?.focus();
  }, [confirming]);

  const run = async (body?: RedeemBody) => {
    const done = await redeem.run(body);
    // Refused or done: the balance and what is redeemable may have changed either way.
    if (done || redeem.pending() === null) await queryClient.invalidateQueries({ queryKey: memberKeys.one(member.id) });
  };

  const busy = state.status === "sending" || state.status === "unconfirmed";
  const pendingName = (id: string | undefined) => rewards.data?.data.find((r) => r.reward.id === id)?.reward.name ?? "the reward";
  return (
    <section className="panel" aria-labelledby="pos-rewards-title" data-shortcut="rewards">
      <h2 id="pos-rewards-title" tabIndex={-1}>
        Rewards <kbd>Alt+R</kbd>
      </h2>
      {rewards.isPending && <p className="muted">Loading rewards…</p>}
      <ErrorAlert error={rewards.error} />
      {rewards.data && rewards.data.data.length === 0 && <p className="muted">The programme has no rewards yet.</p>}
      {rewards.data && rewards.data.data.length > 0 && (
        <ul className="pos-rewards">
          {rewards.data.data.map(({ reward, redeemable, reasons }) => (
            <li key={reward.id} className="spread pos-reward">
              <span>
                <strong>{reward.name}</strong> <span className="muted">{formatPoints(reward.costPoints)}</span>
                {!redeemable && (
                  <span className="pos-reasons muted">
                    <br />
                    {reasons.map((r) => r.message).join("; ")}
                  </span>
                )}
              </span>
              {redeemable ? (
                confirming !== reward.id && (
                  <button type="button" disabled={busy || confirming !== null} onClick={() => setConfirming(reward.id)}>
                    Redeem<span className="visually-hidden"> {reward.name}</span>
                  </button>
                )
              ) : (
                <span className="badge">Not yet</span>
              )}
              {confirming === reward.id && (
                <fieldset className="confirm pos-confirm">
                  <legend className="visually-hidden">Confirm redeeming {reward.name}</legend>
                  <p>
                    Spend <strong>{formatPoints(reward.costPoints)}</strong> of {memberLabel(member)}'s points on{" "}
                    <strong>{reward.name}</strong>?
                  </p>
                  <div className="row">
                    <button
                      type="button"
                      ref={confirmButton}
                      disabled={busy}
                      onClick={() => {
                        setConfirming(null);
                        void run({ rewardId: reward.id, quantity: 1, channel: "pos" });
                      }}
                    >
                      Yes, redeem for {formatPoints(reward.costPoints)}
                    </button>
                    <button type="button" className="secondary" onClick={() => setConfirming(null)}>
                      Cancel
                    </button>
                  </div>
                </fieldset>
              )}
            </li>
          ))}
        </ul>
      )}
      {state.status === "unconfirmed" && (
        <>
          <NotConfirmed what="The redemption" />
          <div className="row">
            <button ref={retry} type="button" onClick={() => void run()}>
              Retry redeeming {pendingName(redeem.pending()?.rewardId)}
            </button>
            <button type="button" className="secondary" onClick={redeem.reset}>
              Cancel
            </button>
          </div>
        </>
      )}
      {state.status === "failed" && <ErrorAlert error={state.error} />}
      {state.status === "done" && (
        <div ref={result} tabIndex={-1} className="alert ok pos-voucher-result" role="status" aria-labelledby="pos-voucher-title">
          <h3 id="pos-voucher-title">
            {state.result.reward.name} redeemed for {formatPoints(state.result.points)}
          </h3>
          {state.result.vouchers.length > 0 ? (
            state.result.vouchers.map((v) => (
              <p key={v.code}>
                Voucher code <span className="pos-code">{v.code}</span>
                {v.expiresAt && <span className="muted"> valid until {formatDate(v.expiresAt)}</span>}
              </p>
            ))
          ) : (
            <p>No voucher code for this reward.</p>
          )}
          <p>Balance: {formatPoints(state.result.balance.available)} available.</p>
        </div>
      )}
    </section>
  );
}
