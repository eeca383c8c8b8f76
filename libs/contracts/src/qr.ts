export * from './gen/tolem/qr/v1/qr';
