/**
 * The connection both `opensearch` plugins share: which cluster (`url`, else `$OPENSEARCH_URL`,
 * else `http://localhost:9200`), how to authenticate (basic auth, TLS options, or SigV4 for
 * Amazon OpenSearch Service / Serverless through the client's AWS signer and the AWS credential
 * chain), and one small request function over the client's transport.
 *
 * Why the transport and not the typed API: the plugins need the *raw* response text (a hit's
 * `_source` passed through byte for byte, sort values and versions beyond 2^53 kept exact) and
 * every status as an answer rather than an exception (a per-item 409 or a 429 is a normal
 * outcome here). The client still owns connections, TLS, auth and signing.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import type { ConfigField, ConfigSpec, Host } from "../../src/sdk/index.ts";
import { PluginError } from "../../src/sdk/index.ts";

/** Connection settings shared by the source and the target. */
export interface ConnectionConfig {
  url?: string;
  username?: string;
  password?: string;
  tls?: { ca?: string; cert?: string; key?: string; rejectUnauthorized?: boolean };
  aws?: { region?: string; service?: "es" | "aoss" };
  requestTimeoutMs: number;
}

/** The default cluster when neither `url` nor `$OPENSEARCH_URL` is given. */
export const DEFAULT_URL = "http://localhost:9200";

/** Config fields for the connection, merged into both plugins' specs. */
export const connectionFields: Record<string, ConfigField> = {
  url: {
    type: "string",
    description:
      "The cluster's URL. Without it, $OPENSEARCH_URL, else http://localhost:9200. Credentials in it are never shown.",
    example: "https://search-orders.eu-west-1.es.amazonaws.com",
  },
  username: { type: "string", description: "Basic auth user (self-managed clusters)." },
  password: { type: "string", secret: true, description: "Basic auth password. Never shown." },
  tls: {
    type: "object",
    description: "TLS options for https URLs.",
    fields: {
      ca: { type: "string", description: "A PEM file of the CA that signed the cluster's certificate." },
      cert: { type: "string", description: "A PEM client certificate file (mutual TLS)." },
      key: { type: "string", description: "The PEM private key file of `cert`." },
      rejectUnauthorized: {
        type: "boolean",
        default: true,
        description: "Refuse certificates that do not verify. Turn off only for a test cluster.",
      },
    },
  },
  aws: {
    type: "object",
    description:
      "Sign requests with AWS SigV4 (Amazon OpenSearch Service: service `es`; Serverless: `aoss`), with credentials " +
      "from the AWS chain (--profile, environment, SSO, instance role). Credentials are never shown.",
    fields: {
      region: { type: "string", description: "The domain's region; else --region, else the SDK's chain." },
      service: {
        type: "string",
        enum: ["es", "aoss"],
        default: "es",
        description: "`es` or `aoss` (Serverless).",
      },
    },
  },
  requestTimeoutMs: {
    type: "integer",
    minimum: 1,
    default: 120_000,
    description: "How long one HTTP request may take before it fails (and is retried as a transient error).",
  },
};

/**
 * Parses the part after `opensearch:`: `<index>` or `<url>/<index>` (`http(s)://host:port/index`),
 * so a cluster can be named on the command line.
 */
export function parseOpenSearchUri(rest: string, what: string): { url?: string; index: string } {
  if (/^https?:\/\//i.test(rest)) {
    let parsed: URL;
    try {
      parsed = new URL(rest);
    } catch {
      throw new PluginError(`not a URL: give opensearch:<url>/<${what}>`, "opensearch:");
    }
    const index = decodeURIComponent(parsed.pathname.replace(/^\/+|\/+$/g, ""));
    if (index === "" || index.includes("/")) {
      throw new PluginError(`give one ${what} after the URL: opensearch:<url>/<${what}>`, "opensearch:");
    }
    parsed.pathname = "/";
    return { url: parsed.toString().replace(/\/$/, ""), index };
  }
  if (rest === "") throw new PluginError(`give an ${what}: opensearch:<${what}>`, "opensearch:");
  return { index: rest };
}

/** Adds the connection fields to a plugin's spec. */
export function withConnectionFields(spec: ConfigSpec): ConfigSpec {
  return { ...spec, fields: { ...spec.fields, ...connectionFields } };
}

/** One HTTP answer: status and raw text (JSON parsed on demand). */
export interface OsResponse {
  status: number;
  text: string;
  headers: Record<string, string | string[] | undefined>;
}

/** A request to the cluster. */
export interface OsRequest {
  method: "GET" | "POST" | "PUT" | "DELETE" | "HEAD";
  path: string;
  /** A JSON body (serialised here) or NDJSON/JSON text sent as is. */
  body?: unknown;
  /** Send `body` (a string) as `application/x-ndjson`. */
  ndjson?: boolean;
  querystring?: Record<string, string | number | boolean | undefined>;
  /** Aborts the request when it fires. */
  signal?: AbortSignal;
}

/** The narrow seam the plugins use, so unit tests can pass a stand-in. */
export interface OsHttp {
  /** The cluster's URL with credentials removed, for messages. */
  readonly displayUrl: string;
  /** Sends a request; every HTTP status is an answer, only network failures throw. */
  request(request: OsRequest): Promise<OsResponse>;
  close(): Promise<void>;
}

