export * from './fastify';
export * from './log-context';
export * from './logger';
export * from './mask';
export * from './tracing';
