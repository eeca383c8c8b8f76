export * from './env';
export * from './grpc';
export * from './kafka';
export * from './secret';
export * from './service';
