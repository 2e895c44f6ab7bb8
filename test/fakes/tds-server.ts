/**
 * A loopback TDS server (the wire protocol of SQL Server) that the real `mssql`/`tedious` client
 * talks to, for testing driver paths where no SQL Server can run: login, requests, transactions,
 * bulk loads, errors, timeouts and lost connections.
 *
 * It is not a database. It answers the protocol and leaves the *answers* to the test: every SQL
 * batch, RPC (`sp_executesql`) and bulk load is recorded in {@link TdsFake.requests} and passed to
 * a handler that returns result sets, a row count, an ERROR token, silence or a cut connection.
 * What it speaks (TDS 7.4, as tedious 20 negotiates it):
 * - PRELOGIN answered with "encryption not supported" (so clients must set `encrypt: false`);
 * - LOGIN7 → ENVCHANGE (database, packet size, collation) + LOGINACK + DONE, or an ERROR token (18456);
 * - SQL batch (0x01) and RPC (0x03) → COLMETADATA/ROW per result set, DONE/DONEINPROC/DONEPROC;
 * - transaction manager requests (0x0E) → ENVCHANGE begin/commit/rollback with a descriptor;
 * - bulk load (0x07): the client's COLMETADATA and ROW tokens decoded into rows;
 * - attention (0x06) → DONE with the attention flag.
 * Value types decoded from RPC parameters and bulk rows: the integer, bit, float, decimal,
 * (n)char/(n)varchar (also `max`, PLP-encoded) and varbinary types; date, time and guid values
 * are recorded as `undefined` with their type; other types are refused with an ERROR token.
 *
 * Fault injection: {@link TdsFake.failStatement} (the n-th statement gets an error such as 1205
 * or 40613, silence — the client times out — or a cut connection), {@link TdsFake.loginError}
 * and {@link TdsFake.loginSilence}. `TDS_FAKE_TRACE=1` prints every message in and out.
 * Besides tedious, Microsoft's JDBC driver is checked against it (test/sqlserver/jdbc-client.test.ts).
 *
 * @module
 */
import { createServer, type Server, type Socket } from "node:net";

/** A value decoded from a parameter or bulk row. */
export type TdsValue = string | number | bigint | boolean | null | Uint8Array | undefined;

/** One RPC parameter as the client sent it. */
export interface TdsParam {
  /** `@name`, or "" for positional ones. */
  name: string;
  /** The TDS type id (0x26 INTN, 0xE7 NVARCHAR, ...). */
  typeId: number;
  /** The type's name as the server sees it (`intn(4)`, `nvarchar(max)`, ...). */
  type: string;
  value: TdsValue;
}

/** A column of a bulk load as declared in the client's COLMETADATA. */
export interface TdsColumn {
  name: string;
  typeId: number;
  type: string;
}

/** What the client asked for. */
export interface TdsRequest {
  kind: "batch" | "rpc" | "bulk" | "transaction";
  /** Which TCP connection (1-based, in accept order). */
  connection: number;
  /** The SQL text: the batch, the `@stmt` of `sp_executesql`, or the procedure name of other RPCs. */
  sql: string;
  /** RPC parameters after `@stmt` and `@params` (for `sp_executesql`), or all of them. */
  params: TdsParam[];
  /** The `@params` declaration string of `sp_executesql`. */
  declarations?: string;
  /** Bulk loads: the columns and the decoded rows. */
  bulk?: { columns: TdsColumn[]; rows: TdsValue[][] };
  /** Transaction manager requests: begin, commit, rollback or save. */
  transaction?: "begin" | "commit" | "rollback" | "save";
}

/** A column of a result set the fake sends. */
export interface TdsResultColumn {
  name: string;
  /** `nvarchar` (as nvarchar(4000)), `int` (int, 4 bytes) or `bigint`. */
  type: "nvarchar" | "int" | "bigint" | "bit";
}

/** A result set: columns and rows of values (null for NULL). */
export interface TdsResultSet {
  columns: TdsResultColumn[];
  rows: Array<Array<string | number | boolean | null>>;
}

