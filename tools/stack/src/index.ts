export * from './demo-merchant';
export * from './services';
export * from './stack';
