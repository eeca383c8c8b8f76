export * from './catalog';
export * from './vat';
