import ipaddr from 'ipaddr.js';

/**
 * Which non-public addresses merchant URLs may reach (NOTIFY_ALLOW_PRIVATE_NETWORKS). Production
 * allows none: a merchant URL must not become a way into our own network. The local stack and
 * tests allow `loopback`; `private` adds RFC 1918/ULA/link-local/CGNAT; `all` lifts every limit
 * (metadata endpoints included).
 */
export const PRIVATE_NETWORK_ALLOWANCES = ['none', 'loopback', 'private', 'all'] as const;
export type PrivateNetworkAllowance = (typeof PRIVATE_NETWORK_ALLOWANCES)[number];

/** What an address is, as far as reaching it from the notifier goes. */
export type AddressClass = 'public' | 'loopback' | 'private' | 'metadata' | 'special';

/** Cloud metadata services: never reachable unless everything is allowed. */
const METADATA = ['169.254.169.254', 'fd00:ec2::254'].map((a) => ipaddr.parse(a).toString());

function classifyV4(address: ipaddr.IPv4): AddressClass {
  if (METADATA.includes(address.toString())) return 'metadata';
  switch (address.range()) {
    case 'unicast':
      return 'public';
    case 'loopback':
      return 'loopback';
    case 'private':
    case 'linkLocal':
    case 'carrierGradeNat':
      return 'private';
    default:
      // unspecified (0.0.0.0 reaches this host), broadcast, multicast, reserved…
      return 'special';
  }
}

/** IPv4-compatible IPv6 (deprecated): the kernel may route `::7f00:1` to 127.0.0.1's host. */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96');

/** The IPv4 address in the last 32 bits of an IPv6 one (mapped, translated, NAT64). */
const v4Tail = (v6: ipaddr.IPv6) => ipaddr.fromByteArray(v6.toByteArray().slice(12)) as ipaddr.IPv4;

function classifyV6(v6: ipaddr.IPv6): AddressClass {
  if (METADATA.includes(v6.toString())) return 'metadata';
  switch (v6.range()) {
    case 'ipv4Mapped':
    case 'rfc6145':
    case 'rfc6052':
      return classifyV4(v4Tail(v6));
    case 'unicast':
      return v6.match(IPV4_COMPATIBLE) ? 'special' : 'public';
    case 'loopback':
      return 'loopback';
    case 'uniqueLocal':
    case 'linkLocal':
      return 'private';
    default:
      return 'special';
  }
}

/**
 * Classifies a literal IPv4 or IPv6 address; IPv4 inside IPv6 (mapped, translated, NAT64) counts
 * as IPv4. An address the classifier cannot place is `special`: it runs inside a DNS callback, where
 * a throw would end the process.
 */
export function classifyAddress(literal: string): AddressClass {
  const bare = literal.startsWith('[') && literal.endsWith(']') ? literal.slice(1, -1) : literal;
  try {
    if (!ipaddr.isValid(bare)) return 'special';
    const address = ipaddr.parse(bare);
    return address.kind() === 'ipv4'
      ? classifyV4(address as ipaddr.IPv4)
      : classifyV6(address as ipaddr.IPv6);
  } catch {
    return 'special';
  }
}

const ALLOWED: Record<PrivateNetworkAllowance, readonly AddressClass[]> = {
  none: ['public'],
  loopback: ['public', 'loopback'],
  private: ['public', 'loopback', 'private'],
  all: ['public', 'loopback', 'private', 'metadata', 'special'],
};

/** Undefined when the address may be reached, else why not (stored as the attempt's error). */
export function refusal(literal: string, allowance: PrivateNetworkAllowance): string | undefined {
  const kind = classifyAddress(literal);
  if (ALLOWED[allowance].includes(kind)) return undefined;
  return `refused: ${literal} is a ${kind} address`;
}

/** Whether a URL host is an IP literal (those are never looked up, so they are checked as is). */
export function isIpLiteral(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  return ipaddr.IPv4.isValidFourPartDecimal(bare) || ipaddr.IPv6.isValid(bare);
}
