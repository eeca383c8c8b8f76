const LOOPBACK_HOST = /^(localhost|127(\.\d{1,3}){3}|::1)$/i;

/**
 * Whether a host name or address (an IPv6 one with or without its URL brackets) is this machine's
 * loopback: traffic to it never leaves the machine, so plaintext there exposes nothing.
 */
export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOST.test(host.replace(/^\[(.*)\]$/, '$1'));
}
