export * from './gen/tolem/checkout/v1/checkout';
