/**
 * The pure parts of coalesced lookups (src/graph/lookup-batch.ts): the combined filter and its
 * quoting, how many addresses a request holds (known-issues: 15 expressions; a 2,048-character URL),
 * chunking, and which users answer which address.
 */
import { lookupClauses } from "../../src/graph";
import {
  AddressFields,
  chunkAddresses,
  combinedSelect,
  holdsAddress,
  lookupExpressions,
  lookupManyFilter,
  lookupManyPath,
  MAX_FILTER_EXPRESSIONS,
  MAX_URL_LENGTH,
  maxAddresses,
  URL_ORIGIN_ALLOWANCE,
} from "../../src/graph/lookup-batch";
import { LOOKUP_SELECT, LOOKUP_TOP } from "../../src/graph/users";
import { filterExpressions, parseFilter } from "../../src/emulator/filter";

describe("lookupManyFilter", () => {
  it.each([
    [
      "wide",
      ["a@x.com", "B@y.com"],
      true,
      "userPrincipalName in ('a@x.com','B@y.com') or mail in ('a@x.com','B@y.com') or proxyAddresses/any(x:x in ('SMTP:a@x.com','SMTP:B@y.com')) or otherMails/any(x:x in ('a@x.com','B@y.com'))",
    ],
    [
      "narrow",
      ["a@x.com", "b@y.com"],
      false,
      "mail in ('a@x.com','b@y.com') or otherMails/any(x:x in ('a@x.com','b@y.com'))",
    ],
    [
      "a quote is doubled",
      ["o'brien@x.com", "b@y.com"],
      false,
      "mail in ('o''brien@x.com','b@y.com') or otherMails/any(x:x in ('o''brien@x.com','b@y.com'))",
    ],
  ])("%s", (_name, emails, wide, expected) => {
    expect(lookupManyFilter(emails, wide)).toBe(expected);
  });

  it.each([true, false])(
    "holds the one-address lookup's clauses, each with `in` (wide %s), and as many expressions as counted",
    (wide) => {
      const emails = ["a@x.com", "b@y.com", "c@z.com"];
      const filter = lookupManyFilter(emails, wide);
      const one = lookupClauses("a@x.com").filter((c) => wide || c.narrow);
      expect(filter.split(" or ").length).toBe(one.length);
      expect(filterExpressions(parseFilter(filter))).toBe(lookupExpressions(emails.length, wide));
    },
  );
});

describe("how many addresses a request holds", () => {
  it.each([
    [true, 3, 12],
    [false, 7, 14],
  ])("wide %s: %i addresses, %i expressions (at most 15)", (wide, k, expressions) => {
    expect(maxAddresses(wide)).toBe(k);
    expect(lookupExpressions(k, wide)).toBe(expressions);
    expect(lookupExpressions(k + 1, wide)).toBeGreaterThan(MAX_FILTER_EXPRESSIONS);
  });

  it.each([true, false])("K ordinary addresses of 64 characters stay within the URL length (wide %s)", (wide) => {
    const emails = Array.from({ length: maxAddresses(wide) }, (_, i) =>
      `${"a".repeat(50)}${i}@example.com`.slice(0, 64),
    );
    const path = lookupManyPath(emails, LOOKUP_SELECT, true, wide, LOOKUP_TOP);
    expect(URL_ORIGIN_ALLOWANCE + path.length).toBeLessThanOrEqual(MAX_URL_LENGTH);
  });
});

describe("chunkAddresses", () => {
  const short = (c: readonly string[]): boolean => c.join("").length <= 6;
  it.each([
    ["none", [], () => true, 3, []],
    ["by K", ["a", "b", "c", "d", "e", "f", "g"], () => true, 3, [["a", "b", "c"], ["d", "e", "f"], ["g"]]],
    ["by length", ["aa", "bb", "cc", "dd"], short, 3, [["aa", "bb", "cc"], ["dd"]]],
    ["one too long goes alone", ["aaaaaaaa", "bb", "cc"], short, 3, [["aaaaaaaa"], ["bb", "cc"]]],
    ["K of 1", ["a", "b"], () => true, 1, [["a"], ["b"]]],
  ])("%s", (_name, emails, fits, max, expected) => {
    expect(chunkAddresses(emails, fits, max)).toEqual(expected);
  });
});

describe("holdsAddress: the users the one-address lookup answers", () => {
  const u = (f: AddressFields): AddressFields => f;
  it.each([
    ["mail", u({ mail: "a@x.com" }), "a@x.com", true, true],
    ["mail, other case", u({ mail: "A@X.com" }), "a@x.COM", true, true],
    ["otherMails", u({ otherMails: ["z@z.com", "a@x.com"] }), "a@x.com", true, true],
    ["otherMails, narrow", u({ otherMails: ["A@x.com"] }), "a@x.com", false, true],
    ["UPN only", u({ userPrincipalName: "a@x.com" }), "a@x.com", true, true],
    ["UPN only, narrow", u({ userPrincipalName: "a@x.com" }), "a@x.com", false, false],
    ["primary proxy", u({ proxyAddresses: ["SMTP:a@x.com"] }), "a@x.com", true, true],
    ["secondary proxy, any case", u({ proxyAddresses: ["smtp:A@X.COM"] }), "a@x.com", true, true],
    ["proxy, narrow", u({ proxyAddresses: ["SMTP:a@x.com"] }), "a@x.com", false, false],
    ["a non-SMTP proxy", u({ proxyAddresses: ["SIP:a@x.com"] }), "a@x.com", true, false],
    [
      "a guest's UPN is not its address",
      u({ userPrincipalName: "a_x.com#EXT#@t.onmicrosoft.com" }),
      "a@x.com",
      true,
      false,
    ],
    [
      "another address",
      u({ mail: "b@x.com", otherMails: ["c@x.com"], proxyAddresses: ["SMTP:b@x.com"], userPrincipalName: "b@x.com" }),
      "a@x.com",
      true,
      false,
    ],
    ["a prefix is not the address", u({ mail: "a@x.com.au" }), "a@x.com", true, false],
    ["with a quote", u({ mail: "o'brien@x.com" }), "O'Brien@x.com", true, true],
    [
      "null fields",
      u({ mail: null, otherMails: null, proxyAddresses: null, userPrincipalName: null }),
      "a@x.com",
      true,
      false,
    ],
  ])("%s", (_name, user, email, wide, expected) => {
    expect(holdsAddress(user, email, wide)).toBe(expected);
  });
});

describe("combinedSelect", () => {
  it.each([
    [["id"], ["id", "userPrincipalName", "mail", "proxyAddresses", "otherMails"]],
    [
      ["id", "mail", "otherMails", "userPrincipalName"],
      ["id", "mail", "otherMails", "userPrincipalName", "proxyAddresses"],
    ],
  ])("%j adds what matching reads", (select, expected) => {
    expect(combinedSelect(select)).toEqual(expected);
  });
});