/** An ERROR token. */
export interface TdsError {
  number: number;
  message: string;
  /** @default 1 */
  state?: number;
  /** Severity. @default 16 */
  class?: number;
}

/** What the fake answers to one request. */
export type TdsResponse =
  | { kind?: "ok"; resultSets?: TdsResultSet[]; rowCount?: number }
  | { kind: "error"; error: TdsError /** errors sent before the main one */; preceding?: TdsError[] }
  /** Send nothing (until an attention arrives, which is answered): the client times out. */
  | { kind: "silence" }
  /** Destroy the socket without answering: a lost connection. */
  | { kind: "cut" };

/** Decides the answer to a request; undefined means the default ({@link defaultAnswer}). */
export type TdsHandler = (request: TdsRequest) => TdsResponse | undefined | Promise<TdsResponse | undefined>;

/** Options of {@link startTdsFake}. */
export interface TdsFakeOptions {
  handler?: TdsHandler;
}

/** A running fake. */
export interface TdsFake {
  readonly port: number;
  /** Every request so far, in arrival order (login and prelogin excluded). */
  readonly requests: TdsRequest[];
  /** Connections accepted so far. */
  readonly connections: () => number;
  /** Connections open now. */
  readonly openConnections: () => number;
  /** Logins answered so far (successful or not). */
  readonly logins: () => number;
  /** Replaces the handler. */
  handler: TdsHandler | undefined;
  /** When set, every login is refused with this error (18456 "Login failed for user ..."). */
  loginError: TdsError | undefined;
  /** When set, logins are never answered (the client's connect timeout fires). */
  loginSilence: boolean;
  /** Requests that are not SQL Server's own housekeeping (`SELECT 1`, tedious's `set ...` batch). */
  statements(): TdsRequest[];
  /**
   * Fault injection: the `n`-th statement from now (1-based; housekeeping requests are not
   * counted) gets `response` instead of the handler's answer, once. E.g. error 1205 on the third
   * statement, Azure 40613, `{kind: "silence"}` (a timeout) or `{kind: "cut"}` (a lost connection).
   */
  failStatement(n: number, response: TdsResponse): void;
  /** Forgets the faults not yet triggered. */
  clearFaults(): void;
  close(): Promise<void>;
}

const PACKET = {
  SQL_BATCH: 0x01,
  RPC: 0x03,
  TABULAR_RESULT: 0x04,
  ATTENTION: 0x06,
  BULK_LOAD: 0x07,
  TRANSACTION_MANAGER: 0x0e,
  LOGIN7: 0x10,
  PRELOGIN: 0x12,
} as const;

const DONE_MORE = 0x01;
const DONE_ERROR = 0x02;
const DONE_COUNT = 0x10;
const DONE_ATTN = 0x20;

/** Latin1_General_CI_AS, LCID 1033: what a default SQL Server sends in collations. */
const COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);

/** `TDS_FAKE_TRACE=1` prints every message in and out (for debugging the fake). */
const trace = process.env.TDS_FAKE_TRACE ? (line: string) => console.error(`tds-fake ${line}`) : undefined;

