import type { Transaction } from "kysely";
import type { DB } from "../db/schema.ts";
import { DomainError } from "../shared/errors.ts";
import { ownerOf } from "./ledger-reads.sql.ts";

/** Refuses to change a redemption's or payment's ledger entries behind its back. */
export async function refuseOwned(trx: Transaction<DB>, ref: { txnId: string } | { holdId: string }, verb: string) {
  const owner = await ownerOf(trx, ref);
  if (!owner) return;
  const what = "txnId" in ref ? `Transaction ${ref.txnId}` : `Hold ${ref.holdId}`;
  const how =
    owner.kind === "redemption"
      ? `confirm or cancel redemption ${owner.id} (POST /v1/redemptions/${owner.id}/confirm or /cancel)`
      : `refund payment ${owner.id} (POST /v1/payments/${owner.id}/refunds)`;
  throw new DomainError(
    "invalid_state",
    `${what} belongs to ${owner.kind} ${owner.id} and cannot be ${verb} on its own: ${how}`,
    {
      [`${owner.kind}Id`]: owner.id,
    },
  );
}
