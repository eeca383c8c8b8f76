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

/** Classifies a literal IPv4 or IPv6 address; IPv4 inside IPv6 (mapped, NAT64) counts as IPv4. */
export function classifyAddress(literal: string): AddressClass {
  const bare = literal.startsWith('[') && literal.endsWith(']') ? literal.slice(1, -1) : literal;
  if (!ipaddr.isValid(bare)) return 'special';
  const address = ipaddr.parse(bare);
  if (address.kind() === 'ipv4') return classifyV4(address as ipaddr.IPv4);
  const v6 = address as ipaddr.IPv6;
  if (METADATA.includes(v6.toString())) return 'metadata';
  const range = v6.range();
  switch (range) {
    case 'ipv4Mapped':
    case 'rfc6145':
      return classifyV4(v6.toIPv4Address());
    case 'rfc6052':
      return classifyV4(ipaddr.fromByteArray(v6.toByteArray().slice(12)) as ipaddr.IPv4);
    case 'unicast':
      return 'public';
    case 'loopback':
      return 'loopback';
    case 'uniqueLocal':
    case 'linkLocal':
      return 'private';
    default:
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
