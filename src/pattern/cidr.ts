/** `cidr` matching: IPv4 and IPv6 blocks as inclusive bigint ranges. */
import { invalid } from "./errors.ts";

/** A parsed IP literal. */
export interface IpAddress {
  version: 4 | 6;
  value: bigint;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const IPV6_CHARS = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

/** Parses an IPv4 or IPv6 literal (no zone id, no embedded IPv4 form, as event-ruler). `undefined` if not one. */
export function parseIp(text: string): IpAddress | undefined {
  const v4 = IPV4.exec(text);
  if (v4) {
    let value = 0n;
    for (let i = 1; i <= 4; i++) {
      const octet = Number(v4[i]);
      if (octet > 255) return undefined;
      value = (value << 8n) | BigInt(octet);
    }
    return { version: 4, value };
  }
  if (!IPV6_CHARS.test(text)) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const groupsOf = (part: string): string[] | undefined => {
    if (part === "") return [];
    const groups = part.split(":");
    return groups.every((g) => g.length >= 1 && g.length <= 4) ? groups : undefined;
  };
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  let value = 0n;
  for (const group of groups) value = (value << 16n) | BigInt(Number.parseInt(group, 16));
  return { version: 6, value };
}

/** An inclusive address range from a CIDR block. */
export interface CidrRange {
  version: 4 | 6;
  low: bigint;
  high: bigint;
}

/** Parses `ip/bits` with AWS's reasons. The base address is masked: `10.0.0.5/24` covers 10.0.0.0–255. */
export function parseCidr(text: string): CidrRange {
  const parts = text.split("/");
  if (parts.length !== 2) invalid("Malformed CIDR, one '/' required");
  const [ipText, bitsText] = parts as [string, string];
  if (!/^[+-]?\d+$/.test(bitsText)) invalid("Malformed CIDR, mask bits must be an integer");
  const bits = Number(bitsText);
  if (bits < 0) invalid("Malformed CIDR, mask bits must not be negative");
  const ip = parseIp(ipText);
  if (!ip) invalid(`Nonstandard IP address: ${ipText}`);
  const width = ip.version === 4 ? 32 : 128;
  if (bits > width) invalid(`IPv${ip.version} mask bits must be <= ${width}`);
  const hostBits = BigInt(width - bits);
  const hostMask = (1n << hostBits) - 1n;
  const low = ip.value & ~hostMask;
  return { version: ip.version, low, high: low | hostMask };
}
