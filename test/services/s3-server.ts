/**
 * Test harness for a real S3-protocol server on loopback: S3Proxy (`org.gaul:s3proxy`, the
 * `jar-with-dependencies` build from Maven Central, pinned to {@link S3PROXY_VERSION}) with its
 * jclouds `filesystem` blob store in a temp folder. It speaks ListObjectsV2 (paginated, with
 * continuation tokens), GetObject with `Range` and `If-Match`, HeadObject, PutObject and
 * CreateBucket, with real MD5 ETags, and the tests drive it with the real `@aws-sdk/client-s3`.
 *
 * Chosen over `s3rver` (npm, unmaintained since 2021, not among the project's dependencies) and
 * Adobe's S3Mock (a Spring Boot app, slower to start): S3Proxy starts in about 2 s on Java 17 and
 * is a single jar. The jar is found in `~/.m2` (or `$S3PROXY_JAR`), else resolved with `mvn
 * dependency:get`, else downloaded from Maven Central directly and checked against its SHA-1.
 *
 * One instance is shared by every test file of a `bun test` process, like DynamoDB Local
 * (`dynamodb-local.ts`): files isolate themselves with their own bucket ({@link uniqueBucketName}).
 * The JVM is killed on exit, and a shell watchdog kills it if the test process dies without
 * running exit handlers, so no Java process outlives the run.
 */
import { execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { homedir, tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { freePort, overrideEnv, startWatchdog } from "./process-tools.ts";

/** The S3Proxy release the tests run. */
export const S3PROXY_VERSION = "2.6.0";

/** Dummy credentials: S3Proxy runs with `s3proxy.authorization=none` and ignores them. */
export const S3_LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;
/** The region tests use. */
export const S3_LOCAL_REGION = "us-east-1";

/** Timeout for a `beforeAll` awaiting {@link s3Server} (JVM start, and a first download of the jar). */
export const S3_SERVER_HOOK_TIMEOUT_MS = 120_000;

/** A running S3 server. */
export interface S3Server {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number;
  /** A path-style client for this server (or for `endpoint`, e.g. a fault proxy in front of it). */
  client(endpoint?: string): S3Client;
}

let shared: Promise<S3Server> | undefined;

/** Returns the process-wide S3 server, starting it on first use. */
export function s3Server(): Promise<S3Server> {
  shared ??= startS3Server().catch((error) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

/**
 * Sets the environment the AWS SDK reads so that clients built by plugins talk to `endpoint`
 * with dummy credentials. Returns a function that restores it.
 */
export function useS3Env(endpoint: string): () => void {
  const keys = {
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: S3_LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3_LOCAL_CREDENTIALS.secretAccessKey,
    AWS_REGION: S3_LOCAL_REGION,
  };
  return overrideEnv(keys);
}

let bucketCounter = 0;
/** A bucket name no other test of this process uses (lowercase, DNS-safe, ≤ 63 characters). */
export function uniqueBucketName(prefix: string): string {
  bucketCounter++;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${bucketCounter}`.toLowerCase().slice(0, 63);
}

/** Creates a bucket and puts `objects` (key → body) into it. */
export async function createBucketWith(
  client: S3Client,
  bucket: string,
  objects: Record<string, string | Uint8Array> = {},
): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  for (const [key, body] of Object.entries(objects)) {
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }
}

/** Starts a new S3 server (most tests want the shared {@link s3Server} instead). */
export async function startS3Server(options: { startTimeoutMs?: number } = {}): Promise<S3Server> {
  const java = findJava();
  const jar = await s3proxyJar();
  const port = await freePort();
  const home = mkdtempSync(join(tmpdir(), "rehydrate-s3proxy-"));
  mkdirSync(join(home, "blobs"));
  const properties = join(home, "s3proxy.conf");
  writeFileSync(
    properties,
    [
      `s3proxy.endpoint=http://127.0.0.1:${port}`,
      "s3proxy.authorization=none",
      "s3proxy.ignore-unknown-headers=true",
      "jclouds.provider=filesystem",
      `jclouds.filesystem.basedir=${join(home, "blobs")}`,
      "jclouds.identity=local",
      "jclouds.credential=local",
      "",
    ].join("\n"),
  );
  const child = spawn(java, ["-Xmx384m", "-jar", jar, "--properties", properties], {
    stdio: ["ignore", "pipe", "pipe"],
  });
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
  const stop = () => {
    try {
      if (exited === undefined) process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
    rmSync(home, { recursive: true, force: true });
  };
  process.once("exit", stop);
  // If this process dies without exit handlers, the watchdog still ends Java and removes the blobs.
  startWatchdog(`kill -9 ${pid} 2>/dev/null; rm -rf '${home}'`);
  child.unref();
  (child.stdout as { unref?: () => void } | null)?.unref?.();
  (child.stderr as { unref?: () => void } | null)?.unref?.();

  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 60_000);
  while (true) {
    if (exited !== undefined)
      throw new Error(`S3Proxy exited with code ${exited} before answering:\n${output}`);
    if (await answers(endpoint)) break;
    if (Date.now() > deadline) {
      stop();
      throw new Error(`S3Proxy did not answer on ${endpoint} within the timeout:\n${output}`);
    }
    await Bun.sleep(100);
  }
  return {
    endpoint,
    port,
    pid,
    client: (at = endpoint) =>
      new S3Client({
        endpoint: at,
        forcePathStyle: true,
        region: S3_LOCAL_REGION,
        credentials: S3_LOCAL_CREDENTIALS,
      }),
  };
}

/** Finds or fetches the S3Proxy jar (see the module note). */
async function s3proxyJar(): Promise<string> {
  if (process.env.S3PROXY_JAR && existsSync(process.env.S3PROXY_JAR)) return process.env.S3PROXY_JAR;
  const name = `s3proxy-${S3PROXY_VERSION}-jar-with-dependencies.jar`;
  const inM2 = join(homedir(), ".m2/repository/org/gaul/s3proxy", S3PROXY_VERSION, name);
  if (existsSync(inM2)) return inM2;
  try {
    execFileSync(
      "mvn",
      [
        "-B",
        "-q",
        "dependency:get",
        `-Dartifact=org.gaul:s3proxy:${S3PROXY_VERSION}:jar:jar-with-dependencies`,
        "-Dtransitive=false",
      ],
      { stdio: ["ignore", "pipe", "pipe"], timeout: 300_000 },
    );
    if (existsSync(inM2)) return inM2;
  } catch {
    // No Maven, or it failed: fetch the jar from Maven Central ourselves.
  }
  const cacheDir = join(homedir(), ".cache/rehydrate-test");
  const cached = join(cacheDir, name);
  if (existsSync(cached)) return cached;
  const base = `https://repo1.maven.org/maven2/org/gaul/s3proxy/${S3PROXY_VERSION}/${name}`;
  const [jar, sha1] = await Promise.all([
    fetch(base).then((r) =>
      r.ok ? r.arrayBuffer() : Promise.reject(new Error(`${base}: HTTP ${r.status}`)),
    ),
    fetch(`${base}.sha1`).then((r) => r.text()),
  ]);
  const actual = createHash("sha1").update(new Uint8Array(jar)).digest("hex");
  if (actual !== sha1.trim().split(/\s/)[0]) throw new Error(`${base}: SHA-1 mismatch (${actual})`);
  mkdirSync(cacheDir, { recursive: true });
  writeFileSync(`${cached}.part`, new Uint8Array(jar));
  renameSync(`${cached}.part`, cached);
  return cached;
}

function findJava(): string {
  const home = process.env.JAVA_HOME;
  if (home && existsSync(join(home, "bin/java"))) return join(home, "bin/java");
  const found = (process.env.PATH ?? "")
    .split(delimiter)
    .map((dir) => join(dir, "java"))
    .find((candidate) => existsSync(candidate));
  if (!found) throw new Error("S3Proxy needs Java 17+, and no `java` is on PATH (nor JAVA_HOME set)");
  return found;
}

async function answers(endpoint: string): Promise<boolean> {
  try {
    // ListBuckets: any 200 means Jetty and the blob store are up.
    const response = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

/** Reads a file as bytes (tests upload fixtures with it). */
export function fileBytes(path: string): Uint8Array {
  return new Uint8Array(readFileSync(path));
}
