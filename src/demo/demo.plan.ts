import { DateTime } from "luxon";

/**
 * The demo coffee shop as data, with no I/O: who the members are and when each of them buys what,
 * over the year up to `now`. Shaped by real purchase histories (300 customers of the CDNOW
 * sample, data/demo/cdnow-sample-300.txt): how often each customer came back and how much they
 * spent, scaled to coffee-shop visits and tickets. Names, phones and baskets come from a seeded
 * pseudo-random generator, so the same day always gives the same demo.
 */

export const DEMO_PROGRAM_NAME = "Bean There Coffee";
export const DEMO_TIMEZONE = "America/New_York";
export const DEMO_STAFF = [
  { email: "owner@demo.stampbook.dev", name: "Olive Owner", role: "owner" },
  { email: "manager@demo.stampbook.dev", name: "Manny Manager", role: "manager" },
  { email: "cashier@demo.stampbook.dev", name: "Cass Cashier", role: "cashier" },
] as const;
export const DEMO_OWNER_EMAIL = DEMO_STAFF[0].email;
export const DEMO_DAYS = 365;
const SEED = 20_260_101;

/** mulberry32: a small, fast, seeded generator of floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

export interface CdnowRow {
  customer: string;
  /** Days since 1997-01-01. */
  day: number;
  cds: number;
  dollars: number;
}

const CDNOW_START = Date.UTC(1997, 0, 1);
/** The CDNOW records span 1997-01-01 to 1998-06-30. */
const CDNOW_DAYS = 546;

/** Parses rows of `customer YYYYMMDD cds dollars`. */
export function parseCdnow(text: string): CdnowRow[] {
  const rows: CdnowRow[] = [];
  for (const line of text.split("\n")) {
    const [customer, date, cds, dollars] = line.trim().split(/\s+/);
    if (!customer || !date || !cds || !dollars) continue;
    const at = Date.UTC(Number(date.slice(0, 4)), Number(date.slice(4, 6)) - 1, Number(date.slice(6, 8)));
    rows.push({ customer, day: Math.round((at - CDNOW_START) / 86_400_000), cds: Number(cds), dollars: Number(dollars) });
  }
  return rows;
}

export interface MenuItem {
  sku: string;
  name: string;
  category: "coffee" | "tea" | "pastry" | "food" | "retail";
  unitPrice: number;
}

export const MENU: MenuItem[] = [
  { sku: "DRIP", name: "Drip coffee", category: "coffee", unitPrice: 275 },
  { sku: "LATTE", name: "Latte", category: "coffee", unitPrice: 475 },
  { sku: "CAPPUCCINO", name: "Cappuccino", category: "coffee", unitPrice: 450 },
  { sku: "COLDBREW", name: "Cold brew", category: "coffee", unitPrice: 425 },
  { sku: "CHAI", name: "Chai latte", category: "tea", unitPrice: 450 },
  { sku: "CROISSANT", name: "Croissant", category: "pastry", unitPrice: 350 },
  { sku: "MUFFIN", name: "Blueberry muffin", category: "pastry", unitPrice: 325 },
  { sku: "SCONE", name: "Scone", category: "pastry", unitPrice: 325 },
  { sku: "BAGEL", name: "Bagel", category: "food", unitPrice: 300 },
  { sku: "SANDWICH", name: "Turkey sandwich", category: "food", unitPrice: 850 },
  { sku: "BEANS", name: "House blend beans, 12 oz", category: "retail", unitPrice: 1600 },
];

