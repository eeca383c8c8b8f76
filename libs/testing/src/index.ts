export * from './infra';
export * from './local-ca';
export * from './process';
export * from './wait';
