/** The nine apps: how each starts and how the launcher knows it is ready. */
export type ServiceName =
  | 'ledger'
  | 'provider-adapters'
  | 'notifier'
  | 'reporting'
  | 'recurring'
  | 'qr-platform'
  | 'checkout'
  | 'gateway'
  | 'provider-sandbox';

export interface ServiceSpec {
  name: ServiceName;
  kind: 'grpc' | 'http';
  /** Suffix of its own database, or undefined for apps that own nothing durable. */
  database?: string;
}

export const SERVICES: readonly ServiceSpec[] = [
  { name: 'ledger', kind: 'grpc', database: 'ledger' },
  { name: 'provider-adapters', kind: 'grpc', database: 'provider_adapters' },
  { name: 'notifier', kind: 'grpc', database: 'notifier' },
  { name: 'reporting', kind: 'grpc', database: 'reporting' },
  { name: 'recurring', kind: 'grpc', database: 'recurring' },
  { name: 'qr-platform', kind: 'grpc', database: 'qr_platform' },
  { name: 'checkout', kind: 'grpc', database: 'checkout' },
  { name: 'provider-sandbox', kind: 'http' },
  { name: 'gateway', kind: 'http', database: 'gateway' },
];

export const PAYMENTS_TOPIC = 'payments.events.v1';
export const CONSUMER_GROUPS = ['notifier', 'reporting', 'qr-platform'] as const;
export type ConsumerGroup = (typeof CONSUMER_GROUPS)[number];

/** Whether an app consumes the payments topic (its default group is its name). */
export function isConsumerGroup(name: string): name is ConsumerGroup {
  return (CONSUMER_GROUPS as readonly string[]).includes(name);
}
