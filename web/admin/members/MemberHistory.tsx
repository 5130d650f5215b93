import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { Link } from "react-router";
import { ErrorAlert, formatDateTime, formatPoints, Pager } from "../../shared/ui.tsx";
import { type HistoryList, memberHistory, memberKeys, type Paging, type Referral, type StoredEvent } from "../api/members.ts";
import { useSession } from "../session.tsx";
import { formatMinor, LEDGER_EXPLANATIONS, memberName, StatusBadge, signedPoints, TableWrap, useCursors } from "./common.tsx";
import { ReturnPurchase, returnable } from "./ReturnPurchase.tsx";

const PAGE_SIZE = 20;

/** One page of a member's list at a time, by the API's cursor; fresh after any change to the member. */
function useMemberPage<T>(memberId: string, list: HistoryList, read: (memberId: string, paging: Paging) => Promise<T>) {
  const { cursor, cursors, setCursors } = useCursors(memberId);
  const query = useQuery({
    queryKey: memberKeys.history(memberId, list, cursor),
    queryFn: () => read(memberId, { limit: PAGE_SIZE, cursor }),
    placeholderData: keepPreviousData,
  });
  return { query, cursors, setCursors };
}

function Empty({ children }: { children: string }) {
  return <p className="muted">{children}</p>;
}

/** Who did it, by name (the cashier, the API key, the system), "you" for yourself; a kind when the name is unknown. */
function actorLabel(entry: { actor: string; actorName: string | null }, you: string): string {
  const name = entry.actorName;
  if (entry.actor === `staff:${you}`) return name ? `${name} (you)` : "You";
  if (name) return name;
  if (entry.actor.startsWith("staff:")) return "Staff";
  if (entry.actor.startsWith("system:")) return "System";
  if (entry.actor.startsWith("key:")) return "API key";
  return entry.actor;
}

