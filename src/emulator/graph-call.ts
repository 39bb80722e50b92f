/**
 * One Graph request and its answer, as the Graph routes (graph-routes.ts) and `$batch` (batch.ts)
 * both see them. Its own module so that neither of the two imports the other's types.
 */
import type { TokenClaims } from "./auth";
import type { FaultKind } from "./faults";

/** Marks a request body that is not valid JSON. */
export const INVALID_JSON = Symbol("invalid JSON");

/** One Graph request. */
export interface GraphCall {
  /** Upper-case HTTP method. */
  method: string;
  /** Path and query as sent, starting with the version: /v1.0/users/ID?$select=a. */
  target: string;
  /** Parsed JSON body, undefined without a body, INVALID_JSON when it did not parse. */
  body: unknown;
  contentType?: string;
  /** host[:port] the client used (for @odata.context and nextLink). */
  host: string;
  authorization?: string;
  /** The ConsistencyLevel header (`eventual` with `$count=true` makes an advanced query). */
  consistencyLevel?: string;
  /** Claims of the enclosing $batch (sub-requests do not carry their own token). */
  claims?: TokenClaims;
  requestId: string;
  clientRequestId: string;
  /** The sub-request id inside a $batch. */
  inBatch?: string;
}

/** The answer to one Graph request. */
export interface GraphOutcome {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  fault?: FaultKind;
  /** Destroy the socket instead of answering: before ("reset") or after ("drop") the work. */
  action?: "reset" | "drop";
}
