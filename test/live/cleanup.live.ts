/**
 * `npm run test:live -- --cleanup`: deletes (soft delete) what earlier runs left in the tenant:
 * every guest at ENTRA_LIVE_DOMAIN that carries a run id (./run.ts: in its address, its display
 * name or its ownership mark), and nothing else. Run by scripts/live.js alone, never with a run.
 */
import { cleanupRun } from "./graph";
import { liveTarget } from "./run";

jest.setTimeout(600_000);

const found = liveTarget(process.env);
if (!found.target)
  throw new Error(`the live cleanup needs ${found.missing.join(", ")}: run it with npm run test:live -- --cleanup`);
const target = found.target;

test("every user of every earlier run is deleted, nothing else", async () => {
  const report = await cleanupRun(target);
  process.stdout.write(
    `live cleanup: ${report.scanned} guests looked at, ${report.deleted.length} deleted, ${report.gone.length} already gone, ${report.failed.length} failed\n`,
  );
  for (const f of report.failed) process.stdout.write(`live cleanup: could not delete ${f.id}: ${f.error}\n`);
  expect(report.failed).toEqual([]);
});
