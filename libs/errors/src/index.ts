export * from './domain-error';
export * from './http';
export * from './storable';
