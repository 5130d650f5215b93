/**
 * Where a server's CPU went: summarizes a V8 .cpuprofile (from `node --cpu-prof`, e.g. a bench
 * run with --server-node-options="--cpu-prof --cpu-prof-dir=/tmp/prof") by package and by
 * function, self time only.
 *
 *   node bin/run-ts.js bench/tools/cpuprofile-top.ts /tmp/prof/CPU.*.cpuprofile [--top 25] [--skip-seconds 20]
 *
 * --skip-seconds leaves out the start (module loading, migrations, set-up requests).
 * The profiler samples wall time on the JS thread: on a machine with more runnable threads
 * than cores, a thread preempted inside a system call (writev) keeps collecting samples there,
 * so compare with the user/kernel CPU split of the bench before reading native frames as CPU.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { z } from "zod";

const ProfileSchema = z.object({
  nodes: z.array(
    z.object({
      id: z.number(),
      callFrame: z.object({ functionName: z.string(), url: z.string(), lineNumber: z.number() }),
    }),
  ),
  samples: z.array(z.number()),
  timeDeltas: z.array(z.number()),
});

type CallFrame = z.infer<typeof ProfileSchema>["nodes"][number]["callFrame"];

/** A package (`pg`, `@hono/node-server`), a source folder (`src/ledger`), a node module, or a V8 pseudo-frame. */
function groupOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (url === "") return functionName.startsWith("(") ? functionName : "(native)";
  const inModules = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (inModules?.[1]) return inModules[1];
  const inSource = url.match(/\/(src|bench|bin)\/([^/]+)/);
  if (inSource?.[1] && inSource[2]) return `${inSource[1]}/${inSource[2]}`;
  if (url.startsWith("node:")) return `node:${url.slice(5).split("/").slice(0, 2).join("/")}`;
  return url.split("/").at(-1) ?? url;
}

function summarize(file: string, top: number, skipSeconds: number): string {
  const profile = ProfileSchema.parse(JSON.parse(readFileSync(file, "utf8")));
  const frames = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const selfMicros = new Map<number, number>();
  let elapsed = 0;
  profile.samples.forEach((id, i) => {
    // timeDeltas[i] is the time before sample i was taken; charge it to the frame then running.
    const delta = profile.timeDeltas[i] ?? 0;
    elapsed += delta;
    if (elapsed < skipSeconds * 1e6) return;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  });
  const total = [...selfMicros.values()].reduce((sum, t) => sum + t, 0);
  const busy = [...selfMicros].reduce((sum, [id, t]) => (frames.get(id)?.functionName === "(idle)" ? sum : sum + t), 0);
  const byGroup = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const [id, micros] of selfMicros) {
    const frame = frames.get(id);
    if (!frame || frame.functionName === "(idle)") continue;
    byGroup.set(groupOf(frame), (byGroup.get(groupOf(frame)) ?? 0) + micros);
    const where = frame.url ? `${frame.url.replace(/^.*\/(node_modules|src)\//, "$1/")}:${frame.lineNumber + 1}` : "";
    const name = `${frame.functionName || "(anonymous)"} ${where}`.trim();
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
  }
  const rows = (map: Map<string, number>) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(
        ([name, micros]) =>
          `  ${((micros / busy) * 100).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(7)} ms  ${name}`,
      )
      .join("\n");
  return [
    `${file}`,
    `  profiled ${(total / 1e6).toFixed(1)} s, busy ${(busy / 1e6).toFixed(1)} s (${((busy / total) * 100).toFixed(0)}%); shares below are of busy time`,
    "",
    "by package / folder (self time):",
    rows(byGroup),
    "",
    "by function (self time):",
    rows(byFunction),
  ].join("\n");
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: "string" }, "skip-seconds": { type: "string" } },
});
const top = Number(values.top ?? 25);
const skipSeconds = Number(values["skip-seconds"] ?? 0);
if (positionals.length === 0) {
  console.error("usage: node bin/run-ts.js bench/tools/cpuprofile-top.ts <file.cpuprofile>... [--top 25] [--skip-seconds 0]");
  process.exit(2);
}
for (const file of positionals) console.log(`${summarize(file, top, skipSeconds)}\n`);