/** Starts a fake on a free loopback port. */
export async function startTdsFake(options: TdsFakeOptions = {}): Promise<TdsFake> {
  const requests: TdsRequest[] = [];
  const sockets = new Set<Socket>();
  let accepted = 0;
  let logins = 0;
  const injections: Array<{ remaining: number; response: TdsResponse }> = [];
  const injected = (request: TdsRequest): TdsResponse | undefined => {
    if (isHousekeeping(request)) return undefined;
    let hit: TdsResponse | undefined;
    for (const injection of injections) if (--injection.remaining === 0) hit ??= injection.response;
    for (let i = injections.length - 1; i >= 0; i--)
      if (injections[i]!.remaining <= 0) injections.splice(i, 1);
    return hit;
  };
  const fake: TdsFake = {
    port: 0,
    requests,
    connections: () => accepted,
    openConnections: () => sockets.size,
    logins: () => logins,
    handler: options.handler,
    loginError: undefined,
    loginSilence: false,
    statements: () => requests.filter((r) => !isHousekeeping(r)),
    failStatement: (n, response) => {
      injections.push({ remaining: n, response });
    },
    clearFaults: () => {
      injections.length = 0;
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server: Server = createServer((socket) => {
    accepted++;
    const connection = accepted;
    sockets.add(socket);
    // Answers go out at once: with Nagle's algorithm, small answers wait for delayed ACKs.
    socket.setNoDelay(true);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", () => {});
    let buffered = Buffer.alloc(0);
    const message: Buffer[] = [];
    let queue = Promise.resolve();
    let pendingSilence: ((attention: boolean) => void) | undefined;
    let transactionCounter = 0;

    const send = (type: number, payload: Buffer) => {
      if (trace) trace(`#${connection} ← ${payload.length} bytes${socket.destroyed ? " (socket gone)" : ""}`);
      if (!socket.destroyed) socket.write(packets(type, payload));
    };

    const handleMessage = async (type: number, payload: Buffer) => {
      if (trace) trace(`#${connection} → type 0x${type.toString(16)} ${payload.length} bytes`);
      if (type === PACKET.PRELOGIN) return send(PACKET.TABULAR_RESULT, preloginResponse());
      if (type === PACKET.LOGIN7) {
        logins++;
        if (fake.loginSilence) return;
        if (fake.loginError) {
          return send(
            PACKET.TABULAR_RESULT,
            Buffer.concat([errorToken(fake.loginError), done(DONE_ERROR, 0)]),
          );
        }
        return send(PACKET.TABULAR_RESULT, loginResponse());
      }
      if (type === PACKET.ATTENTION) {
        const waiting = pendingSilence;
        pendingSilence = undefined;
        // tedious reads one message answering the cancelled request, then one with the
        // attention acknowledgement: the silenced request sends both, in that order.
        if (waiting) return waiting(true);
        return send(PACKET.TABULAR_RESULT, done(DONE_ATTN, 0));
      }
      let request: TdsRequest;
      try {
        request = parseRequest(type, payload, connection);
      } catch (error) {
        return send(
          PACKET.TABULAR_RESULT,
          Buffer.concat([
            errorToken({ number: 50000, message: `tds fake: ${(error as Error).message}` }),
            done(DONE_ERROR, 0),
          ]),
        );
      }
      requests.push(request);
      const answer = injected(request) ?? (await fake.handler?.(request)) ?? defaultAnswer(request);
      if (answer.kind === "cut") {
        socket.destroy();
        return;
      }
      if (answer.kind === "silence") {
        // Wait for the client's attention (its timeout) or the socket to go.
        const attention = await new Promise<boolean>((resolve) => {
          pendingSilence = resolve;
          socket.once("close", () => resolve(false));
        });
        if (attention) {
          send(PACKET.TABULAR_RESULT, request.kind === "rpc" ? doneProc(0, 0) : done(0, 0));
          send(PACKET.TABULAR_RESULT, done(DONE_ATTN, 0));
        }
        return;
      }
      const finalDone = request.kind === "rpc" ? doneProc : done;
      if (answer.kind === "error") {
        const errors = [...(answer.preceding ?? []), answer.error];
        const body = errors.map(errorToken);
        if (request.kind === "transaction" || request.kind === "bulk")
          return send(PACKET.TABULAR_RESULT, Buffer.concat([...body, done(DONE_ERROR, 0)]));
        return send(PACKET.TABULAR_RESULT, Buffer.concat([...body, finalDone(DONE_ERROR, 0)]));
      }
      if (request.kind === "transaction") {
        const parts: Buffer[] = [];
        if (request.transaction === "begin") {
          transactionCounter++;
          const descriptor = Buffer.alloc(8);
          descriptor.writeUInt32LE(connection, 0);
          descriptor.writeUInt32LE(transactionCounter, 4);
          parts.push(envChangeBytes(8, descriptor, Buffer.alloc(0)));
        } else if (request.transaction === "commit") {
          parts.push(envChangeBytes(9, Buffer.alloc(0), Buffer.alloc(8)));
        } else if (request.transaction === "rollback") {
          parts.push(envChangeBytes(10, Buffer.alloc(0), Buffer.alloc(8)));
        }
        return send(PACKET.TABULAR_RESULT, Buffer.concat([...parts, done(0, 0)]));
      }
      if (request.kind === "bulk") {
        const count = answer.rowCount ?? request.bulk?.rows.length ?? 0;
        return send(PACKET.TABULAR_RESULT, done(DONE_COUNT, count));
      }
      const parts: Buffer[] = [];
      const sets = answer.resultSets ?? [];
      for (const set of sets) {
        parts.push(colMetadata(set.columns));
        for (const row of set.rows) parts.push(rowToken(set.columns, row));
        parts.push(
          request.kind === "rpc"
            ? doneInProc(DONE_MORE | DONE_COUNT, set.rows.length)
            : done(DONE_MORE | DONE_COUNT, set.rows.length),
        );
      }
      const rowCount = answer.rowCount;
      if (request.kind === "rpc") {
        if (rowCount !== undefined) parts.push(doneInProc(DONE_MORE | DONE_COUNT, rowCount));
        parts.push(returnStatus(0), doneProc(0, 0));
      } else {
        parts.push(rowCount !== undefined ? done(DONE_COUNT, rowCount) : done(0, 0));
      }
      return send(PACKET.TABULAR_RESULT, Buffer.concat(parts));
    };

    socket.on("data", (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 8) {
        const length = buffered.readUInt16BE(2);
        if (buffered.length < length) break;
        const type = buffered[0]!;
        const status = buffered[1]!;
        message.push(buffered.subarray(8, length));
        buffered = buffered.subarray(length);
        if ((status & 0x01) === 0) continue;
        const payload = Buffer.concat(message);
        message.length = 0;
        if (type === PACKET.ATTENTION) {
          // An attention must overtake the request it cancels.
          void handleMessage(type, payload);
          continue;
        }
        queue = queue
          .then(() => handleMessage(type, payload))
          .catch(() => {
            socket.destroy();
          });
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  server.unref();
  const address = server.address();
  (fake as { port: number }).port = typeof address === "object" && address ? address.port : 0;
  return fake;
}

/** The answer when the handler gives none: `SELECT 1` gets one row, everything else "done". */
export function defaultAnswer(request: TdsRequest): TdsResponse {
  if (/^\s*select\s+1\s*;?\s*$/i.test(request.sql)) {
    return { resultSets: [{ columns: [{ name: "", type: "int" }], rows: [[1]] }] };
  }
  return {};
}

/** Whether a request is the client's own: pool validation or tedious's session setup. */
export function isHousekeeping(request: TdsRequest): boolean {
  return /^\s*select\s+1\s*;?\s*$/i.test(request.sql) || /^\s*set\s+(textsize|ansi_nulls)/i.test(request.sql);
}

// --------------------------------------------------------------------------------------------
// Requests
// --------------------------------------------------------------------------------------------

function parseRequest(type: number, payload: Buffer, connection: number): TdsRequest {
  if (type === PACKET.SQL_BATCH) {
    const start = skipAllHeaders(payload);
    return { kind: "batch", connection, sql: payload.subarray(start).toString("utf16le"), params: [] };
  }
  if (type === PACKET.TRANSACTION_MANAGER) {
    const start = skipAllHeaders(payload);
    const op = payload.readUInt16LE(start);
    const transaction = op === 5 ? "begin" : op === 7 ? "commit" : op === 8 ? "rollback" : "save";
    return { kind: "transaction", connection, sql: `TM ${transaction}`, params: [], transaction };
  }
  if (type === PACKET.RPC) return parseRpc(payload, connection);
  if (type === PACKET.BULK_LOAD) return parseBulk(payload, connection);
  throw new Error(`packet type 0x${type.toString(16)} is not supported`);
}

function skipAllHeaders(payload: Buffer): number {
  return payload.readUInt32LE(0);
}

function parseRpc(payload: Buffer, connection: number): TdsRequest {
  const reader = new Reader(payload, skipAllHeaders(payload));
  const nameLength = reader.u16();
  let procedure: string;
  if (nameLength === 0xffff) {
    const id = reader.u16();
    procedure = id === 10 ? "sp_executesql" : `proc#${id}`;
  } else {
    procedure = reader.utf16(nameLength);
  }
  reader.u16(); // option flags
  const params: TdsParam[] = [];
  while (reader.offset < payload.length) {
    const name = reader.utf16(reader.u8());
    reader.u8(); // status flags
    const info = readTypeInfo(reader);
    params.push({ name, typeId: info.id, type: info.name, value: readValue(reader, info) });
  }
  if (procedure === "sp_executesql") {
    const [stmt, declarations, ...rest] = params;
    return {
      kind: "rpc",
      connection,
      sql: String(stmt?.value ?? ""),
      params: rest,
      ...(declarations !== undefined ? { declarations: String(declarations.value ?? "") } : {}),
    };
  }
  return { kind: "rpc", connection, sql: procedure, params };
}

function parseBulk(payload: Buffer, connection: number): TdsRequest {
  const reader = new Reader(payload, 0);
  const columns: Array<TdsColumn & { info: TypeInfo }> = [];
  const rows: TdsValue[][] = [];
  while (reader.offset < payload.length) {
    const token = reader.u8();
    if (token === 0x81) {
      const count = reader.u16();
      for (let i = 0; i < count; i++) {
        reader.u32(); // user type
        reader.u16(); // flags
        const info = readTypeInfo(reader);
        const name = reader.utf16(reader.u8());
        columns.push({ name, typeId: info.id, type: info.name, info });
      }
    } else if (token === 0xd1) {
      rows.push(columns.map((column) => readValue(reader, column.info)));
    } else if (token === 0xfd) {
      reader.skip(12);
    } else {
      throw new Error(`unexpected token 0x${token.toString(16)} in bulk load`);
    }
  }
  return {
    kind: "bulk",
    connection,
    sql: "BULK LOAD",
    params: [],
    bulk: { columns: columns.map(({ name, typeId, type }) => ({ name, typeId, type })), rows },
  };
}

interface TypeInfo {
  id: number;
  name: string;
  /** Bytes of the length prefix of values: 0 (fixed), 1, 2, or -1 for PLP. */
  prefix: 0 | 1 | 2 | -1;
  fixedLength?: number;
  scale?: number;
  text?: "utf16" | "latin1";
}

const FIXED: Record<number, [string, number]> = {
  31: ["null", 0],
  48: ["tinyint", 1],
  50: ["bit", 1],
  52: ["smallint", 2],
  56: ["int", 4],
  59: ["real", 4],
  62: ["float", 8],
  127: ["bigint", 8],
};

function readTypeInfo(reader: Reader): TypeInfo {
  const id = reader.u8();
  const fixed = FIXED[id];
  if (fixed) return { id, name: fixed[0], prefix: 0, fixedLength: fixed[1] };
  switch (id) {
    case 0x26: // INTN
    case 0x68: // BITN
    case 0x6d: // FLTN
    case 0x24: // GUID
    case 0x6f: // DATETIMN
      return { id, name: `${typeName(id)}(${reader.u8()})`, prefix: 1 };
    case 0x6a: // DECIMALN
    case 0x6c: {
      const length = reader.u8();
      const precision = reader.u8();
      const scale = reader.u8();
      return { id, name: `decimal(${precision},${scale})[${length}]`, prefix: 1, scale };
    }
    case 0x28: // DATEN
      return { id, name: "date", prefix: 1 };
    case 0x29: // TIMEN
    case 0x2a: // DATETIME2N
    case 0x2b: // DATETIMEOFFSETN
      return { id, name: `${typeName(id)}(${reader.u8()})`, prefix: 1 };
    case 0xe7: // NVARCHAR
    case 0xef: // NCHAR
    case 0xa7: // BIGVARCHAR
    case 0xaf: {
      // BIGCHAR
      const max = reader.u16();
      reader.skip(5); // collation
      const text = id === 0xe7 || id === 0xef ? "utf16" : "latin1";
      const size = max === 0xffff ? "max" : String(text === "utf16" ? max / 2 : max);
      return { id, name: `${typeName(id)}(${size})`, prefix: max === 0xffff ? -1 : 2, text };
    }
    case 0xa5: // BIGVARBINARY
    case 0xad: {
      const max = reader.u16();
      return {
        id,
        name: `${typeName(id)}(${max === 0xffff ? "max" : max})`,
        prefix: max === 0xffff ? -1 : 2,
      };
    }
    default:
      throw new Error(`type 0x${id.toString(16)} is not supported`);
  }
}

const TYPE_NAMES: Record<number, string> = {
  38: "intn",
  104: "bitn",
  109: "floatn",
  36: "uniqueidentifier",
  111: "datetimen",
  41: "time",
  42: "datetime2",
  43: "datetimeoffset",
  231: "nvarchar",
  239: "nchar",
  167: "varchar",
  175: "char",
  165: "varbinary",
  173: "binary",
};

function typeName(id: number): string {
  return TYPE_NAMES[id] ?? `0x${id.toString(16)}`;
}

function readValue(reader: Reader, info: TypeInfo): TdsValue {
  if (info.prefix === 0) return decodeFixed(info.id, reader.take(info.fixedLength ?? 0));
  if (info.prefix === -1) {
    const total = reader.u64();
    if (total === 0xffffffffffffffffn) return null;
    const chunks: Buffer[] = [];
    for (let length = reader.u32(); length !== 0; length = reader.u32()) chunks.push(reader.take(length));
    return decodeBytes(info, Buffer.concat(chunks));
  }
  const length = info.prefix === 1 ? reader.u8() : reader.u16();
  if ((info.prefix === 1 && length === 0 && info.id !== 0x28) || (info.prefix === 2 && length === 0xffff)) {
    return null;
  }
  return decodeBytes(info, reader.take(length));
}

function decodeFixed(id: number, bytes: Buffer): TdsValue {
  switch (id) {
    case 0x1f:
      return null;
    case 0x30:
      return bytes.readUInt8(0);
    case 0x32:
      return bytes.readUInt8(0) !== 0;
    case 0x34:
      return bytes.readInt16LE(0);
    case 0x38:
      return bytes.readInt32LE(0);
    case 0x3b:
      return bytes.readFloatLE(0);
    case 0x3e:
      return bytes.readDoubleLE(0);
    case 0x7f:
      return bytes.readBigInt64LE(0);
  }
  return undefined;
}

function decodeBytes(info: TypeInfo, bytes: Buffer): TdsValue {
  switch (info.id) {
    case 0x26:
      if (bytes.length === 1) return bytes.readUInt8(0);
      if (bytes.length === 2) return bytes.readInt16LE(0);
      if (bytes.length === 4) return bytes.readInt32LE(0);
      return bytes.readBigInt64LE(0);
    case 0x68:
      return bytes.readUInt8(0) !== 0;
    case 0x6d:
      return bytes.length === 4 ? bytes.readFloatLE(0) : bytes.readDoubleLE(0);
    case 0x6a:
    case 0x6c: {
      const sign = bytes.readUInt8(0) === 1 ? 1n : -1n;
      let magnitude = 0n;
      for (let i = bytes.length - 1; i >= 1; i--) magnitude = (magnitude << 8n) | BigInt(bytes[i]!);
      const scale = info.scale ?? 0;
      const digits = (sign * magnitude).toString();
      if (scale === 0) return digits;
      const negative = digits.startsWith("-");
      const plain = (negative ? digits.slice(1) : digits).padStart(scale + 1, "0");
      return `${negative ? "-" : ""}${plain.slice(0, -scale)}.${plain.slice(-scale)}`;
    }
  }
  if (info.text === "utf16") return bytes.toString("utf16le");
  if (info.text === "latin1") return bytes.toString("latin1");
  if (info.id === 0xa5 || info.id === 0xad) return new Uint8Array(bytes);
  return undefined;
}

class Reader {
  constructor(
    readonly buffer: Buffer,
    public offset: number,
  ) {}
  u8(): number {
    return this.buffer.readUInt8(this.offset++);
  }
  u16(): number {
    const value = this.buffer.readUInt16LE(this.offset);
    this.offset += 2;
    return value;
  }
  u32(): number {
    const value = this.buffer.readUInt32LE(this.offset);
    this.offset += 4;
    return value;
  }
  u64(): bigint {
    const value = this.buffer.readBigUInt64LE(this.offset);
    this.offset += 8;
    return value;
  }
  take(length: number): Buffer {
    if (this.offset + length > this.buffer.length) throw new Error("message ends inside a value");
    const bytes = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return bytes;
  }
  skip(length: number): void {
    this.offset += length;
  }
  utf16(chars: number): string {
    return this.take(chars * 2).toString("utf16le");
  }
}

// --------------------------------------------------------------------------------------------
// Responses
// --------------------------------------------------------------------------------------------

/** Splits a message into packets of at most 4096 bytes. */
function packets(type: number, payload: Buffer): Buffer {
  const max = 4096 - 8;
  const parts: Buffer[] = [];
  let id = 1;
  for (let offset = 0; offset < payload.length || offset === 0; offset += max) {
    const body = payload.subarray(offset, offset + max);
    const last = offset + max >= payload.length;
    const header = Buffer.alloc(8);
    header[0] = type;
    header[1] = last ? 0x01 : 0x00;
    header.writeUInt16BE(body.length + 8, 2);
    header[6] = id++ & 0xff;
    parts.push(header, body);
    if (last) break;
  }
  return Buffer.concat(parts);
}

function preloginResponse(): Buffer {
  // VERSION (6 bytes), ENCRYPTION (1: not supported), INSTOPT (1), THREADID (4), MARS (1).
  const options: Array<[number, Buffer]> = [
    [0x00, Buffer.from([16, 0, 0x10, 0x00, 0, 0])],
    [0x01, Buffer.from([0x02])],
    [0x02, Buffer.from([0x00])],
    [0x03, Buffer.alloc(4)],
    [0x04, Buffer.from([0x00])],
  ];
  const headerLength = options.length * 5 + 1;
  const header = Buffer.alloc(headerLength);
  let offset = headerLength;
  options.forEach(([token, data], i) => {
    header[i * 5] = token;
    header.writeUInt16BE(offset, i * 5 + 1);
    header.writeUInt16BE(data.length, i * 5 + 3);
    offset += data.length;
  });
  header[headerLength - 1] = 0xff;
  return Buffer.concat([header, ...options.map(([, data]) => data)]);
}

function loginResponse(): Buffer {
  const progName = bVarChar("Microsoft SQL Server");
  const loginAckBody = Buffer.concat([
    Buffer.from([0x01]),
    Buffer.from([0x74, 0x00, 0x00, 0x04]),
    progName,
    Buffer.from([16, 0, 0x10, 0x00]),
  ]);
  const loginAck = Buffer.concat([Buffer.from([0xad]), u16(loginAckBody.length), loginAckBody]);
  return Buffer.concat([
    envChange(1, bVarChar("master"), bVarChar("master")),
    envChange(4, bVarChar("4096"), bVarChar("4096")),
    // The database collation: tedious needs it to encode varchar parameters and bulk rows.
    envChangeBytes(7, COLLATION, Buffer.alloc(0)),
    loginAck,
    done(0, 0),
  ]);
}

function envChange(type: number, newValue: Buffer, oldValue: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from([type]), newValue, oldValue]);
  return Buffer.concat([Buffer.from([0xe3]), u16(body.length), body]);
}

function envChangeBytes(type: number, newValue: Buffer, oldValue: Buffer): Buffer {
  return envChange(
    type,
    Buffer.concat([Buffer.from([newValue.length]), newValue]),
    Buffer.concat([Buffer.from([oldValue.length]), oldValue]),
  );
}

function errorToken(error: TdsError): Buffer {
  const message = Buffer.from(error.message, "utf16le");
  const body = Buffer.concat([
    u32(error.number),
    Buffer.from([error.state ?? 1, error.class ?? 16]),
    u16(error.message.length),
    message,
    bVarChar("tds-fake"),
    bVarChar(""),
    u32(1),
  ]);
  return Buffer.concat([Buffer.from([0xaa]), u16(body.length), body]);
}

function doneToken(token: number, status: number, rowCount: number): Buffer {
  const buffer = Buffer.alloc(13);
  buffer[0] = token;
  buffer.writeUInt16LE(status, 1);
  buffer.writeUInt16LE(0xc1, 3);
  buffer.writeBigUInt64LE(BigInt(rowCount), 5);
  return buffer;
}

function done(status: number, rowCount: number): Buffer {
  return doneToken(0xfd, status, rowCount);
}
function doneProc(status: number, rowCount: number): Buffer {
  return doneToken(0xfe, status, rowCount);
}
function doneInProc(status: number, rowCount: number): Buffer {
  return doneToken(0xff, status, rowCount);
}

function returnStatus(value: number): Buffer {
  return Buffer.concat([Buffer.from([0x79]), u32(value)]);
}

function colMetadata(columns: readonly TdsResultColumn[]): Buffer {
  const parts: Buffer[] = [Buffer.from([0x81]), u16(columns.length)];
  for (const column of columns) {
    parts.push(u32(0), u16(0x01)); // user type, flags: nullable
    if (column.type === "nvarchar") parts.push(Buffer.from([0xe7]), u16(8000), COLLATION);
    else if (column.type === "int") parts.push(Buffer.from([0x26, 4]));
    else if (column.type === "bigint") parts.push(Buffer.from([0x26, 8]));
    else parts.push(Buffer.from([0x68, 1]));
    parts.push(bVarChar(column.name));
  }
  return Buffer.concat(parts);
}

function rowToken(
  columns: readonly TdsResultColumn[],
  row: ReadonlyArray<string | number | boolean | null>,
): Buffer {
  const parts: Buffer[] = [Buffer.from([0xd1])];
  columns.forEach((column, i) => {
    const value = row[i] ?? null;
    if (column.type === "nvarchar") {
      if (value === null) parts.push(u16(0xffff));
      else {
        const bytes = Buffer.from(String(value), "utf16le");
        parts.push(u16(bytes.length), bytes);
      }
    } else if (column.type === "int" || column.type === "bigint") {
      if (value === null) parts.push(Buffer.from([0]));
      else if (column.type === "int") parts.push(Buffer.from([4]), u32(Number(value)));
      else {
        const bytes = Buffer.alloc(8);
        bytes.writeBigInt64LE(BigInt(value as number));
        parts.push(Buffer.from([8]), bytes);
      }
    } else if (value === null) parts.push(Buffer.from([0]));
    else parts.push(Buffer.from([1, value ? 1 : 0]));
  });
  return Buffer.concat(parts);
}

function bVarChar(text: string): Buffer {
  return Buffer.concat([Buffer.from([text.length]), Buffer.from(text, "utf16le")]);
}

function u16(value: number): Buffer {
  const buffer = Buffer.alloc(2);
  buffer.writeUInt16LE(value);
  return buffer;
}

function u32(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32LE(value | 0);
  return buffer;
}
