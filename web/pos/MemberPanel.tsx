import { useQuery } from "@tanstack/react-query";
import { ApiError } from "../shared/api/http.ts";
import { ErrorAlert, formatPoints } from "../shared/ui.tsx";
import { getBalance, getMember, getTierStatus, type Member, memberKeys } from "./api/members.ts";
import { memberLabel } from "./lookup.ts";

export function useMemberDetail(id: string) {
  return useQuery({ queryKey: memberKeys.detail(id), queryFn: () => getMember(id) });
}

/** Who the member is and what they have: name, tier and its benefits, available and pending points, next reward. */
export function MemberPanel({ member }: { member: Member }) {
  const detail = useMemberDetail(member.id);
  const balance = useQuery({
    queryKey: memberKeys.balance(member.id),
    queryFn: () => getBalance(member.id),
  });
  const tier = useQuery({
    queryKey: memberKeys.tier(member.id),
    queryFn: async () => {
      try {
        return await getTierStatus(member.id);
      } catch (error) {
        // A programme without tiers answers 404: nothing to honour.
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }
    },
  });
  const benefits = tier.data?.tier?.benefits ?? [];
  // The tier status is exact (reviews due applied); the detail's tier while it loads.
  const tierName = tier.data?.tier?.name ?? detail.data?.loyalty?.tier?.name;
  const m = detail.data ?? member;
  const loyalty = detail.data?.loyalty;
  return (
    <section className="panel pos-member" aria-labelledby="pos-member-name">
      <div className="spread">
        <h2 id="pos-member-name">{memberLabel(m)}</h2>
        <span className="row">
          {tierName ? <span className="badge">{tierName}</span> : loyalty && <span className="muted">No tier</span>}
          {m.status === "blocked" && <span className="badge blocked">Blocked</span>}
        </span>
      </div>
      <p className="muted pos-contact">
        {[m.phone, m.email, m.externalId && `id ${m.externalId}`, `card ${m.cardNumber}`].filter(Boolean).join(" · ")}
      </p>
      {benefits.length > 0 && (
        <div className="pos-benefits">
          <strong id="pos-benefits-title">{tier.data?.tier?.name} benefits</strong>{" "}
          <span className="muted">(honour by hand)</span>
          <ul aria-labelledby="pos-benefits-title">
            {benefits.map((b) => (
              <li key={b}>{b}</li>
            ))}
          </ul>
        </div>
      )}
      <dl className="pos-balance" aria-live="polite">
        <div>
          <dt>Available</dt>
          <dd data-testid="available">{balance.data ? formatPoints(balance.data.available) : "…"}</dd>
        </div>
        <div>
          <dt>Pending</dt>
          <dd>{balance.data ? formatPoints(balance.data.pending) : "…"}</dd>
        </div>
        {balance.data && balance.data.held > 0 && (
          <div>
            <dt>Held</dt>
            <dd>{formatPoints(balance.data.held)}</dd>
          </div>
        )}
        <div>
          <dt>Next reward</dt>
          <dd className="pos-next">
            {loyalty?.nextReward
              ? `${loyalty.nextReward.name} in ${formatPoints(loyalty.nextReward.pointsToGo)}`
              : loyalty
                ? "None to aim for"
                : "…"}
          </dd>
        </div>
      </dl>
      <ErrorAlert error={detail.error ?? balance.error ?? tier.error} />
    </section>
  );
}
