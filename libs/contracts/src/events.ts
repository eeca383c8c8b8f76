export * from './gen/tolem/events/v1/payment_event';
