/**
 * The emulator option `refuseFilterOn`: a tenant that refuses `$filter` clauses on some properties
 * (the docs leave open which a tenant serves without advanced query). Only ever stricter: the same
 * query on an emulator without the option is answered, and other properties stay answered.
 */
import { GraphError } from "@microsoft/microsoft-graph-client";
import { RunningEmulator, startEmulator } from "../../src/testing";
import { graphClient, graphFailure } from "./helpers";

let strict: RunningEmulator;
let plain: RunningEmulator;
beforeAll(async () => {
  [strict, plain] = await Promise.all([
    startEmulator({ refuseFilterOn: ["otherMails", "userPrincipalName"] }),
    startEmulator(),
  ]);
});
afterAll(async () => {
  await Promise.all([strict.close(), plain.close()]);
});

describe("refuseFilterOn", () => {
  it.each([
    ["otherMails/any(x:x eq 'a@b.example')", "otherMails"],
    ["mail eq 'a@b.example' or otherMails/any(x:x eq 'a@b.example')", "otherMails"],
    ["userPrincipalName eq 'a@b.example'", "userPrincipalName"],
  ])("refuses %s with Graph's 400 naming %s; an emulator without the option answers it", async (filter, prop) => {
    const path = `/users?$filter=${encodeURIComponent(filter)}&$select=id&$top=1`;
    const err: GraphError = await graphFailure(graphClient(strict).api(path).get());
    expect(err.statusCode).toBe(400);
    expect(err.code).toBe("Request_UnsupportedQuery");
    expect(err.message).toBe(
      `Unsupported or invalid query filter clause specified for property '${prop}' of resource 'User'.`,
    );
    expect(await graphClient(plain).api(path).get()).toMatchObject({ value: [] });
  });

  it("keeps answering the properties it was not given", async () => {
    const r = (await graphClient(strict)
      .api(`/users?$filter=${encodeURIComponent("mail eq 'a@b.example'")}&$top=1`)
      .get()) as { value: unknown[] };
    expect(r.value).toEqual([]);
  });
});
