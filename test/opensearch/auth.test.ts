/**
 * Authentication on the wire, against a loopback server that records what it receives (no
 * AWS here): SigV4 through the client's AWS signer and the AWS credential chain, basic auth,
 * and credentials kept out of messages.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { targetFor } from "./support.ts";

let server: ReturnType<typeof Bun.serve>;
const seen: Array<{ path: string; headers: Record<string, string> }> = [];
const savedEnv: Record<string, string | undefined> = {};

beforeAll(() => {
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(request) {
      seen.push({ path: new URL(request.url).pathname, headers: Object.fromEntries(request.headers) });
      const url = new URL(request.url);
      if (url.pathname === "/") {
        return Response.json({ version: { distribution: "opensearch", number: "3.8.0" } });
      }
      return new Response(null, { status: 404 });
    },
  });
  for (const key of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"]) {
    savedEnv[key] = process.env[key];
  }
  process.env.AWS_ACCESS_KEY_ID = "AKIDEXAMPLE";
  process.env.AWS_SECRET_ACCESS_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
});
afterAll(() => {
  server?.stop(true);
  for (const [key, value] of Object.entries(savedEnv)) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
});

test("aws: requests are SigV4-signed for the service and region, with credentials from the AWS chain", async () => {
  seen.length = 0;
  const target = targetFor({
    url: `http://127.0.0.1:${server.port}`,
    index: "orders",
    aws: { region: "eu-west-1", service: "aoss" },
  });
  const result = await target.check();
  await target.close();
  expect(result.details[0]).toContain("answers (opensearch 3.8.0)");
  const auth = seen.find((r) => r.path === "/")!.headers.authorization!;
  expect(auth).toMatch(
    /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/aoss\/aws4_request, SignedHeaders=.*host.*, Signature=[0-9a-f]{64}$/,
  );
  expect(seen.find((r) => r.path === "/")!.headers["x-amz-date"]).toMatch(/^\d{8}T\d{6}Z$/);
  expect(JSON.stringify(result)).not.toContain("wJalrXUtnFEMI");
});

test("basic auth is sent as an Authorization header; a password in the URL never shows in messages", async () => {
  seen.length = 0;
  const target = targetFor({
    url: `http://127.0.0.1:${server.port}`,
    index: "orders",
    username: "admin",
    password: "s3cret!",
  });
  await target.check();
  await target.close();
  expect(seen[0]!.headers.authorization).toBe(`Basic ${Buffer.from("admin:s3cret!").toString("base64")}`);

  const inUrl = targetFor({ url: "http://admin:s3cret!@127.0.0.1:9", index: "orders" });
  const down = await inUrl.check();
  await inUrl.close();
  expect(down.ok).toBe(false);
  expect(down.details.join("\n")).not.toContain("s3cret");
  expect(down.details.join("\n")).toContain("127.0.0.1:9");
});
