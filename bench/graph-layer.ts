/**
 * The Graph layer alone, in a process of its own (as in the plugin, minus the gRPC server): the
 * provider's `GraphClient` on the process-wide scheduler (or, with ENTRA_SCHEDULER=off, the
 * baseline) reads the given users, all at once, `repeat` times after one warm-up read.
 *
 *   node graph-layer.js <file with a JSON array of user ids> <repeat>
 *
 * Before each run it prints `{"ready":i}` and waits for a line on stdin (the benchmark clears the
 * emulator's log), after it `{"done":i,"seconds":s}` (the benchmark reads the log).
 */
import * as fs from "node:fs";
import { graphClientFor, resolveSettings } from "../src/graph";

async function main(): Promise<void> {
  const [file, repeatArg] = process.argv.slice(2);
  const ids = JSON.parse(fs.readFileSync(file, "utf8")) as string[];
  const repeat = Number(repeatArg ?? "1");
  const g = graphClientFor(resolveSettings(() => undefined, process.env));
  await g.getUser(ids[0]);
  for (let i = 0; i < repeat; i++) {
    process.stdout.write(`${JSON.stringify({ ready: i })}\n`);
    await new Promise<void>((resolve) => process.stdin.once("data", () => resolve()));
    const t0 = performance.now();
    const users = await Promise.all(ids.map((id) => g.getUser(id)));
    const seconds = (performance.now() - t0) / 1000;
    if (users.some((u) => !u)) throw new Error("a user read as gone");
    process.stdout.write(`${JSON.stringify({ done: i, seconds })}\n`);
  }
  process.stdin.destroy();
}

main().catch((e: unknown) => {
  process.stderr.write(`graph-layer failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
