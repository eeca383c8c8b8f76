export * from './backoff';
export * from './clock';
export * from './loop';
export * from './network';
export * from './run-service';
export * from './shutdown';
