export * from './infra';
export * from './process';
export * from './wait';
