/**
 * The AWS targets from a `bun build --compile` binary: lambda-local imports a TypeScript handler
 * by absolute path, and lambda/eventbridge reach the fake through AWS_ENDPOINT_URL_<SERVICE>.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type AwsFake, type ReceivedInvoke, startAwsFake } from "../fakes/aws-server.ts";

const root = resolve(import.meta.dir, "../..");
let dir: string;
let binary: string;
let fake: AwsFake;
const lines = [
  '{"version":"0","id":"a1","detail-type":"OrderPlaced","source":"shop","account":"1","time":"2024-01-01T00:00:00Z","region":"us-east-1","resources":[],"detail":{"orderId":"o1","price":1.50}}',
  '{"version":"0","id":"a2","detail-type":"OrderPlaced","source":"shop","account":"1","time":"2024-01-01T00:00:01Z","region":"us-east-1","resources":[],"detail":{"orderId":"o2","fail":true}}',
];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "rehydrate-aws-bin-"));
  binary = join(dir, "rehydrate");
  const build = Bun.spawnSync(
    [process.execPath, "build", "--compile", join(root, "src/cli/main.ts"), "--outfile", binary],
    { cwd: root, stdout: "pipe", stderr: "pipe" },
  );
  if (build.exitCode !== 0) throw new Error(`bun build --compile failed: ${build.stderr.toString()}`);
  writeFileSync(join(dir, "events.ndjson"), lines.join("\n") + "\n");
  writeFileSync(
    join(dir, "handler.ts"),
    `interface Ev { id: string; detail: { fail?: boolean } }
     export const handler = async (event: Ev, context: { functionName: string }): Promise<void> => {
       process.stdout.write(\`handled \${event.id} in \${context.functionName}\\n\`);
       if (event.detail.fail) throw new TypeError(\`cannot handle \${event.id}\`);
     };`,
  );
  fake = startAwsFake({ functions: ["fn"] });
}, 60_000);
afterAll(async () => {
  await fake.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function runBinary(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([binary, "run", "--from", join(dir, "events.ndjson"), ...args], {
    cwd: dir,
    env: {
      PATH: process.env.PATH ?? "",
      HOME: dir,
      AWS_ACCESS_KEY_ID: "AKIDFAKEFAKEFAKE",
      AWS_SECRET_ACCESS_KEY: "fake-secret-for-tests",
      AWS_REGION: "us-east-1",
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_CONFIG_FILE: "/nonexistent/rehydrate-test",
      AWS_SHARED_CREDENTIALS_FILE: "/nonexistent/rehydrate-test",
      AWS_ENDPOINT_URL_LAMBDA: fake.url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: fake.url,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, stdout, stderr] = await Promise.all([
    child.exited,
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
  ]);
  return { code, stdout, stderr };
}

test("lambda-local imports a TypeScript handler from the compiled binary", async () => {
  const { code, stdout, stderr } = await runBinary(["--to", `lambda-local:${join(dir, "handler.ts")}`]);
  expect(stdout).toBe("handled a1 in handler\nhandled a2 in handler\n");
  expect(stderr).toContain("1 sent, 1 failed");
  expect(stderr).toContain("TypeError: cannot handle a2");
  expect(code).toBe(1);
}, 30_000);

test("lambda sends the file's bytes from the compiled binary", async () => {
  fake.received.length = 0;
  const { code, stderr } = await runBinary(["--to", "lambda:fn"]);
  expect(stderr).toContain("2 sent, 0 failed");
  expect(code).toBe(0);
  const invokes = fake.received as ReceivedInvoke[];
  expect(invokes.map((r) => r.invocationType)).toEqual(["DryRun", "RequestResponse", "RequestResponse"]);
  expect(invokes.slice(1).map((r) => r.body)).toEqual(lines);
}, 30_000);
