export * from './qr-render';
