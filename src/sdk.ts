/**
 * The URN of the resource a `create` is for. The engine sends it in every gRPC request, but the SDK's
 * dynamic-provider server passes `create` only the inputs. So, in the plugin process, the server's
 * `CreateRequest.getProperties` is wrapped once: the inputs object it hands to `create` gets the
 * request's URN under a symbol key (not enumerable, so it never reaches state or Graph). The URN names
 * the stack, the project and the resource: what an ownership mark records.
 *
 * Measured with the CLI 3.276: the plugin's environment has `PULUMI_PROJECT` but no stack name, and
 * the SDK's `pulumi.getStack()` answers "stack" there; hence the URN.
 *
 * Outside the SDK's plugin (tests calling the provider's methods directly), nothing is wrapped;
 * callers may put a URN on the inputs under {@link URN_KEY} themselves, as the engine would.
 */
import { parseUrn, ResourceIdentity } from "./provider/mark";

/** The key under which `create`'s inputs carry the resource's URN (shared by every version of this package). */
export const URN_KEY = Symbol.for("pulumi-entra-invitation.urn");
const INSTALLED = Symbol.for("pulumi-entra-invitation.urn-capture.v1");

interface StructLike {
  toJavaScript(): unknown;
}
interface CreateRequestLike {
  getUrn(): string;
  getProperties(): StructLike | undefined;
}

/**
 * Wraps the SDK server's `CreateRequest.getProperties` (once per process, whichever version of this
 * package comes first). True when it is (or already was) in place.
 */
export function captureCreateUrns(): boolean {
  return captureUrns(INSTALLED, "CreateRequest", "getProperties");
}

const CHECK_INSTALLED = Symbol.for("pulumi-entra-invitation.urn-capture-check.v1");

/**
 * The same for `check`: the SDK server's `CheckRequest.getNews` is wrapped once, so the new inputs
 * `check` gets carry the request's URN (the preview's lines about a create name the resource).
 */
export function captureCheckUrns(): boolean {
  return captureUrns(CHECK_INSTALLED, "CheckRequest", "getNews");
}

/** Wraps `<request>.prototype.<getter>` of the SDK's provider protocol so the object it gives carries the request's URN. */
function captureUrns(installed: symbol, request: "CreateRequest" | "CheckRequest", getter: "getProperties" | "getNews"): boolean {
  const g = globalThis as unknown as Record<symbol, boolean | undefined>;
  if (g[installed] !== undefined) return g[installed]!;
  const main = require.main;
  if (!main || !/[\\/]cmd[\\/]dynamic-provider[\\/]index\.js$/.test(main.filename)) return false; // not the plugin: try again later
  type RequestLike = CreateRequestLike & Record<string, unknown>;
  try {
    const proto = (main.require("../../proto/provider_pb") as Record<string, { prototype: RequestLike }>)[request].prototype;
    const original = proto[getter] as ((this: RequestLike) => StructLike | undefined) | undefined;
    if (typeof original !== "function" || typeof proto.getUrn !== "function") return (g[installed] = false);
    proto[getter] = function (this: RequestLike): StructLike | undefined {
      const struct = original.call(this);
      const urn = this.getUrn();
      if (!struct || typeof struct.toJavaScript !== "function" || !urn) return struct;
      const toJavaScript = struct.toJavaScript;
      struct.toJavaScript = function (this: StructLike): unknown {
        const value = toJavaScript.call(this);
        if (value && typeof value === "object" && !(URN_KEY in value)) Object.defineProperty(value, URN_KEY, { value: urn, enumerable: false });
        return value;
      };
      return struct;
    };
    return (g[installed] = true);
  } catch {
    return (g[installed] = false);
  }
}

/** The URN `create`'s inputs carry, if any. */
export function urnOf(props: object): string | undefined {
  const v = (props as Record<symbol, unknown>)[URN_KEY];
  return typeof v === "string" ? v : undefined;
}

/** The identity of the resource `create`'s inputs are for, if known. */
export function identityOf(props: object): ResourceIdentity | undefined {
  const urn = urnOf(props);
  return urn ? parseUrn(urn) : undefined;
}
