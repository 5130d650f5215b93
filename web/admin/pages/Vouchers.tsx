import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { sendOnce } from "../../shared/api/http.ts";
import { ErrorAlert, Field, formatDate, formatDateTime, Notice } from "../../shared/ui.tsx";
import { getMember, memberKeys } from "../api/members.ts";
import { cancelRedemption, checkVoucher, redeemVoucher, type VoucherCheck, voucherKeys } from "../api/vouchers.ts";
import { apiFieldError, ConfirmButton, memberName, StatusBadge } from "../members/common.tsx";

const INVALID = {
  voucher_used: "Already used",
  voucher_expired: "Expired",
  voucher_cancelled: "Cancelled",
} satisfies Record<NonNullable<VoucherCheck["invalidReason"]>, string>;

/** Look a voucher code up, use it at checkout, or cancel its redemption (the points go back). */
export default function Vouchers() {
  const [params, setParams] = useSearchParams();
  const code = params.get("code") ?? "";
  const [draft, setDraft] = useState(code);
  const voucher = useQuery({
    queryKey: voucherKeys.one(code),
    queryFn: () => checkVoucher(code),
    enabled: code.length > 0,
    retry: false,
  });
  const lookUp = (e: FormEvent) => {
    e.preventDefault();
    const next = draft.trim();
    setParams(next ? { code: next } : {});
  };
  return (
    <>
      <h1>Vouchers</h1>
      <form className="row" style={{ alignItems: "flex-start" }} onSubmit={lookUp}>
        <div style={{ flex: "1 1 16rem" }}>
          <Field
            label="Voucher code"
            hint="As printed or shown to the member; any case"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            autoComplete="off"
            spellCheck={false}
          />
        </div>
        <div className="field" style={{ minWidth: 0, marginTop: "1.55rem" }}>
          <button type="submit">Look up</button>
        </div>
      </form>
      {code && voucher.isPending && <p>Looking up…</p>}
      <ErrorAlert error={voucher.error} />
      {voucher.data && <VoucherPanel voucher={voucher.data} />}
    </>
  );
}

function VoucherPanel({ voucher: v }: { voucher: VoucherCheck }) {
  const queryClient = useQueryClient();
  const member = useQuery({
    queryKey: memberKeys.one(v.memberId),
    queryFn: () => getMember(v.memberId),
  });
  const [orderId, setOrderId] = useState("");
  const [reason, setReason] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: voucherKeys.all }),
      queryClient.invalidateQueries({ queryKey: memberKeys.one(v.memberId) }),
    ]);
  const use = useMutation({
    mutationFn: () => sendOnce((opts) => redeemVoucher(v.code, orderId.trim() ? { orderId: orderId.trim() } : {}, opts)),
    onSuccess: async () => {
      setDone(`Voucher ${v.code} used.`);
      await refresh();
    },
  });
  const cancel = useMutation({
    mutationFn: () => sendOnce((opts) => cancelRedemption(v.redemptionId, reason.trim() ? { reason: reason.trim() } : {}, opts)),
    onSuccess: async () => {
      setDone("Redemption cancelled: its points went back to the member.");
      await refresh();
    },
  });
  return (
    <section className="panel" aria-labelledby="voucher-heading">
      <h2 id="voucher-heading" style={{ marginTop: 0 }}>
        <span className="code">{v.code}</span> <StatusBadge status={v.status} />
      </h2>
      {done && <Notice>{done}</Notice>}
      <p>
        {v.valid ? (
          <strong>Valid: it can be used now.</strong>
        ) : (
          <strong>Not valid: {(v.invalidReason && INVALID[v.invalidReason]) ?? v.status}.</strong>
        )}
      </p>
      <dl className="grid" style={{ margin: "0 0 1rem" }}>
        <div>
          <dt className="muted">Reward</dt>
          <dd style={{ margin: 0 }}>{v.reward.name}</dd>
        </div>
        <div>
          <dt className="muted">Member</dt>
          <dd style={{ margin: 0 }}>
            <Link to={`/members/${v.memberId}`}>{member.data ? memberName(member.data) : v.memberId}</Link>
          </dd>
        </div>
        <div>
          <dt className="muted">Issued</dt>
          <dd style={{ margin: 0 }}>{formatDateTime(v.createdAt)}</dd>
        </div>
        <div>
          <dt className="muted">Expires</dt>
          <dd style={{ margin: 0 }}>{v.expiresAt ? formatDate(v.expiresAt) : "Never"}</dd>
        </div>
        {v.usedAt && (
          <div>
            <dt className="muted">Used</dt>
            <dd style={{ margin: 0 }}>
              {formatDateTime(v.usedAt)}
              {v.usedOrderId && ` · order ${v.usedOrderId}`}
              {v.usedStoreId && ` · store ${v.usedStoreId}`}
            </dd>
          </div>
        )}
      </dl>
      <ErrorAlert error={use.error ?? cancel.error} />
      {v.valid && (
        <div className="row" style={{ alignItems: "flex-start" }}>
          <ConfirmButton
            label="Use voucher"
            question={`Mark ${v.code} as used? It cannot be used again.`}
            confirmLabel="Yes, use it"
            pending={use.isPending}
            onConfirm={() => use.mutateAsync()}
          >
            <Field
              label="Order id (optional)"
              value={orderId}
              onChange={(e) => setOrderId(e.target.value)}
              error={apiFieldError(use.error, "orderId")}
            />
          </ConfirmButton>
          <ConfirmButton
            label="Cancel redemption"
            question="Cancel the redemption? Its unused vouchers stop working and the points go back to the member."
            confirmLabel="Yes, cancel it"
            danger
            pending={cancel.isPending}
            onConfirm={() => cancel.mutateAsync()}
          >
            <Field
              label="Reason (optional)"
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              error={apiFieldError(cancel.error, "reason")}
            />
          </ConfirmButton>
        </div>
      )}
    </section>
  );
}
