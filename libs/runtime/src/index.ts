export * from './backoff';
export * from './clock';
export * from './loop';
export * from './run-service';
export * from './shutdown';
