/**
 * Peak resident memory of the processes of one Pulumi command (Linux /proc): the dynamic-provider
 * plugin, the CLI (engine), the language host and the program. A command's processes are found by a
 * marker in their environment (the CLI passes its environment on to every process it starts), so
 * other work on the machine is never counted. Peaks are the kernel's high-water mark (`VmHWM`), read
 * while the process lives; `sample()` runs every `intervalMs`.
 */
import * as fs from "node:fs";
import { sdkProcess } from "../src/sdk";

/** What a process of a Pulumi command is. */
export type ProcessRole = "plugin" | "cli" | "language-host" | "program" | "other";

/** A value in kB from /proc/<pid>/status (`VmHWM:	  123456 kB`); undefined when absent. */
export function statusKb(status: string, field: string): number | undefined {
  const m = new RegExp(`^${field}:\\s*(\\d+)\\s*kB`, "m").exec(status);
  return m ? Number(m[1]) : undefined;
}

/** The role of a process from its command line (/proc/<pid>/cmdline: arguments separated by NUL). */
export function processRole(cmdline: string): ProcessRole {
  const args = cmdline.split("\0").filter(Boolean);
  const base = (s: string | undefined): string => (s ?? "").split("/").pop() ?? "";
  if (args.some((a) => sdkProcess(a) === "plugin" || base(a) === "pulumi-resource-pulumi-nodejs")) return "plugin";
  if (args.some((a) => base(a) === "pulumi-language-nodejs")) return "language-host";
  if (args.some((a) => sdkProcess(a) === "program")) return "program";
  if (base(args[0]) === "pulumi") return "cli";
  return "other";
}

/** Peak resident memory by role, in MB (the largest process of the role). */
export type PeakMemory = Partial<Record<ProcessRole, number>>;

/** Samples the peak memory of every process whose environment holds `marker` (`NAME=value`). */
export class MemorySampler {
  private readonly peaksKb = new Map<number, { role: ProcessRole; kb: number }>();
  private readonly notOurs = new Set<number>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly marker: string,
    private readonly intervalMs = 250,
  ) {}

  /** Whether /proc can be read here (Linux). */
  static available(): boolean {
    return fs.existsSync("/proc/self/status");
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
    this.timer.unref();
  }

  /** Stops sampling and returns the peaks (MB, by role). */
  stop(): PeakMemory {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.sample();
    const out: PeakMemory = {};
    for (const { role, kb } of this.peaksKb.values()) out[role] = Math.max(out[role] ?? 0, Math.round(kb / 1024));
    return out;
  }

  sample(): void {
    let pids: number[];
    try {
      pids = fs
        .readdirSync("/proc")
        .filter((d) => /^\d+$/.test(d))
        .map(Number);
    } catch {
      return;
    }
    for (const pid of pids) {
      if (pid === process.pid || this.notOurs.has(pid)) continue;
      try {
        if (!this.peaksKb.has(pid)) {
          const env = fs.readFileSync(`/proc/${pid}/environ`, "latin1");
          if (!env.split("\0").includes(this.marker)) {
            this.notOurs.add(pid);
            continue;
          }
        }
        // Read each time: a process may exec (the plugin's launcher script becomes node).
        const role = processRole(fs.readFileSync(`/proc/${pid}/cmdline`, "latin1"));
        const kb = statusKb(fs.readFileSync(`/proc/${pid}/status`, "latin1"), "VmHWM") ?? 0;
        const prev = this.peaksKb.get(pid);
        this.peaksKb.set(pid, {
          role: prev && prev.role !== "other" && role === "other" ? prev.role : role,
          kb: Math.max(prev?.kb ?? 0, kb),
        });
      } catch {
        // Gone, or not ours to read.
        if (!this.peaksKb.has(pid)) this.notOurs.add(pid);
      }
    }
  }
}
