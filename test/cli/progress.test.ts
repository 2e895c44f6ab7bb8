/** Progress people and CI can read: the bar on a terminal, plain lines in logs, the modes. */
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { estimateFileRecords } from "../../src/cli/commands/estimate-records.ts";
import { runCommandLine } from "../../src/cli/main.ts";
import {
  ProgressLine,
  renderBar,
  renderPlain,
  resolveProgressMode,
} from "../../src/report/progress/index.ts";
import { RateWindow } from "../../src/report/progress/rate-window.ts";
import { removeTempDirs, tempDir } from "./temp-dirs.ts";

afterAll(removeTempDirs);

const root = join(import.meta.dir, "..", "..");
const snapshot = {
  read: 1_234_567,
  matched: 98_765,
  sent: 98_000,
  failed: 12,
  rate: 85_432,
  elapsedSeconds: 75,
};

describe("the bar", () => {
  test("never reaches the last column, at any width, with or without a total", () => {
    for (let columns = 20; columns <= 200; columns++) {
      for (const total of [undefined, 2_500_000]) {
        const line = renderBar({ ...snapshot, total }, columns, 3);
        expect({ columns, length: line.length <= columns - 1 }).toEqual({ columns, length: true });
      }
    }
  });

  test("with a total: bar, percent, ETA from the current rate, and counters when there is room", () => {
    const line = renderBar({ ...snapshot, total: 2_469_134 }, 120, 0);
    expect(line).toMatch(
      /^\[█+░+\] 50% 1\.2M\/2\.5M · 85\.4k\/s · ETA 14s · matched 98\.8k · sent 98\.0k · failed 12$/,
    );
    expect(renderBar({ ...snapshot, total: 2_469_134 }, 120, 0, false)).toStartWith("[###");
  });

  test("without a total: a spinner, the read count, rate and elapsed time; no percent", () => {
    const a = renderBar(snapshot, 100, 0);
    const b = renderBar(snapshot, 100, 1);
    expect(a).toBe("⠋ read 1.2M · 85.4k/s · 1m15s · matched 98.8k · sent 98.0k · failed 12");
    expect(b[0]).not.toBe(a[0]);
    expect(a).not.toContain("%");
  });

  test("narrow terminals drop words before numbers", () => {
    const line = renderBar(snapshot, 40, 0);
    expect(line).toBe("⠋ read 1.2M · 85.4k/s · failed 12");
  });
});

describe("plain lines and the rate", () => {
  test("a plain line has full numbers, no escapes, and percent/ETA when the total is known", () => {
    expect(renderPlain(snapshot)).toBe(
      "progress: read 1,234,567 · matched 98,765 · sent 98,000 · failed 12 · 85,432 events/s · elapsed 1m15s",
    );
    expect(renderPlain({ ...snapshot, total: 2_469_134 })).toContain("read 1,234,567 of 2,469,134 (50%)");
  });

  test("the rate is over the last few seconds, not since the start", () => {
    const rates = new RateWindow(5_000);
    let count = 0;
    for (let t = 0; t <= 60_000; t += 1_000) {
      count += t < 50_000 ? 10_000 : 0; // 10k/s for 50 s, then a stall
      rates.add(t, count);
    }
    expect(rates.add(61_000, count)).toBe(0);
    const fresh = new RateWindow(5_000);
    fresh.add(0, 0);
    expect(fresh.add(2_000, 4_000)).toBe(2_000);
  });

  test("ProgressLine in plain mode writes one line per interval; bar mode redraws in place and clears on stop", () => {
    let now = 0;
    const counters = { read: () => now * 10, matched: () => 1, sent: () => 1, failed: () => 0 };
    const plainOut: string[] = [];
    const plain = new ProgressLine(
      { write: (t: string) => plainOut.push(t) },
      counters,
      { mode: "plain", intervalMs: 15_000 },
      () => now,
    );
    now = 15_000;
    plain.tick();
    expect(plainOut).toEqual([
      "progress: read 150,000 · matched 1 · sent 1 · failed 0 · 0 events/s · elapsed 15s\n",
    ]);
    const barOut: string[] = [];
    const bar = new ProgressLine(
      { write: (t: string) => barOut.push(t) },
      counters,
      { mode: "bar", intervalMs: 1, columns: () => 60 },
      () => now,
    );
    bar.start();
    now = 16_000;
    bar.tick();
    bar.stop();
    expect(barOut[0]).toStartWith("\r\u001b[2K⠋ read 160.0k · 10.0k/s");
    expect(barOut.at(-1)).toBe("\r\u001b[2K");
    const offOut: string[] = [];
    const off = new ProgressLine({ write: (t: string) => offOut.push(t) }, counters, {
      mode: "off",
      intervalMs: 1,
    });
    off.start();
    off.stop();
    expect(offOut).toEqual([]);
  });
});

