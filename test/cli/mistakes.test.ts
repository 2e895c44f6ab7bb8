/** No silent mistakes: bare plugin names, did-you-mean everywhere, every unknown key at once, --set. */
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { awsHint } from "../../src/cli/help/aws-hints.ts";
import { applyAwsConventions } from "../../src/cli/main.ts";
import { closest, editDistance } from "../../src/util/suggest.ts";
import { runCli } from "../support/cli.ts";
import { removeTempDirs, tempDir } from "./temp-dirs.ts";

afterAll(removeTempDirs);

const event = (i: number) =>
  JSON.stringify({
    id: `e${i}`,
    source: "shop",
    "detail-type": "Order Placed",
    detail: { orderId: `o${i}` },
  });

/** Runs in `dir` (relative paths of flags resolve against the working directory). */
async function inDir<T>(dir: string, body: () => Promise<T>): Promise<T> {
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    return await body();
  } finally {
    process.chdir(cwd);
  }
}

describe("suggestions", () => {
  test("edit distance counts a swap as one edit; far names are not suggested", () => {
    expect(editDistance("form", "from")).toBe(1);
    expect(editDistance("sqllite", "sqlite")).toBe(1);
    expect(closest("patern", ["source", "pattern", "targets"])).toBe("pattern");
    expect(closest("zzz", ["source", "pattern"])).toBeUndefined();
  });
});

describe("bare plugin names and schemes", () => {
  test("--to stdout (colon forgotten) is an error with the fix, and writes no file named stdout", async () => {
    const dir = tempDir("mistakes");
    const { code, stdout, stderr } = await inDir(dir, () =>
      runCli(["run", "--from", "-", "--to", "stdout"], event(1)),
    );
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toContain(
      '"stdout" is a plugin name: did you mean `stdout:`? (a file of that name is file:stdout)',
    );
    expect(existsSync(join(dir, "stdout"))).toBe(false);
  });

  test("--to sqlite and --from file are caught the same way", async () => {
    expect((await runCli(["run", "--from", "-", "--to", "sqlite"])).stderr).toContain(
      "did you mean `sqlite:`?",
    );
    expect((await runCli(["run", "--from", "file", "--to", "stdout:"])).stderr).toContain(
      "did you mean `file:`?",
    );
  });

  test("file:stdout still writes a file named stdout", async () => {
    const dir = tempDir("mistakes");
    const { code } = await inDir(dir, () => runCli(["run", "--from", "-", "--to", "file:stdout"], event(1)));
    expect(code).toBe(0);
    expect(existsSync(join(dir, "stdout"))).toBe(true);
  });

  test("a mistyped scheme is suggested", async () => {
    const { code, stderr } = await runCli(["run", "--from", "-", "--to", "sqllite:out.db#t"]);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown target "sqllite" (did you mean `sqlite`?)');
  });

  test("plugins describe suggests a near name", async () => {
    const { code, stderr } = await runCli(["plugins", "describe", "sqlit"]);
    expect(code).toBe(2);
    expect(stderr).toContain('no plugin named "sqlit" (did you mean "sqlite"?)');
  });

  test("a mistyped pattern operator is suggested, AWS's message kept as is", async () => {
    const { code, stderr } = await runCli(["pattern", "validate", "--pattern", '{"a":[{"prefx":"x"}]}']);
    expect(code).toBe(2);
    expect(stderr).toBe(
      'Event pattern is not valid. Reason: Unrecognized match type prefx (did you mean "prefix"?)\n',
    );
  });
});

