import { useQuery } from "@tanstack/react-query";
import { useId } from "react";
import { ErrorAlert, formatDateTime } from "../../shared/ui.tsx";
import { campaignKeys, campaignVersions } from "../api/campaigns.ts";
import { ruleKeys, ruleVersions } from "../api/rules.ts";

/**
 * The versions of a rule or campaign (every save is one), newest as the API lists them; a
 * campaign's also show the status each version had.
 */
export function Versions({ kind, id, showStatus = false }: { kind: "rule" | "campaign"; id: string; showStatus?: boolean }) {
  const headingId = useId();
  const versions = useQuery({
    queryKey: kind === "rule" ? ruleKeys.versions(id) : campaignKeys.versions(id),
    queryFn: () => (kind === "rule" ? ruleVersions(id) : campaignVersions(id)),
  });
  return (
    <section aria-labelledby={headingId} style={{ marginTop: "2rem" }}>
      <h2 id={headingId}>Versions</h2>
      <ErrorAlert error={versions.error} />
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col" className="num">
                Version
              </th>
              {showStatus && <th scope="col">Status</th>}
              <th scope="col">Saved</th>
              <th scope="col">By</th>
            </tr>
          </thead>
          <tbody>
            {(versions.data?.data ?? []).map((v) => (
              <tr key={v.version}>
                <td className="num">{v.version}</td>
                {showStatus && <td>{String(v.definition.status ?? "")}</td>}
                <td>{formatDateTime(v.createdAt)}</td>
                <td title={v.actor}>{v.actorName ?? v.actor}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
