/**
 * Graph-style errors. Every Graph route answers errors as
 * `{"error":{"code","message","innerError":{"date","request-id","client-request-id"}}}`.
 */

/** An error a Graph route answers with; thrown by the directory and the routes, turned into a response by the server. */
export class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "GraphError";
  }
}

/** The body of a Graph error response. */
export interface GraphErrorBody {
  error: {
    code: string;
    message: string;
    innerError: { date: string; "request-id": string; "client-request-id": string };
  };
}

/** Graph's `date` format in innerError: ISO without milliseconds or zone, e.g. 2024-05-01T10:11:12. */
export function graphDate(d: Date = new Date()): string {
  return d.toISOString().slice(0, 19);
}

/** Builds Graph's error body. */
export function graphErrorBody(
  code: string,
  message: string,
  requestId: string,
  clientRequestId: string,
): GraphErrorBody {
  return {
    error: {
      code,
      message,
      innerError: { date: graphDate(), "request-id": requestId, "client-request-id": clientRequestId },
    },
  };
}

/** 400 BadRequest. */
export function badRequest(message: string, code = "BadRequest"): GraphError {
  return new GraphError(400, code, message);
}

/** 404 Request_ResourceNotFound with Graph's message. */
export function notFound(id: string): GraphError {
  return new GraphError(
    404,
    "Request_ResourceNotFound",
    `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  );
}
