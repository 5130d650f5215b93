import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { ErrorAlert, Field, formatDate, Pager } from "../../shared/ui.tsx";
import { findMembers as find, type MemberList, memberKeys } from "../api/members.ts";
import { getLadder, tierKeys } from "../api/tiers.ts";
import { memberName, StatusBadge, TableWrap, useCursors } from "../members/common.tsx";
import { NewMemberForm } from "../members/NewMemberForm.tsx";

const PAGE_SIZE = 25;

/** A full phone number as typed ("(555) 123-4567", "+44 7700 900123"): looked up exactly, by E.164. */
const looksLikePhone = (s: string) => /^\+?[\d\s().-]+$/.test(s) && s.replace(/\D/g, "").length >= 7;

/**
 * One search box for name, email, phone and external id. A phone number is first matched exactly
 * (the API normalizes it with the programme's country); anything else, or a number that matched
 * nobody, is a substring search of all four fields.
 */
async function findMembers(term: string, cursor: string | undefined): Promise<MemberList> {
  if (term && looksLikePhone(term) && !cursor) {
    const exact = await find({ phone: term, limit: PAGE_SIZE });
    if (exact.data.length > 0) return exact;
  }
  const q = term && looksLikePhone(term) ? term.replace(/[^\d+]/g, "").replace(/^\+/, "") : term;
  return find({ q: q || undefined, limit: PAGE_SIZE, cursor });
}

/** "73 members match “ada”", "More than 10,000 members", "1 member matches …": the API's count of all pages. */
export function matchLine(term: string, list: MemberList): string {
  const { count, capped } = list.total;
  const many = capped || count !== 1;
  const n = `${capped ? "More than " : ""}${count.toLocaleString("en-US")} ${many ? "members" : "member"}`;
  if (term) return count === 0 ? `No members match “${term}”` : `${n} ${many ? "match" : "matches"} “${term}”`;
  return count === 0 ? "No members yet" : `${n}, oldest first`;
}

export default function Members() {
  const [params, setParams] = useSearchParams();
  const term = params.get("q") ?? "";
  const [draft, setDraft] = useState(term);
  const [creating, setCreating] = useState(false);
  const { cursor, cursors, setCursors } = useCursors(term);
  const members = useQuery({
    queryKey: memberKeys.search(term, cursor),
    queryFn: () => findMembers(term.trim(), cursor),
    placeholderData: keepPreviousData,
  });
  const ladder = useQuery({ queryKey: tierKeys.ladder, queryFn: getLadder, staleTime: 60_000 });
  const tierNames = new Map((ladder.data?.tiers ?? []).map((t) => [t.id, t.name]));
  const bottom = ladder.data?.tiers.find((t) => t.rank === 0)?.name;
  const search = (e: FormEvent) => {
    e.preventDefault();
    const next = draft.trim();
    setParams(next ? { q: next } : {});
  };

  return (
    <>
      <div className="spread">
        <h1>Members</h1>
        {!creating && (
          <button type="button" onClick={() => setCreating(true)}>
            New member
          </button>
        )}
      </div>
      {creating && <NewMemberForm onCancel={() => setCreating(false)} />}
      <form className="row" style={{ alignItems: "flex-start" }} onSubmit={search}>
        <div style={{ flex: "1 1 20rem" }}>
          <Field
            label="Search members"
            hint="Name, email, phone or external id"
            type="search"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
        </div>
        <div className="field" style={{ minWidth: 0, marginTop: "1.55rem" }}>
          <button type="submit">Search</button>
        </div>
        {term && (
          <div className="field" style={{ minWidth: 0, marginTop: "1.55rem" }}>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setDraft("");
                setParams({});
              }}
            >
              Clear
            </button>
          </div>
        )}
      </form>
      <ErrorAlert error={members.error ?? ladder.error} />
      <p className="muted" aria-live="polite">
        {members.data && !members.isPlaceholderData ? matchLine(term, members.data) : "Loading…"}
      </p>
      {members.data && members.data.data.length > 0 && (
        <TableWrap label="Members">
          <table>
            <caption className="visually-hidden">Members, page {cursors.length}</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Phone</th>
                <th scope="col">Tier</th>
                <th scope="col">Status</th>
                <th scope="col">Joined</th>
              </tr>
            </thead>
            <tbody>
              {members.data.data.map((m) => (
                <tr key={m.id}>
                  <td>
                    <Link to={`/members/${m.id}`}>{memberName(m)}</Link>
                    {m.externalId && <div className="muted">{m.externalId}</div>}
                  </td>
                  <td>{m.email ?? "—"}</td>
                  <td>{m.phone ?? "—"}</td>
                  <td>{ladder.isPending ? "…" : ((m.tierId ? tierNames.get(m.tierId) : bottom) ?? "—")}</td>
                  <td>
                    <StatusBadge status={m.status} />
                  </td>
                  <td>{formatDate(m.createdAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <Pager nextCursor={members.data?.nextCursor} cursors={cursors} onChange={setCursors} />
    </>
  );
}