describe("pipeline files", () => {
  test("every unknown key is reported at once, with file:line:column and a suggestion", async () => {
    const dir = tempDir("mistakes");
    const file = join(dir, "pipeline.yaml");
    writeFileSync(
      file,
      [
        "source: events.ndjson",
        'patern: {"source": ["shop"]}',
        "targets:",
        '  - "stdout:"',
        "aws:",
        "  regoin: eu-west-1",
        "limt: 3",
        "",
      ].join("\n"),
    );
    const { code, stderr } = await runCli(["validate", file]);
    expect(code).toBe(2);
    const lines = stderr.trim().split("\n");
    expect(lines[0]).toBe("rehydrate: 3 unknown keys:");
    expect(lines[1]).toBe(`  ${file}:2:1: unknown key "patern" (did you mean "pattern"?)`);
    expect(lines[2]).toBe(`  ${file}:6:3: unknown key "aws.regoin" (did you mean "region"?)`);
    expect(lines[3]).toBe(`  ${file}:7:1: unknown key "limt" (did you mean "limit"?)`);
  });

  test("JSON pipeline files get positions too", async () => {
    const dir = tempDir("mistakes");
    const file = join(dir, "p.json");
    writeFileSync(file, '{\n  "source": "-",\n  "tragets": ["stdout:"]\n}\n');
    const { stderr } = await runCli(["validate", file]);
    expect(stderr).toContain(`${file}:3:3: unknown key "tragets" (did you mean "targets"?`);
  });

  test("a plugin option key typo is suggested", async () => {
    const dir = tempDir("mistakes");
    const file = join(dir, "p.yaml");
    writeFileSync(file, 'source: "-"\ntargets:\n  - uri: "sqlite:out.db#orders"\n    createTabel: true\n');
    const { code, stderr } = await runCli(["validate", file]);
    expect(code).toBe(2);
    expect(stderr).toContain('unknown key "createTabel" for sqlite (did you mean "createTable"?)');
  });

  test("`- uri: stdout:` is explained, not just 'Nested mappings are not allowed'", async () => {
    const dir = tempDir("mistakes");
    const file = join(dir, "p.yaml");
    writeFileSync(file, "source: events.ndjson\ntargets:\n  - uri: stdout:\n");
    const { code, stderr } = await runCli(["run", file]);
    expect(code).toBe(2);
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toContain('quote it, as in uri: "stdout:"');
  });
});

