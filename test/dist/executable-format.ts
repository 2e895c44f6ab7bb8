/**
 * Reads just enough of an executable's header to tell its format and CPU, so tests can check
 * cross-compiled binaries without running them: ELF (Linux), Mach-O (macOS), PE (Windows).
 */

/** Format and CPU of an executable, plus the ELF program interpreter (shows glibc vs musl). */
export interface ExecutableInfo {
  format: "elf" | "mach-o" | "pe";
  arch: "x64" | "arm64" | `unknown(${number})`;
  /** Mach-O: MH_EXECUTE; PE: console subsystem; ELF: ET_EXEC or ET_DYN. */
  executable: boolean;
  /** ELF only: the PT_INTERP path, e.g. /lib/ld-musl-x86_64.so.1. */
  interpreter?: string;
}

function elf(view: DataView, bytes: Uint8Array): ExecutableInfo {
  if (view.getUint8(4) !== 2 || view.getUint8(5) !== 1)
    throw new Error("only 64-bit little-endian ELF is expected");
  const machine = view.getUint16(0x12, true);
  const type = view.getUint16(0x10, true);
  const phoff = Number(view.getBigUint64(0x20, true));
  const phentsize = view.getUint16(0x36, true);
  const phnum = view.getUint16(0x38, true);
  let interpreter: string | undefined;
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (view.getUint32(at, true) !== 3) continue; // PT_INTERP
    const offset = Number(view.getBigUint64(at + 8, true));
    const size = Number(view.getBigUint64(at + 32, true));
    interpreter = new TextDecoder().decode(bytes.subarray(offset, offset + size)).replace(/\0+$/, "");
  }
  const arch = machine === 0x3e ? "x64" : machine === 0xb7 ? "arm64" : (`unknown(${machine})` as const);
  return {
    format: "elf",
    arch,
    executable: type === 2 || type === 3,
    ...(interpreter ? { interpreter } : {}),
  };
}

function machO(view: DataView): ExecutableInfo {
  const cpu = view.getUint32(4, true);
  const arch = cpu === 0x01000007 ? "x64" : cpu === 0x0100000c ? "arm64" : (`unknown(${cpu})` as const);
  return { format: "mach-o", arch, executable: view.getUint32(12, true) === 2 };
}

function pe(view: DataView): ExecutableInfo {
  const header = view.getUint32(0x3c, true);
  if (view.getUint32(header, true) !== 0x00004550) throw new Error("MZ file without a PE signature");
  const machine = view.getUint16(header + 4, true);
  const optional = header + 24;
  const pe32plus = view.getUint16(optional, true) === 0x20b;
  const subsystem = view.getUint16(optional + 68, true);
  const arch = machine === 0x8664 ? "x64" : machine === 0xaa64 ? "arm64" : (`unknown(${machine})` as const);
  return { format: "pe", arch, executable: pe32plus && subsystem === 3 };
}

/** Identifies an executable from its first bytes (64 KiB are plenty for all three formats). */
export function identifyExecutable(bytes: Uint8Array): ExecutableInfo {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, false) === 0x7f454c46) return elf(view, bytes);
  if (view.getUint32(0, true) === 0xfeedfacf) return machO(view);
  if (view.getUint16(0, false) === 0x4d5a) return pe(view);
  throw new Error(
    `not an ELF, 64-bit Mach-O or PE file (starts with ${Buffer.from(bytes.subarray(0, 4)).toString("hex")})`,
  );
}

/** Reads the header bytes of a file and identifies it. */
export async function identifyFile(path: string): Promise<ExecutableInfo> {
  return identifyExecutable(await Bun.file(path).slice(0, 65536).bytes());
}
