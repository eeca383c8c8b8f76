export * from './authz';
export * from './client';
export * from './server';
export * from './status';
export * from './tls';
