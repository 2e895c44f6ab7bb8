/**
 * The platforms rehydrate ships binaries for, and how each one is named on disk and in a
 * release. Archive names carry no version so `releases/latest/download/<archive>` always
 * resolves; the version lives in the release tag and in `rehydrate --version`.
 */
import { closeSync, openSync, readSync } from "node:fs";

/** One release target: a Bun compile target plus the names of what the build writes for it. */
export interface Target {
  /** Short id used in archive names and on the build script's command line, e.g. `linux-x64-musl`. */
  id: string;
  /** Value for `bun build --compile --target=...`. */
  bunTarget: string;
  os: "linux" | "darwin" | "windows";
  arch: "x64" | "arm64";
  /** C library of a Linux target: musl binaries run on Alpine and other musl distributions. */
  libc?: "glibc" | "musl";
  /** File name of the executable inside the archive. */
  binary: string;
  /** File name of the archive in dist/ and in the release. */
  archive: string;
}

function target(os: Target["os"], arch: Target["arch"], libc?: Target["libc"]): Target {
  const id = [os, arch, libc === "musl" ? "musl" : undefined].filter(Boolean).join("-");
  const windows = os === "windows";
  return {
    id,
    bunTarget: `bun-${id}`,
    os,
    arch,
    ...(libc ? { libc } : {}),
    binary: windows ? "rehydrate.exe" : "rehydrate",
    archive: `rehydrate-${id}${windows ? ".zip" : ".tar.gz"}`,
  };
}

/**
 * Every target a release builds. The `-baseline` (pre-AVX2) variants are left out on purpose:
 * with Bun 1.4.5 the x64 baseline runtimes Bun downloads are byte-identical to the default x64
 * ones (checked with sha256 on linux, darwin and windows), so they would only duplicate archives.
 */
export const TARGETS: readonly Target[] = [
  target("linux", "x64", "glibc"),
  target("linux", "arm64", "glibc"),
  target("linux", "x64", "musl"),
  target("linux", "arm64", "musl"),
  target("darwin", "x64"),
  target("darwin", "arm64"),
  target("windows", "x64"),
];

/** Looks a target up by id; throws with the list of valid ids so a typo is easy to fix. */
export function findTarget(id: string): Target {
  const found = TARGETS.find((t) => t.id === id);
  if (!found)
    throw new Error(`unknown target "${id}"; known targets: ${TARGETS.map((t) => t.id).join(", ")}`);
  return found;
}

/**
 * Reports whether this Linux machine runs musl (Alpine) rather than glibc. It asks the running
 * Bun executable which dynamic loader it was linked against (its ELF interpreter path sits in
 * the first page): a musl loader file lying around on a glibc system (Debian's `musl` package
 * installs one) does not make the system musl.
 */
function isMuslLinux(): boolean {
  const header = Buffer.alloc(4096);
  const fd = openSync(process.execPath, "r");
  try {
    readSync(fd, header, 0, header.length, 0);
  } finally {
    closeSync(fd);
  }
  return header.includes("/ld-musl-");
}

/** The target matching the machine the build runs on (used by `--single`). */
export function hostTarget(): Target {
  const os = process.platform === "win32" ? "windows" : process.platform;
  const arch = process.arch;
  if ((os !== "linux" && os !== "darwin" && os !== "windows") || (arch !== "x64" && arch !== "arm64")) {
    throw new Error(`no rehydrate build target for ${process.platform}/${process.arch}`);
  }
  const musl = os === "linux" && isMuslLinux();
  return findTarget([os, arch, musl ? "musl" : undefined].filter(Boolean).join("-"));
}
