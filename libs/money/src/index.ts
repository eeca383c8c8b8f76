export * from './currencies';
export * from './fees';
export * from './money';
