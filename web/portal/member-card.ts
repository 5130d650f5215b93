/** The digital member card's pure parts: the QR code's SVG path and the card number as read out. */

/** Light modules around the code, as the QR specification asks, so scanners find its edges. */
export const QUIET_ZONE = 4;

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
