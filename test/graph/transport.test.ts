/** The transport's shared token: one token request for many concurrent calls, renewed before expiry. */
import type { AccessToken, TokenCredential } from "@azure/identity";
import { sharedTokenCredential } from "../../src/graph/transport";

function fakeCredential(lifetimeMs: number, now: () => number): TokenCredential & { calls: number; fail?: boolean } {
  const c = {
    calls: 0,
    fail: false,
    async getToken(): Promise<AccessToken | null> {
      c.calls++;
      await new Promise((r) => setImmediate(r));
      if (c.fail) throw new Error("token endpoint down");
      return { token: `t${c.calls}`, expiresOnTimestamp: now() + lifetimeMs };
    },
  };
  return c;
}

test("concurrent first calls share one token request; the token is reused", async () => {
  let now = 0;
  const inner = fakeCredential(3_600_000, () => now);
  const shared = sharedTokenCredential(inner, () => now);
  const tokens = await Promise.all(Array.from({ length: 50 }, () => shared.getToken("https://graph/.default")));
  expect(new Set(tokens.map((t) => t?.token))).toEqual(new Set(["t1"]));
  now = 3_000_000;
  expect((await shared.getToken("https://graph/.default"))?.token).toBe("t1");
  expect(inner.calls).toBe(1);
});

test("renewed within 5 minutes of expiry; other scopes get their own token", async () => {
  let now = 0;
  const inner = fakeCredential(3_600_000, () => now);
  const shared = sharedTokenCredential(inner, () => now);
  await shared.getToken("a");
  now = 3_600_000 - 299_000;
  expect((await shared.getToken("a"))?.token).toBe("t2");
  expect((await shared.getToken(["b"]))?.token).toBe("t3");
  expect((await shared.getToken("a"))?.token).toBe("t2");
});

test("a failed token request is not cached: the next call tries again", async () => {
  const inner = fakeCredential(3_600_000, () => 0);
  const shared = sharedTokenCredential(inner, () => 0);
  inner.fail = true;
  await expect(Promise.all([shared.getToken("a"), shared.getToken("a")])).rejects.toThrow("token endpoint down");
  expect(inner.calls).toBe(1);
  inner.fail = false;
  expect((await shared.getToken("a"))?.token).toBe("t2");
});
