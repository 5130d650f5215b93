import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { type FormEvent, useState } from "react";
import { Link, useSearchParams } from "react-router";
import { formatMinor } from "../../shared/money.ts";
import { ErrorAlert, Field, formatDate, Pager, SelectField } from "../../shared/ui.tsx";
import { findMembers as find, type MemberList, memberKeys, type ValueQuery, type ValueSort } from "../api/members.ts";
import { getLadder, tierKeys } from "../api/tiers.ts";
import { formatPercent } from "../insights/customer-value-words.ts";
import { memberName, StatusBadge, TableWrap, useCursors } from "../members/common.tsx";
import { NewMemberForm } from "../members/NewMemberForm.tsx";
import { ariaSort, SORT_OPTIONS, sortWords, valueFilters } from "../members/value-filters.ts";
import { useSession } from "../session.tsx";
import "../insights/customer-value.css";

const PAGE_SIZE = 25;

/** A full phone number as typed ("(555) 123-4567", "+44 7700 900123"): looked up exactly, by E.164. */
const looksLikePhone = (s: string) => /^\+?[\d\s().-]+$/.test(s) && s.replace(/\D/g, "").length >= 7;

/**
 * One search box for name, email, phone and external id. A phone number is first matched exactly
 * (the API normalizes it with the programme's country); anything else, or a number that matched
 * nobody, is a substring search of all four fields.
 */
async function findMembers(term: string, cursor: string | undefined, value: ValueQuery): Promise<MemberList> {
  if (term && looksLikePhone(term) && !cursor) {
    const exact = await find({ phone: term, limit: PAGE_SIZE, ...value });
    if (exact.data.length > 0) return exact;
  }
  const q = term && looksLikePhone(term) ? term.replace(/[^\d+]/g, "").replace(/^\+/, "") : term;
  return find({ q: q || undefined, limit: PAGE_SIZE, cursor, ...value });
}

/**
 * "73 members match “ada”", "More than 10,000 members", "1 member matches …": the API's count of all
 * pages, with the order when the list is sorted by a value figure or narrowed to members with one.
 */
export function matchLine(term: string, list: MemberList, value?: { sort?: ValueSort; active: boolean }): string {
  const { count, capped } = list.total;
  const many = capped || count !== 1;
  const n = `${capped ? "More than " : ""}${count.toLocaleString("en-US")} ${many ? "members" : "member"}`;
  const order = value?.sort ? `, ${sortWords(value.sort)}` : "";
  if (term) return count === 0 ? `No members match “${term}”` : `${n} ${many ? "match" : "matches"} “${term}”${order}`;
  if (value?.active) return count === 0 ? "No members with a predicted value match" : `${n}${order || ", oldest first"}`;
  return count === 0 ? "No members yet" : `${n}, oldest first`;
}

