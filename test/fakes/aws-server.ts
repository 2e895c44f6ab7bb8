/**
 * A loopback fake of AWS Lambda `Invoke` (restJson1), Amazon EventBridge `PutEvents` /
 * `DescribeEventBus` / `DescribeRule` / `ListRules` / `ListTargetsByRule` (awsJson1_1), and AWS
 * CloudFormation `DescribeStackResources` (awsQuery: a form-encoded POST answered in XML), for
 * tests and benchmarks.
 *
 * One `Bun.serve` on 127.0.0.1, port 0. Point the real SDK clients at it with
 * `AWS_ENDPOINT_URL_LAMBDA` / `AWS_ENDPOINT_URL_EVENTBRIDGE` / `AWS_ENDPOINT_URL_CLOUDFORMATION`
 * (or `AWS_ENDPOINT_URL`, or a client `endpoint`). Requests are not signature-checked: the fake only records whether one was
 * present, never the credential.
 *
 * Faults are drawn from a seeded RNG so a failing test replays the same way. Every request
 * (and every PutEvents entry) is recorded in arrival order with its outcome, so tests can prove
 * "nothing lost, nothing duplicated except by a counted retry".
 *
 * Wire behaviour follows `../shared/design/test-backends.md`.
 *
 * @module
 */
import { seededRandom } from "../support/seeded-random.ts";

/** Injected faults. Rates are probabilities in [0, 1], drawn per request or per entry. */
export interface AwsFaults {
  /** Fixed latency added to every request, in ms. @default 0 */
  latencyMs?: number;
  /** Extra latency drawn uniformly from [0, jitterMs) per request. @default 0 */
  jitterMs?: number;
  /** Rate of Lambda invokes answered 429 `TooManyRequestsException`. @default 0 */
  lambdaThrottleRate?: number;
  /** `Retry-After` seconds sent with Lambda throttles. @default 0 */
  retryAfterSeconds?: number;
  /** Rate of Lambda invokes answered 200 + `X-Amz-Function-Error: Unhandled`. @default 0 */
  functionErrorRate?: number;
  /** Rate of PutEvents entries failed inside a 200 answer (partial failure). @default 0 */
  putEventsFailureRate?: number;
  /** Codes drawn (uniformly) for failed PutEvents entries. @default ["ThrottlingException"] */
  putEventsFailureCodes?: string[];
  /** Rate of whole PutEvents requests answered 400 `ThrottlingException`. @default 0 */
  putEventsThrottleRate?: number;
}

/** What the fake does besides injected faults. */
export interface AwsFakeOptions {
  /** RNG seed for faults and jitter. @default 1 */
  seed?: number;
  faults?: AwsFaults;
  /** Functions that exist; others answer 404. Absent: every name exists. */
  functions?: string[];
  /** Event buses that exist. @default ["default"] */
  buses?: string[];
  /** Rules that exist, as `bus/rule`. @default [] */
  rules?: string[];
  /**
   * A deterministic function error: called with the parsed payload; a returned string is the
   * `errorMessage` of a `Handled` function error (errorType `Error`).
   */
  functionErrorFor?: (payload: unknown) => string | undefined;
  /** EventBridge operations answered 400 `AccessDeniedException` (a role without that permission). */
  deniedOperations?: string[];
  /** A deterministic PutEvents entry failure: a returned code fails the entry (not a fault draw). */
  entryFailureFor?: (entry: PutEventsEntry) => string | undefined;
  /**
   * Rules with their patterns and targets, for `ListRules`, `ListTargetsByRule` and
   * `DescribeRule` (their buses are added to `buses`). Listed in the order given.
   */
  busRules?: FakeRule[];
  /** Page size of `ListRules`/`ListTargetsByRule` when the request gives no `Limit`. @default 100 */
  listPageSize?: number;
  /** CloudFormation stacks for `DescribeStackResources`: stack name → its resources. */
  stacks?: Record<string, FakeStackResource[]>;
}

