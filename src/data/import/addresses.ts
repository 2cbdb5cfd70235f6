/**
 * The network addresses an import may never reach unless an operator allows the host:
 * this machine, private and shared networks, link-local (where cloud metadata services
 * answer: 169.254.169.254, fd00:ec2::254), multicast and reserved ranges, and the IPv6
 * forms that carry one of those IPv4 addresses inside (mapped, compatible, NAT64, 6to4),
 * and any address of this machine's own interfaces (a public address on the host reaches
 * its services as surely as 127.0.0.1 does). One address in, the name of its range (or
 * nothing) out.
 */
import { BlockList, isIPv4, isIPv6 } from "node:net";
import { networkInterfaces } from "node:os";

type Range = [address: string, prefix: number, family: "ipv4" | "ipv6", name: string];

const RANGES: Range[] = [
  ["0.0.0.0", 8, "ipv4", "unspecified"],
  ["10.0.0.0", 8, "ipv4", "private, RFC 1918"],
  ["100.64.0.0", 10, "ipv4", "shared, carrier-grade NAT"],
  ["127.0.0.0", 8, "ipv4", "loopback"],
  ["169.254.0.0", 16, "ipv4", "link-local, cloud metadata"],
  ["172.16.0.0", 12, "ipv4", "private, RFC 1918"],
  ["192.0.0.0", 24, "ipv4", "IETF protocol assignments"],
  ["192.0.2.0", 24, "ipv4", "documentation"],
  ["192.88.99.0", 24, "ipv4", "6to4 relay"],
  ["192.168.0.0", 16, "ipv4", "private, RFC 1918"],
  ["198.18.0.0", 15, "ipv4", "benchmarking"],
  ["198.51.100.0", 24, "ipv4", "documentation"],
  ["203.0.113.0", 24, "ipv4", "documentation"],
  ["224.0.0.0", 4, "ipv4", "multicast"],
  ["240.0.0.0", 4, "ipv4", "reserved or broadcast"],
  ["::", 128, "ipv6", "unspecified"],
  ["::1", 128, "ipv6", "loopback"],
  ["64:ff9b:1::", 48, "ipv6", "local NAT64"],
  ["100::", 64, "ipv6", "discard-only"],
  ["2001::", 23, "ipv6", "IETF protocol assignments, Teredo"],
  ["2001:db8::", 32, "ipv6", "documentation"],
  ["fc00::", 7, "ipv6", "unique-local, cloud metadata"],
  ["fe80::", 10, "ipv6", "link-local"],
  ["fec0::", 10, "ipv6", "site-local"],
  ["ff00::", 8, "ipv6", "multicast"],
];

const lists = RANGES.map(([address, prefix, family, name]) => {
  const list = new BlockList();
  list.addSubnet(address, prefix, family);
  return { list, family, name };
});

/** The 16 bytes of an IPv6 address (zone id dropped; dotted IPv4 tails allowed). */
function ipv6Bytes(address: string): Uint8Array {
  let text = address.replace(/%.*$/, "");
  const bytes = new Uint8Array(16);
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted[1]!.split(".").map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = "", tail] = text.split("::") as [string, string | undefined];
  const words = (s: string) => (s ? s.split(":").map((w) => parseInt(w, 16)) : []);
  const front = words(head);
  const back = tail === undefined ? [] : words(tail);
  const all = [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
  all.forEach((w, i) => {
    bytes[2 * i] = w >> 8;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

const dottedOf = (b: Uint8Array, at: number) => `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
const zero = (b: Uint8Array, from: number, to: number) => b.slice(from, to).every((x) => x === 0);

/** The IPv4 address an IPv6 address stands for, when it is one of the forms that embed one. */
function embeddedIpv4(address: string): { ipv4: string; form: string } | undefined {
  const b = ipv6Bytes(address);
  if (zero(b, 0, 10) && b[10] === 0xff && b[11] === 0xff)
    return { ipv4: dottedOf(b, 12), form: "IPv4-mapped" };
  if (zero(b, 0, 8) && b[8] === 0xff && b[9] === 0xff && zero(b, 10, 12))
    return { ipv4: dottedOf(b, 12), form: "IPv4-translated" };
  if (zero(b, 0, 12)) return { ipv4: dottedOf(b, 12), form: "IPv4-compatible" };
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(b, 4, 12))
    return { ipv4: dottedOf(b, 12), form: "NAT64" };
  if (b[0] === 0x20 && b[1] === 0x02) return { ipv4: dottedOf(b, 2), form: "6to4" };
  return undefined;
}

let own: { at: number; list: BlockList } | undefined;

/** This machine's interface addresses, read again at most every 10 seconds. */
function ownAddresses(): BlockList {
  if (own && Date.now() - own.at < 10_000) return own.list;
  const list = new BlockList();
  for (const infos of Object.values(networkInterfaces()))
    for (const info of infos ?? []) {
      const family = info.family === "IPv4" ? "ipv4" : "ipv6";
      list.addAddress(info.address.replace(/%.*$/, ""), family);
    }
  own = { at: Date.now(), list };
  return list;
}

function rangeOf(address: string, family: "ipv4" | "ipv6"): string | undefined {
  return lists.find((r) => r.family === family && r.list.check(address, family))?.name;
}

/**
 * The name of the refused range `address` (an IPv4 or IPv6 address) falls in, or
 * undefined for an address an import may reach. Anything that is not an address is refused.
 */
export function refusedRange(address: string): string | undefined {
  const own = (a: string, family: "ipv4" | "ipv6") =>
    ownAddresses().check(a, family) ? "this machine's own" : undefined;
  if (isIPv4(address)) return rangeOf(address, "ipv4") ?? own(address, "ipv4");
  const bare = address.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  if (!isIPv6(bare)) return "not an IP address";
  const range = rangeOf(bare, "ipv6");
  if (range) return range;
  const inner = embeddedIpv4(bare);
  const innerRange = inner && (rangeOf(inner.ipv4, "ipv4") ?? own(inner.ipv4, "ipv4"));
  if (inner && innerRange) return `${innerRange}, in ${inner.form} form`;
  return own(bare, "ipv6");
}