export default function Members() {
  const { program } = useSession();
  const [params, setParams] = useSearchParams();
  const term = params.get("q") ?? "";
  const typed = { sort: params.get("sort"), minClv: params.get("minClv"), maxActive: params.get("maxActive") };
  const value = valueFilters(typed, program.currency);
  const [draft, setDraft] = useState(term);
  const [minClvDraft, setMinClvDraft] = useState(typed.minClv ?? "");
  const [maxActiveDraft, setMaxActiveDraft] = useState(typed.maxActive ?? "");
  const [sortDraft, setSortDraft] = useState(value.query.sort ?? "");
  // Open when the address asks for a value sort or filter (the Customers page's "All members at risk").
  const [byValue, setByValue] = useState(value.active);
  const [creating, setCreating] = useState(false);
  const { cursor, cursors, setCursors } = useCursors(params.toString());
  const members = useQuery({
    queryKey: memberKeys.search(term, cursor, value.query),
    queryFn: () => findMembers(term.trim(), cursor, value.query),
    placeholderData: keepPreviousData,
  });
  const ladder = useQuery({ queryKey: tierKeys.ladder, queryFn: getLadder, staleTime: 60_000 });
  const tierNames = new Map((ladder.data?.tiers ?? []).map((t) => [t.id, t.name]));
  const bottom = ladder.data?.tiers.find((t) => t.rank === 0)?.name;
  /** The URL's search, sort and filters, blanks left out. */
  const show = (next: { q?: string; sort?: string | null; minClv?: string; maxActive?: string }) => {
    const merged: Record<string, string | null | undefined> = { q: term, ...typed, ...next };
    const kept = Object.entries(merged).filter((entry): entry is [string, string] => Boolean(entry[1]?.trim()));
    setParams(Object.fromEntries(kept.map(([k, v]) => [k, v.trim()])));
  };
  const search = (e: FormEvent) => {
    e.preventDefault();
    show({ q: draft, sort: sortDraft, minClv: minClvDraft, maxActive: maxActiveDraft });
  };
  const filtered = Boolean(term || typed.sort || typed.minClv || typed.maxActive);

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
        {filtered && (
          <div className="field" style={{ minWidth: 0, marginTop: "1.55rem" }}>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setDraft("");
                setSortDraft("");
                setMinClvDraft("");
                setMaxActiveDraft("");
                setParams({});
              }}
            >
              Clear
            </button>
          </div>
        )}
        <details
          className="value-filters"
          open={byValue}
          onToggle={(e) => setByValue(e.currentTarget.open)}
          style={{ flexBasis: "100%" }}
        >
          <summary>Sort and filter by value</summary>
          <div className="row" style={{ alignItems: "flex-start", marginTop: "0.5rem" }}>
            <SelectField label="Order" value={sortDraft} options={SORT_OPTIONS} onChange={(e) => setSortDraft(e.target.value)} />
            <Field
              label="Min 12-month value"
              hint={`CLV in ${program.currency}, e.g. 100`}
              inputMode="decimal"
              value={minClvDraft}
              onChange={(e) => setMinClvDraft(e.target.value)}
              error={value.errors.minClv}
            />
            <Field
              label="Max chance still active (%)"
              hint="e.g. 50 for members likely lost"
              inputMode="decimal"
              value={maxActiveDraft}
              onChange={(e) => setMaxActiveDraft(e.target.value)}
              error={value.errors.maxActive}
            />
            <div className="field" style={{ minWidth: 0, marginTop: "1.55rem" }}>
              <button type="submit">Apply</button>
            </div>
          </div>
        </details>
      </form>
      <ErrorAlert error={members.error ?? ladder.error} />
      <p className="muted" aria-live="polite">
        {members.data && !members.isPlaceholderData
          ? matchLine(term, members.data, { sort: value.query.sort, active: value.active })
          : "Loading…"}
      </p>
      {value.active && (
        <p className="muted">
          Sorting or filtering by value lists only members with a prediction: members who bought, once the customer value model is
          fitted (<Link to="/insights/customers">Insights › Customers</Link>).
        </p>
      )}
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
                <ValueHead label="CLV (12 months)" sort={value.query.sort} figure="clv" />
                <ValueHead label="Active %" sort={value.query.sort} figure="probabilityAlive" />
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
                  <td className="num">{m.value ? formatMinor(m.value.clv, program.currency) : "—"}</td>
                  <td className="num">{m.value ? formatPercent(m.value.probabilityAlive) : "—"}</td>
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

/** A value column's heading, marked when the list is sorted by it (the order is chosen under "Sort and filter by value"). */
function ValueHead({ label, sort, figure }: { label: string; sort: ValueSort | undefined; figure: "clv" | "probabilityAlive" }) {
  const order = ariaSort(sort, figure);
  return (
    <th scope="col" className="num" aria-sort={order}>
      {label}
      {order !== "none" && <span aria-hidden="true">{order === "descending" ? " ▼" : " ▲"}</span>}
    </th>
  );
}
