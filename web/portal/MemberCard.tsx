import { create } from "qrcode";
import { useMemo } from "react";

/** Light modules around the code, as the QR specification asks, so scanners find its edges. */
const QUIET_ZONE = 4;

/** The dark modules of a QR code as one SVG path of unit squares (row by row, runs joined). */
export function qrPath(size: number, dark: (row: number, col: number) => boolean): string {
  const parts: string[] = [];
  for (let row = 0; row < size; row++) {
    let col = 0;
    while (col < size) {
      if (!dark(row, col)) {
        col++;
        continue;
      }
      const start = col;
      while (col < size && dark(row, col)) col++;
      parts.push(`M${start + QUIET_ZONE} ${row + QUIET_ZONE}h${col - start}v1h-${col - start}z`);
    }
  }
  return parts.join("");
}

/** "123456789012" -> "1234 5678 9012": read out or typed at the till. */
export const groupCardNumber = (card: string) => card.replace(/(\d{4})(?=\d)/g, "$1 ");

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
