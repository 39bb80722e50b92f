/**
 * The part of OData `$filter` that Graph answers on /users without advanced queries
 * (aad-advanced-queries, the user table of filter-directory-objects):
 * `prop eq 'value'` (mail, userType, id, userPrincipalName, displayName, givenName, surname,
 * creationType, externalUserState, accountEnabled), `otherMails/any(x:x eq 'value')` and
 * `proxyAddresses/any(x:x eq 'SMTP:value')` (both "Default" in that table),
 * `startswith(prop,'value')`, `in ('a','b')` wherever `eq` is served (aad-advanced-queries: "The `in`
 * operator is supported by default whenever `eq` operator is supported by default"), combined with
 * `and` / `or` and parentheses. So the documented
 * "already invited" lookup (customize-invitation-api) without `signInNames` is accepted as is;
 * `signInNames` is not a property of the v1.0 user and is refused as Graph refuses an unknown one.
 * String comparisons are case-insensitive, as in Graph.
 */
import { GraphError, badRequest } from "./errors";

/** Parsed filter. */
export type FilterNode =
  | { kind: "and" | "or"; left: FilterNode; right: FilterNode }
  | { kind: "eq"; prop: string; value: string | boolean | null }
  | { kind: "in"; prop: string; values: (string | boolean | null)[] }
  | { kind: "anyIn"; prop: string; values: string[] }
  | { kind: "startswith"; prop: string; value: string }
  | { kind: "any"; prop: string; value: string };

/** Anything with the user's properties as fields (a stored user is passed as is, without copying). */
export type Filterable = object;

/** Properties `eq` is supported on, canonical spelling by lower-case name. */
const EQ_PROPS = new Map(
  [
    "mail",
    "userType",
    "id",
    "userPrincipalName",
    "displayName",
    "givenName",
    "surname",
    "creationType",
    "externalUserState",
    "accountEnabled",
  ].map((p) => [p.toLowerCase(), p] as const),
);
const STARTSWITH_PROPS = new Map(
  ["mail", "userPrincipalName", "displayName", "givenName", "surname"].map((p) => [p.toLowerCase(), p] as const),
);
const ANY_PROPS = new Map([
  ["othermails", "otherMails"],
  ["proxyaddresses", "proxyAddresses"],
]);
/** Names that are not properties of microsoft.graph.user in v1.0 (AAD Graph's `signInNames`): Graph's 400 for an unknown property. */
const NOT_USER_PROPS = new Set(["signinnames"]);

type Token =
  | { t: "ident"; v: string; pos: number }
  | { t: "string"; v: string; pos: number }
  | { t: "punct"; v: "(" | ")" | "," | ":"; pos: number };

function syntaxError(filter: string, pos: number): GraphError {
  return badRequest(`Invalid filter clause: Syntax error at position ${pos} in '${filter}'.`);
}

