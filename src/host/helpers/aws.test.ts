import { describe, expect, test } from "bun:test";
import { createHost } from "../create-host.ts";
import { awsClientConfig } from "./aws-client-config.ts";
import { classifyAwsError, redact } from "./aws-errors.ts";

function host(aws: { region?: string; profile?: string }) {
  const logs: string[] = [];
  const h = createHost({
    pluginName: "t",
    dryRun: false,
    signal: new AbortController().signal,
    baseDir: "/",
    aws,
    stderr: { write: (text: string) => logs.push(text) },
    verbose: true,
  });
  return { h, logs };
}

describe("awsClientConfig", () => {
  test("passes only what the user chose, plus maxAttempts", () => {
    const { h, logs } = host({ region: "eu-west-1", profile: "dev" });
    expect(awsClientConfig(h, "lambda", { maxAttempts: 1 })).toEqual({
      region: "eu-west-1",
      profile: "dev",
      maxAttempts: 1,
      customUserAgent: `rehydrate/${h.version}`,
    });
    expect(logs.join("")).toContain("lambda client: region eu-west-1, profile dev");
    const bare = awsClientConfig(host({}).h, "dynamodb");
    expect("region" in bare || "profile" in bare || "maxAttempts" in bare).toBe(false);
  });

  test("never logs credentials from the environment", () => {
    const saved = process.env.AWS_SECRET_ACCESS_KEY;
    process.env.AWS_SECRET_ACCESS_KEY = "very-secret-value";
    const { h, logs } = host({});
    awsClientConfig(h, "eventbridge");
    expect(logs.join("")).not.toContain("very-secret-value");
    if (saved === undefined) delete process.env.AWS_SECRET_ACCESS_KEY;
    else process.env.AWS_SECRET_ACCESS_KEY = saved;
    const savedUrl = process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
    process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = "https://proxyuser:proxypass@proxy.example:8443";
    awsClientConfig(h, "eventbridge");
    if (savedUrl === undefined) delete process.env.AWS_ENDPOINT_URL_EVENTBRIDGE;
    else process.env.AWS_ENDPOINT_URL_EVENTBRIDGE = savedUrl;
    expect(logs.join("")).toContain("endpoint https://…@proxy.example:8443");
    expect(logs.join("")).not.toContain("proxypass");
  });
});

describe("classifyAwsError", () => {
  const sdkError = (name: string, status: number, extra: Record<string, unknown> = {}) =>
    Object.assign(new Error(`${name} happened`), { name, $metadata: { httpStatusCode: status }, ...extra });

  test("throttles and transient errors are retryable", () => {
    expect(classifyAwsError(sdkError("ThrottlingException", 400)).kind).toBe("retryable");
    expect(
      classifyAwsError(sdkError("TooManyRequestsException", 429, { retryAfterSeconds: "2" })),
    ).toMatchObject({
      kind: "retryable",
      retryAfterMs: 2000,
    });
    expect(classifyAwsError(sdkError("ServiceException", 500)).kind).toBe("retryable");
    expect(classifyAwsError(sdkError("Whatever", 503)).kind).toBe("retryable");
    expect(
      classifyAwsError(Object.assign(new Error("socket hang up"), { code: "ECONNRESET" })),
    ).toMatchObject({
      kind: "retryable",
      code: "ECONNRESET",
    });
  });

  test("auth and missing resources are fatal; bad requests fail the items", () => {
    expect(classifyAwsError(sdkError("AccessDeniedException", 403)).kind).toBe("fatal");
    expect(classifyAwsError(sdkError("ResourceNotFoundException", 404)).kind).toBe("fatal");
    expect(classifyAwsError(sdkError("UnrecognizedClientException", 400)).kind).toBe("fatal");
    expect(classifyAwsError(new Error("Region is missing")).kind).toBe("fatal");
    expect(classifyAwsError(sdkError("InvalidRequestContentException", 400))).toMatchObject({
      kind: "item",
      code: "InvalidRequestContentException",
      status: 400,
    });
  });

  test("redacts access key ids and signatures from messages", () => {
    const message =
      "The security token AKIAABCDEFGHIJKLMNOP is invalid; Signature=abcdef123 Credential=AKIA/x";
    const cleaned = redact(message);
    expect(cleaned).not.toContain("ABCDEFGHIJKLMNOP");
    expect(cleaned).not.toContain("abcdef123");
    expect(classifyAwsError(sdkError("InvalidSignatureException", 403, { message })).message).toBe(cleaned);
  });
});
