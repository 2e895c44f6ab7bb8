/**
 * Test harness for a real OpenSearch node: the integ-test zip from Maven Central
 * (`org.opensearch.distribution.integ-test-zip:opensearch:<version>:zip`), resolved with `mvn`,
 * unzipped once into `.tools/opensearch/<version>/` (git-ignored, so a second run is instant),
 * and started on free loopback ports, as a throwaway system user (`bin/opensearch` refuses
 * root), with a small heap.
 *
 * - 3.x needs Java 21+: it runs on Temurin 25. 2.19 runs on Java 17 (and refuses Temurin 25).
 * - One node per version is shared by every test file of a `bun test` process ({@link openSearchNode}):
 *   a node costs 5–20 s to start on 2 cores, so paying it once matters. Tests isolate themselves
 *   by index name ({@link uniqueIndexName}).
 * - Every node is killed by pid when the process exits, and a shell watchdog kills it (and
 *   removes its data) if the test process dies without running exit handlers.
 *
 * @module
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { freePort, startWatchdog } from "./process-tools.ts";

/** The versions the tests run on. */
export const OPENSEARCH_VERSIONS = ["3.8.0", "2.19.6"] as const;
/** One of {@link OPENSEARCH_VERSIONS} (or any version Maven Central has). */
export type OpenSearchVersion = string;

/**
 * Timeout for a `beforeAll` that awaits a node: a download and unzip on first use, then 5–20 s
 * of JVM start-up on 2 cores (more when other nodes start at the same time).
 */
export const OPENSEARCH_HOOK_TIMEOUT_MS = 180_000;

/** A running node. */
export interface OpenSearchNode {
  readonly version: string;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly pid: number;
  /** Milliseconds from spawn to a green cluster health. */
  readonly startMs: number;
  /** Stops the node (SIGKILL by pid) and removes its data. */
  stop(): void;
}

/** Options for {@link startOpenSearchNode}. */
export interface StartOptions {
  /** Extra `-E` settings, e.g. `{"thread_pool.write.size": "1"}`. */
  settings?: Record<string, string>;
  /** Heap size (both -Xms and -Xmx). @default "512m" */
  heap?: string;
  /** @default 150000 */
  startTimeoutMs?: number;
  /** Extra JVM options, appended to the heap settings. */
  javaOpts?: string;
  /** Run from another OpenSearch home. @default the slim home for 3.x ({@link slimOpenSearchHome}), the full one for 2.x */
  home?: string;
  /**
   * Start fast rather than run fast: C1-only JIT (`-XX:TieredStopAtLevel=1`), which cut start-up
   * by about a third here. Benchmarks turn it off. @default true
   */
  fastStart?: boolean;
}

const shared = new Map<string, Promise<OpenSearchNode>>();

/**
 * Returns the process-wide node of `version`, starting it on first use. Safe to call from every
 * `beforeAll`; it lives until the test process exits.
 */
export function openSearchNode(version: OpenSearchVersion): Promise<OpenSearchNode> {
  let node = shared.get(version);
  const external = externalNode(version);
  if (!node && external) {
    node = Promise.resolve(external);
    shared.set(version, node);
  }
  if (!node) {
    node = startOpenSearchNode(version).then((started) => {
      // One line per node and process: start-up is most of the OpenSearch tests' time.
      process.stderr.write(`[opensearch] ${version} started in ${started.startMs} ms on ${started.url}\n`);
      return started;
    });
    node = node.catch((error) => {
      shared.delete(version);
      throw error;
    });
    shared.set(version, node);
  }
  return node;
}

/**
 * Starts the nodes of `versions` at once without waiting (their start-ups overlap instead of
 * adding up); tests then await {@link openSearchNode} as usual. A failed start is reported by
 * the `openSearchNode` call that awaits it.
 */
export function warmUpOpenSearch(versions: readonly string[] = OPENSEARCH_VERSIONS): void {
  for (const version of versions) openSearchNode(version).catch(() => {});
}