export function LedgerHistory({ memberId }: { memberId: string }) {
  const { session } = useSession();
  const { query, cursors, setCursors } = useMemberPage(memberId, "ledger", memberHistory.ledger);
  return (
    <>
      <ErrorAlert error={query.error} />
      {query.data?.data.length === 0 && <Empty>No points yet.</Empty>}
      {query.data && query.data.data.length > 0 && (
        <TableWrap label="Ledger history">
          <table>
            <caption className="visually-hidden">Ledger history, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Type</th>
                <th scope="col" className="num">
                  Points
                </th>
                <th scope="col">Why</th>
                <th scope="col">By</th>
              </tr>
            </thead>
            <tbody>
              {query.data.data.map((e) => (
                <tr key={e.id}>
                  <td>{formatDateTime(e.effectiveAt)}</td>
                  <td>
                    <span className="badge">{e.type}</span>
                  </td>
                  <td className="num">{signedPoints(e.netChange)}</td>
                  <td>
                    {e.reason ?? LEDGER_EXPLANATIONS[e.type]}
                    {e.reason && <div className="muted">{LEDGER_EXPLANATIONS[e.type]}</div>}
                    {e.reversedByTransactionId && <div className="muted">Reversed later</div>}
                  </td>
                  <td>{actorLabel(e, session.staff.id)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <Pager nextCursor={query.data?.nextCursor} cursors={cursors} onChange={setCursors} />
    </>
  );
}

/** The rules' own explanations of an event's points, as the event's stored answer gave them. */
function explanations(event: StoredEvent): string[] {
  const result = event.result as { contributions?: { explanation?: string }[] } | null;
  return (result?.contributions ?? []).map((c) => c.explanation).filter((x): x is string => Boolean(x));
}

export function EventHistory({ memberId }: { memberId: string }) {
  const { program, session } = useSession();
  const { query, cursors, setCursors } = useMemberPage(memberId, "events", memberHistory.events);
  return (
    <>
      <ErrorAlert error={query.error} />
      {query.data?.data.length === 0 && <Empty>No purchases or other events yet.</Empty>}
      {query.data && query.data.data.length > 0 && (
        <TableWrap label="Purchases and events">
          <table>
            <caption className="visually-hidden">Purchases and other events, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Event</th>
                <th scope="col" className="num">
                  Amount
                </th>
                <th scope="col" className="num">
                  Points
                </th>
                <th scope="col">Why</th>
                <th scope="col">By</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {query.data.data.map((e) => (
                <tr key={e.id}>
                  <td>{formatDateTime(e.occurredAt)}</td>
                  <td>
                    {e.type}
                    {e.storeId && <div className="muted">Store {e.storeId}</div>}
                    {e.returnedAmount > 0 && (
                      <div className="muted">Returned {formatMinor(e.returnedAmount, e.currency ?? program.currency)}</div>
                    )}
                  </td>
                  <td className="num">{e.amount === null ? "—" : formatMinor(e.amount, e.currency ?? program.currency)}</td>
                  <td className="num">{signedPoints(e.points)}</td>
                  <td>
                    {explanations(e).map((x) => (
                      <div key={x}>{x}</div>
                    ))}
                  </td>
                  <td>{e.actor ? actorLabel({ actor: e.actor, actorName: e.actorName }, session.staff.id) : "—"}</td>
                  <td>
                    {returnable(e) && <ReturnPurchase event={e} memberId={memberId} currency={e.currency ?? program.currency} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <Pager nextCursor={query.data?.nextCursor} cursors={cursors} onChange={setCursors} />
    </>
  );
}

export function RedemptionHistory({ memberId }: { memberId: string }) {
  const { query, cursors, setCursors } = useMemberPage(memberId, "redemptions", memberHistory.redemptions);
  return (
    <>
      <ErrorAlert error={query.error} />
      {query.data?.data.length === 0 && <Empty>No redemptions yet.</Empty>}
      {query.data && query.data.data.length > 0 && (
        <TableWrap label="Redemptions">
          <table>
            <caption className="visually-hidden">Redemptions and their vouchers, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Reward</th>
                <th scope="col" className="num">
                  Points
                </th>
                <th scope="col">Status</th>
                <th scope="col">Vouchers</th>
              </tr>
            </thead>
            <tbody>
              {query.data.data.map((r) => (
                <tr key={r.id}>
                  <td>{formatDateTime(r.createdAt)}</td>
                  <td>
                    {r.reward.name}
                    {r.quantity > 1 && <span className="muted"> × {r.quantity}</span>}
                  </td>
                  <td className="num">{formatPoints(r.points)}</td>
                  <td>
                    <StatusBadge status={r.status} />
                    {r.cancelReason && <div className="muted">{r.cancelReason}</div>}
                  </td>
                  <td>
                    {r.vouchers.length === 0
                      ? "—"
                      : r.vouchers.map((v) => (
                          <div key={v.code}>
                            <Link to={`/vouchers?code=${encodeURIComponent(v.code)}`} className="code">
                              {v.code}
                            </Link>{" "}
                            <span className="muted">{v.status}</span>
                          </div>
                        ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <Pager nextCursor={query.data?.nextCursor} cursors={cursors} onChange={setCursors} />
    </>
  );
}

const REFERRAL_STATUS = {
  pending: "waiting for a qualifying purchase",
  rewarded: "rewarded",
  refused: "refused",
  reversed: "reversed (the purchase was returned)",
} satisfies Record<Referral["status"], string>;

export function ReferralHistory({ memberId }: { memberId: string }) {
  const { query, cursors, setCursors } = useMemberPage(memberId, "referrals", memberHistory.referrals);
  const by = query.data?.referredBy;
  return (
    <>
      <ErrorAlert error={query.error} />
      {query.data && (
        <p>
          {by ? (
            <>
              Referred by <Link to={`/members/${by.member.id}`}>{memberName({ ...by.member, phone: null })}</Link> (
              {REFERRAL_STATUS[by.status] ?? by.status}
              {by.refereePoints > 0 && `, ${formatPoints(by.refereePoints)} to this member`}).
            </>
          ) : (
            "Not referred by another member."
          )}
        </p>
      )}
      {query.data?.data.length === 0 && <Empty>Has not referred anyone yet.</Empty>}
      {query.data && query.data.data.length > 0 && (
        <TableWrap label="Referrals">
          <table>
            <caption className="visually-hidden">Members this member referred, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Joined</th>
                <th scope="col">Referral</th>
                <th scope="col" className="num">
                  Points to this member
                </th>
              </tr>
            </thead>
            <tbody>
              {query.data.data.map((r) => (
                <tr key={r.member.id}>
                  <td>
                    <Link to={`/members/${r.member.id}`}>{memberName({ ...r.member, phone: null })}</Link>
                  </td>
                  <td>{formatDateTime(r.createdAt)}</td>
                  <td>
                    {REFERRAL_STATUS[r.status] ?? r.status}
                    {r.refusedReason && <div className="muted">{r.refusedReason}</div>}
                  </td>
                  <td className="num">{formatPoints(r.referrerPoints)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <Pager nextCursor={query.data?.nextCursor} cursors={cursors} onChange={setCursors} />
    </>
  );
}
