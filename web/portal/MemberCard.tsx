import { create } from "qrcode";
import { useMemo } from "react";
import { groupCardNumber, QUIET_ZONE, qrPath } from "./member-card.ts";

/**
 * The member's digital card: their card number as a QR code (the `qrcode` library's matrix, drawn
 * as SVG), for the till's scanner, and in digits for a cashier to type.
 */
export function MemberCard({ cardNumber, name }: { cardNumber: string; name: string | null }) {
  const { size, path } = useMemo(() => {
    const { modules } = create(cardNumber, { errorCorrectionLevel: "M" });
    return { size: modules.size, path: qrPath(modules.size, (r, c) => modules.data[r * modules.size + c] === 1) };
  }, [cardNumber]);
  const side = size + 2 * QUIET_ZONE;
  return (
    <section className="panel member-card" aria-labelledby="card">
      <h2 id="card">Your member card</h2>
      <p className="muted">Show it at the till to collect points.</p>
      <svg
        className="member-card-qr"
        viewBox={`0 0 ${side} ${side}`}
        role="img"
        aria-label={`QR code of card number ${groupCardNumber(cardNumber)}`}
        shapeRendering="crispEdges"
      >
        <rect width={side} height={side} fill="#fff" />
        <path d={path} fill="#000" />
      </svg>
      <p className="member-card-number" data-testid="card-number">
        {groupCardNumber(cardNumber)}
      </p>
      {name && <p className="muted">{name}</p>}
    </section>
  );
}
