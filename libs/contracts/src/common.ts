export * from './gen/tolem/common/v1/money';
export * from './gen/tolem/common/v1/payment';
export * from './payment-names';