const FIRST = [
  "Ada",
  "Alex",
  "Amara",
  "Ana",
  "Ben",
  "Bianca",
  "Caleb",
  "Carmen",
  "Chloe",
  "Dan",
  "Diego",
  "Elena",
  "Eli",
  "Emma",
  "Farah",
  "Felix",
  "Grace",
  "Hana",
  "Hugo",
  "Ian",
  "Imani",
  "Isla",
  "Jack",
  "Jade",
  "Jonah",
  "Kai",
  "Kavya",
  "Leo",
  "Lena",
  "Liam",
  "Lucia",
  "Maya",
  "Mateo",
  "Mia",
  "Nadia",
  "Noah",
  "Nora",
  "Omar",
  "Owen",
  "Priya",
  "Quinn",
  "Rosa",
  "Ravi",
  "Sam",
  "Sara",
  "Theo",
  "Uma",
  "Vera",
  "Wes",
  "Yara",
  "Zoe",
  "Malik",
  "Ines",
  "Tariq",
];
const LAST = [
  "Abbott",
  "Alvarez",
  "Baker",
  "Banerjee",
  "Brooks",
  "Chen",
  "Cohen",
  "Costa",
  "Diaz",
  "Dubois",
  "Evans",
  "Fischer",
  "Garcia",
  "Gupta",
  "Hall",
  "Hayes",
  "Ito",
  "Jensen",
  "Johnson",
  "Kim",
  "Kowalski",
  "Lee",
  "Lopez",
  "Martin",
  "Meyer",
  "Moreno",
  "Nakamura",
  "Nguyen",
  "Novak",
  "Okafor",
  "Olsen",
  "Patel",
  "Perez",
  "Quinn",
  "Reyes",
  "Rossi",
  "Santos",
  "Schmidt",
  "Singh",
  "Smith",
  "Sousa",
  "Tanaka",
  "Taylor",
  "Torres",
  "Usman",
  "Walker",
  "Wang",
  "Weber",
  "Young",
  "Zhang",
];
/** New York area codes; 555-0100 to 555-0199 are reserved for fiction, so these reach nobody. */
const AREA_CODES = ["212", "347", "646", "718", "917"];

export interface PlannedMember {
  key: string;
  name: string;
  email: string;
  phone: string | null;
  birthDate: string | null;
  joinedAt: Date;
}

export interface PlannedPurchase {
  id: string;
  /** The member's plan key, or null for a walk-in who is no member (a guest purchase). */
  memberKey: string | null;
  occurredAt: Date;
  amount: number;
  items: { sku: string; name: string; category: string; quantity: number; unitPrice: number }[];
}

export interface DemoPlan {
  /** The programme's launch: the first day of the demo year, 08:00 in New York. */
  start: Date;
  members: PlannedMember[];
  /** In time order. */
  purchases: PlannedPurchase[];
}

/** A basket of about `target` cents: a drink, often a pastry, sometimes more. */
function basket(target: number, random: () => number): PlannedPurchase["items"] {
  const pick = (category: MenuItem["category"]) => {
    const options = MENU.filter((m) => m.category === category);
    return options[Math.floor(random() * options.length)] as MenuItem;
  };
  const lines = new Map<string, PlannedPurchase["items"][number]>();
  const add = (item: MenuItem) => {
    const line = lines.get(item.sku);
    if (line) line.quantity += 1;
    else lines.set(item.sku, { sku: item.sku, name: item.name, category: item.category, quantity: 1, unitPrice: item.unitPrice });
  };
  let total = 0;
  const drink = random() < 0.85 ? pick("coffee") : pick("tea");
  add(drink);
  total += drink.unitPrice;
  if (random() < 0.4 || target - total > 300) {
    const pastry = pick("pastry");
    add(pastry);
    total += pastry.unitPrice;
  }
  for (let guard = 0; guard < 8 && target - total > 250; guard++) {
    const r = random();
    const next = r < 0.35 ? pick("coffee") : r < 0.6 ? pick("pastry") : r < 0.9 ? pick("food") : pick("retail");
    if (next.unitPrice > target - total + 400) continue;
    add(next);
    total += next.unitPrice;
  }
  return [...lines.values()];
}

/**
 * Maps each CDNOW customer's history onto the demo year. Most customers joined at the launch (the
 * CDNOW cohort all bought first in early 1997); a third of them are shifted to join later in the
 * year, so there are new members every month. Time is scaled so the 18 months of records fit a
 * year; every CD bought becomes three visits a few days apart, and the average CD price sets the
 * ticket (a $15 CD is a $6.50 visit).
 */