/** A rule on a bus, as `ListRules` describes it, with its targets. */
export interface FakeRule {
  /** @default "default" */
  bus?: string;
  name: string;
  /** @default "ENABLED" */
  state?: "ENABLED" | "DISABLED" | "ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS";
  /** The pattern as JSON text (as the API carries it). */
  eventPattern?: string;
  scheduleExpression?: string;
  description?: string;
  /** Targets in the API's shape (`Id`, `Arn`, `Input`, `InputPath`, `InputTransformer`, ...). */
  targets?: Array<Record<string, unknown>>;
}

/** One resource of a stack, as `DescribeStackResources` lists it. */
export interface FakeStackResource {
  logicalId: string;
  physicalId: string;
  type: string;
}

/** One PutEvents request entry, as the SDK sent it. */
export interface PutEventsEntry {
  Time?: number;
  Source?: string;
  Resources?: string[];
  DetailType?: string;
  Detail?: string;
  EventBusName?: string;
  TraceHeader?: string;
}

/** One Lambda Invoke the fake received. */
export interface ReceivedInvoke {
  service: "lambda";
  operation: "Invoke";
  functionName: string;
  qualifier?: string;
  invocationType: string;
  /** The raw payload text. */
  body: string;
  /** Whether an `Authorization` header was present (its value is never kept). */
  signed: boolean;
  outcome: "ok" | "throttled" | "function-error" | "not-found" | "too-large" | "dry-run";
  /** Milliseconds since the fake started, when the request arrived and when it was answered. */
  startedAt: number;
  endedAt: number;
}

/** One PutEvents entry the fake received, with what happened to it. */
export interface ReceivedEntry extends PutEventsEntry {
  /** The assigned event id on success, else the error code. */
  outcome: "ok" | string;
}

/** One EventBridge request the fake received. */
export interface ReceivedEventBridge {
  service: "eventbridge";
  operation: "PutEvents" | "DescribeEventBus" | "DescribeRule" | "ListRules" | "ListTargetsByRule" | string;
  body: unknown;
  signed: boolean;
  /** For PutEvents: each entry with its outcome (all `ThrottlingException` when throttled). */
  entries?: ReceivedEntry[];
  outcome: "ok" | string;
  startedAt: number;
  endedAt: number;
}

/** One CloudFormation (awsQuery) request the fake received. */
export interface ReceivedCloudFormation {
  service: "cloudformation";
  /** The form's `Action`, e.g. `DescribeStackResources`. */
  operation: string;
  /** The form fields as sent. */
  params: Record<string, string>;
  signed: boolean;
  outcome: "ok" | string;
  startedAt: number;
  endedAt: number;
}

/** Anything the fake received, in arrival order. */
export type Received = ReceivedInvoke | ReceivedEventBridge | ReceivedCloudFormation;

/** A running fake. */
export interface AwsFake {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** Everything received so far, in arrival order (live array). */
  received: Received[];
  /** Replaces the fault settings (other options stay). */
  setFaults(faults: AwsFaults): void;
  /** Stops the server. */
  stop(): Promise<void>;
}

const SYNC_LIMIT = 6 * 1024 * 1024;
const EVENT_LIMIT = 1024 * 1024;

