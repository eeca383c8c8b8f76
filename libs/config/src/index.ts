export * from './env';
export * from './grpc';
export * from './secret';
