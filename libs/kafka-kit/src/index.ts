export * from './consumer.supervisor';
export * from './idempotent.consumer';
export * from './kafka';
export * from './outbox';
export * from './outbox.batch';
export * from './outbox.relay';
export * from './payment-events.consumer';
export * from './producer';