/** Starts the fake on a free loopback port. */
export function startAwsFake(options: AwsFakeOptions = {}): AwsFake {
  let faults: AwsFaults = { ...options.faults };
  const random = seededRandom(options.seed ?? 1);
  const busRules = options.busRules ?? [];
  const buses = new Set([
    ...(options.buses ?? ["default"]),
    ...busRules.map((rule) => rule.bus ?? "default"),
  ]);
  const rules = new Set(options.rules ?? []);
  const pageSize = options.listPageSize ?? 100;
  const functions = options.functions ? new Set(options.functions) : undefined;
  const received: Received[] = [];
  const started = performance.now();
  let eventCounter = 0;
  const now = () => Math.round((performance.now() - started) * 1000) / 1000;
  const chance = (rate: number | undefined) => (rate ?? 0) > 0 && random() < (rate ?? 0);

  async function delay(): Promise<void> {
    const ms = (faults.latencyMs ?? 0) + (faults.jitterMs ? random() * faults.jitterMs : 0);
    if (ms > 0) await Bun.sleep(ms);
  }

  async function invoke(request: Request, url: URL, match: RegExpMatchArray): Promise<Response> {
    const startedAt = now();
    const raw = decodeURIComponent(match[1]!);
    const { name, qualifier } = splitFunction(raw, url.searchParams.get("Qualifier") ?? undefined);
    const invocationType = request.headers.get("x-amz-invocation-type") ?? "RequestResponse";
    const body = await request.text();
    const record: ReceivedInvoke = {
      service: "lambda",
      operation: "Invoke",
      functionName: name,
      invocationType,
      body,
      signed: request.headers.has("authorization"),
      outcome: "ok",
      startedAt,
      endedAt: startedAt,
    };
    if (qualifier !== undefined) record.qualifier = qualifier;
    received.push(record);
    await delay();
    const answer = (outcome: ReceivedInvoke["outcome"], response: Response) => {
      record.outcome = outcome;
      record.endedAt = now();
      return response;
    };
    if (functions && !functions.has(name)) {
      return answer(
        "not-found",
        lambdaError(404, "ResourceNotFoundException", `Function not found: ${functionArn(name)}`),
      );
    }
    const limit = invocationType === "Event" ? EVENT_LIMIT : SYNC_LIMIT;
    if (Buffer.byteLength(body) > limit) {
      return answer(
        "too-large",
        lambdaError(
          413,
          "RequestTooLargeException",
          `Request must be smaller than ${limit} bytes for the InvokeFunction operation`,
        ),
      );
    }
    if (invocationType === "DryRun") return answer("dry-run", new Response(null, { status: 204 }));
    if (chance(faults.lambdaThrottleRate)) {
      const response = lambdaError(429, "TooManyRequestsException", "Rate Exceeded.", {
        Reason: "ReservedFunctionConcurrentInvocationLimitExceeded",
        Type: "User",
      });
      response.headers.set("Retry-After", String(faults.retryAfterSeconds ?? 0));
      return answer("throttled", response);
    }
    let payload: unknown;
    try {
      payload = body === "" ? null : JSON.parse(body);
    } catch {
      return answer(
        "too-large",
        lambdaError(400, "InvalidRequestContentException", "Could not parse request body into json"),
      );
    }
    const deterministic = options.functionErrorFor?.(payload);
    if (deterministic !== undefined || chance(faults.functionErrorRate)) {
      const message = deterministic ?? "injected function error";
      return answer(
        "function-error",
        Response.json(
          { errorType: "Error", errorMessage: message, trace: ["Error: " + message, "    at handler"] },
          {
            status: 200,
            headers: {
              "X-Amz-Function-Error": deterministic !== undefined ? "Handled" : "Unhandled",
              "X-Amz-Executed-Version": "$LATEST",
            },
          },
        ),
      );
    }
    if (invocationType === "Event") return answer("ok", new Response(null, { status: 202 }));
    return answer(
      "ok",
      Response.json({ statusCode: 200 }, { status: 200, headers: { "X-Amz-Executed-Version": "$LATEST" } }),
    );
  }

  async function eventBridge(request: Request): Promise<Response> {
    const startedAt = now();
    const target = request.headers.get("x-amz-target") ?? "";
    const operation = target.startsWith("AWSEvents.") ? target.slice("AWSEvents.".length) : target;
    let body: Record<string, unknown>;
    try {
      body = (await request.json()) as Record<string, unknown>;
    } catch {
      body = {};
    }
    const record: ReceivedEventBridge = {
      service: "eventbridge",
      operation,
      body,
      signed: request.headers.has("authorization"),
      outcome: "ok",
      startedAt,
      endedAt: startedAt,
    };
    received.push(record);
    await delay();
    const answer = (outcome: string, response: Response) => {
      record.outcome = outcome;
      record.endedAt = now();
      return response;
    };
    if (options.deniedOperations?.includes(operation)) {
      return answer(
        "AccessDeniedException",
        jsonError(
          400,
          "AccessDeniedException",
          `User: arn:aws:sts::123456789012:assumed-role/replayer/session is not authorized to perform: events:${operation}`,
        ),
      );
    }
    switch (operation) {
      case "DescribeEventBus": {
        const name = busName(body.Name as string | undefined);
        if (!buses.has(name)) {
          return answer(
            "ResourceNotFoundException",
            jsonError(400, "ResourceNotFoundException", `Event bus ${name} does not exist.`),
          );
        }
        return answer("ok", awsJson({ Name: name, Arn: busArn(name), CreationTime: 1_700_000_000 }));
      }
      case "DescribeRule": {
        const bus = busName(body.EventBusName as string | undefined);
        const name = String(body.Name ?? "");
        const known = busRules.find((rule) => (rule.bus ?? "default") === bus && rule.name === name);
        if (known) return answer("ok", awsJson(describeRule(known)));
        if (!rules.has(`${bus}/${name}`)) {
          return answer(
            "ResourceNotFoundException",
            jsonError(400, "ResourceNotFoundException", `Rule ${name} does not exist on EventBus ${bus}.`),
          );
        }
        return answer(
          "ok",
          awsJson({
            Name: name,
            Arn: `arn:aws:events:us-east-1:123456789012:rule/${bus}/${name}`,
            EventBusName: bus,
            State: "ENABLED",
            EventPattern: "{}",
          }),
        );
      }
      case "PutEvents":
        return putEvents(body, record, answer);
      case "ListRules": {
        const bus = busName(body.EventBusName as string | undefined);
        if (!buses.has(bus)) {
          return answer(
            "ResourceNotFoundException",
            jsonError(400, "ResourceNotFoundException", `Event bus ${bus} does not exist.`),
          );
        }
        const prefix = String(body.NamePrefix ?? "");
        const all = busRules.filter(
          (rule) => (rule.bus ?? "default") === bus && rule.name.startsWith(prefix),
        );
        const page = paginate(all, body, pageSize);
        if (typeof page === "string")
          return answer("ValidationException", jsonError(400, "ValidationException", page));
        return answer("ok", awsJson({ Rules: page.items.map(describeRule), ...page.next }));
      }
      case "ListTargetsByRule": {
        const bus = busName(body.EventBusName as string | undefined);
        const name = String(body.Rule ?? "");
        const rule = busRules.find((r) => (r.bus ?? "default") === bus && r.name === name);
        if (!rule) {
          return answer(
            "ResourceNotFoundException",
            jsonError(400, "ResourceNotFoundException", `Rule ${name} does not exist on EventBus ${bus}.`),
          );
        }
        const page = paginate(rule.targets ?? [], body, pageSize);
        if (typeof page === "string")
          return answer("ValidationException", jsonError(400, "ValidationException", page));
        return answer("ok", awsJson({ Targets: page.items, ...page.next }));
      }
      default:
        return answer(
          "UnknownOperationException",
          jsonError(400, "UnknownOperationException", `Unknown operation ${target}`),
        );
    }
  }

  function putEvents(
    body: Record<string, unknown>,
    record: ReceivedEventBridge,
    answer: (outcome: string, response: Response) => Response,
  ): Response {
    const entries = Array.isArray(body.Entries) ? (body.Entries as PutEventsEntry[]) : [];
    if (entries.length === 0 || entries.length > 10) {
      record.entries = entries.map((entry) => ({ ...entry, outcome: "ValidationException" }));
      return answer(
        "ValidationException",
        jsonError(
          400,
          "ValidationException",
          "1 validation error detected: Value at 'entries' failed to satisfy constraint: " +
            "Member must have length less than or equal to 10",
        ),
      );
    }
    const missingBus = entries.find((entry) => !buses.has(busName(entry.EventBusName)));
    if (missingBus) {
      record.entries = entries.map((entry) => ({ ...entry, outcome: "ResourceNotFoundException" }));
      return answer(
        "ResourceNotFoundException",
        jsonError(
          400,
          "ResourceNotFoundException",
          `Event bus ${busName(missingBus.EventBusName)} does not exist.`,
        ),
      );
    }
    if (chance(faults.putEventsThrottleRate)) {
      record.entries = entries.map((entry) => ({ ...entry, outcome: "ThrottlingException" }));
      return answer("ThrottlingException", jsonError(400, "ThrottlingException", "Rate exceeded"));
    }
    const codes = faults.putEventsFailureCodes ?? ["ThrottlingException"];
    const results: Array<Record<string, string>> = [];
    record.entries = entries.map((entry) => {
      const code =
        options.entryFailureFor?.(entry) ??
        invalidEntry(entry) ??
        (chance(faults.putEventsFailureRate) ? codes[Math.floor(random() * codes.length)] : undefined);
      if (code) {
        results.push({ ErrorCode: code, ErrorMessage: `${code} (injected by the fake)` });
        return { ...entry, outcome: code };
      }
      const id = `fake-${++eventCounter}`;
      results.push({ EventId: id });
      return { ...entry, outcome: "ok" };
    });
    const failed = results.filter((result) => result.ErrorCode).length;
    return answer("ok", awsJson({ FailedEntryCount: failed, Entries: results }));
  }

  /**
   * CloudFormation speaks awsQuery: `POST /` with a form body (`Action`, `Version`, parameters)
   * and an XML answer; errors are XML `ErrorResponse`s whose `Code` the SDK turns into the
   * error's name.
   */
  async function cloudFormation(request: Request): Promise<Response> {
    const startedAt = now();
    const params = Object.fromEntries(new URLSearchParams(await request.text()));
    const record: ReceivedCloudFormation = {
      service: "cloudformation",
      operation: params.Action ?? "",
      params,
      signed: request.headers.has("authorization"),
      outcome: "ok",
      startedAt,
      endedAt: startedAt,
    };
    received.push(record);
    await delay();
    const answer = (outcome: string, response: Response) => {
      record.outcome = outcome;
      record.endedAt = now();
      return response;
    };
    if (params.Action !== "DescribeStackResources") {
      return answer("InvalidAction", queryError(400, "InvalidAction", `Unknown action ${params.Action}`));
    }
    const stackName = params.StackName ?? "";
    const resources = options.stacks?.[stackName];
    if (!resources) {
      return answer(
        "ValidationError",
        queryError(400, "ValidationError", `Stack with id ${stackName} does not exist`),
      );
    }
    const stackId = `arn:aws:cloudformation:us-east-1:123456789012:stack/${stackName}/00000000-0000-0000-0000-000000000000`;
    const members = resources
      .filter((r) => params.LogicalResourceId === undefined || r.logicalId === params.LogicalResourceId)
      .map(
        (r) =>
          `<member><StackName>${xml(stackName)}</StackName><StackId>${xml(stackId)}</StackId>` +
          `<LogicalResourceId>${xml(r.logicalId)}</LogicalResourceId>` +
          `<PhysicalResourceId>${xml(r.physicalId)}</PhysicalResourceId>` +
          `<ResourceType>${xml(r.type)}</ResourceType><Timestamp>2024-01-01T00:00:00Z</Timestamp>` +
          `<ResourceStatus>CREATE_COMPLETE</ResourceStatus></member>`,
      )
      .join("");
    return answer(
      "ok",
      new Response(
        `<DescribeStackResourcesResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/">` +
          `<DescribeStackResourcesResult><StackResources>${members}</StackResources></DescribeStackResourcesResult>` +
          `<ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata>` +
          `</DescribeStackResourcesResponse>`,
        { status: 200, headers: { "Content-Type": "text/xml" } },
      ),
    );
  }

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const match = url.pathname.match(/^\/2015-03-31\/functions\/([^/]+)\/invocations$/);
      if (request.method === "POST" && match) return invoke(request, url, match);
      if (request.method === "POST" && request.headers.has("x-amz-target")) return eventBridge(request);
      const type = request.headers.get("content-type") ?? "";
      if (request.method === "POST" && type.startsWith("application/x-www-form-urlencoded")) {
        return cloudFormation(request);
      }
      return jsonError(404, "UnknownOperationException", `No route for ${request.method} ${url.pathname}`);
    },
  });

  return {
    url: `http://127.0.0.1:${server.port}`,
    received,
    setFaults(next) {
      faults = { ...next };
    },
    async stop() {
      await server.stop(true);
    },
  };
}

