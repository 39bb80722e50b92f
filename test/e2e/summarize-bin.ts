/** `entra-guests summarize` as a pipeline runs it: the installed package's bin, the JSON on stdin. */
import { spawn } from "node:child_process";
import * as path from "node:path";

/** The installed package's bin, as `npx entra-guests` finds it in a project. */
export function entraGuestsBin(): string {
  return path.join(process.env.ENTRA_E2E_PACKAGE_DIR ?? "", "node_modules", ".bin", "entra-guests");
}

/** Pipes `input` into `entra-guests summarize <args>`. */
export function summarize(
  input: string,
  args: string[] = [],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(entraGuestsBin(), ["summarize", ...args], { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}
