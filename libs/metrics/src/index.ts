export * from './http';
export * from './registry';
export * from './server';
export * from './text';
