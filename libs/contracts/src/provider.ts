export * from './gen/tolem/provider/v1/provider';
