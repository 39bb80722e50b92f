/** Reading a whole HTTPS answer, for the kit's hand-made requests to the emulator (internal: not exported by the kit). */
import type { IncomingMessage } from "node:http";

/** The whole body of an answer as text, and as JSON (undefined if empty or not JSON); rejects when the stream fails. */
export function readBody(res: IncomingMessage): Promise<{ text: string; json: unknown }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on("data", (c: Buffer) => chunks.push(c));
    res.on("error", reject);
    res.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      resolve({ text, json });
    });
  });
}
