/**
 * The TDS fake against a second, independent client: Microsoft's JDBC driver
 * (`com.microsoft.sqlserver:mssql-jdbc` from Maven Central, fetched by Maven into ~/.m2 on first
 * use; Java and Maven are on the project's machines, see docs and test/services/opensearch.ts).
 * If the fake only worked because it echoes tedious's own assumptions, this would show it.
 */
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { startTdsFake, type TdsFake } from "../fakes/tds-server.ts";

const VERSION = "13.6.2.jre11";
const JAR = join(
  homedir(),
  ".m2/repository/com/microsoft/sqlserver/mssql-jdbc",
  VERSION,
  `mssql-jdbc-${VERSION}.jar`,
);

/**
 * Maven fetches the driver and the JDK runs the probe from source (a JRE alone cannot). Both are
 * on the project's machines; where they are not, the test is reported as skipped.
 */
const TOOLS = Bun.which("mvn") !== null && Bun.which("javac") !== null;

let fake: TdsFake;
beforeAll(async () => {
  fake = await startTdsFake({
    handler: (request) => {
      if (request.sql.startsWith("SELECT probe"))
        return {
          resultSets: [
            {
              columns: [
                { name: "s", type: "nvarchar" },
                { name: "n", type: "int" },
                { name: "b", type: "bigint" },
                { name: "ok", type: "bit" },
              ],
              rows: [["x", 1, 4294967297, true]],
            },
          ],
        };
      if (request.sql === "SELECT fails")
        return { kind: "error", error: { number: 1205, message: "chosen as the deadlock victim" } };
      return undefined;
    },
  });
  if (TOOLS && !existsSync(JAR)) {
    const maven = Bun.spawn(
      [
        "mvn",
        "-B",
        "-q",
        "dependency:get",
        `-Dartifact=com.microsoft.sqlserver:mssql-jdbc:${VERSION}`,
        "-Dtransitive=false",
      ],
      { stdout: "pipe", stderr: "pipe" },
    );
    const code = await maven.exited;
    if (code !== 0 || !existsSync(JAR))
      throw new Error(
        `mvn could not fetch mssql-jdbc ${VERSION} (exit ${code}): ${await new Response(maven.stdout).text()}`,
      );
  }
}, 180_000);
afterAll(async () => {
  await fake.close();
});

test.skipIf(!TOOLS)(
  "Microsoft's JDBC driver logs in, binds typed parameters, reads rows, gets the error number, commits",
  async () => {
    const probe = Bun.spawn(
      ["java", "-cp", JAR, join(import.meta.dir, "jdbc/TdsFakeProbe.java"), String(fake.port)],
      {
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const timer = setTimeout(() => probe.kill(), 60_000);
    const [stdout, stderr, code] = await Promise.all([
      new Response(probe.stdout).text(),
      new Response(probe.stderr).text(),
      probe.exited,
    ]);
    clearTimeout(timer);
    expect({ code, stderr }).toMatchObject({ code: 0 });
    expect(stdout.trim().split("\n")).toEqual([
      "connected",
      "row x|1|4294967297|true",
      "error 1205 chosen as the deadlock victim",
      "done",
    ]);
    const statements = fake.statements();
    const prepared = statements.find((r) => r.sql.startsWith("SELECT probe"))!;
    expect(prepared.kind).toBe("rpc");
    expect(prepared.sql).toBe(
      "SELECT probe WHERE a = @P0 AND b = @P1 AND c = @P2 AND d = @P3 AND e = @P4 AND f = @P5",
    );
    expect(prepared.params.map((p) => p.value)).toEqual([
      "héllo",
      9007199254740993n,
      -7,
      true,
      "-1234.50",
      null,
    ]);
    expect(statements.map((r) => r.sql)).toContain("UPDATE inside");
  },
  120_000,
);