describe("plugin options from the command line", () => {
  test("--set createTable=true creates a SQLite database and table without a pipeline file", async () => {
    const dir = tempDir("mistakes");
    const db = join(dir, "orders.db");
    const input = [1, 2, 3].map(event).join("\n");
    const { code, stderr } = await runCli(
      ["run", "--from", "-", "--to", `sqlite:${db}#orders`, "--set", "createTable=true"],
      input,
    );
    expect({ code, stderr }).toMatchObject({ code: 0 });
    const rows = new Database(db, { readonly: true }).query("SELECT count(*) AS n FROM orders").get();
    expect(rows).toEqual({ n: 3 });
  });

  test("--set with several targets needs an index; an index out of range is named", async () => {
    const two = ["run", "--from", "-", "--to", "file:a.ndjson", "--to", "file:b.ndjson"];
    expect((await runCli([...two, "--set", "x=1"])).stderr).toContain(
      "there are 2 targets; say which, from 0: --set 0.x=…",
    );
    expect((await runCli([...two, "--set", "5.x=1"])).stderr).toContain(
      "there is no target 5 (targets are 0 to 1)",
    );
    expect((await runCli([...two, "--set", "nonsense"])).stderr).toContain("--set needs <key>=<value>");
  });

  test("--set 1.key reaches the second target only (a typo there is reported for that target)", async () => {
    const { code, stderr } = await runCli([
      "validate",
      "--from",
      "-",
      "--to",
      "stdout:",
      "--to",
      "sqlite:x.db#t",
      "--set",
      "1.createTabel=true",
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain("targets[1]");
    expect(stderr).toContain('(did you mean "createTable"?)');
  });

  test("a missing required option says how to set it from the command line", async () => {
    const { code, stderr } = await runCli(["validate", "--from", "-", "--to", "dynamodb:users"]);
    expect(code).toBe(2);
    expect(stderr).toContain('"key" is required for dynamodb');
    expect(stderr).toContain(`on the command line: --set key='{"pk":"$.detail.userId"}'`);
  });
});

describe("AWS conventions", () => {
  test("AWS_DEFAULT_REGION is used when AWS_REGION is unset, never over it", () => {
    const env: Record<string, string | undefined> = { AWS_DEFAULT_REGION: "eu-west-3" };
    applyAwsConventions(env);
    expect(env.AWS_REGION).toBe("eu-west-3");
    const both: Record<string, string | undefined> = {
      AWS_REGION: "us-east-2",
      AWS_DEFAULT_REGION: "eu-west-3",
    };
    applyAwsConventions(both);
    expect(both.AWS_REGION).toBe("us-east-2");
  });

  test("hints for a missing region, missing credentials, an unknown profile and expired SSO name no JS class", () => {
    const env = {};
    expect(awsHint("Region is missing", env)).toContain("--region <region>");
    expect(
      awsHint("CredentialsProviderError: Could not load credentials from any providers", env, "dev"),
    ).toContain("aws sso login --profile dev");
    expect(
      awsHint(
        "Could not resolve credentials using profile: [ghost] in configuration/credentials file(s).",
        env,
      ),
    ).toContain('no AWS profile named "ghost"');
    expect(
      awsHint("The SSO session associated with this profile has expired or is otherwise invalid.", {
        AWS_PROFILE: "prod",
      }),
    ).toBe("the AWS SSO session has expired: run `aws sso login --profile prod`, then try again");
    expect(awsHint("ConditionalCheckFailedException", env)).toBeUndefined();
    for (const message of ["Region is missing", "Could not load credentials from any providers"])
      expect(awsHint(message, env)).not.toMatch(/Error\b|Exception\b/);
  });

  /** Runs with only the AWS settings given (no credentials from the machine), restoring the environment after. */
  async function withAwsEnv<T>(settings: Record<string, string>, body: () => Promise<T>): Promise<T> {
    const names = Object.keys(process.env).filter((k) => k.startsWith("AWS_"));
    const saved = { ...process.env };
    for (const name of names) delete process.env[name];
    Object.assign(process.env, { AWS_EC2_METADATA_DISABLED: "true", ...settings });
    try {
      return await body();
    } finally {
      for (const name of Object.keys(process.env)) if (!(name in saved)) delete process.env[name];
      Object.assign(process.env, saved);
    }
  }

  test("through the CLI: no region, an unknown profile and an expired SSO session each get their hint, exit 2", async () => {
    const dir = tempDir("mistakes");
    const config = join(dir, "config");
    writeFileSync(
      config,
      "[default]\nregion = us-east-1\n[profile dev]\nsso_session = s\nsso_account_id = 111111111111\nsso_role_name = r\nregion = us-east-1\n[sso-session s]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n",
    );
    const files = {
      AWS_CONFIG_FILE: join(dir, "none"),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
      HOME: dir,
    };
    const argv = [
      "run",
      "--from",
      "-",
      "--to",
      "eventbridge:default",
      "--endpoint-url",
      "http://127.0.0.1:9",
    ];
    const noRegion = await withAwsEnv(files, () => runCli(argv, event(1)));
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toContain("hint: no AWS region: pass --region <region>");
    const withConfig = { ...files, AWS_CONFIG_FILE: config };
    const ghost = await withAwsEnv({ ...withConfig, AWS_PROFILE: "ghost" }, () => runCli(argv, event(1)));
    expect(ghost.code).toBe(2);
    expect(ghost.stderr).toContain('hint: there is no AWS profile named "ghost"');
    expect(ghost.stderr).not.toContain("CredentialsProviderError");
    const sso = await withAwsEnv({ ...withConfig, AWS_PROFILE: "dev" }, () => runCli(argv, event(1)));
    expect(sso.code).toBe(2);
    expect(sso.stderr).toContain("hint: the AWS SSO session has expired: run `aws sso login --profile dev`");
  });

  test("validate and pattern --rule give the same hints", async () => {
    const dir = tempDir("mistakes");
    const config = join(dir, "config");
    writeFileSync(config, "[default]\nregion = us-east-1\n");
    const env = {
      AWS_CONFIG_FILE: config,
      AWS_SHARED_CREDENTIALS_FILE: join(dir, "none"),
      HOME: dir,
      AWS_PROFILE: "ghost",
    };
    const endpoint = ["--endpoint-url", "http://127.0.0.1:9"];
    const validate = await withAwsEnv(env, () =>
      runCli(["validate", "--from", "-", "--to", "eventbridge:default", ...endpoint]),
    );
    expect(validate.code).toBe(1);
    expect(validate.stdout).toContain("target eventbridge:default: FAILED");
    expect(validate.stderr).toContain('hint: there is no AWS profile named "ghost"');
    const pattern = await withAwsEnv(env, () =>
      runCli(["pattern", "validate", "--rule", "orders", ...endpoint]),
    );
    expect(pattern.code).toBe(2);
    expect(pattern.stderr).toContain('hint: there is no AWS profile named "ghost"');
  });

  test("--endpoint-url is passed to the SDK as AWS_ENDPOINT_URL", async () => {
    const saved = process.env.AWS_ENDPOINT_URL;
    try {
      await runCli([
        "pattern",
        "validate",
        "--pattern",
        '{"a":["b"]}',
        "--endpoint-url",
        "http://127.0.0.1:1",
      ]);
      expect(process.env.AWS_ENDPOINT_URL).toBe("http://127.0.0.1:1");
    } finally {
      if (saved === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = saved;
    }
  });
});