/** `ListRules`' and `DescribeRule`'s description of a rule. */
function describeRule(rule: FakeRule): Record<string, unknown> {
  const bus = rule.bus ?? "default";
  const described: Record<string, unknown> = {
    Name: rule.name,
    Arn: `arn:aws:events:us-east-1:123456789012:rule/${bus === "default" ? "" : `${bus}/`}${rule.name}`,
    State: rule.state ?? "ENABLED",
    EventBusName: bus,
  };
  if (rule.eventPattern !== undefined) described.EventPattern = rule.eventPattern;
  if (rule.scheduleExpression !== undefined) described.ScheduleExpression = rule.scheduleExpression;
  if (rule.description !== undefined) described.Description = rule.description;
  return described;
}

/**
 * One page of a list: `Limit` (1–100) or the fake's page size, from the offset an earlier
 * `NextToken` carries. Tokens are opaque to the client, as AWS's are.
 */
function paginate<T>(
  all: T[],
  body: Record<string, unknown>,
  pageSize: number,
): { items: T[]; next: { NextToken?: string } } | string {
  const limit = body.Limit === undefined ? pageSize : Number(body.Limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) {
    return "1 validation error detected: Value at 'limit' failed to satisfy constraint: Member must have value between 1 and 100";
  }
  let start = 0;
  if (body.NextToken !== undefined) {
    const decoded = /^page:(\d+)$/.exec(Buffer.from(String(body.NextToken), "base64").toString());
    if (!decoded) return "The NextToken is not valid.";
    start = Number(decoded[1]);
  }
  const items = all.slice(start, start + limit);
  const end = start + items.length;
  return {
    items,
    next: end < all.length ? { NextToken: Buffer.from(`page:${end}`).toString("base64") } : {},
  };
}

