import pg from "pg";

/**
 * What the run's PostgreSQL connections were doing during a measured window, sampled from
 * pg_stat_activity every SAMPLE_MS: the mean number of them waiting for a lock (a hot row's
 * queue), waiting for the server inside a transaction (the server's turn: its JavaScript or the
 * CPU it waits for), working (on CPU or I/O), and idle between transactions.
 */
export interface WaitSplit {
  samples: number;
  lock: number;
  idleInTransaction: number;
  working: number;
  idle: number;
}

const SAMPLE_MS = 100;

export class WaitSampler {
  #client: pg.Client | null = null;
  #timer: NodeJS.Timeout | null = null;
  #inFlight: Promise<void> = Promise.resolve();
  #totals = { samples: 0, lock: 0, idleInTransaction: 0, working: 0, idle: 0 };

  constructor(
    private readonly serverUrl: string,
    private readonly database: string,
  ) {}

  async start(): Promise<void> {
    // Sampling must never fail a run: without it, the split is unknown.
    try {
      const client = new pg.Client({ connectionString: this.serverUrl });
      await client.connect();
      this.#client = client;
    } catch {
      return;
    }
    this.#timer = setInterval(() => {
      this.#inFlight = this.#inFlight.then(() => this.#sample());
    }, SAMPLE_MS);
  }

  async #sample(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    try {
      const result = await client.query<{ lock: number; idle_in_txn: number; working: number; idle: number }>(
        `select count(*) filter (where wait_event_type = 'Lock')::int as lock,
                count(*) filter (where state like 'idle in transaction%')::int as idle_in_txn,
                count(*) filter (where state = 'active' and wait_event_type is distinct from 'Lock')::int as working,
                count(*) filter (where state = 'idle')::int as idle
           from pg_stat_activity where datname = $1 and backend_type = 'client backend'`,
        [this.database],
      );
      const row = result.rows[0];
      if (!row) return;
      this.#totals.samples += 1;
      this.#totals.lock += row.lock;
      this.#totals.idleInTransaction += row.idle_in_txn;
      this.#totals.working += row.working;
      this.#totals.idle += row.idle;
    } catch {
      // a missed sample
    }
  }

  /** Stops sampling; null when nothing was sampled. */
  async stop(): Promise<WaitSplit | null> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#inFlight;
    await this.#client?.end().catch(() => undefined);
    this.#client = null;
    const t = this.#totals;
    if (t.samples === 0) return null;
    const mean = (n: number) => Math.round((n / t.samples) * 100) / 100;
    return {
      samples: t.samples,
      lock: mean(t.lock),
      idleInTransaction: mean(t.idleInTransaction),
      working: mean(t.working),
      idle: mean(t.idle),
    };
  }
}