export function planDemo(rows: CdnowRow[], now: Date): DemoPlan {
  const random = seededRandom(SEED);
  const today = DateTime.fromJSDate(now, { zone: DEMO_TIMEZONE }).startOf("day");
  const launch = today.minus({ days: DEMO_DAYS });
  const start = launch.set({ hour: 8 }).toJSDate();
  const byCustomer = new Map<string, CdnowRow[]>();
  for (const row of rows) byCustomer.set(row.customer, [...(byCustomer.get(row.customer) ?? []), row]);
  const scale = (DEMO_DAYS - 30) / CDNOW_DAYS;

  const members: PlannedMember[] = [];
  const purchases: PlannedPurchase[] = [];
  const usedNames = new Set<string>();
  let phoneSeq = 0;
  let orderSeq = 0;
  for (const [customer, history] of [...byCustomer].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const first = history[0];
    if (!first) continue;
    const shift = random() < 0.34 ? Math.floor(30 + random() * (DEMO_DAYS - 40)) : 0;
    const visits: { at: DateTime; ticket: number }[] = [];
    for (const row of history) {
      const day = shift + Math.floor((row.day - first.day) * scale + first.day * 0.5);
      const cdPrice = row.cds > 0 ? row.dollars / row.cds : 0;
      const ticket = Math.max(300, Math.min(3_000, Math.round((cdPrice / 15) * 650 * (0.7 + 0.6 * random()))));
      let offset = day;
      for (let v = 0; v < Math.min(row.cds * 3, 36); v++) {
        if (v > 0) offset += 1 + Math.floor(random() * 6);
        if (offset >= DEMO_DAYS) break;
        const minutes = 7 * 60 + Math.floor(random() * 11 * 60);
        visits.push({ at: launch.plus({ days: offset + 1, minutes }), ticket });
      }
    }
    const firstVisit = visits.reduce<DateTime | null>((min, v) => (min === null || v.at < min ? v.at : min), null);
    if (!firstVisit || firstVisit.toJSDate() >= now) continue;

    let name = "";
    for (let guard = 0; guard < 50 && (name === "" || usedNames.has(name)); guard++) {
      name = `${FIRST[Math.floor(random() * FIRST.length)]} ${LAST[Math.floor(random() * LAST.length)]}`;
    }
    usedNames.add(name);
    const key = `c${customer}`;
    const [given, family] = name.toLowerCase().split(" ");
    const hasPhone = random() < 0.8;
    const phone = hasPhone
      ? `(${AREA_CODES[phoneSeq % AREA_CODES.length]}) 555-01${String(Math.floor(phoneSeq++ / AREA_CODES.length)).padStart(2, "0")}`
      : null;
    const birthDate =
      random() < 0.6
        ? `${1960 + Math.floor(random() * 45)}-${String(1 + Math.floor(random() * 12)).padStart(2, "0")}-${String(1 + Math.floor(random() * 28)).padStart(2, "0")}`
        : null;
    members.push({
      key,
      name,
      email: `${given}.${family}.${customer}@example.com`,
      phone,
      birthDate,
      joinedAt: firstVisit.minus({ minutes: 5 }).toJSDate(),
    });
    for (const visit of visits) {
      const occurredAt = visit.at.toJSDate();
      if (occurredAt >= now) continue;
      const items = basket(visit.ticket, random);
      purchases.push({
        id: `demo-order-${String(++orderSeq).padStart(5, "0")}`,
        memberKey: key,
        occurredAt,
        amount: items.reduce((sum, i) => sum + i.quantity * i.unitPrice, 0),
        items,
      });
    }
  }
  purchases.push(...walkIns(purchases, now));
  purchases.sort((a, b) => a.occurredAt.getTime() - b.occurredAt.getTime() || (a.id < b.id ? -1 : 1));
  return { start, members, purchases };
}

/** About one walk-in for every three member visits: customers who are no members, so members' share of the till is below 100%. */
const WALK_IN_SHARE = 0.3;

/**
 * Walk-in customers' purchases (guest purchases a member may claim by the receipt): drawn from a
 * stream of their own, so the members' year is the same with or without them. Each comes on the
 * day of a member's visit, at another hour, with a basket of about the same size.
 */
function walkIns(memberPurchases: PlannedPurchase[], now: Date): PlannedPurchase[] {
  const random = seededRandom(SEED + 1);
  const out: PlannedPurchase[] = [];
  for (const visit of memberPurchases) {
    if (random() >= WALK_IN_SHARE) continue;
    const day = DateTime.fromJSDate(visit.occurredAt, { zone: DEMO_TIMEZONE }).startOf("day");
    const occurredAt = day.plus({ minutes: 7 * 60 + Math.floor(random() * 11 * 60) }).toJSDate();
    const items = basket(Math.round(visit.amount * (0.6 + 0.6 * random())), random);
    if (occurredAt >= now) continue;
    out.push({
      id: `demo-walk-in-${String(out.length + 1).padStart(5, "0")}`,
      memberKey: null,
      occurredAt,
      amount: items.reduce((sum, i) => sum + i.quantity * i.unitPrice, 0),
      items,
    });
  }
  return out;
}