function xml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function queryError(status: number, code: string, message: string): Response {
  return new Response(
    `<ErrorResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><Error><Type>Sender</Type>` +
      `<Code>${xml(code)}</Code><Message>${xml(message)}</Message></Error>` +
      `<RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`,
    { status, headers: { "Content-Type": "text/xml" } },
  );
}

/** Rejects entries the way EventBridge does (a small, honest subset of its checks). */
function invalidEntry(entry: PutEventsEntry): string | undefined {
  if (!entry.Source || !entry.DetailType) return "InvalidArgument";
  if (entry.Detail !== undefined) {
    try {
      const detail = JSON.parse(entry.Detail);
      if (detail === null || typeof detail !== "object" || Array.isArray(detail)) return "MalformedDetail";
    } catch {
      return "MalformedDetail";
    }
  }
  return undefined;
}

function splitFunction(
  raw: string,
  queryQualifier: string | undefined,
): { name: string; qualifier?: string } {
  let name = raw;
  let qualifier = queryQualifier;
  if (raw.startsWith("arn:")) {
    const parts = raw.split(":");
    name = parts[6] ?? raw;
    qualifier ??= parts[7];
  } else if (raw.includes(":")) {
    const [head, tail] = raw.split(":", 2);
    name = head!;
    qualifier ??= tail;
  }
  return qualifier === undefined ? { name } : { name, qualifier };
}

function busName(nameOrArn: string | undefined): string {
  if (!nameOrArn) return "default";
  const slash = nameOrArn.lastIndexOf("event-bus/");
  return slash >= 0 ? nameOrArn.slice(slash + "event-bus/".length) : nameOrArn;
}

function busArn(name: string): string {
  return `arn:aws:events:us-east-1:123456789012:event-bus/${name}`;
}

function functionArn(name: string): string {
  return `arn:aws:lambda:us-east-1:123456789012:function:${name}`;
}

function awsJson(value: unknown): Response {
  return new Response(JSON.stringify(value), {
    status: 200,
    headers: { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": crypto.randomUUID() },
  });
}

function jsonError(status: number, type: string, message: string): Response {
  return new Response(JSON.stringify({ __type: type, message }), {
    status,
    headers: { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": crypto.randomUUID() },
  });
}

function lambdaError(
  status: number,
  type: string,
  message: string,
  extra: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify({ Type: "User", message, ...extra }), {
    status,
    headers: {
      "Content-Type": "application/json",
      "x-amzn-ErrorType": type,
      "x-amzn-RequestId": crypto.randomUUID(),
    },
  });
}