/**
 * A node started outside the test process, named in `OPENSEARCH_TEST_NODES`
 * (`{"3.8.0": "http://127.0.0.1:9200"}`): lets a developer rerun tests without paying start-up.
 */
function externalNode(version: string): OpenSearchNode | undefined {
  const listed = process.env.OPENSEARCH_TEST_NODES;
  if (!listed) return undefined;
  const url = (JSON.parse(listed) as Record<string, string>)[version];
  if (!url) return undefined;
  return { version, url, port: Number(new URL(url).port), pid: 0, startMs: 0, stop: () => {} };
}

let indexCounter = 0;
/** An index name (lowercase, as OpenSearch requires) no other test in this process uses. */
export function uniqueIndexName(prefix: string): string {
  indexCounter++;
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${indexCounter}`.toLowerCase();
}

/** The repository root (where `.tools/` lives). */
const ROOT = resolve(import.meta.dir, "../..");

/**
 * Makes sure `.tools/opensearch/<version>/opensearch-<version>` exists: resolves the zip with
 * Maven (from `~/.m2` when it is there already) and unzips it into a temp folder renamed into
 * place, so a half-done unzip is never taken for an installation.
 */
export function ensureOpenSearchInstalled(version: OpenSearchVersion): string {
  const base = join(ROOT, ".tools", "opensearch", version);
  const home = join(base, `opensearch-${version}`);
  if (existsSync(join(home, "bin", "opensearch"))) return home;
  const zip = join(
    homedir(),
    ".m2/repository/org/opensearch/distribution/integ-test-zip/opensearch",
    version,
    `opensearch-${version}.zip`,
  );
  if (!existsSync(zip)) {
    try {
      execFileSync(
        "mvn",
        [
          "-B",
          "-q",
          "dependency:get",
          `-Dartifact=org.opensearch.distribution.integ-test-zip:opensearch:${version}:zip`,
          "-Dtransitive=false",
        ],
        { stdio: ["ignore", "pipe", "pipe"], timeout: 600_000 },
      );
    } catch (error) {
      const output = (error as { stdout?: Buffer }).stdout?.toString() ?? String(error);
      throw new Error(
        `could not resolve OpenSearch ${version} from Maven Central with mvn:\n${output.slice(-2000)}`,
      );
    }
  }
  mkdirSync(base, { recursive: true });
  const staging = mkdtempSync(join(base, ".unzip-"));
  try {
    try {
      execFileSync("unzip", ["-q", "-o", zip, "-d", staging], { stdio: ["ignore", "pipe", "pipe"] });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
      // No `unzip` on this machine: Python's zipfile extracts too, but drops the exec bits.
      execFileSync("python3", ["-m", "zipfile", "-e", zip, staging], { stdio: ["ignore", "pipe", "pipe"] });
      const bin = join(staging, `opensearch-${version}`, "bin");
      for (const name of readdirSync(bin)) chmodSync(join(bin, name), 0o755);
    }
    chmodSync(staging, 0o755);
    if (!existsSync(home)) renameSync(join(staging, `opensearch-${version}`), home);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  chmodSync(base, 0o755);
  return home;
}

/**
 * A home for 3.x nodes with only the HTTP transport module: the 3.5+ zips carry every standard
 * module (painless, reindex, ingest, geo, ...), and loading them doubles a node's start-up on 2
 * cores while the tests need none of them (2.19.6's zip has the transport module only, too).
 * `bin`, `lib`, `agent` and `config` are symlinks into the full home; created once, atomically.
 */
export function slimOpenSearchHome(
  version: OpenSearchVersion,
  modules: readonly string[] = ["transport-netty4"],
): string {
  const full = ensureOpenSearchInstalled(version);
  const slim = join(ROOT, ".tools", "opensearch", version, `slim-${modules.join("+")}`);
  if (existsSync(join(slim, "modules"))) return slim;
  const staging = mkdtempSync(join(ROOT, ".tools", "opensearch", version, ".slim-"));
  try {
    for (const entry of ["bin", "lib", "agent", "config"]) {
      if (existsSync(join(full, entry))) symlinkSync(join(full, entry), join(staging, entry));
    }
    mkdirSync(join(staging, "modules"));
    mkdirSync(join(staging, "plugins"));
    for (const module of modules)
      symlinkSync(join(full, "modules", module), join(staging, "modules", module));
    chmodSync(staging, 0o755);
    if (!existsSync(slim)) renameSync(staging, slim);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return slim;
}

/** The Java home a version runs on: Temurin 25 for 3.x, the default Java 17 for 2.x. */
export function javaHomeFor(version: OpenSearchVersion): string {
  const major = Number(version.split(".")[0]);
  const candidates =
    major >= 3
      ? [
          process.env.OPENSEARCH3_JAVA_HOME,
          "/usr/lib/jvm/temurin-25-jdk-amd64",
          "/usr/lib/jvm/temurin-21-jdk-amd64",
        ]
      : [process.env.OPENSEARCH2_JAVA_HOME, "/usr/lib/jvm/java-17-openjdk-amd64", process.env.JAVA_HOME];
  const found = candidates.find((dir) => dir && existsSync(join(dir, "bin", "java")));
  if (!found) {
    throw new Error(
      `no Java for OpenSearch ${version}: ${major >= 3 ? "3.x needs Java 21+ (Temurin 25 at /usr/lib/jvm/temurin-25-jdk-amd64)" : "2.x needs Java 17 (/usr/lib/jvm/java-17-openjdk-amd64)"}`,
    );
  }
  return found;
}

/** The system user nodes run as when the tests run as root. */
const OS_USER = "ostest";

function runningAsRoot(): boolean {
  return typeof process.getuid === "function" && process.getuid() === 0;
}

/** Creates the `ostest` system user when it is missing (root only). */
function ensureUser(): void {
  try {
    execFileSync("id", ["-u", OS_USER], { stdio: "ignore" });
    return;
  } catch {
    // missing: create it
  }
  try {
    execFileSync("useradd", ["--system", "--no-create-home", "--shell", "/usr/sbin/nologin", OS_USER], {
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    // Another process may have created it meanwhile.
    try {
      execFileSync("id", ["-u", OS_USER], { stdio: "ignore" });
    } catch {
      throw new Error(`could not create the ${OS_USER} system user for OpenSearch: ${String(error)}`);
    }
  }
}

/** Starts a new node (most tests want the shared {@link openSearchNode} instead). */
export async function startOpenSearchNode(
  version: OpenSearchVersion,
  options: StartOptions = {},
): Promise<OpenSearchNode> {
  const home =
    options.home ??
    (Number(version.split(".")[0]) >= 3 ? slimOpenSearchHome(version) : ensureOpenSearchInstalled(version));
  const javaHome = javaHomeFor(version);
  const asRoot = runningAsRoot();
  if (asRoot) ensureUser();

  // A per-node copy of config/ (parallel nodes from one home race on the keystore file), and
  // data/log dirs, all owned by the node's user.
  const nodeDir = mkdtempSync(join(tmpdir(), `opensearch-${version}-`));
  chmodSync(nodeDir, 0o755);
  cpSync(join(home, "config"), join(nodeDir, "config"), { recursive: true, dereference: true });
  mkdirSync(join(nodeDir, "data"));
  mkdirSync(join(nodeDir, "logs"));
  mkdirSync(join(nodeDir, "tmp"));
  // bin/opensearch runs from its home, so jvm.options' relative `logs/gc.log`, `hs_err` and heap
  // dump paths would land in the (read-only, shared) home: point them at this node's folders.
  const jvmOptions = join(nodeDir, "config", "jvm.options");
  writeFileSync(
    jvmOptions,
    readFileSync(jvmOptions, "utf8")
      .replace(/(?<=[=:])logs\//g, `${join(nodeDir, "logs")}/`)
      .replace(/HeapDumpPath=data$/m, `HeapDumpPath=${join(nodeDir, "data")}`),
  );
  if (asRoot) execFileSync("chown", ["-R", `${OS_USER}:${OS_USER}`, nodeDir]);

  const [port, transportPort] = [await freePort(), await freePort()];
  const settings: Record<string, string> = {
    "discovery.type": "single-node",
    "network.host": "127.0.0.1",
    "http.port": String(port),
    "transport.port": String(transportPort),
    "cluster.routing.allocation.disk.threshold_enabled": "false",
    "path.data": join(nodeDir, "data"),
    "path.logs": join(nodeDir, "logs"),
    ...options.settings,
  };
  const heap = options.heap ?? "512m";
  const env = [
    "PATH=/usr/bin:/bin",
    `OPENSEARCH_HOME=${home}`,
    `OPENSEARCH_JAVA_HOME=${javaHome}`,
    `OPENSEARCH_PATH_CONF=${join(nodeDir, "config")}`,
    `OPENSEARCH_JAVA_OPTS=${[`-Xms${heap}`, `-Xmx${heap}`, ...(options.fastStart === false ? [] : ["-XX:TieredStopAtLevel=1"]), ...(options.javaOpts ? [options.javaOpts] : [])].join(" ")}`,
    // Otherwise bin/opensearch makes a /tmp/opensearch-<n> folder that nothing removes.
    `OPENSEARCH_TMPDIR=${join(nodeDir, "tmp")}`,
  ];
  const command = [
    join(home, "bin", "opensearch"),
    ...Object.entries(settings).map(([k, v]) => `-E${k}=${v}`),
  ];
  const argv = asRoot
    ? [
        "setpriv",
        `--reuid=${OS_USER}`,
        `--regid=${OS_USER}`,
        "--init-groups",
        "--reset-env",
        "env",
        ...env,
        ...command,
      ]
    : ["env", "-i", ...env, ...command];

  const started = Date.now();
  const child: ChildProcess = spawn(argv[0]!, argv.slice(1), {
    stdio: ["ignore", "pipe", "pipe"],
    cwd: nodeDir,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start OpenSearch ${version}`);
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8000);
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
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
    try {
      rmSync(nodeDir, { recursive: true, force: true });
    } catch {
      // the JVM may still hold files for a moment; the watchdog removes the rest
    }
  };
  process.once("exit", stop);
  // setpriv and env exec, and bin/opensearch execs java, so `pid` is the JVM itself. If this
  // process dies without exit handlers, the watchdog still ends the JVM and removes its data.
  startWatchdog(`kill -9 ${pid} 2>/dev/null; sleep 0.5; rm -rf '${nodeDir}'`, { pid, serviceDies: true });
  child.unref();
  (child.stdout as { unref?: () => void } | null)?.unref?.();
  (child.stderr as { unref?: () => void } | null)?.unref?.();

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.startTimeoutMs ?? 150_000);
  while (true) {
    if (exited !== undefined) {
      stop();
      throw new Error(`OpenSearch ${version} exited with code ${exited} before answering:\n${output}`);
    }
    if (await healthy(url)) break;
    if (Date.now() > deadline) {
      stop();
      throw new Error(`OpenSearch ${version} did not turn green on ${url} within the timeout:\n${output}`);
    }
    await Bun.sleep(200);
  }
  return { version, url, port, pid, startMs: Date.now() - started, stop };
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/_cluster/health`, { signal: AbortSignal.timeout(1000) });
    if (response.status !== 200) return false;
    const body = (await response.json()) as { status?: string };
    return body.status === "green";
  } catch {
    return false;
  }
}

/** A small JSON-over-HTTP helper for tests (no client library, so tests check the wire). */
export async function osRequest<T = unknown>(
  url: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const ndjson = typeof body === "string";
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { "content-type": ndjson ? "application/x-ndjson" : "application/json" },
    body: body === undefined ? undefined : ndjson ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}
