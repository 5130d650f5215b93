import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * Where the CPU went during a measured window, read from /proc (Linux): the benchmark's own
 * load generator, the server processes, the PostgreSQL processes serving the run, and the
 * whole machine. Percentages are of one core, so on 2 cores the machine tops out at 200%.
 */
export interface CpuSplit {
  loadGeneratorPct: number;
  serverPct: number;
  /** The part of serverPct spent in the kernel (system calls: sockets, and for PGlite, files). */
  serverKernelPct: number;
  postgresPct: number | null;
  postgresKernelPct: number | null;
  machineBusyPct: number;
  machineIowaitPct: number;
  /** Busy CPU none of the above explains: other work on a shared machine, which skews a run. */
  otherPct: number;
  cores: number;
}

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface Ticks {
  user: number;
  system: number;
}

/** User and kernel CPU of one process in clock ticks, or null when it is gone (or not Linux). */
function processTicks(pid: number): Ticks | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { user: Number(fields[11]), system: Number(fields[12]) };
  } catch {
    return null;
  }
}

function machineTicks(): { busy: number; iowait: number; total: number; cores: number } {
  try {
    const lines = readFileSync("/proc/stat", "utf8").split("\n");
    const values = (lines[0] ?? "").trim().split(/\s+/).slice(1, 9).map(Number);
    const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
    const cores = lines.filter((line) => /^cpu\d+ /.test(line)).length;
    return {
      busy: user + nice + system + irq + softirq + steal,
      iowait,
      total: user + nice + system + idle + iowait + irq + softirq + steal,
      cores,
    };
  } catch {
    return { busy: 0, iowait: 0, total: 0, cores: 0 };
  }
}

function sumTicks(pids: number[]): Map<number, Ticks> {
  const ticks = new Map<number, Ticks>();
  for (const pid of pids) {
    const t = processTicks(pid);
    if (t !== null) ticks.set(pid, t);
  }
  return ticks;
}

/** Ticks used since `before` by the processes still alive. */
function usedSince(before: Map<number, Ticks>): Ticks {
  const used = { user: 0, system: 0 };
  for (const [pid, start] of before) {
    const now = processTicks(pid);
    if (now === null) continue;
    used.user += now.user - start.user;
    used.system += now.system - start.system;
  }
  return used;
}

export class CpuSampler {
  #started = 0;
  #self = process.cpuUsage();
  #servers = new Map<number, Ticks>();
  #postgres: Map<number, Ticks> | null = null;
  #machine = machineTicks();

  constructor(
    private readonly serverPids: number[],
    /** PostgreSQL process ids to watch, looked up when the window opens (null: embedded engine). */
    private readonly postgresPids: (() => Promise<number[]>) | null,
  ) {}

  async start(): Promise<void> {
    // Sampling must never fail a run: without the process list, PostgreSQL's share is unknown.
    const pids = this.postgresPids ? await this.postgresPids().catch(() => null) : null;
    this.#postgres = pids ? sumTicks(pids) : null;
    this.#servers = sumTicks(this.serverPids);
    this.#self = process.cpuUsage();
    this.#machine = machineTicks();
    this.#started = performance.now();
  }

  stop(): CpuSplit {
    const seconds = (performance.now() - this.#started) / 1000;
    const self = process.cpuUsage(this.#self);
    const machine = machineTicks();
    const pct = (ticks: number) => round1((ticks / TICKS_PER_SECOND / seconds) * 100);
    const machineTotal = machine.total - this.#machine.total;
    const cores = machine.cores || 1;
    const share = (ticks: number) => (machineTotal > 0 ? round1((ticks / machineTotal) * 100 * cores) : 0);
    const loadGeneratorPct = round1(((self.user + self.system) / 1e6 / seconds) * 100);
    const server = usedSince(this.#servers);
    const serverPct = pct(server.user + server.system);
    const postgres = this.#postgres ? usedSince(this.#postgres) : null;
    const postgresPct = postgres ? pct(postgres.user + postgres.system) : null;
    const machineBusyPct = share(machine.busy - this.#machine.busy);
    return {
      loadGeneratorPct,
      serverPct,
      serverKernelPct: pct(server.system),
      postgresPct,
      postgresKernelPct: postgres ? pct(postgres.system) : null,
      machineBusyPct,
      machineIowaitPct: share(machine.iowait - this.#machine.iowait),
      otherPct: round1(Math.max(0, machineBusyPct - loadGeneratorPct - serverPct - (postgresPct ?? 0))),
      cores,
    };
  }
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** How busy the machine is over `ms` (percent of one core), before a run starts. */
export async function machineBusyPct(ms: number): Promise<number> {
  const before = machineTicks();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = machineTicks();
  const total = after.total - before.total;
  return total > 0 ? round1(((after.busy - before.busy) / total) * 100 * (after.cores || 1)) : 0;
}