describe("estimated totals (file sources)", () => {
  test("an NDJSON file's record count is estimated from its size and its first lines", () => {
    const dir = tempDir("estimate");
    const line = (i: number) => JSON.stringify({ id: String(i).padStart(6, "0"), source: "s", detail: {} });
    writeFileSync(join(dir, "a.ndjson"), `${Array.from({ length: 30_000 }, (_, i) => line(i)).join("\n")}\n`);
    writeFileSync(join(dir, "b.ndjson"), `${Array.from({ length: 10_000 }, (_, i) => line(i)).join("\n")}\n`);
    const estimate = estimateFileRecords({ paths: ["*.ndjson"] }, dir)!;
    expect(Math.abs(estimate - 40_000)).toBeLessThan(400);
    expect(Math.abs(estimateFileRecords({ paths: [join(dir, "a.ndjson")] }, "/")! - 30_000)).toBeLessThan(
      300,
    );
    for (const paths of [["-"], ["x.ndjson.gz"], ["events.json"], ["missing.ndjson"]])
      expect(estimateFileRecords({ paths }, dir)).toBeUndefined();
  });

  test("an estimate is shown with ~, and held under 100% once passed", () => {
    expect(renderPlain({ ...snapshot, read: 500, total: 1000, estimated: true, rate: 100 })).toContain(
      "read 500 of ~1,000 (~50%)",
    );
    const passed = renderBar({ ...snapshot, read: 1200, total: 1000, estimated: true }, 120, 0);
    expect(passed).toContain("~99% 1200/~1000");
    expect(passed).not.toContain("ETA");
    const counters = { read: () => 250, matched: () => 0, sent: () => 0, failed: () => 0 };
    const out: string[] = [];
    const line = new ProgressLine({ write: (t: string) => out.push(t) }, counters, {
      mode: "plain",
      intervalMs: 1,
      estimatedTotal: () => 1000,
    });
    line.tick();
    expect(out[0]).toContain("read 250 of ~1,000 (~25%)");
  });
});

describe("--progress modes", () => {
  test("auto is a bar on a terminal, plain in CI or a pipe; quiet and off win", () => {
    expect(resolveProgressMode({ isTTY: true, env: {} })).toBe("bar");
    expect(resolveProgressMode({ isTTY: true, env: { CI: "true" } })).toBe("plain");
    expect(resolveProgressMode({ isTTY: true, env: { GITHUB_ACTIONS: "true" } })).toBe("plain");
    expect(resolveProgressMode({ isTTY: false, env: {} })).toBe("plain");
    expect(resolveProgressMode({ isTTY: true, env: { CI: "false" } })).toBe("bar");
    expect(resolveProgressMode({ flag: "bar", isTTY: false, env: {} })).toBe("bar");
    expect(resolveProgressMode({ flag: "bar", quiet: true, isTTY: true, env: {} })).toBe("off");
    expect(resolveProgressMode({ file: false, isTTY: true, env: {} })).toBe("off");
  });

  test("a typo in --progress is a usage error with a suggestion", async () => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = "";
    stderr.on("data", (c) => {
      err += c;
    });
    const code = await runCommandLine(["run", "--from", "-", "--to", "stdout:", "--progress", "pla"], {
      stdin: new PassThrough(),
      stdout,
      stderr,
      env: process.env,
      colorDepth: 1,
    });
    expect(code).toBe(2);
    expect(err).toContain("--progress must be one of auto, bar, plain, off");
    expect(err).toContain("did you mean plain?");
  });
});