/** A network-level failure (connection refused, reset, timeout): worth retrying. */
export class OsTransportError extends Error {
  constructor(
    message: string,
    readonly aborted: boolean,
  ) {
    super(message);
    this.name = "OsTransportError";
  }
}

/** Resolves the cluster URL: the option, else `$OPENSEARCH_URL`, else the default. */
export function resolveUrl(config: ConnectionConfig): string {
  return config.url ?? process.env.OPENSEARCH_URL ?? DEFAULT_URL;
}

/** Builds the client (loaded lazily: `--help` must not pay for it) and wraps its transport. */
export async function connect(config: ConnectionConfig, host: Host): Promise<OsHttp> {
  const url = resolveUrl(config);
  const displayUrl = host.helpers.redactUri(url);
  const { Client } = await import("@opensearch-project/opensearch");
  const options: ConstructorParameters<typeof Client>[0] = {
    node: url,
    // The engine owns retries and counts them; the client must not retry behind its back.
    maxRetries: 0,
    requestTimeout: config.requestTimeoutMs,
  };
  if (config.username !== undefined || config.password !== undefined) {
    options.auth = { username: config.username ?? "", password: config.password ?? "" };
  }
  if (config.tls) {
    const read = (path: string | undefined) => (path ? readFileSync(host.resolvePath(path)) : undefined);
    try {
      options.ssl = {
        ca: read(config.tls.ca),
        cert: read(config.tls.cert),
        key: read(config.tls.key),
        rejectUnauthorized: config.tls.rejectUnauthorized ?? true,
      };
    } catch (error) {
      throw new PluginError(`cannot read a TLS file: ${(error as Error).message}`, "tls");
    }
  }
  if (config.aws) {
    const { AwsSigv4Signer } = await import("@opensearch-project/opensearch/aws");
    const region =
      config.aws.region ?? host.aws.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    if (!region) throw new PluginError("give the domain's region (aws.region or --region)", "aws.region");
    const { defaultProvider } = await import("@aws-sdk/credential-provider-node");
    const provider = defaultProvider(host.aws.profile ? { profile: host.aws.profile } : {});
    Object.assign(
      options,
      AwsSigv4Signer({ region, service: config.aws.service ?? "es", getCredentials: () => provider() }),
    );
  }
  const client = new Client(options);
  return {
    displayUrl,
    async request(request) {
      const body =
        request.body === undefined
          ? undefined
          : typeof request.body === "string"
            ? request.body
            : JSON.stringify(request.body);
      const querystring: Record<string, string> = {};
      for (const [key, value] of Object.entries(request.querystring ?? {})) {
        if (value !== undefined) querystring[key] = String(value);
      }
      if (request.signal?.aborted) throw new OsTransportError("the request was aborted", true);
      const pending = client.transport.request(
        {
          method: request.method,
          path: request.path,
          ...(request.ndjson ? { bulkBody: body } : { body }),
          querystring,
        },
        { asStream: true, maxRetries: 0 },
      );
      // A block body on purpose: `abort()` returns the request's thenable, and an event listener
      // that returns a thenable gets it awaited without a rejection handler (an unhandled rejection).
      const onAbort = () => {
        pending.abort();
      };
      request.signal?.addEventListener("abort", onAbort, { once: true });
      try {
        const result = (await pending) as unknown as {
          statusCode: number;
          headers: Record<string, string | string[] | undefined>;
          body: AsyncIterable<Buffer | string>;
        };
        let text = "";
        const decoder = new TextDecoder();
        for await (const chunk of result.body) {
          text += typeof chunk === "string" ? chunk : decoder.decode(chunk, { stream: true });
        }
        text += decoder.decode();
        return { status: result.statusCode, text, headers: result.headers ?? {} };
      } catch (error) {
        const aborted = request.signal?.aborted === true || (error as Error).name === "RequestAbortedError";
        // Messages from the client name the node URL: keep credentials out of them.
        const message = redactAll((error as Error).message ?? String(error), url, displayUrl);
        throw new OsTransportError(`${displayUrl}: ${message}`, aborted);
      } finally {
        request.signal?.removeEventListener("abort", onAbort);
      }
    },
    async close() {
      await client.close();
    },
  };
}

function redactAll(message: string, url: string, displayUrl: string): string {
  return url === displayUrl ? message : message.split(url).join(displayUrl);
}

/** Parses a response's JSON, or says which request answered something else. */
export function jsonOf<T>(response: OsResponse, what: string): T {
  try {
    return JSON.parse(response.text) as T;
  } catch {
    throw new PluginError(
      `${what}: HTTP ${response.status} with a body that is not JSON: ${response.text.slice(0, 200)}`,
    );
  }
}

/** The server's reason in an error answer (`type: reason`), for messages. */
export function errorReason(response: OsResponse): string {
  try {
    const body = JSON.parse(response.text) as {
      error?: { type?: string; reason?: string; root_cause?: Array<{ reason?: string }> } | string;
    };
    if (typeof body.error === "string") return body.error;
    if (body.error) {
      const root = body.error.root_cause?.[0]?.reason;
      return `${body.error.type ?? "error"}: ${body.error.reason ?? root ?? ""}`.trim();
    }
  } catch {
    // not JSON
  }
  return response.text.slice(0, 300);
}

/** Whether an HTTP status is worth retrying: throttled (429) or a transient server failure. */
export function retryableStatus(status: number): boolean {
  return status === 429 || status === 502 || status === 503 || status === 504 || status === 500;
}
