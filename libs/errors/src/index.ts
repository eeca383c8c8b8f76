export * from './domain-error';
export * from './http';
export * from './nul-character';
