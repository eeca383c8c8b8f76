export * from './payment-event';