function unsupported(prop: string): GraphError {
  if (NOT_USER_PROPS.has(prop.toLowerCase()))
    return badRequest(`Could not find a property named '${prop}' on type 'microsoft.graph.user'.`);
  return new GraphError(
    400,
    "Request_UnsupportedQuery",
    `Unsupported or invalid query filter clause specified for property '${prop}' of resource 'User'.`,
  );
}

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === " " || c === "\t") {
      i++;
    } else if (c === "(" || c === ")" || c === "," || c === ":") {
      out.push({ t: "punct", v: c, pos: i });
      i++;
    } else if (c === "'") {
      const start = i;
      let v = "";
      i++;
      for (;;) {
        if (i >= s.length) throw syntaxError(s, start);
        if (s[i] === "'") {
          if (s[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += s[i];
        i++;
      }
      out.push({ t: "string", v, pos: start });
    } else if (/[A-Za-z0-9_./@-]/.test(c)) {
      const start = i;
      while (i < s.length && /[A-Za-z0-9_./@-]/.test(s[i])) i++;
      out.push({ t: "ident", v: s.slice(start, i), pos: start });
    } else {
      throw syntaxError(s, i);
    }
  }
  return out;
}

/** Parses a `$filter` value; throws a Graph 400 for bad syntax or an unsupported clause. */
export function parseFilter(filter: string): FilterNode {
  const toks = tokenize(filter);
  let p = 0;
  const peek = (): Token | undefined => toks[p];
  const endPos = (): number => (p < toks.length ? toks[p].pos : filter.length);
  const isKeyword = (tok: Token | undefined, kw: string): boolean => tok?.t === "ident" && tok.v.toLowerCase() === kw;
  const expectPunct = (v: string): void => {
    const tok = peek();
    if (tok?.t !== "punct" || tok.v !== v) throw syntaxError(filter, endPos());
    p++;
  };
  const literal = (): string | boolean | null => {
    const tok = peek();
    if (!tok) throw syntaxError(filter, endPos());
    p++;
    if (tok.t === "string") return tok.v;
    if (tok.t === "ident") {
      const v = tok.v.toLowerCase();
      if (v === "true") return true;
      if (v === "false") return false;
      if (v === "null") return null;
    }
    throw syntaxError(filter, tok.pos);
  };

  /** `('a', 'b', ...)` after `in`. */
  const list = (): (string | boolean | null)[] => {
    expectPunct("(");
    const out = [literal()];
    while (peek()?.t === "punct" && peek()?.v === ",") {
      p++;
      out.push(literal());
    }
    expectPunct(")");
    return out;
  };

  const primary = (): FilterNode => {
    const tok = peek();
    if (!tok) throw syntaxError(filter, endPos());
    if (tok.t === "punct" && tok.v === "(") {
      p++;
      const inner = orExpr();
      expectPunct(")");
      return inner;
    }
    if (tok.t !== "ident") throw syntaxError(filter, tok.pos);
    p++;
    const name = tok.v;
    const lower = name.toLowerCase();
    if (lower === "not")
      throw new GraphError(
        400,
        "Request_UnsupportedQuery",
        "Unsupported query: 'not' needs advanced query capabilities (ConsistencyLevel: eventual and $count=true).",
      );
    if (lower === "startswith") {
      expectPunct("(");
      const propTok = peek();
      if (propTok?.t !== "ident") throw syntaxError(filter, endPos());
      p++;
      expectPunct(",");
      const value = literal();
      expectPunct(")");
      const prop = STARTSWITH_PROPS.get(propTok.v.toLowerCase());
      if (!prop) throw unsupported(propTok.v);
      if (typeof value !== "string") throw syntaxError(filter, propTok.pos);
      return { kind: "startswith", prop, value };
    }
    if (lower.endsWith("/any")) {
      const propName = name.slice(0, -4);
      expectPunct("(");
      const varTok = peek();
      if (varTok?.t !== "ident") throw syntaxError(filter, endPos());
      p++;
      expectPunct(":");
      const ref = peek();
      if (ref?.t !== "ident" || ref.v !== varTok.v) throw syntaxError(filter, endPos());
      p++;
      const op = peek();
      if (!isKeyword(op, "eq") && !isKeyword(op, "in")) {
        if (op?.t === "ident")
          throw new GraphError(
            400,
            "Request_UnsupportedQuery",
            `Unsupported query: operator '${op.v}' in a lambda on '${propName}'.`,
          );
        throw syntaxError(filter, endPos());
      }
      p++;
      const inList = isKeyword(op, "in") ? list() : undefined;
      const value = inList ? undefined : literal();
      expectPunct(")");
      const prop = ANY_PROPS.get(propName.toLowerCase());
      if (!prop) throw unsupported(propName);
      if (inList) {
        if (!inList.every((v): v is string => typeof v === "string")) throw syntaxError(filter, varTok.pos);
        return { kind: "anyIn", prop, values: inList };
      }
      if (typeof value !== "string") throw syntaxError(filter, varTok.pos);
      return { kind: "any", prop, value };
    }
    const op = peek();
    if (op?.t !== "ident") throw syntaxError(filter, endPos());
    const opName = op.v.toLowerCase();
    if (!["eq", "ne", "gt", "ge", "lt", "le", "in"].includes(opName)) throw syntaxError(filter, op.pos);
    p++;
    const prop = EQ_PROPS.get(lower);
    if (!prop) throw unsupported(name);
    if (opName === "in") return { kind: "in", prop, values: list() };
    if (opName !== "eq")
      throw new GraphError(
        400,
        "Request_UnsupportedQuery",
        `Unsupported query: operator '${opName}' on property '${prop}' needs advanced query capabilities.`,
      );
    const value = literal();
    return { kind: "eq", prop, value };
  };

  const andExpr = (): FilterNode => {
    let left = primary();
    while (isKeyword(peek(), "and")) {
      p++;
      left = { kind: "and", left, right: primary() };
    }
    return left;
  };
  const orExpr = (): FilterNode => {
    let left = andExpr();
    while (isKeyword(peek(), "or")) {
      p++;
      left = { kind: "or", left, right: andExpr() };
    }
    return left;
  };

  if (toks.length === 0) throw syntaxError(filter, 0);
  const node = orExpr();
  if (p !== toks.length) throw syntaxError(filter, endPos());
  return node;
}

function same(a: unknown, b: string | boolean | null): boolean {
  if (typeof a === "string" && typeof b === "string") return a.toLowerCase() === b.toLowerCase();
  return (a ?? null) === b;
}

function field(u: Filterable, prop: string): unknown {
  return (u as Record<string, unknown>)[prop];
}

/** Evaluates a parsed filter on one object. */
export function matchFilter(node: FilterNode, u: Filterable): boolean {
  switch (node.kind) {
    case "and":
      return matchFilter(node.left, u) && matchFilter(node.right, u);
    case "or":
      return matchFilter(node.left, u) || matchFilter(node.right, u);
    case "eq":
      return same(field(u, node.prop), node.value);
    case "in":
      return node.values.some((v) => same(field(u, node.prop), v));
    case "anyIn": {
      const arr = field(u, node.prop);
      return Array.isArray(arr) && arr.some((x) => node.values.some((v) => same(x, v)));
    }
    case "startswith": {
      const v = field(u, node.prop);
      return typeof v === "string" && v.toLowerCase().startsWith(node.value.toLowerCase());
    }
    case "any": {
      const arr = field(u, node.prop);
      return Array.isArray(arr) && arr.some((x) => same(x, node.value));
    }
  }
}

/**
 * Addresses (lower-case) that every match must carry in mail, otherMails, an smtp proxyAddress or
 * its userPrincipalName, when the filter pins them down; undefined when it does not (then every
 * user is a candidate).
 */
export function addressCandidates(node: FilterNode): string[] | undefined {
  switch (node.kind) {
    case "eq":
      return (node.prop === "mail" || node.prop === "userPrincipalName") && typeof node.value === "string"
        ? [node.value.toLowerCase()]
        : undefined;
    case "in":
      return (node.prop === "mail" || node.prop === "userPrincipalName") &&
        node.values.every((v) => typeof v === "string")
        ? node.values.map((v) => String(v).toLowerCase())
        : undefined;
    case "anyIn":
      return node.values.flatMap((v) => {
        const lower = v.toLowerCase();
        if (node.prop !== "proxyAddresses") return [lower];
        return lower.startsWith("smtp:") ? [lower.slice(5)] : [];
      });
    case "any":
      if (node.prop === "proxyAddresses") {
        const v = node.value.toLowerCase();
        return v.startsWith("smtp:") ? [v.slice(5)] : [];
      }
      return [node.value.toLowerCase()];
    case "startswith":
      return undefined;
    case "and": {
      const l = addressCandidates(node.left);
      const r = addressCandidates(node.right);
      if (l && r) return l.length <= r.length ? l : r;
      return l ?? r;
    }
    case "or": {
      const l = addressCandidates(node.left);
      const r = addressCandidates(node.right);
      return l && r ? [...l, ...r] : undefined;
    }
  }
}

/**
 * How many expressions a filter holds, as the 15-expression limit counts them (known-issues, query
 * parameters: "When using the "in" operator, the request is limited to 15 expressions in the filter
 * clause by default"). The page does not say what an expression is: each comparison (`eq`,
 * `startswith`, `any(x:x eq …)`) counts one and each value of an `in` list counts one (the stricter
 * reading: an `in` of n values stands for n `eq` joined by `or`).
 */
export function filterExpressions(node: FilterNode): number {
  switch (node.kind) {
    case "and":
    case "or":
      return filterExpressions(node.left) + filterExpressions(node.right);
    case "in":
    case "anyIn":
      return node.values.length;
    default:
      return 1;
  }
}

/** The default limit of {@link filterExpressions} (known-issues, query parameters). */
export const MAX_FILTER_EXPRESSIONS = 15;
