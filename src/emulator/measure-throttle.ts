/**
 * Measures the emulator's invitation throttling: starts `entra-graph-emulator --throttle graph`
 * as a child process, sends N invitations as fast as possible from this one process (C at a
 * time), and prints the accepted count per 5 s window, the 429s and the elapsed time.
 *
 *   node dist/emulator/measure-throttle.js [--count 1000] [--concurrency 50] [--mode honour|hammer]
 *
 * --mode honour (default): a throttled request waits Retry-After, then is sent again.
 * --mode hammer: a throttled request is sent again at once (worst-case client).
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as https from "node:https";
import * as path from "node:path";

interface Details {
  graphUrl: string;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  caCertPath: string;
  port: number;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

function startCli(): Promise<{ child: ChildProcess; details: Details }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, "cli.js"), "--throttle", "graph", "--port", "0"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout?.on("data", (c: Buffer) => {
      out += c.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve({ child, details: JSON.parse(out.slice(0, nl)) as Details });
    });
    child.on("exit", (code) => reject(new Error(`emulator exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const count = Number(arg("count", "1000"));
  const concurrency = Number(arg("concurrency", "50"));
  const mode = arg("mode", "honour");
  if (mode !== "honour" && mode !== "hammer") throw new Error("--mode must be honour or hammer");
  const { child, details } = await startCli();
  const agent = new https.Agent({ ca: fs.readFileSync(details.caCertPath), keepAlive: true, maxSockets: concurrency });
  const request = (method: string, p: string, body?: string, headers: Record<string, string> = {}): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = https.request({ host: "localhost", port: details.port, method, path: p, headers, agent }, (res) => {
        let data = "";
        res.on("data", (c: Buffer) => (data += c.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
      });
      req.on("error", reject);
      req.end(body);
    });
  try {
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: details.clientId,
      client_secret: details.clientSecret,
      scope: `${details.graphUrl}/.default`,
    });
    const tok = await request("POST", `/${details.tenantId}/oauth2/v2.0/token`, form.toString(), {
      "Content-Type": "application/x-www-form-urlencoded",
    });
    const token = (JSON.parse(tok.body) as { access_token: string }).access_token;
    const headers = { Authorization: `Bearer ${token}`, "Content-Type": "application/json" };

    let next = 0;
    let throttled = 0;
    let sent = 0;
    const accepted: number[] = [];
    const started = Date.now();
    const worker = async (): Promise<void> => {
      for (;;) {
        const i = next++;
        if (i >= count) return;
        const body = JSON.stringify({
          invitedUserEmailAddress: `measure${i}@contoso.com`,
          inviteRedirectUrl: "https://myapps.microsoft.com",
        });
        for (;;) {
          sent++;
          const r = await request("POST", "/v1.0/invitations", body, headers);
          if (r.status === 201) {
            accepted.push(Date.now() - started);
            break;
          }
          if (r.status !== 429) throw new Error(`unexpected ${r.status}: ${r.body}`);
          throttled++;
          if (mode === "honour")
            await new Promise((res) => setTimeout(res, Number(r.headers["retry-after"] ?? 1) * 1000));
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const elapsed = Date.now() - started;

    const windows: number[] = [];
    for (const t of accepted) windows[Math.floor(t / 5000)] = (windows[Math.floor(t / 5000)] ?? 0) + 1;
    const log = JSON.parse((await request("GET", "/_emulator/requests")).body) as {
      path: string;
      status: number;
      time: string;
    }[];
    const admitted = log
      .filter((e) => e.path === "/v1.0/invitations" && e.status === 201)
      .map((e) => Date.parse(e.time))
      .sort((a, b) => a - b);
    let maxSliding = 0;
    for (let i = 0, j = 0; j < admitted.length; j++) {
      while (admitted[j] - admitted[i] >= 5000) i++;
      maxSliding = Math.max(maxSliding, j - i + 1);
    }
    process.stdout.write(
      `invitations: ${count}, concurrency: ${concurrency}, mode: ${mode} (one process, emulator --throttle graph)\n`,
    );
    process.stdout.write(`accepted per 5 s window (client clock, from the first request):\n`);
    windows.forEach((n, w) =>
      process.stdout.write(`  ${String(w * 5).padStart(3)}-${String(w * 5 + 5).padEnd(3)} s: ${n ?? 0}\n`),
    );
    process.stdout.write(`max accepted in any sliding 5 s (emulator clock): ${maxSliding}\n`);
    process.stdout.write(`requests sent: ${sent}, 201: ${accepted.length}, 429: ${throttled}\n`);
    process.stdout.write(
      `elapsed: ${(elapsed / 1000).toFixed(1)} s (floor at 150 per 5 s: ${(((count - 150) / 150) * 5).toFixed(1)} s), accepted rate: ${(accepted.length / (elapsed / 1000)).toFixed(1)}/s\n`,
    );
    process.stdout.write(
      `${JSON.stringify({ count, concurrency, mode, windows: windows.map((n) => n ?? 0), maxSliding5s: maxSliding, sent, accepted: accepted.length, throttled, elapsedMs: elapsed })}\n`,
    );
  } finally {
    agent.destroy();
    child.kill("SIGTERM");
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`measure-throttle: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
