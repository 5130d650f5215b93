/** Event bodies for tests: ids unique within the test file, the rest as given. */

let seq = 0;
export const nextId = (prefix: string) => `${prefix}-${++seq}`;

export const purchase = (memberId: string, amount: number, extra: Record<string, unknown> = {}) => ({
  id: nextId("order"),
  type: "purchase",
  memberId,
  amount,
  ...extra,
});

export const refund = (originalEventId: string, amount: number) => ({
  id: nextId("return"),
  type: "return",
  originalEventId,
  amount,
});
