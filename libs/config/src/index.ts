export * from './env';
export * from './secret';
