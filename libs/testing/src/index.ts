export * from './infra';
export * from './local-ca';
export * from './process';
export * from './tcp-forwarder';
export * from './wait';