/** Events written slowly to the CLI's stdin, so the run lasts `seconds`. */
function slowFeeder(dir: string, seconds: number): string {
  const script = join(dir, "feed.sh");
  const lines = Math.round(seconds * 20);
  writeFileSync(
    script,
    `i=0; while [ $i -lt ${lines} ]; do echo '{"id":"'$i'","source":"s","detail-type":"A","detail":{}}'; i=$((i+1)); sleep 0.05; done\n`,
  );
  return script;
}

/** Runs the CLI in a pseudo-terminal of `columns` columns (util-linux `script`), returns what the terminal got. */
function runInPty(command: string, columns: number, env: Record<string, string>): string {
  const result = Bun.spawnSync(["script", "-qfec", `stty cols ${columns} rows 24; ${command}`, "/dev/null"], {
    env: { ...process.env, TERM: "xterm", ...env },
    cwd: root,
  });
  return result.stdout.toString();
}

const hasScript = Bun.spawnSync(["sh", "-c", "command -v script"]).exitCode === 0;

describe.if(hasScript)("on a real pseudo-terminal", () => {
  test("a 60-column terminal gets a bar redrawn in place, never wider than 59 columns, cleared at the end", () => {
    const dir = tempDir("progress");
    const feeder = slowFeeder(dir, 1.5);
    const out = runInPty(
      `sh ${feeder} | bun src/cli/main.ts run --from - --to file:${join(dir, "out.ndjson")}`,
      60,
      { CI: "", GITHUB_ACTIONS: "" },
    );
    const redraws = out.split("\r\u001b[2K").slice(1);
    expect(redraws.length).toBeGreaterThan(2);
    const bars = redraws.map((r) => r.split(/\r|\n/)[0]!).filter((r) => r !== "");
    expect(bars.some((b) => /read \d+/.test(b) && b.includes("/s"))).toBe(true);
    for (const bar of bars) expect(bar.length).toBeLessThanOrEqual(59);
    // The summary starts on a clean line after the last clear.
    expect(out).toMatch(/\r\u001b\[2Krehydrate run completed/);
  });

  test("a plain NDJSON file source gets a percent and an ETA (an estimate, with ~)", () => {
    const dir = tempDir("progress");
    const input = join(dir, "big.ndjson");
    const line = (i: number) =>
      JSON.stringify({ id: `${i}`, source: "s", "detail-type": "A", detail: { n: i } });
    writeFileSync(input, `${Array.from({ length: 300_000 }, (_, i) => line(i)).join("\n")}\n`);
    const out = runInPty(
      `bun src/cli/main.ts run --from ${input} --to file:${join(dir, "out.ndjson")}`,
      100,
      {
        CI: "",
        GITHUB_ACTIONS: "",
      },
    );
    const bars = out.split("\r\u001b[2K").map((r) => r.split(/\r|\n/)[0]!);
    expect(
      bars.some((b) => /^\[[█░]+\] ~\d+% [\d.k]+\/~[\d.]+[kM] · [\d.k]+\/s · ETA ~\d+s · matched/.test(b)),
    ).toBe(true);
    for (const bar of bars) expect(bar.length).toBeLessThanOrEqual(99);
  });

  test("with CI set, the same terminal gets plain lines every --progress-interval instead", () => {
    const dir = tempDir("progress");
    const feeder = slowFeeder(dir, 2.5);
    const out = runInPty(
      `sh ${feeder} | bun src/cli/main.ts run --from - --to file:${join(dir, "out.ndjson")} --progress-interval 1`,
      80,
      { CI: "true" },
    );
    expect(out).not.toContain("\u001b[2K");
    const lines = out.split(/\r?\n/).filter((l) => l.startsWith("progress: read "));
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines[0]).toMatch(
      /^progress: read [\d,]+ · matched [\d,]+ · sent [\d,]+ · failed 0 · [\d,]+ events\/s · elapsed \ds$/,
    );
  });

  test("--progress off and -q print no progress at all", () => {
    const dir = tempDir("progress");
    const feeder = slowFeeder(dir, 0.8);
    for (const flag of ["--progress off", "-q"]) {
      const out = runInPty(
        `sh ${feeder} | bun src/cli/main.ts run --from - --to file:${join(dir, "o.ndjson")} ${flag}`,
        80,
        {},
      );
      expect(out).not.toContain("\u001b[2K");
      expect(out).not.toContain("progress:");
    }
  });
});
