export * from './gen/tolem/ledger/v1/ledger';
